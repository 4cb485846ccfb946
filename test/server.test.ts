// End-to-end tests of the real server process (`src/server/main.ts`, as `npm start` runs it), talked to
// over HTTP on 127.0.0.1: routes, GraphiQL served offline, metrics, the hardened configuration, graceful
// shutdown on SIGTERM, readiness (503) and a fatal start-up failure. Runs against the provider under test
// (freshDatabase: SQLite, or PostgreSQL when TEST_DATABASE_URL is set).
import { spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, statSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { connect, type Socket } from 'node:net';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import pg from 'pg';
import { afterEach, describe, expect, it } from 'vitest';
import { ADMIN_EMAIL, ADMIN_PASSWORD, freshDatabase, provider, type TestDatabase } from './support/harness.js';
import { freePort, seedAdmin } from './support/process.js';

const projectRoot = fileURLToPath(new URL('..', import.meta.url));

const CREATE_ACCOUNT = 'mutation { createAccount(input: {name: "Acme"}) { account { id name } errors { message } } }';

interface CreateAccountData {
  createAccount: { account: { id: string; name: string } | null; errors: { message: string }[] };
}

interface GraphQLBody<T> {
  data?: T | null;
  errors?: { message: string }[];
}


const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

interface ServerProcess {
  child: ChildProcess;
  port: number;
  base: string;
  /** Everything the process wrote to stdout and stderr so far. */
  output(): string;
  /** The JSON log lines (pino) written so far. */
  logs(): { msg?: string; level?: number; [key: string]: unknown }[];
  /** Resolves with the exit code (null when killed by a signal) once the process has exited. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** Kills the process (SIGKILL) unless it has already exited, and waits for it. */
  kill(): Promise<void>;
  /** A session token of the super administrator, once logged in. */
  token?: string;
}


/** Spawns the real server on a free port; does not wait for it to be ready. */
async function spawnServer(db: TestDatabase, env: Record<string, string> = {}): Promise<ServerProcess> {
  const port = await freePort();
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/server/main.ts'], {
    cwd: projectRoot,
    env: {
      ...process.env,
      PORT: String(port),
      HOST: '127.0.0.1',
      KEYGRAPH_DATA_DIR: db.dataDir,
      DATABASE_URL: db.url,
      LOG_LEVEL: 'info',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout!.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
  let exitedWith: { code: number | null; signal: NodeJS.Signals | null } | undefined;
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    // 'close' (not 'exit') so that all of stdout/stderr has been read by then.
    child.once('close', (code, signal) => {
      exitedWith = { code, signal };
      resolve(exitedWith);
    });
    child.once('error', (error) => {
      output += `\n[spawn error] ${error.stack ?? String(error)}`;
      exitedWith = { code: null, signal: null };
      resolve(exitedWith);
    });
  });
  return {
    child,
    port,
    base: `http://127.0.0.1:${port}`,
    output: () => output,
    logs: () =>
      output
        .split('\n')
        .filter((line) => line.startsWith('{'))
        .flatMap((line) => {
          try {
            return [JSON.parse(line) as { msg?: string; level?: number }];
          } catch {
            return [];
          }
        }),
    exited,
    async kill() {
      if (exitedWith === undefined) {
        child.kill('SIGKILL');
        await exited;
      }
    },
  };
}

