// npm run bench: a throughput/latency benchmark of the real server. It asserts nothing; it prints numbers.
//
// What it does and measures:
//   1. Starts `node --import tsx src/server/main.ts` as a child process on a free port of 127.0.0.1, with a fresh
//      temporary data directory and a fresh SQLite database in it, and reports the time from spawn to the
//      first 200 of GET /readyz (start-up includes migrating the empty database).
//   2. Creates a super administrator (as `npm run bootstrap` does), logs in as it, and seeds a fixed data set
//      through the GraphQL API: 1 account, 1000 users, 20 groups, 50 users per group
//      (every user in exactly one group), with 8 requests in flight.
//   3. For each scenario ("trivial": one account by id; "nested": the account's 20 groups with their 50 members
//      and each member's user), checks the shape of one response, counts the database statements one request
//      issues (keygraph_db_statements_total from GET /metrics, over 20 sequential requests), runs autocannon
//      for 2 s of unreported warm-up and then for the measured duration, and reports average requests/s,
//      p50/p99 latency, statements/request, total requests and non-2xx responses. Then the same as one JSON
//      line prefixed `BENCH_JSON `.
//
// Environment:
//   BENCH_SECONDS      measured duration of each scenario, in seconds (default 10)
//   BENCH_CONNECTIONS  concurrent connections autocannon keeps open (default 10)
//   BENCH_DATABASE_URL a postgresql:// URL to benchmark PostgreSQL instead of SQLite. It must point at an EMPTY
//                      database: the server migrates it and the seed data (fixed emails) is written to it and
//                      left there, so a second run against the same database fails on duplicate emails.
//
// Results go to stdout; progress and the server's own log lines (LOG_LEVEL=warn) go to stderr.
import { bootstrap } from '../domain/bootstrap.js';
import { ScryptHasher } from '../infra/crypto/password.js';
import { createDb } from '../infra/db/client.js';
import { migrate } from '../infra/db/migrate.js';
import { PrismaStore } from '../infra/db/store.js';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { projectRoot } from '../infra/db/render-schema.js';

// ---- autocannon (CommonJS, no bundled types; only what is used here) ----

interface AutocannonOptions {
  url: string;
  method: 'POST';
  headers: Record<string, string>;
  body: string;
  connections: number;
  duration: number;
}

interface AutocannonResult {
  requests: { average: number; total: number };
  latency: { p50: number; p99: number };
  non2xx: number;
  errors: number;
  timeouts: number;
}

type Autocannon = (options: AutocannonOptions) => Promise<AutocannonResult>;

const autocannon = createRequire(import.meta.url)('autocannon') as Autocannon;

// ---- settings and data set ----

const USERS = 1000;
const GROUPS = 20;
const MEMBERS_PER_GROUP = USERS / GROUPS;
const SEED_CONCURRENCY = 8;
const STATEMENT_SAMPLES = 20;
const WARMUP_SECONDS = 2;
const READY_TIMEOUT_MS = 60_000;
const STOP_TIMEOUT_MS = 20_000;

function positiveNumber(name: string, fallback: number, integer: boolean): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isFinite(value) || value <= 0 || (integer && !Number.isInteger(value))) {
    throw new Error(`${name} must be a positive ${integer ? 'integer' : 'number'}, got ${JSON.stringify(raw)}`);
  }
  return value;
}

const seconds = positiveNumber('BENCH_SECONDS', 10, false);
const connections = positiveNumber('BENCH_CONNECTIONS', 10, true);

// ---- small helpers ----

const log = (message: string): void => {
  process.stderr.write(`${message}\n`);
};

const elapsedMs = (since: bigint): number => Number(process.hrtime.bigint() - since) / 1e6;

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const address = probe.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      probe.close(() => (port > 0 ? resolve(port) : reject(new Error('could not pick a free port'))));
    });
  });
}

