// npm run bench: keygraph's throughput as a share of two reference servers, in one run over the same database.
// It asserts nothing; it prints numbers.
//
// What it does:
//   1. Creates a super administrator on a fresh SQLite file (or BENCH_DATABASE_URL), starts keygraph
//      (`src/server/main.ts`) and, over the same database, the peers of test/bench/peer.ts: a bare graphql-yoga
//      `{ hello }` and a graphql-yoga + DataLoader server with no authorization. Every server runs in its own
//      process with test/bench/alloc-probe.ts loaded.
//   2. Seeds through keygraph's API: 1 account, 1000 users, 20 groups, 50 users per group.
//   3. Checks the answers: the nested query's `data` must be byte-identical on keygraph and the peer (keygraph adds
//      `extensions.cost`).
//   4. Counts keygraph's statements per request of each query (keygraph_db_statements_total of GET /metrics).
//   5. Warms every target up, then measures the V8 heap bytes allocated per nested request in keygraph and in the
//      peer: the probe starts a v8.GCProfiler, the bench sends 20 sequential requests, and the probe reports
//      (used heap at the end - at the start) + the bytes every GC in between freed (see alloc-probe.ts); the
//      median of 5 such batches is printed.
//   6. Runs BENCH_ROUNDS interleaved rounds (the order rotates each round) of autocannon against every target and
//      prints the medians: keygraph's req/s for the nested query against the DataLoader peer's, and for
//      `account(id) { id name }`, `{ viewer { authenticated } }` (both authenticated) and an anonymous
//      `{ __typename }` against the bare `{ hello }`; each with keygraph's share (ratio) of the peer; and `authorize`
//      (one ACTIVE policy set of two policies, seeded in its own zone) against `{ hello }` and as a share of
//      `account(id) { id name }` (issue 14's target: at least 0.8). Beside each throughput, the server process's
//      CPU time per request (Linux: /proc/<pid>/stat, user + system), which a busy machine moves less than req/s:
//      it counts the work, not the waiting for a core. Then all runs as one JSON line prefixed `BENCH_JSON `.
//
// Environment:
//   BENCH_SECONDS      measured duration of each target in each round, in seconds (default 10)
//   BENCH_ROUNDS       interleaved rounds; the table shows medians (default 3)
//   BENCH_CONNECTIONS  concurrent connections autocannon keeps open (default 10)
//   BENCH_LOG_LEVEL    keygraph's LOG_LEVEL (default warn; `info` measures per-request logging too)
//   BENCH_ONLY         comma-separated comparison keys to run (nested, account, viewer, typename, authorize; default all)
//   BENCH_PROFILE      a directory: in the first round, keygraph's CPU profile while each of its targets runs is
//                      written there as <target>.cpuprofile (Chrome DevTools, speedscope), to see where time goes,
//                      with an allocation sampling profile beside it (<target>.heapprofile)
//   BENCH_PROFILE_HEAP 0: no allocation sampling while profiling (it slows every allocation and so skews the CPU profile)
//   BENCH_NODE_FLAGS   V8/Node flags for the servers' processes, space-separated (e.g. --no-turbo-inlining, so that an
//                      allocation profile names the function that allocates rather than the one it was inlined into)
//   BENCH_LARGE        1: after the table, the nested query's latency at 1 connection with the bench data (1k member
//                      rows), then again after another account with 99,000 users, 990 groups and 99,000 member
//                      rows is written straight to the database and ANALYZE has run (planner statistics present);
//                      prints both p50 latencies and their ratio (issue 11's target: at most 1.2)
//   BENCH_DATABASE_URL a postgresql:// URL to benchmark PostgreSQL instead of SQLite (the peer then uses pg). It
//                      must point at an EMPTY database: the server migrates it and the seed data (fixed emails) is
//                      written to it and left there, so a second run against the same database fails.
//
// Results go to stdout; progress and the servers' own log lines go to stderr.
import { bootstrap } from '../../src/domain/bootstrap.js';
import { ScryptHasher } from '../../src/infra/crypto/password.js';
import { createDb } from '../../src/infra/db/client.js';
import { migrate } from '../../src/infra/db/migrate.js';
import { PrismaStore } from '../../src/infra/db/store.js';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { projectRoot } from '../../src/infra/db/render-schema.js';
import { newId } from '../../src/infra/ids.js';

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
  name: string;
  child: ChildProcess;
  base: string;
  exited: Promise<number | null>;
  /** Last lines the child wrote, for error messages. */
  tail(): string;
}

