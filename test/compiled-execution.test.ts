// Compiled execution (src/server/executor.ts) answers exactly as graphql-js does: two keygraphs over one
// database, one running every operation on graphql-js (KEYGRAPH_COMPILE_AFTER=0), the other compiling every
// operation from its first run (1), must return the same bytes for the same requests - data, null fields,
// errors thrown by resolvers and shield rules (message, locations, path, extensions), the order of `errors` and
// `data`, variable errors and typed payload errors (the mutations here are refused, so they write nothing). Then the default (2): a query's first run (graphql-js) and
// its later, compiled runs answer the same.
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config.js';
import { createApp, type App } from '../src/server/app.js';
import { startTestApp, type TestApp } from './support/harness.js';

let t: TestApp;
const apps: App[] = [];

async function twin(compileAfter: string): Promise<App> {
  const config = loadConfig({ DATABASE_URL: t.database.url, KEYGRAPH_DATA_DIR: t.database.dataDir, KEYGRAPH_POINTS_PER_HOUR: '0', KEYGRAPH_SHADOW_FLUSH_MS: '0', KEYGRAPH_COMPILE_AFTER: compileAfter });
  const app = await createApp(config, { log: pino({ level: 'silent' }), passwordHashCost: 10 });
  apps.push(app);
  return app;
}

async function ask(app: App, token: string | null, query: string, variables: Record<string, unknown> = {}): Promise<string> {
  const response = await app.fetch('/graphql', {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/graphql-response+json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify({ query, variables }),
  });
  return `${response.status} ${await response.text()}`;
}

const id = (type: string, local: string) => Buffer.from(`${type}:${local}`).toString('base64');

// Each case: [caller, query, variables]. Queries span several lines (one with \r\n line ends) so that locations
// are not all on line 1.
type Case = [string, 'admin' | 'anonymous', string, Record<string, unknown>?];
const cases = (accountId: string): Case[] => [
  ['a readable object', 'admin', `{ account(id: "${accountId}") { id name } }`],
  ['an id of nothing reads as null, without an error', 'admin', `{ account(id: "${id('Account', 'nope')}") { id name } }`],
  ['an error a resolver throws, with partial data', 'admin', `query Two {\n  viewer { authenticated }\n  authorize(input: { zoneId: "${id('Zone', 'x')}", principalId: "x", action: "a", resourceId: "y" }) {\n    decision\n  }\n}`],
  ['the same error at two aliases, \\r\\n line ends', 'admin', `{\r\n  a: authorize(input: { zoneId: "${id('Zone', 'x')}", principalId: "x", action: "a", resourceId: "y" }) { decision }\r\n\r\n  b: authorize(input: { zoneId: "${id('Zone', 'x')}", principalId: "x", action: "a", resourceId: "y" }) { decision }\r\n}`],
  ['a shield rule refusing an anonymous caller, with partial data', 'anonymous', `{\n  viewer { authenticated }\n  account(id: "${accountId}") { id name }\n}`],
  ['a variable that does not coerce', 'admin', `mutation($input: CreateZoneInput!) { createZone(input: $input) { zone { id } } }`, { input: { accountId, name: 3 } }],
  ['a typed payload error', 'admin', `mutation($input: CreateZoneInput!) { createZone(input: $input) { zone { id } errors { __typename message field } } }`, { input: { accountId, name: '' } }],
  ['a field that does not exist (refused before execution)', 'admin', `{ account(id: "${accountId}") { nope } }`],
];

beforeAll(async () => {
  t = await startTestApp();
});

afterAll(async () => {
  for (const app of apps) await app.close();
  await t.close();
});

describe('compiled execution answers as graphql-js', () => {
  it('graphql-js and compiled-from-the-first-run keygraphs return the same bytes', async () => {
    const [interpreted, compiled] = [await twin('0'), await twin('1')];
    const accountId = id('Account', t.admin.accountId);
    let withErrors = 0;
    for (const [label, caller, query, variables] of cases(accountId)) {
      const token = caller === 'admin' ? t.admin.token : null;
      const expected = await ask(interpreted, token, query, variables);
      if (expected.includes('"errors"')) withErrors++;
      expect(await ask(compiled, token, query, variables), label).toBe(expected);
    }
    // The cases do reach errors with locations (the comparison is not of empty answers).
    expect(withErrors).toBeGreaterThanOrEqual(5);
  });

  it("by default (2) a query's first run, on graphql-js, and its compiled later runs answer the same", async () => {
    const byDefault = await twin('2');
    const accountId = id('Account', t.admin.accountId);
    for (const [label, caller, query, variables] of cases(accountId)) {
      const token = caller === 'admin' ? t.admin.token : null;
      const first = await ask(byDefault, token, query, variables);
      expect(await ask(byDefault, token, query, variables), label).toBe(first);
      expect(await ask(byDefault, token, query, variables), label).toBe(first);
    }
  });
});