/** Runs `work` over `items` with at most `limit` in flight; stops at the first failure. */
async function mapLimit<T, R>(items: readonly T[], limit: number, work: (item: T, index: number) => Promise<R>, onDone?: (done: number) => void): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  let done = 0;
  let failed = false;
  const worker = async (): Promise<void> => {
    while (!failed && next < items.length) {
      const index = next++;
      try {
        results[index] = await work(items[index]!, index);
      } catch (error) {
        failed = true;
        throw error;
      }
      onDone?.(++done);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}

// ---- the server child process ----

interface Server {
  child: ChildProcess;
  base: string;
  exited: Promise<number | null>;
  /** Last lines the child wrote, for error messages. */
  tail(): string;
}

function startServer(port: number, dataDir: string, databaseUrl: string): Server {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/server/main.ts'], {
    cwd: projectRoot,
    env: { ...process.env, PORT: String(port), HOST: '127.0.0.1', KEYGRAPH_DATA_DIR: dataDir, DATABASE_URL: databaseUrl, LOG_LEVEL: 'warn' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const lines: string[] = [];
  const forward = (chunk: Buffer): void => {
    const text = chunk.toString('utf8');
    process.stderr.write(text.replace(/^(?=.)/gm, '[server] '));
    lines.push(...text.split('\n').filter((line) => line.length > 0));
    if (lines.length > 40) lines.splice(0, lines.length - 40);
  };
  child.stdout?.on('data', forward);
  child.stderr?.on('data', forward);
  const exited = new Promise<number | null>((resolve) => {
    child.once('exit', (code) => resolve(code));
  });
  return { child, base: `http://127.0.0.1:${port}`, exited, tail: () => lines.join('\n') };
}

async function waitUntilReady(server: Server): Promise<void> {
  let exitCode: number | null | undefined;
  void server.exited.then((code) => {
    exitCode = code;
  });
  const deadline = Date.now() + READY_TIMEOUT_MS;
  let last = 'no answer yet';
  while (Date.now() < deadline) {
    if (exitCode !== undefined) throw new Error(`the server exited (code ${exitCode}) before /readyz answered 200:\n${server.tail()}`);
    try {
      const response = await fetch(`${server.base}/readyz`, { signal: AbortSignal.timeout(2_000) });
      const body = await response.text();
      if (response.status === 200) return;
      last = `HTTP ${response.status} ${body}`;
    } catch (error) {
      last = (error as Error).message;
    }
    await sleep(100);
  }
  throw new Error(`the server was not ready within ${READY_TIMEOUT_MS / 1000} s (last /readyz: ${last}):\n${server.tail()}`);
}

async function stopServer(server: Server): Promise<void> {
  if (server.child.exitCode !== null || server.child.signalCode !== null) {
    log(`server had already exited (code ${server.child.exitCode ?? server.child.signalCode})`);
    return;
  }
  server.child.kill('SIGTERM');
  const timedOut = Symbol('timeout');
  const outcome = await Promise.race([server.exited, sleep(STOP_TIMEOUT_MS).then(() => timedOut)]);
  if (outcome === timedOut) {
    log(`server did not exit within ${STOP_TIMEOUT_MS / 1000} s of SIGTERM; sending SIGKILL`);
    server.child.kill('SIGKILL');
    await server.exited;
  }
  console.log(`server exited with code ${server.child.exitCode ?? server.child.signalCode}`);
}

// ---- GraphQL over HTTP ----

interface GraphQLResponse<T> {
  data?: T;
  errors?: { message: string }[];
}

/** Request headers: JSON, and the bench administrator's session once logged in. */
const headers: Record<string, string> = { 'content-type': 'application/json', accept: 'application/json' };
const ADMIN = { email: 'bench@keygraph.test', password: 'bench administrator password' };

/** Creates the super administrator the bench acts as, as `npm run bootstrap` does. */
async function seedAdmin(databaseUrl: string): Promise<void> {
  await migrate(databaseUrl);
  const db = createDb(databaseUrl);
  try {
    await bootstrap(PrismaStore.of(db.prisma, db.provider), new ScryptHasher(), ADMIN);
  } finally {
    await db.close();
  }
}

async function login(base: string): Promise<void> {
  const data = await graphql<{ login: { token: string } }>(base, 'mutation($i: LoginInput!) { login(input: $i) { token } }', { i: { identifier: ADMIN.email, password: ADMIN.password } });
  headers.authorization = `Bearer ${data.login.token}`;
}

async function post(base: string, query: string, variables: Record<string, unknown>): Promise<string> {
  const response = await fetch(`${base}/graphql`, {
    method: 'POST',
    headers,
    body: JSON.stringify({ query, variables }),
  });
  const text = await response.text();
  if (!response.ok) throw new Error(`POST /graphql answered HTTP ${response.status}: ${text.slice(0, 500)}`);
  return text;
}

async function graphql<T>(base: string, query: string, variables: Record<string, unknown>): Promise<T> {
  const body = JSON.parse(await post(base, query, variables)) as GraphQLResponse<T>;
  if (body.errors?.length) throw new Error(`GraphQL errors: ${JSON.stringify(body.errors)}`);
  if (body.data === undefined) throw new Error('GraphQL response without data');
  return body.data;
}

interface PayloadError {
  message: string;
  field: string | null;
}

/** Runs a mutation `field` and returns its payload, failing on payload errors. */
async function mutate<P extends { errors: PayloadError[] }>(base: string, field: string, query: string, input: Record<string, unknown>): Promise<P> {
  const data = await graphql<Record<string, P | null>>(base, query, { input });
  const payload = data[field];
  if (!payload) throw new Error(`${field} returned no payload`);
  if (payload.errors.length > 0) throw new Error(`${field}(${JSON.stringify(input)}) failed: ${JSON.stringify(payload.errors)}`);
  return payload;
}

// ---- seeding ----

const CREATE_ACCOUNT = `mutation CreateAccount($input: CreateAccountInput!) {
  createAccount(input: $input) { account { id } errors { message field } }
}`;
const CREATE_USER = `mutation CreateUser($input: CreateUserInput!) {
  createUser(input: $input) { user { id } errors { message field } }
}`;
const CREATE_GROUP = `mutation CreateGroup($input: CreateGroupInput!) {
  createGroup(input: $input) { group { id } errors { message field } }
}`;
const ADD_MEMBER = `mutation AddGroupMemberUser($input: AddGroupMemberUserInput!) {
  addGroupMemberUser(input: $input) { changed errors { message field } }
}`;

interface Seeded {
  accountId: string;
  ms: number;
}

function progress(what: string, total: number): (done: number) => void {
  const step = Math.max(1, Math.floor(total / 10));
  return (done) => {
    if (done % step === 0 || done === total) log(`seeding: ${done}/${total} ${what}`);
  };
}

async function seed(base: string): Promise<Seeded> {
  const started = process.hrtime.bigint();
  const account = await mutate<{ account: { id: string } | null; errors: PayloadError[] }>(base, 'createAccount', CREATE_ACCOUNT, { name: 'bench' });
  const accountId = account.account!.id;

  const userIndexes = Array.from({ length: USERS }, (_, i) => i);
  const userIds = await mapLimit(
    userIndexes,
    SEED_CONCURRENCY,
    async (i) => {
      const n = String(i + 1).padStart(4, '0');
      const created = await mutate<{ user: { id: string } | null; errors: PayloadError[] }>(base, 'createUser', CREATE_USER, {
        accountId,
        email: `bench.user${n}@example.com`,
        firstName: 'Bench',
        lastName: `User ${n}`,
      });
      return created.user!.id;
    },
    progress('users', USERS),
  );

  const groupIndexes = Array.from({ length: GROUPS }, (_, i) => i);
  const groupIds = await mapLimit(
    groupIndexes,
    SEED_CONCURRENCY,
    async (g) => {
      const created = await mutate<{ group: { id: string } | null; errors: PayloadError[] }>(base, 'createGroup', CREATE_GROUP, {
        accountId,
        name: `bench-group-${String(g + 1).padStart(2, '0')}`,
      });
      return created.group!.id;
    },
    progress('groups', GROUPS),
  );

  // Group g gets users g*50 .. g*50+49: every user in exactly one group.
  const memberships = userIds.map((userId, i) => ({ groupId: groupIds[Math.floor(i / MEMBERS_PER_GROUP)]!, userId }));
  await mapLimit(memberships, SEED_CONCURRENCY, (input) => mutate(base, 'addGroupMemberUser', ADD_MEMBER, input), progress('memberships', memberships.length));

  return { accountId, ms: elapsedMs(started) };
}

// ---- scenarios ----

const TRIVIAL = 'query Trivial($id: ID!) { account(id: $id) { id name } }';
const NESTED =
  'query Nested($id: ID!) { account(id: $id) { groups(first: 20) { totalCount edges { node { id name members(first: 50) { totalCount edges { node { subjectType user { id email firstName } } } } } } } } }';

interface Scenario {
  name: string;
  query: string;
  /** Throws unless the response has the expected shape. */
  verify(data: unknown, accountId: string): void;
}

interface NestedData {
  account: {
    groups: {
      totalCount: number;
      edges: { node: { id: string; name: string; members: { totalCount: number; edges: { node: { subjectType: string; user: { id: string } | null } }[] } } }[];
    };
  } | null;
}

const scenarios: Scenario[] = [
  {
    name: 'trivial',
    query: TRIVIAL,
    verify(data, accountId) {
      const account = (data as { account: { id: string; name: string } | null }).account;
      if (account?.id !== accountId || account.name !== 'bench') throw new Error(`trivial: unexpected response ${JSON.stringify(data)}`);
    },
  },
  {
    name: 'nested',
    query: NESTED,
    verify(data) {
      const groups = (data as NestedData).account?.groups;
      if (!groups) throw new Error('nested: the account has no groups connection');
      if (groups.totalCount !== GROUPS || groups.edges.length !== GROUPS) throw new Error(`nested: expected ${GROUPS} groups, got ${groups.edges.length} (totalCount ${groups.totalCount})`);
      for (const { node } of groups.edges) {
        const members = node.members;
        const users = members.edges.filter((e) => e.node.subjectType === 'USER' && e.node.user !== null).length;
        if (members.totalCount !== MEMBERS_PER_GROUP || members.edges.length !== MEMBERS_PER_GROUP || users !== MEMBERS_PER_GROUP) {
          throw new Error(`nested: group ${node.name} has ${members.edges.length} member edges (${users} users, totalCount ${members.totalCount}), expected ${MEMBERS_PER_GROUP}`);
        }
      }
    },
  },
];

interface ScenarioResult {
  scenario: string;
  requestsPerSecond: number;
  p50Ms: number;
  p99Ms: number;
  statementsPerRequest: number;
  totalRequests: number;
  non2xx: number;
  /** Socket errors and timeouts autocannon saw (not in the table; expected 0). */
  connectionErrors: number;
  timeouts: number;
  /** GraphQL operations of this scenario the server counted as failed during the measured run (expected 0). */
  graphqlErrors: number;
}

/** Reads GET /metrics and sums every series of `name` whose labels contain all of `labels`. */
async function metricSum(base: string, name: string, labels: Record<string, string> = {}): Promise<number> {
  const response = await fetch(`${base}/metrics`);
  if (!response.ok) throw new Error(`GET /metrics answered HTTP ${response.status}`);
  const wanted = Object.entries(labels).map(([key, value]) => `${key}="${value}"`);
  let sum = 0;
  for (const line of (await response.text()).split('\n')) {
    if (!line.startsWith(`${name}{`) && !line.startsWith(`${name} `)) continue;
    if (!wanted.every((pair) => line.includes(pair))) continue;
    const value = Number(line.slice(line.lastIndexOf(' ') + 1));
    if (Number.isFinite(value)) sum += value;
  }
  return sum;
}

async function runScenario(base: string, accountId: string, scenario: Scenario): Promise<ScenarioResult> {
  const variables = { id: accountId };
  scenario.verify(await graphql<unknown>(base, scenario.query, variables), accountId);

  const before = await metricSum(base, 'keygraph_db_statements_total');
  for (let i = 0; i < STATEMENT_SAMPLES; i++) await post(base, scenario.query, variables);
  const after = await metricSum(base, 'keygraph_db_statements_total');

  const options: AutocannonOptions = {
    url: `${base}/graphql`,
    method: 'POST',
    headers,
    body: JSON.stringify({ query: scenario.query, variables }),
    connections,
    duration: WARMUP_SECONDS,
  };
  log(`${scenario.name}: warming up for ${WARMUP_SECONDS} s`);
  await autocannon(options);

  const operationName = scenario.name[0]!.toUpperCase() + scenario.name.slice(1);
  const errorLabels = { operation_name: operationName, outcome: 'error' };
  const errorsBefore = await metricSum(base, 'keygraph_graphql_operations_total', errorLabels);
  log(`${scenario.name}: measuring for ${seconds} s with ${connections} connections`);
  const result = await autocannon({ ...options, duration: seconds });
  const errorsAfter = await metricSum(base, 'keygraph_graphql_operations_total', errorLabels);

  return {
    scenario: scenario.name,
    requestsPerSecond: result.requests.average,
    p50Ms: result.latency.p50,
    p99Ms: result.latency.p99,
    statementsPerRequest: (after - before) / STATEMENT_SAMPLES,
    totalRequests: result.requests.total,
    non2xx: result.non2xx,
    connectionErrors: result.errors,
    timeouts: result.timeouts,
    graphqlErrors: errorsAfter - errorsBefore,
  };
}

// ---- output ----

function printTable(results: readonly ScenarioResult[]): void {
  const header = ['scenario', 'req/s (avg)', 'p50 ms', 'p99 ms', 'stmts/req', 'requests', 'non-2xx'];
  const rows = results.map((r) => [
    r.scenario,
    r.requestsPerSecond.toFixed(1),
    String(r.p50Ms),
    String(r.p99Ms),
    r.statementsPerRequest.toFixed(2),
    String(r.totalRequests),
    String(r.non2xx),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i]!.length)));
  const format = (cells: string[]) => cells.map((cell, i) => (i === 0 ? cell.padEnd(widths[i]!) : cell.padStart(widths[i]!))).join('  ');
  console.log(format(header));
  console.log(widths.map((w) => '-'.repeat(w)).join('  '));
  for (const row of rows) console.log(format(row));
}