const PROBE = pathToFileURL(join(projectRoot, 'test/bench/alloc-probe.ts')).href;

/** Starts `script` under tsx with the allocation probe, on `port`, with `env` added. */
function startServer(name: string, script: string, port: number, env: Record<string, string>): Server {
  const child = spawn(process.execPath, [...(process.env.BENCH_NODE_FLAGS ? process.env.BENCH_NODE_FLAGS.split(' ') : []), '--import', 'tsx', '--import', PROBE, script], {
    cwd: projectRoot,
    env: { ...process.env, PORT: String(port), HOST: '127.0.0.1', ...env },
    stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
  });
  const lines: string[] = [];
  const forward = (chunk: Buffer): void => {
    const text = chunk.toString('utf8');
    process.stderr.write(text.replace(/^(?=.)/gm, `[${name}] `));
    lines.push(...text.split('\n').filter((line) => line.length > 0));
    if (lines.length > 40) lines.splice(0, lines.length - 40);
  };
  child.stdout?.on('data', forward);
  child.stderr?.on('data', forward);
  const exited = new Promise<number | null>((resolve) => {
    child.once('exit', (code) => resolve(code));
  });
  return { name, child, base: `http://127.0.0.1:${port}`, exited, tail: () => lines.join('\n') };
}

async function waitUntilReady(server: Server): Promise<void> {
  let exitCode: number | null | undefined;
  void server.exited.then((code) => {
    exitCode = code;
  });
  const deadline = Date.now() + READY_TIMEOUT_MS;
  let last = 'no answer yet';
  while (Date.now() < deadline) {
    if (exitCode !== undefined) throw new Error(`${server.name} exited (code ${exitCode}) before /readyz answered 200:\n${server.tail()}`);
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
  throw new Error(`${server.name} was not ready within ${READY_TIMEOUT_MS / 1000} s (last /readyz: ${last}):\n${server.tail()}`);
}

async function stopServer(server: Server): Promise<void> {
  if (server.child.exitCode !== null || server.child.signalCode !== null) {
    log(`${server.name} had already exited (code ${server.child.exitCode ?? server.child.signalCode})`);
    return;
  }
  if (server.child.connected) server.child.disconnect();
  server.child.kill('SIGTERM');
  const timedOut = Symbol('timeout');
  const outcome = await Promise.race([server.exited, sleep(STOP_TIMEOUT_MS).then(() => timedOut)]);
  if (outcome === timedOut) {
    log(`server did not exit within ${STOP_TIMEOUT_MS / 1000} s of SIGTERM; sending SIGKILL`);
    server.child.kill('SIGKILL');
    await server.exited;
  }
  log(`${server.name} exited with code ${server.child.exitCode ?? server.child.signalCode}`);
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

async function post(base: string, query: string, variables: Record<string, unknown>, requestHeaders: Record<string, string> = headers): Promise<string> {
  const response = await fetch(`${base}/graphql`, {
    method: 'POST',
    headers: requestHeaders,
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

// ---- what is measured ----

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

const NESTED =
  'query Nested($id: ID!) { account(id: $id) { groups(first: 20) { totalCount edges { node { id name members(first: 50) { totalCount edges { node { subjectType user { id email firstName } } } } } } } } }';
const ACCOUNT = 'query Account($id: ID!) { account(id: $id) { id name } }';
const VIEWER = 'query Viewer { viewer { authenticated } }';
const TYPENAME = 'query Typename { __typename }';
const HELLO = '{ hello }';

/** One thing autocannon hammers: a server, a query and its headers. */
interface Target {
  key: string;
  server: () => Server;
  query: string;
  variables: Record<string, unknown>;
  headers: () => Record<string, string>;
  /** Operation name keygraph's metrics label it with (keygraph targets only). */
  operation?: string;
}

interface Run {
  requestsPerSecond: number;
  p50Ms: number;
  p99Ms: number;
  non2xx: number;
  errors: number;
  /** The server process's CPU time (user + system) per request, in microseconds; NaN where /proc is not. */
  cpuUsPerRequest: number;
}

const median = (values: readonly number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
};

function cannonOptions(target: Target, duration: number): AutocannonOptions {
  return { url: `${target.server().base}/graphql`, method: 'POST', headers: target.headers(), body: JSON.stringify({ query: target.query, variables: target.variables }), connections, duration };
}

async function hammer(target: Target, duration: number, connectionCount = connections): Promise<Run> {
  const pid = target.server().child.pid;
  const before = cpuTicks(pid);
  const result = await autocannon({ ...cannonOptions(target, duration), connections: connectionCount });
  const cpuUsPerRequest = ((cpuTicks(pid) - before) * (1e6 / CLOCK_TICKS_PER_SECOND)) / Math.max(1, result.requests.total);
  return { requestsPerSecond: result.requests.average, p50Ms: result.latency.p50, p99Ms: result.latency.p99, non2xx: result.non2xx, errors: result.errors + result.timeouts, cpuUsPerRequest };
}

/** Linux's USER_HZ, the unit of /proc/<pid>/stat's CPU times (100 on every Linux this runs on). */
const CLOCK_TICKS_PER_SECOND = 100;

/**
 * CPU time a process has used (user + system), in clock ticks, from /proc/<pid>/stat; NaN where it cannot be
 * read. On a shared machine CPU per request moves less than throughput, which also counts waiting for a core.
 */
function cpuTicks(pid: number | undefined): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name (which is in parentheses and may hold spaces): utime and stime are the 12th and 13th.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return Number(fields[11]) + Number(fields[12]);
  } catch {
    return Number.NaN;
  }
}

/** Statements one request of `target` issues on keygraph, from GET /metrics over sequential requests. */
async function statementsPerRequest(target: Target): Promise<number> {
  const base = target.server().base;
  const before = await metricSum(base, 'keygraph_db_statements_total');
  for (let i = 0; i < STATEMENT_SAMPLES; i++) await post(base, target.query, target.variables, target.headers());
  return ((await metricSum(base, 'keygraph_db_statements_total')) - before) / STATEMENT_SAMPLES;
}

/** Sends `message` to the server's probe and waits for the reply whose `probe` is `reply`. */
function ask(server: Server, message: Record<string, unknown>, reply: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const onExit = (code: number | null) => reject(new Error(`${server.name} exited (${code}) before answering ${JSON.stringify(message)}`));
    const onMessage = (answer: { probe?: string }) => {
      if (answer?.probe !== reply) return;
      server.child.off('message', onMessage);
      server.child.off('exit', onExit);
      resolve();
    };
    server.child.on('message', onMessage);
    server.child.once('exit', onExit);
    server.child.send(message, (error) => error && reject(error));
  });
}

/** Hammers `target`; with BENCH_PROFILE, keygraph's CPU profile of the run is written to <dir>/<target>.cpuprofile. */
async function hammerProfiled(target: Target, duration: number, profileDir: string | undefined): Promise<Run> {
  if (!profileDir || target.operation === undefined) return hammer(target, duration);
  mkdirSync(profileDir, { recursive: true });
  await ask(target.server(), { probe: 'cpu-start' }, 'cpu-started');
  const run = await hammer(target, duration);
  const file = join(profileDir, `${target.key}.cpuprofile`);
  await ask(target.server(), { probe: 'cpu-stop', file }, 'cpu-written');
  log(`${target.key}: CPU profile written to ${file}`);
  return run;
}

function probe(server: Server, message: { probe: 'start' | 'stop' }): Promise<number> {
  return new Promise((resolve, reject) => {
    if (message.probe === 'start') {
      server.child.send(message, (error) => (error ? reject(error) : resolve(0)));
      return;
    }
    const onMessage = (reply: { probe?: string; bytes?: number }) => {
      if (reply?.probe !== 'bytes') return;
      server.child.off('message', onMessage);
      resolve(reply.bytes ?? 0);
    };
    server.child.on('message', onMessage);
    server.child.send(message, (error) => error && reject(error));
  });
}

/**
 * V8 heap bytes the server allocates per request of `target` (see alloc-probe.ts), over sequential requests:
 * the median of ALLOC_BATCHES batches (a batch also counts what the server does in the background meanwhile).
 */
async function bytesPerRequest(target: Target): Promise<number> {
  const server = target.server();
  const batches: number[] = [];
  for (let batch = 0; batch < ALLOC_BATCHES; batch++) {
    await probe(server, { probe: 'start' });
    for (let i = 0; i < ALLOC_SAMPLES; i++) await post(server.base, target.query, target.variables, target.headers());
    batches.push((await probe(server, { probe: 'stop' })) / ALLOC_SAMPLES);
  }
  return median(batches);
}

const ALLOC_BATCHES = 5;

const ALLOC_SAMPLES = 20;
const rounds = positiveNumber('BENCH_ROUNDS', 3, true);

/** keygraph target vs the peer target it is compared with. */
interface Comparison {
  name: string;
  keygraph: Target;
  peer: Target;
}

function formatTable(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i]!.length)));
  const format = (cells: string[]) => cells.map((cell, i) => (i === 0 ? cell.padEnd(widths[i]!) : cell.padStart(widths[i]!))).join('  ');
  return [format(header), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(format)].join('\n');
}

