// `npm start`: migrates the database, then serves keygraph until SIGTERM/SIGINT, when it stops taking
// connections, serves the requests of connections it already accepted (even those not yet read) and
// closes each connection after its response, up to KEYGRAPH_SHUTDOWN_GRACE_MS, then closes the database.
// Files it creates are its owner's only: the data directory 0700, the database and keys 0600.
import { chmodSync, existsSync, mkdirSync } from 'node:fs';
import { createServer } from 'node:http';
import { Server as NetServer } from 'node:net';
import pino from 'pino';
import { loadConfig, sqlitePath, type Config } from '../config.js';
import { createApp } from './app.js';

const OUTBOX_RETRY_MS = 30_000;

const log = pino({ level: process.env.LOG_LEVEL || 'info', base: { service: 'keygraph' } });

/** The data directory 0700; the SQLite database (and its journal files) and the key files 0600. */
function restrictFiles(config: Config): void {
  chmodSync(config.dataDir, 0o700);
  const files = ['master.key', 'signing-key.json'].map((name) => `${config.dataDir}/${name}`);
  if (config.databaseProvider === 'sqlite') {
    const db = sqlitePath(config.databaseUrl);
    files.push(db, `${db}-wal`, `${db}-shm`, `${db}-journal`);
  }
  for (const file of files) if (existsSync(file)) chmodSync(file, 0o600);
}

async function main(): Promise<void> {
  const config = loadConfig();
  // Whatever this process creates (database, journals, keys) is readable by its owner only.
  process.umask(0o077);
  mkdirSync(config.dataDir, { recursive: true, mode: 0o700 });
  const app = await createApp(config, { log, processMetrics: true });
  restrictFiles(config);
  let draining = false;
  const server = createServer((req, res) => {
    // Once shutting down, every response closes its connection.
    if (draining) res.shouldKeepAlive = false;
    void app.yoga(req, res);
  });
  server.keepAliveTimeout = 5_000;

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(config.port, config.host, resolve);
  });
  const shown = config.host === '0.0.0.0' ? 'localhost' : config.host;
  log.info(
    { port: config.port, database: config.databaseProvider, graphiql: config.graphiql, introspection: config.introspection },
    `keygraph is serving http://${shown}:${config.port}/graphql`,
  );

  // Messages whose delivery failed (or whose instance stopped before sending) are retried.
  const outbox = setInterval(() => app.services.outbox.kick(), OUTBOX_RETRY_MS);
  outbox.unref();
  app.services.outbox.kick();

  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    clearInterval(outbox);
    log.info({ signal }, 'shutting down: no new connections, finishing in-flight requests');
    draining = true;
    const force = setTimeout(() => {
      log.warn('in-flight requests did not finish in time; closing their connections');
      server.closeAllConnections();
    }, config.shutdownGraceMs);
    force.unref();
    // net.Server's close stops listening only; http.Server's would also drop every connection without a
    // request in progress, including accepted ones whose request has not been read yet.
    NetServer.prototype.close.call(server, async () => {
      clearTimeout(force);
      clearInterval(idle);
      await app.close();
      log.info('stopped');
      exit(0);
    });
    // Connections still idle after their queued requests had time to arrive (kept-alive ones) are closed.
    const idle = setInterval(() => server.closeIdleConnections(), 1_000);
    idle.unref();
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
}

/** Exits once pino has written every line (its writes to stdout are asynchronous). */
function exit(code: number): void {
  log.flush(() => process.exit(code));
}

main().catch((error: unknown) => {
  log.fatal({ err: error }, 'keygraph failed to start');
  exit(1);
});