// ---- main ----

async function main(): Promise<void> {
  const dataDir = mkdtempSync(join(tmpdir(), 'keygraph-bench-'));
  const databaseUrl = process.env.BENCH_DATABASE_URL || `file:${join(dataDir, 'keygraph.db')}`;
  const provider = databaseUrl.startsWith('file:') ? 'sqlite' : 'postgresql';
  let server: Server | undefined;
  try {
    const port = await freePort();
    log(`bench: data dir ${dataDir}, ${provider} database, port ${port}`);
    const started = process.hrtime.bigint();
    await seedAdmin(databaseUrl);
    server = startServer(port, dataDir, databaseUrl);
    await waitUntilReady(server);
    const startupMs = elapsedMs(started);
    console.log(`database: ${provider}; ${seconds} s per scenario, ${connections} connection${connections === 1 ? '' : 's'}`);
    console.log(`start-up to /readyz: ${Math.round(startupMs)} ms`);

    await login(server.base);
    const seeded = await seed(server.base);
    console.log(`seeded 1 account, ${USERS} users, ${GROUPS} groups x ${MEMBERS_PER_GROUP} members in ${Math.round(seeded.ms)} ms`);

    const results: ScenarioResult[] = [];
    for (const scenario of scenarios) results.push(await runScenario(server.base, seeded.accountId, scenario));

    console.log('');
    printTable(results);
    console.log(
      `BENCH_JSON ${JSON.stringify({ database: provider, seconds, connections, startupMs: Math.round(startupMs), seedMs: Math.round(seeded.ms), results })}`,
    );
  } finally {
    if (server) await stopServer(server);
    rmSync(dataDir, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  console.error(`bench failed: ${error instanceof Error ? error.message : String(error)}`);
  process.exitCode = 1;
});