async function main(): Promise<void> {
  const dataDir = mkdtempSync(join(tmpdir(), 'keygraph-bench-'));
  const databaseUrl = process.env.BENCH_DATABASE_URL || `file:${join(dataDir, 'keygraph.db')}`;
  const provider = databaseUrl.startsWith('file:') ? 'sqlite' : 'postgresql';
  const servers: Server[] = [];
  try {
    const [port, helloPort, peerPort] = [await freePort(), await freePort(), await freePort()];
    log(`bench: data dir ${dataDir}, ${provider} database, ports ${port} (keygraph), ${helloPort} (hello), ${peerPort} (yoga + DataLoader)`);
    const started = process.hrtime.bigint();
    await seedAdmin(databaseUrl);
    // The hourly points budget is off: the bench measures throughput, and one caller sends far more than 5,000 requests.
    const keygraph = startServer('keygraph', 'src/server/main.ts', port, { KEYGRAPH_DATA_DIR: dataDir, DATABASE_URL: databaseUrl, LOG_LEVEL: process.env.BENCH_LOG_LEVEL || 'warn', KEYGRAPH_POINTS_PER_HOUR: '0' });
    servers.push(keygraph);
    await waitUntilReady(keygraph);
    const startupMs = elapsedMs(started);
    const hello = startServer('hello', 'test/bench/peer.ts', helloPort, { PEER_MODE: 'hello' });
    const peer = startServer('peer', 'test/bench/peer.ts', peerPort, { PEER_MODE: 'dataloader', DATABASE_URL: databaseUrl });
    servers.push(hello, peer);
    await Promise.all([waitUntilReady(hello), waitUntilReady(peer)]);
    console.log(`database: ${provider}; ${rounds} interleaved rounds of ${seconds} s per target, ${connections} connection${connections === 1 ? '' : 's'}; medians`);
    console.log(`keygraph start-up to /readyz: ${Math.round(startupMs)} ms`);

    await login(keygraph.base);
    const seeded = await seed(keygraph.base);
    console.log(`seeded 1 account, ${USERS} users, ${GROUPS} groups x ${MEMBERS_PER_GROUP} members in ${Math.round(seeded.ms)} ms`);

    const id = { id: seeded.accountId };
    const authed = () => headers;
    const anonymous = () => ({ 'content-type': 'application/json', accept: 'application/json' });
    const helloTarget: Target = { key: 'hello', server: () => hello, query: HELLO, variables: {}, headers: anonymous };
    const decision = await seedDecision(keygraph.base, seeded.accountId);
    const allComparisons: Comparison[] = [
      { name: 'nested 20x50 vs yoga+DataLoader', keygraph: { key: 'nested', server: () => keygraph, query: NESTED, variables: id, headers: authed, operation: 'Nested' }, peer: { key: 'peer nested', server: () => peer, query: NESTED, variables: id, headers: anonymous } },
      { name: 'account(id) { id name } vs { hello }', keygraph: { key: 'account', server: () => keygraph, query: ACCOUNT, variables: id, headers: authed, operation: 'Account' }, peer: helloTarget },
      { name: '{ viewer { authenticated } } vs { hello }', keygraph: { key: 'viewer', server: () => keygraph, query: VIEWER, variables: {}, headers: authed, operation: 'Viewer' }, peer: helloTarget },
      { name: 'anonymous { __typename } vs { hello }', keygraph: { key: 'typename', server: () => keygraph, query: TYPENAME, variables: {}, headers: anonymous, operation: 'Typename' }, peer: helloTarget },
      { name: 'authorize (1 active set) vs { hello }', keygraph: { key: 'authorize', server: () => keygraph, query: AUTHORIZE, variables: decision, headers: authed, operation: 'Authorize' }, peer: helloTarget },
    ];
    const only = (process.env.BENCH_ONLY ?? '').split(',').map((k) => k.trim()).filter((k) => k.length > 0);
    const comparisons = only.length === 0 ? allComparisons : allComparisons.filter((c) => only.includes(c.keygraph.key));
    if (comparisons.length === 0) throw new Error(`BENCH_ONLY names no comparison (keys: ${allComparisons.map((c) => c.keygraph.key).join(', ')})`);
    const targets = [...new Map(comparisons.flatMap((c) => [c.keygraph, c.peer]).map((t) => [t.key, t])).values()];

    // Same answers: the nested query's JSON byte for byte, and the shape of every keygraph answer.
    const nestedKeygraph = await post(keygraph.base, NESTED, id, headers);
    const nestedPeer = await post(peer.base, NESTED, id, anonymous());
    verifyNested(JSON.parse(nestedKeygraph));
    // keygraph also answers `extensions.cost` (the query's computed cost); `data` must be the same, byte for byte.
    const dataOf = (body: string) => JSON.stringify((JSON.parse(body) as { data: unknown }).data);
    if (dataOf(nestedKeygraph) !== dataOf(nestedPeer)) throw new Error(`the peer's nested data differs from keygraph's:\n${nestedKeygraph.slice(0, 300)}\n${nestedPeer.slice(0, 300)}`);
    console.log(`nested query: ${dataOf(nestedKeygraph).length} bytes of JSON data, identical on keygraph and the peer (keygraph's answer: ${nestedKeygraph.length} bytes with extensions.cost)`);
    const account = (await graphql<{ account: { id: string; name: string } | null }>(keygraph.base, ACCOUNT, id)).account;
    if (account?.id !== seeded.accountId || account.name !== 'bench') throw new Error(`account: unexpected ${JSON.stringify(account)}`);
    const viewer = await graphql<{ viewer: { authenticated: boolean } }>(keygraph.base, VIEWER, {});
    if (!viewer.viewer.authenticated) throw new Error('viewer: not authenticated');

    const statements = new Map<string, number>();
    for (const c of comparisons) statements.set(c.keygraph.key, await statementsPerRequest(c.keygraph));

    for (const target of targets) {
      log(`${target.key}: warming up for ${WARMUP_SECONDS} s`);
      await hammer(target, WARMUP_SECONDS);
    }
    const bytes = { keygraph: await bytesPerRequest(allComparisons[0]!.keygraph), peer: await bytesPerRequest(allComparisons[0]!.peer) };

    const errorsBefore = new Map<string, number>();
    for (const c of comparisons) errorsBefore.set(c.keygraph.key, await metricSum(keygraph.base, 'keygraph_graphql_operations_total', { operation_name: c.keygraph.operation!, outcome: 'error' }));
    const runs = new Map<string, Run[]>(targets.map((t) => [t.key, []]));
    for (let round = 0; round < rounds; round++) {
      // Interleaved: every target once per round, in an order that rotates, so drift in the machine's load
      // falls on all of them alike.
      const order = targets.map((_, i) => targets[(i + round) % targets.length]!);
      for (const target of order) {
        log(`round ${round + 1}/${rounds}: ${target.key} for ${seconds} s`);
        runs.get(target.key)!.push(await hammerProfiled(target, seconds, round === 0 ? process.env.BENCH_PROFILE : undefined));
      }
    }
    let graphqlErrors = 0;
    for (const c of comparisons) graphqlErrors += (await metricSum(keygraph.base, 'keygraph_graphql_operations_total', { operation_name: c.keygraph.operation!, outcome: 'error' })) - errorsBefore.get(c.keygraph.key)!;

    const med = (key: string, pick: (r: Run) => number) => median(runs.get(key)!.map(pick));
    const rows = comparisons.map((c) => {
      const k = med(c.keygraph.key, (r) => r.requestsPerSecond);
      const p = med(c.peer.key, (r) => r.requestsPerSecond);
      const cpu = (key: string) => med(key, (r) => r.cpuUsPerRequest).toFixed(0);
      return [c.name, k.toFixed(1), p.toFixed(1), (k / p).toFixed(2), String(med(c.keygraph.key, (r) => r.p50Ms)), String(med(c.peer.key, (r) => r.p50Ms)), cpu(c.keygraph.key), cpu(c.peer.key), statements.get(c.keygraph.key)!.toFixed(2)];
    });
    console.log('');
    console.log(formatTable(['measure', 'keygraph req/s', 'peer req/s', 'ratio', 'kg p50 ms', 'peer p50 ms', 'kg cpu us/req', 'peer cpu us/req', 'kg stmts/req'], rows));
    if (runs.has('authorize') && runs.has('account')) {
      const ratio = (pick: (r: Run) => number) => (med('authorize', pick) / med('account', pick)).toFixed(2);
      console.log(`authorize throughput / account(id) { id name }: ${ratio((r) => r.requestsPerSecond)} (issue 14 target: >= 0.8); server CPU per request, authorize / account(id): ${ratio((r) => r.cpuUsPerRequest)}`);
    }
    console.log('');
    console.log(
      formatTable(
        ['bytes allocated per nested request (V8 heap)', 'keygraph', 'peer', 'ratio'],
        [['nested 20x50', `${(bytes.keygraph / 1e6).toFixed(1)} MB`, `${(bytes.peer / 1e6).toFixed(1)} MB`, (bytes.keygraph / bytes.peer).toFixed(2)]],
      ),
    );
    const failures = [...runs.values()].flat().reduce((n, r) => n + r.non2xx + r.errors, 0);
    console.log(`non-2xx or socket errors: ${failures}; keygraph GraphQL errors while measured: ${graphqlErrors}`);
    let large: LargeResult | undefined;
    if (process.env.BENCH_LARGE === '1') large = await largeCase(databaseUrl, allComparisons[0]!.keygraph);
    console.log(
      `BENCH_JSON ${JSON.stringify({ database: provider, seconds, rounds, connections, startupMs: Math.round(startupMs), seedMs: Math.round(seeded.ms), statements: Object.fromEntries(statements), bytes, runs: Object.fromEntries(runs), large })}`,
    );
  } finally {
    for (const server of servers.reverse()) await stopServer(server);
    rmSync(dataDir, { recursive: true, force: true });
  }
}

