// The README's "First steps", run as written: its shell commands (through a shell, in the repository, as
// a newcomer types them) and then its GraphQL operations, in the README's order, against `npm start` (a
// real process). The only change is the port: the README says 4000, the test takes a free one (PORT).
// The commands and operations are read from README.md itself, so the README cannot drift from what works.
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freshDatabase, provider, type TestDatabase } from './support/harness.js';
import { freePort } from './support/process.js';

type Json = any; // eslint-disable-line @typescript-eslint/no-explicit-any

const root = fileURLToPath(new URL('..', import.meta.url));

/** The fenced code blocks of the README's "First steps" section, in order. */
function firstSteps(): { lang: string; code: string }[] {
  const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');
  const start = readme.indexOf('\n## First steps\n');
  expect(start, 'README has a "First steps" section').toBeGreaterThan(0);
  const end = readme.indexOf('\n## ', start + 1);
  const section = readme.slice(start, end < 0 ? undefined : end);
  return [...section.matchAll(/```(\w+)\n([\s\S]*?)```/g)].map((m) => ({ lang: m[1]!, code: m[2]! }));
}

/** Runs one shell line in the repository, typing `input` at it; resolves to its stdout, rejects with its output on failure. */
function sh(line: string, env: Record<string, string>, input: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn('sh', ['-c', line], { cwd: root, env: { ...process.env, ...env }, stdio: ['pipe', 'pipe', 'pipe'] });
    child.stdin.end(input);
    let out = '';
    let err = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (out += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (err += chunk));
    child.on('close', (code) => (code === 0 ? resolve(out) : reject(new Error(`${line} exited ${code}:\n${out}\n${err}`))));
  });
}

describe(`the README's First steps, as written, against npm start (${provider})`, () => {
  const blocks = firstSteps();
  let db: TestDatabase;
  let server: ChildProcess | undefined;
  let serverOutput = '';
  let base = '';
  let env: Record<string, string>;

  beforeAll(async () => {
    db = await freshDatabase();
    const port = await freePort();
    env = { DATABASE_URL: db.url, KEYGRAPH_DATA_DIR: db.dataDir, PORT: String(port), HOST: '127.0.0.1', LOG_LEVEL: 'warn' };
    base = `http://127.0.0.1:${port}`;
  });
  afterAll(async () => {
    if (server && server.exitCode === null) {
      const exited = new Promise((resolve) => server!.once('exit', resolve));
      process.kill(-server.pid!, 'SIGTERM'); // npm, its shell and the server: the whole process group
      await exited;
    }
    await db.drop();
  }, 30_000);

  it('has the blocks the test walks through: one shell block, then the login and three operations', () => {
    expect(blocks.map((b) => b.lang)).toEqual(['sh', 'graphql', 'graphql', 'graphql', 'graphql']);
  });

  const state: { printed?: Json; token?: string; groupId?: string; userId?: string } = {};

  it('runs the shell block: bootstrap prints what the README shows', { timeout: 120_000 }, async () => {
    const lines = blocks[0]!.code.split('\n').filter((l) => l.trim() && !l.trim().startsWith('#'));
    const shown = blocks[0]!.code.split('\n').find((l) => l.trim().startsWith('# {'))!;
    // The README shows the password prompt and what to type at it (twice: the command asks again).
    const typed = /\(type '([^']+)'/.exec(blocks[0]!.code)?.[1];
    expect(typed, 'the README says what to type at the password prompt').toBeDefined();
    let stdout = '';
    for (const line of lines) stdout += await sh(line, env, `${typed}\n${typed}\n`);
    const printed = JSON.parse(stdout.trim().split('\n').reverse().find((l) => l.startsWith('{'))!);
    expect(Object.keys(printed).sort()).toEqual(Object.keys(JSON.parse(shown.replace(/^\s*#\s*/, '').replace(/\.\.\."/g, '"'))).sort());
    expect(printed).toMatchObject({ created: true, userId: expect.stringMatching(/^VXNlcjo/), accountId: expect.stringMatching(/^QWNjb3VudDo/) });
    state.printed = printed;
  });

  it('starts npm start, as "Open http://localhost:4000/graphql" assumes', { timeout: 90_000 }, async () => {
    expect(blocks.length).toBeGreaterThan(0);
    server = spawn('npm', ['start'], { cwd: root, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    server.stdout!.setEncoding('utf8').on('data', (chunk: string) => (serverOutput += chunk));
    server.stderr!.setEncoding('utf8').on('data', (chunk: string) => (serverOutput += chunk));
    const deadline = Date.now() + 80_000;
    for (;;) {
      if (server.exitCode !== null) throw new Error(`npm start exited:\n${serverOutput}`);
      const ready = await fetch(`${base}/readyz`).then((r) => r.status === 200, () => false);
      if (ready) break;
      if (Date.now() > deadline) throw new Error(`npm start was not ready:\n${serverOutput}`);
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    const page = await fetch(`${base}/graphql`, { headers: { accept: 'text/html' } });
    expect(page.status).toBe(200);
  });

  /** POSTs an operation as GraphiQL does, with the Headers tab's Authorization once there is a token. */
  async function run(document: string, variables: Record<string, unknown> = {}): Promise<Json> {
    const response = await fetch(`${base}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/graphql-response+json, application/json', ...(state.token ? { authorization: `Bearer ${state.token}` } : {}) },
      body: JSON.stringify({ query: document, variables }),
    });
    const body = (await response.json()) as { data?: Json; errors?: unknown[] };
    expect(body.errors, `${document}\n${serverOutput}`).toBeUndefined();
    return body.data;
  }

  it('logs in with the login mutation', async () => {
    const data = await run(blocks[1]!.code);
    expect(data.login.token).toEqual(expect.any(String));
    state.token = data.login.token;
  });

  it('runs Setup with the printed accountId: Engineering and Ada', async () => {
    const data = await run(blocks[2]!.code, { accountId: state.printed.accountId });
    expect(data.engineering).toMatchObject({ group: { path: expect.any(String) }, errors: [] });
    expect(data.ada).toMatchObject({ user: { email: 'ada@example.com' }, errors: [] });
    state.groupId = data.engineering.group.id;
    state.userId = data.ada.user.id;
  });

  it("runs Join with Engineering's and Ada's ids", async () => {
    const data = await run(blocks[3]!.code, { groupId: state.groupId, userId: state.userId });
    expect(data.addGroupMemberUser).toEqual({ group: { name: 'Engineering' }, membershipStats: { userEdges: 1, totalEdges: 1 }, errors: [] });
  });

  it('runs FirstLook: the account, its users, and Engineering with Ada in it', async () => {
    const data = await run(blocks[4]!.code, { accountId: state.printed.accountId });
    expect(data.account.name).toBe('Acme');
    expect(data.account.users.edges.map((e: Json) => e.node.email)).toContain('ada@example.com');
    expect(data.account.groups.edges.map((e: Json) => e.node)).toEqual([
      { name: 'Engineering', path: expect.any(String), members: { totalCount: 1, edges: [{ node: { subjectType: 'USER', user: { email: 'ada@example.com' }, group: null } }] } },
    ]);
  });
});