/** Spawns the real server and polls GET /readyz until it answers 200 (60 s at most). */
async function startServer(db: TestDatabase, env: Record<string, string> = {}): Promise<ServerProcess> {
  await seedAdmin(db);
  const server = await spawnServer(db, env);
  const deadline = Date.now() + 60_000;
  let exited = false;
  void server.exited.then(() => (exited = true));
  let last = 'no answer yet';
  while (Date.now() < deadline) {
    if (exited) {
      const { code, signal } = await server.exited;
      throw new Error(`the server exited before it was ready (code ${code}, signal ${signal}); output:\n${server.output()}`);
    }
    try {
      const response = await fetch(`${server.base}/readyz`, { signal: AbortSignal.timeout(5_000) });
      const body = await response.text();
      if (response.status === 200) {
        const login = await graphql<{ login: { token: string } }>(server, 'mutation($i: LoginInput!) { login(input: $i) { token } }', { i: { identifier: ADMIN_EMAIL, password: ADMIN_PASSWORD } });
        server.token = login.body.data?.login.token;
        if (!server.token) throw new Error(`login failed: ${JSON.stringify(login.body)}`);
        return server;
      }
      last = `${response.status} ${body}`;
    } catch (error) {
      last = String(error);
    }
    await sleep(100);
  }
  await server.kill();
  throw new Error(`the server was not ready within 60 s (last /readyz: ${last}); output:\n${server.output()}`);
}