// ---- authorize (issue 14): a zone, an application, a resource, one ACTIVE policy set of two policies ----

const AUTHORIZE = 'query Authorize($input: AuthorizeInput!) { authorize(input: $input) { decision reasons { policyVersionId } errors } }';

/** Seeds the zone the authorize target asks about; returns its variables (checked to answer ALLOW). */
async function seedDecision(base: string, accountId: string): Promise<Record<string, unknown>> {
  const m = (field: string, selection: string, input: Record<string, unknown>) =>
    mutate<{ errors: PayloadError[] } & Record<string, { id: string }>>(base, field, `mutation($input: ${field[0]!.toUpperCase()}${field.slice(1)}Input!) { ${field}(input: $input) { ${selection} { id } errors { message field } } }`, input);
  const zoneId = (await m('createZone', 'zone', { accountId, name: 'bench-decisions' })).zone!.id;
  const appId = (await m('createApplication', 'application', { zoneId, identifier: 'bench-app', name: 'bench-app' })).application!.id;
  const resourceId = (await m('createResource', 'resource', { zoneId, identifier: 'https://bench.example/api', name: 'bench-api', applicationId: appId })).resource!.id;
  const app = Buffer.from(appId, 'base64').toString().split(':').slice(1).join(':');
  const versions: string[] = [];
  for (const [name, cedar] of [
    ['bench-permit', `permit(principal == Application::"${app}", action == Action::"access", resource in Application::"${app}") when { context.scopes.contains("read") };`],
    ['bench-forbid', 'forbid(principal, action, resource) when { context.scopes.contains("admin") };'],
  ]) {
    const policyId = (await m('createPolicy', 'policy', { zoneId, name })).policy!.id;
    versions.push((await m('createPolicyVersion', 'policyVersion', { policyId, cedar })).policyVersion!.id);
  }
  const policySetId = (await m('createPolicySet', 'policySet', { zoneId, name: 'bench', scopeType: 'ZONE' })).policySet!.id;
  const setVersion = (await m('createPolicySetVersion', 'policySetVersion', { policySetId, entries: versions.map((policyVersionId) => ({ policyVersionId })) })).policySetVersion!.id;
  await m('activatePolicySetVersion', 'policySet', { id: setVersion, mode: 'ACTIVE' });
  const variables = { input: { zoneId, principalId: appId, action: 'access', resourceId, context: { scopes: ['read'] } } };
  const answer = await graphql<{ authorize: { decision: string; errors: string[] } }>(base, AUTHORIZE, variables);
  if (answer.authorize.decision !== 'ALLOW' || answer.authorize.errors.length) throw new Error(`authorize: unexpected ${JSON.stringify(answer)}`);
  return variables;
}

