// `npm start`: migrates the database, then serves keygraph until SIGTERM/SIGINT, when it stops taking
// connections, lets in-flight requests finish (up to KEYGRAPH_SHUTDOWN_GRACE_MS) and closes the database.
import { mkdirSync } from 'node:fs';
import { createServer } from 'node:http';
import pino from 'pino';
import { loadConfig } from '../config.js';
import { createApp } from './app.js';

const OUTBOX_RETRY_MS = 30_000;

const log = pino({ level: process.env.LOG_LEVEL || 'info', base: { service: 'keygraph' } });

async function main(): Promise<void> {
  const config = loadConfig();
  mkdirSync(config.dataDir, { recursive: true });
  const app = await createApp(config, { log, processMetrics: true });
  const server = createServer(app.yoga);
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
    const force = setTimeout(() => {
      log.warn('in-flight requests did not finish in time; closing their connections');
      server.closeAllConnections();
    }, config.shutdownGraceMs);
    force.unref();
    server.close(async () => {
      clearTimeout(force);
      await app.close();
      log.info('stopped');
      exit(0);
    });
    server.closeIdleConnections();
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