async function graphql<T>(server: ServerProcess, query: string, variables?: Record<string, unknown>): Promise<{ status: number; body: GraphQLBody<T> }> {
  const response = await fetch(`${server.base}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/graphql-response+json, application/json', ...(server.token ? { authorization: `Bearer ${server.token}` } : {}) },
    body: JSON.stringify({ query, variables }),
  });
  const text = await response.text();
  let body: GraphQLBody<T>;
  try {
    body = JSON.parse(text) as GraphQLBody<T>;
  } catch {
    throw new Error(`POST /graphql answered ${response.status} with a body that is not JSON: ${text}`);
  }
  return { status: response.status, body };
}

/** Resolves true when a TCP connection to the port succeeds, false when it is refused. */
function canConnect(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ port, host: '127.0.0.1' });
    socket.setTimeout(5_000);
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('timeout', () => {
      socket.destroy();
      resolve(false);
    });
    socket.once('error', () => resolve(false));
  });
}

/** Polls until connecting to the port is refused; resolves false if it still accepts after `ms`. */
async function refusesConnectionsWithin(port: number, ms: number): Promise<boolean> {
  const deadline = Date.now() + ms;
  do {
    if (!(await canConnect(port))) return true;
    await sleep(20);
  } while (Date.now() < deadline);
  return false;
}

/** The value of the Prometheus sample whose name and labels are exactly `prefix`. */
function sampleValue(metrics: string, prefix: string): number | undefined {
  const line = metrics.split('\n').find((l) => l.startsWith(`${prefix} `));
  return line === undefined ? undefined : Number(line.slice(prefix.length + 1).trim().split(/\s+/)[0]);
}

describe('the keygraph server process (npm start) over HTTP', () => {
  const cleanups: (() => Promise<void>)[] = [];

  /** A fresh database of the provider under test, dropped after the test (after the server is killed). */
  async function database(): Promise<TestDatabase> {
    const db = await freshDatabase();
    cleanups.push(() => db.drop());
    return db;
  }

  async function serve(db: TestDatabase, env: Record<string, string> = {}): Promise<ServerProcess> {
    const server = await startServer(db, env);
    cleanups.unshift(() => server.kill());
    return server;
  }

  afterEach(async () => {
    const errors: unknown[] = [];
    for (const cleanup of cleanups.splice(0)) {
      try {
        await cleanup();
      } catch (error) {
        errors.push(error);
      }
    }
    if (errors.length) throw new AggregateError(errors, 'cleanup failed');
  });

  it('serves GraphiQL, /healthz, /readyz, /graphql and /metrics', async () => {
    const server = await serve(await database());

    const health = await fetch(`${server.base}/healthz`);
    expect(health.status).toBe(200);
    expect(health.headers.get('content-type')).toMatch(/application\/json/);
    expect(await health.json()).toEqual({ status: 'ok' });

    const ready = await fetch(`${server.base}/readyz`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toMatchObject({ ready: true, database: 'up', pendingMigrations: [] });

    const created = await graphql<CreateAccountData>(server, CREATE_ACCOUNT);
    expect(created.status).toBe(200);
    expect(created.body.errors).toBeUndefined();
    expect(created.body.data?.createAccount.errors).toEqual([]);
    const account = created.body.data?.createAccount.account;
    expect(account).toMatchObject({ id: expect.any(String), name: 'Acme' });

    const read = await graphql<{ account: { name: string } | null }>(server, 'query($id: ID!) { account(id: $id) { name } }', { id: account!.id });
    expect(read.status).toBe(200);
    expect(read.body).toEqual({ data: { account: { name: 'Acme' } }, extensions: { cost: expect.objectContaining({ nodes: 0, requests: 0, maxNodes: 500_000, points: 1, limit: 5_000 }) } });

    const page = await fetch(`${server.base}/graphql`, { headers: { accept: 'text/html' } });
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toMatch(/text\/html/);
    const html = await page.text();
    expect(html).toMatch(/graphiql/i);
    // Served entirely inline (works offline): no script or stylesheet loaded from a CDN.
    expect(html.match(/<script\b[^>]*\bsrc\s*=\s*["']?https?:\/\/[^>]*>/gi) ?? []).toEqual([]);
    expect(html.match(/<link\b[^>]*\bhref\s*=\s*["']?https?:\/\/[^>]*>/gi) ?? []).toEqual([]);

    const metricsResponse = await fetch(`${server.base}/metrics`);
    expect(metricsResponse.status).toBe(200);
    expect(metricsResponse.headers.get('content-type')).toMatch(/text\/plain/);
    const metrics = await metricsResponse.text();
    expect(metrics).toContain('keygraph_http_requests_total');
    expect(metrics).toMatch(/^keygraph_http_requests_total\{method="POST",route="\/graphql",status="200"\} \d+/m);
    expect(metrics).toContain('keygraph_http_request_duration_seconds_bucket');
    expect(metrics).toMatch(/^keygraph_graphql_operations_total\{operation_name="[^"]*",operation_type="mutation",outcome="success"\} [1-9]/m);
    expect(metrics).toMatch(/^keygraph_graphql_operations_total\{operation_name=[^}]*outcome="success"[^}]*\} [1-9]/m);
    const inserts = sampleValue(metrics, 'keygraph_db_statements_total{model="Account",operation="insert"}');
    expect(inserts, metrics).toBeGreaterThanOrEqual(1);
    // Process metrics under `npm start` too (issue 13: they were on only when no logger was passed).
    expect(metrics).toMatch(/^keygraph_process_cpu_user_seconds_total \d/m);
    expect(metrics).toMatch(/^keygraph_nodejs_heap_size_used_bytes \d/m);
  });

  it('hardened configuration turns off introspection and GraphiQL', async () => {
    const server = await serve(await database(), { KEYGRAPH_INTROSPECTION: 'false' });

    const introspection = await graphql<{ __schema?: unknown }>(server, '{ __schema { queryType { name } } }');
    expect(introspection.body.errors?.length ?? 0).toBeGreaterThan(0);
    expect(introspection.body.errors!.map((e) => e.message).join('\n')).toMatch(/introspection/i);
    expect(introspection.body.data?.__schema).toBeUndefined();

    const page = await fetch(`${server.base}/graphql`, { headers: { accept: 'text/html' } });
    const body = await page.text();
    expect(body).not.toMatch(/graphiql/i);
    expect(page.headers.get('content-type') ?? '').not.toMatch(/text\/html/);

    const created = await graphql<CreateAccountData>(server, CREATE_ACCOUNT);
    expect(created.status).toBe(200);
    expect(created.body.errors).toBeUndefined();
    expect(created.body.data?.createAccount.account?.name).toBe('Acme');
    const read = await graphql<{ account: { name: string } | null }>(server, 'query($id: ID!) { account(id: $id) { name } }', {
      id: created.body.data!.createAccount.account!.id,
    });
    expect(read.body).toEqual({ data: { account: { name: 'Acme' } }, extensions: { cost: expect.objectContaining({ nodes: 0, requests: 0, maxNodes: 500_000, points: 1, limit: 5_000 }) } });

    const started = server.logs().find((l) => typeof l.msg === 'string' && l.msg.startsWith('keygraph is serving'));
    expect(started, server.output()).toMatchObject({ graphiql: false, introspection: false });
  });

  it('SIGTERM lets in-flight requests finish, then exits 0', async () => {
    const server = await serve(await database());

    // The in-flight request: headers (with `Expect: 100-continue`) go out first; Node's server answers
    // `100 Continue` once it has parsed them, so from then on the request is provably in flight. Only
    // after the server has logged that it is shutting down does the body follow.
    const body = JSON.stringify({ query: CREATE_ACCOUNT });
    let continued!: () => void;
    const serverHasHeaders = new Promise<void>((resolve) => (continued = resolve));
    const request = httpRequest({
      host: '127.0.0.1',
      port: server.port,
      method: 'POST',
      path: '/graphql',
      agent: false,
      headers: {
        'content-type': 'application/json',
        accept: 'application/graphql-response+json, application/json',
        'content-length': Buffer.byteLength(body),
        authorization: `Bearer ${server.token}`,
        expect: '100-continue',
      },
    });
    request.once('continue', () => continued());
    const inFlight = new Promise<{ status: number; text: string }>((resolve, reject) => {
      request.once('error', reject);
      request.once('response', (response) => {
        let text = '';
        response.setEncoding('utf8');
        response.on('data', (chunk: string) => (text += chunk));
        response.once('end', () => resolve({ status: response.statusCode ?? 0, text }));
        response.once('error', reject);
      });
    });
    void inFlight.catch(() => {}); // awaited below; keeps an early rejection from being reported as unhandled
    request.flushHeaders();
    await serverHasHeaders;

    expect(server.child.kill('SIGTERM')).toBe(true);
    const deadline = Date.now() + 15_000;
    while (!server.logs().some((l) => l.msg?.includes('shutting down')) && Date.now() < deadline) await sleep(10);
    expect(server.logs().some((l) => l.msg?.includes('shutting down')), server.output()).toBe(true);
    // Draining: the listener closes (no new connections; it is closed right after that line is logged),
    // but the process keeps running for the request in flight.
    expect(await refusesConnectionsWithin(server.port, 5_000)).toBe(true);
    expect(server.logs().some((l) => l.msg === 'stopped'), server.output()).toBe(false);

    request.end(body);
    const result = await inFlight;
    expect(result.status, result.text).toBe(200);
    const parsed = JSON.parse(result.text) as GraphQLBody<CreateAccountData>;
    expect(parsed.errors).toBeUndefined();
    expect(parsed.data?.createAccount.errors).toEqual([]);
    expect(parsed.data?.createAccount.account).toMatchObject({ id: expect.any(String), name: 'Acme' });

    const exit = await Promise.race([server.exited, sleep(15_000).then(() => 'timeout' as const)]);
    expect(exit, server.output()).toEqual({ code: 0, signal: null });

    // Compared by pino's `time`, not by position: the logger writes asynchronously and main.ts exits right
    // after logging "stopped", so the last lines can reach stdout out of order (see the report).
    const logs = server.logs();
    const messages = logs.map((l) => l.msg ?? '');
    const shuttingDown = logs.find((l) => l.msg?.includes('shutting down'));
    const served = logs.filter((l) => l.msg === 'request' && l.method === 'POST' && l.path === '/graphql').at(-1); // the last: the first is the login
    const stopped = logs.find((l) => l.msg === 'stopped');
    expect(shuttingDown, server.output()).toMatchObject({ signal: 'SIGTERM' });
    expect(served, server.output()).toMatchObject({ status: 200 });
    expect(stopped, server.output()).toBeDefined();
    // The request was answered after shutdown began, and the process stopped after answering it.
    expect(served!.time as number).toBeGreaterThanOrEqual(shuttingDown!.time as number);
    expect(stopped!.time as number).toBeGreaterThanOrEqual(served!.time as number);
    expect(messages.some((m) => m.includes('did not finish in time')), server.output()).toBe(false);
    expect(await canConnect(server.port)).toBe(false);
  });

  it('keeps its data directory 0700 and its database and keys 0600, even when they were created wider', async () => {
    const db = await database();
    await seedAdmin(db);
    chmodSync(db.dataDir, 0o755);
    if (provider === 'sqlite') chmodSync(db.url.slice('file:'.length), 0o644);
    await serve(db);
    const mode = (path: string) => statSync(path).mode & 0o777;
    expect(mode(db.dataDir).toString(8)).toBe('700');
    expect(mode(`${db.dataDir}/master.key`).toString(8)).toBe('600');
    expect(mode(`${db.dataDir}/signing-key.json`).toString(8)).toBe('600');
    if (provider === 'sqlite') expect(mode(db.url.slice('file:'.length)).toString(8)).toBe('600');
  });

  it('SIGTERM serves the requests of the 40 connections it had accepted, then exits 0', async () => {
    const server = await serve(await database());
    // 40 connections, accepted before the signal, whose requests arrive only after it.
    const sockets = await Promise.all(
      Array.from({ length: 40 }, () => new Promise<Socket>((resolve, reject) => {
        const socket = connect(server.port, '127.0.0.1', () => resolve(socket));
        socket.once('error', reject);
      })),
    );
    await sleep(300);
    expect(server.child.kill('SIGTERM')).toBe(true);
    const deadline = Date.now() + 15_000;
    while (!server.logs().some((l) => l.msg?.includes('shutting down')) && Date.now() < deadline) await sleep(5);
    const body = JSON.stringify({ query: '{ viewer { authenticated } }' });
    const answers = await Promise.all(
      sockets.map((socket) => new Promise<string>((resolve) => {
        let text = '';
        socket.setEncoding('utf8');
        socket.on('data', (chunk: string) => (text += chunk));
        socket.once('close', () => resolve(text));
        socket.once('error', (error) => resolve(`error: ${String(error)}`));
        socket.write(`POST /graphql HTTP/1.1\r\nhost: 127.0.0.1\r\ncontent-type: application/json\r\ncontent-length: ${Buffer.byteLength(body)}\r\n\r\n${body}`);
      })),
    );
    const statuses = answers.map((a) => /^HTTP\/1\.1 (\d+)/.exec(a)?.[1] ?? a.slice(0, 60));
    expect(statuses).toEqual(Array(40).fill('200'));
    for (const answer of answers) expect(answer).toMatch(/\r\nconnection: close\r\n/i);
    const exit = await Promise.race([server.exited, sleep(15_000).then(() => 'timeout' as const)]);
    expect(exit, server.output()).toEqual({ code: 0, signal: null });
  });

  it('`npm start` stops on SIGTERM', async () => {
    const db = await database();
    await seedAdmin(db);
    const port = await freePort();
    const child = spawn('npm', ['start'], {
      cwd: projectRoot,
      env: { ...process.env, PORT: String(port), HOST: '127.0.0.1', KEYGRAPH_DATA_DIR: db.dataDir, DATABASE_URL: db.url, LOG_LEVEL: 'warn' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const exited = new Promise<number | null>((resolve) => child.once('close', (code) => resolve(code)));
    cleanups.unshift(async () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    });
    const deadline = Date.now() + 60_000;
    let ready = false;
    while (!ready && Date.now() < deadline) {
      ready = await fetch(`http://127.0.0.1:${port}/readyz`).then((r) => r.status === 200, () => false);
      if (!ready) await sleep(200);
    }
    expect(ready, output).toBe(true);
    expect(child.kill('SIGTERM')).toBe(true);
    const code = await Promise.race([exited, sleep(15_000).then(() => 'timeout' as const)]);
    expect(code, output).toBe(0);
    expect(await refusesConnectionsWithin(port, 5_000)).toBe(true);
  });

  it.skipIf(provider !== 'postgresql')('answers at once when a lock is held, instead of waiting (PostgreSQL lock_timeout)', async () => {
    const db = await database();
    const server = await serve(db, { KEYGRAPH_PG_LOCK_TIMEOUT_MS: '500' });
    const holder = new pg.Client({ connectionString: db.url });
    await holder.connect();
    try {
      await holder.query('BEGIN');
      await holder.query('LOCK TABLE "Account" IN ACCESS EXCLUSIVE MODE');
      const started = Date.now();
      const answer = await graphql<CreateAccountData>(server, CREATE_ACCOUNT);
      const ms = Date.now() - started;
      expect(answer.body.errors?.length ?? 0, JSON.stringify(answer.body)).toBeGreaterThan(0);
      expect(ms).toBeLessThan(5_000);
    } finally {
      await holder.query('ROLLBACK');
      await holder.end();
    }
  });

  it('/readyz is 503 when a migration is missing or the database goes away', async () => {
    const db = await database();
    const server = await serve(db);

    // Forget the applied migrations behind the server's back: it is up, but not ready.
    let forgotten: string[];
    if (provider === 'sqlite') {
      const side = new Database(db.url.slice('file:'.length));
      try {
        forgotten = (side.prepare('SELECT migration_name FROM _prisma_migrations').all() as { migration_name: string }[]).map((r) => r.migration_name);
        side.prepare('DELETE FROM _prisma_migrations').run();
      } finally {
        side.close();
      }
    } else {
      const side = new pg.Client({ connectionString: db.url });
      await side.connect();
      try {
        forgotten = (await side.query<{ migration_name: string }>('DELETE FROM "_prisma_migrations" RETURNING "migration_name"')).rows.map((r) => r.migration_name);
      } finally {
        await side.end();
      }
    }
    expect(forgotten.length).toBeGreaterThan(0);
    const pending = await fetch(`${server.base}/readyz`);
    expect(pending.status).toBe(503);
    expect(await pending.json()).toEqual({ ready: false, database: 'up', pendingMigrations: [...forgotten].sort() });
    expect((await fetch(`${server.base}/healthz`)).status).toBe(200);

    if (provider === 'postgresql') {
      // The database disappears under the running server (its connections are terminated).
      const admin = new pg.Client({ connectionString: process.env.TEST_DATABASE_URL });
      await admin.connect();
      try {
        await admin.query(`DROP DATABASE "${new URL(db.url).pathname.slice(1)}" WITH (FORCE)`);
      } finally {
        await admin.end();
      }
      const down = await fetch(`${server.base}/readyz`, { signal: AbortSignal.timeout(30_000) });
      expect(down.status).toBe(503);
      expect(await down.json()).toEqual({ ready: false, database: 'down', pendingMigrations: [] });
      // Liveness does not depend on the database.
      expect((await fetch(`${server.base}/healthz`)).status).toBe(200);
    }
  });

  it('exits non-zero with a fatal log when the database is unreachable at start', async () => {
    const db = await database();
    const server = await spawnServer(db, { DATABASE_URL: 'postgresql://nobody@127.0.0.1:1/none' });
    cleanups.unshift(() => server.kill());

    const exit = await Promise.race([server.exited, sleep(30_000).then(() => 'timeout' as const)]);
    expect(exit, server.output()).not.toBe('timeout');
    expect(exit, server.output()).toMatchObject({ code: expect.any(Number) });
    expect((exit as { code: number }).code, server.output()).not.toBe(0);
    expect(server.output()).toContain('keygraph failed to start');
    const fatal = server.logs().find((l) => l.msg === 'keygraph failed to start');
    expect(fatal, server.output()).toMatchObject({ level: 60 });
    expect(await canConnect(server.port)).toBe(false);
  });
});