// ---- the 100k case (BENCH_LARGE=1) ----

const LARGE_USERS = 99_000;
const LARGE_GROUP_SIZE = 100;
const LARGE_CHUNK = 2_000;

interface LargeResult {
  small: Run[];
  large: Run[];
  seedMs: number;
}

/** Median p50 latency of `target` at one connection over `runs` runs of `seconds`. */
async function latencyRuns(target: Target, runs: number): Promise<Run[]> {
  const results: Run[] = [];
  for (let i = 0; i < runs; i++) results.push(await hammer(target, seconds, 1));
  return results;
}

/** Another account with 99,000 users in 990 groups, written in chunks through Prisma's createMany, then ANALYZE. */
async function seedLarge(databaseUrl: string): Promise<number> {
  const started = process.hrtime.bigint();
  const db = createDb(databaseUrl);
  try {
    const prisma = db.prisma;
    const accountId = newId();
    await prisma.account.create({ data: { id: accountId, name: 'bench-large', description: null } });
    const groups = Array.from({ length: LARGE_USERS / LARGE_GROUP_SIZE }, (_, g) => ({ id: newId(), accountId, name: `large-${g}`, description: null, attributes: {}, linkedScopes: [], searchText: `large-${g}` }));
    await prisma.group.createMany({ data: groups });
    await prisma.groupClosure.createMany({ data: groups.map((g) => ({ ancestorId: g.id, descendantId: g.id, depth: 0, accountId })) });
    for (let from = 0; from < LARGE_USERS; from += LARGE_CHUNK) {
      const users = Array.from({ length: Math.min(LARGE_CHUNK, LARGE_USERS - from) }, (_, i) => {
        const n = from + i;
        return { id: newId(), email: `large.user${n}@example.com`, firstName: 'Large', lastName: `User ${n}`, searchText: `large.user${n}@example.com large user ${n}`, groupId: groups[Math.floor(n / LARGE_GROUP_SIZE)]!.id };
      });
      await prisma.user.createMany({ data: users.map(({ groupId: _, ...user }) => user) });
      await prisma.accountUser.createMany({ data: users.map((u) => ({ id: newId(), accountId, userId: u.id })) });
      await prisma.groupMember.createMany({ data: users.map((u) => ({ id: newId(), accountId, groupId: u.groupId, subjectType: 'USER' as const, userId: u.id })) });
      if ((from / LARGE_CHUNK) % 10 === 0) log(`large: ${from + users.length}/${LARGE_USERS} users`);
    }
    await prisma.$executeRawUnsafe('ANALYZE');
  } finally {
    await db.close();
  }
  return elapsedMs(started);
}

async function largeCase(databaseUrl: string, nested: Target): Promise<LargeResult> {
  log('large: nested latency at 1 connection with 1k member rows');
  const small = await latencyRuns(nested, rounds);
  const seedMs = await seedLarge(databaseUrl);
  log('large: nested latency at 1 connection with 100k member rows and statistics');
  await hammer(nested, WARMUP_SECONDS);
  const large = await latencyRuns(nested, rounds);
  const p50 = (runs: Run[]) => median(runs.map((r) => r.p50Ms));
  console.log('');
  console.log(
    formatTable(
      ['nested latency at 1 connection (p50 ms)', '1k member rows', '100k rows + ANALYZE', 'ratio'],
      [['nested 20x50', String(p50(small)), String(p50(large)), (p50(large) / p50(small)).toFixed(2)]],
    ),
  );
  console.log(`(99,000 users, 990 groups and 99,000 member rows of another account added in ${Math.round(seedMs)} ms)`);
  return { small, large, seedMs: Math.round(seedMs) };
}

interface NestedData {
  data: {
    account: {
      groups: {
        totalCount: number;
        edges: { node: { id: string; name: string; members: { totalCount: number; edges: { node: { subjectType: string; user: { id: string } | null } }[] } } }[];
      };
    } | null;
  };
}

function verifyNested(body: NestedData): void {
  const groups = body.data?.account?.groups;
  if (!groups) throw new Error(`nested: the account has no groups connection: ${JSON.stringify(body).slice(0, 300)}`);
  if (groups.totalCount !== GROUPS || groups.edges.length !== GROUPS) throw new Error(`nested: expected ${GROUPS} groups, got ${groups.edges.length} (totalCount ${groups.totalCount})`);
  for (const { node } of groups.edges) {
    const members = node.members;
    const users = members.edges.filter((e) => e.node.subjectType === 'USER' && e.node.user !== null).length;
    if (members.totalCount !== MEMBERS_PER_GROUP || members.edges.length !== MEMBERS_PER_GROUP || users !== MEMBERS_PER_GROUP) {
      throw new Error(`nested: group ${node.name} has ${members.edges.length} member edges (${users} users, totalCount ${members.totalCount}), expected ${MEMBERS_PER_GROUP}`);
    }
  }
}

main().catch((error: unknown) => {
  console.error(`bench failed: ${error instanceof Error ? error.message : String(error)}`);
  process.exitCode = 1;
});
