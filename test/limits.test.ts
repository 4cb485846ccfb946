// What one request may ask for (src/server/limits.ts): graphql-armor's depth, alias, token and directive
// limits, operations per document, string lengths, nodes(ids:), body size, and the GitHub-style node
// limit computed from first/last before anything runs. Each attack of issue 13 at the limit and past it.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeGlobalID } from '@pothos/plugin-relay';
import { provider, startTestApp, type TestApp } from './support/harness.js';
import { account, group } from './support/fixtures.js';

type Json = Record<string, any>;

/** `levels` times: account { groups(first: 100) { edges { node { ... } } } } around `inner`. */
function nestedGroups(levels: number, inner = 'id', first = 100): string {
  let body = inner;
  for (let i = 0; i < levels; i++) body = `account { groups(first: ${first}) { edges { node { id ${body} } } } }`;
  return body;
}

async function post(t: TestApp, body: string, headers: Record<string, string> = {}): Promise<{ status: number; json: Json; ms: number }> {
  const started = performance.now();
  const response = await t.app.fetch('/graphql', {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/graphql-response+json, application/json', authorization: `Bearer ${t.admin.token}`, ...headers },
    body,
  });
  const text = await response.text();
  const ms = performance.now() - started;
  let json: Json;
  try {
    json = JSON.parse(text) as Json;
  } catch {
    json = { text };
  }
  return { status: response.status, json, ms };
}

const gql = (t: TestApp, query: string, variables: Json = {}) => post(t, JSON.stringify({ query, variables }));

describe(`limits (${provider})`, () => {
  let t: TestApp;
  let accountId: string;
  let groupId: string;
  beforeAll(async () => {
    t = await startTestApp();
    accountId = await account(t, 'Bravo');
    groupId = await group(t, accountId, 'One');
    await group(t, accountId, 'Two');
  });
  afterAll(() => t.close());

  it('refuses the 18-level nested account/groups query of issue 13 at once, before any resolver runs', async () => {
    const query = `query Attack($id: ID!) { node(id: $id) { ... on Group { ${nestedGroups(18)} } } }`;
    const before = await t.statements();
    const { status, json, ms } = await gql(t, query, { id: groupId });
    expect(status).toBe(400);
    expect(json.data).toBeUndefined();
    expect(json.errors[0].message).toMatch(/depth limit of 16 exceeded/);
    // Nothing but authentication's session lookup.
    expect((await t.statements()) - before).toBeLessThanOrEqual(1);
    expect(ms).toBeLessThan(1000);
    console.log(`nested attack (18 levels, ${query.length} characters): HTTP ${status} in ${ms.toFixed(1)} ms: ${json.errors[0].message}`);
  });

  it('counts nodes from first/last: 3 levels of groups(first: 100) are 1,010,100 nodes, refused with the limit and the cost named', async () => {
    // Within the depth limit, the node limit refuses it.
    const query = `query($id: ID!) { account(id: $id) { groups(first: 100) { edges { node { account { groups(first: 100) { edges { node { account { groups(first: 100) { totalCount } } } } } } } } } } }`;
    const before = await t.statements();
    const { status, json, ms } = await gql(t, query, { id: accountId });
    expect(status).toBe(400);
    expect(json.errors).toHaveLength(1);
    expect(json.errors[0].extensions.code).toBe('COST_LIMIT_EXCEEDED');
    expect(json.errors[0].message).toContain('1010100 nodes, more than the limit of 500000');
    expect(json.errors[0].extensions.cost).toEqual({ nodes: 1_010_100, requests: 10_101, maxNodes: 500_000 });
    // Nothing but authentication's session lookup.
    expect((await t.statements()) - before).toBeLessThanOrEqual(1);
    console.log(`3 x groups(first: 100): HTTP ${status} in ${ms.toFixed(1)} ms`);
  });

  it('runs an operation of exactly 500,000 nodes and refuses one of 500,001', async () => {
    // 100 + 100 x 49 + 100 x 99 + 100 x 99 x 49 = 500,000
    const at = `query($id: ID!, $n: Int!) { account(id: $id) { groups(first: 100) { edges { node { name m2: members(first: 49) { totalCount } members(first: 99) { edges { node { group { members(first: 49) { totalCount } } } } } } } } extra: users(first: $n) { totalCount } } }`;
    const ok = await gql(t, at.replace(' extra: users(first: $n) { totalCount }', '').replace(', $n: Int!', ''), { id: accountId });
    expect(ok.status).toBe(200);
    expect(ok.json.errors).toBeUndefined();
    expect(ok.json.data.account.groups.edges).toHaveLength(2);
    expect(ok.json.extensions.cost).toEqual({ nodes: 500_000, requests: 100 * 99 + 100 + 100 + 1, maxNodes: 500_000 });
    // One more node, through a variable.
    const past = await gql(t, at, { id: accountId, n: 1 });
    expect(past.status).toBe(400);
    expect(past.json.errors[0].extensions.code).toBe('COST_LIMIT_EXCEEDED');
    expect(past.json.errors[0].extensions.cost.nodes).toBe(500_001);
  });

  it('reports the cost of every executed operation; a connection without first/last counts 20', async () => {
    const { status, json } = await gql(t, `query($id: ID!) { account(id: $id) { groups { edges { node { members { totalCount } } } } } }`, { id: accountId });
    expect(status).toBe(200);
    expect(json.extensions.cost).toEqual({ nodes: 20 + 20 * 20, requests: 21, maxNodes: 500_000 });
    const viewer = await gql(t, '{ viewer { authenticated } }');
    expect(viewer.json.extensions.cost).toEqual({ nodes: 0, requests: 0, maxNodes: 500_000 });
  });

  it('prices fragments (named, repeated, nested) like the fields they spread', async () => {
    const query = `query($id: ID!) { account(id: $id) { ...G ...G } }
      fragment G on Account { groups(first: 10) { edges { node { ...M } } } }
      fragment M on Group { members(first: 5) { totalCount } }`;
    const { json } = await gql(t, query, { id: accountId });
    expect(json.extensions.cost.nodes).toBe(2 * (10 + 10 * 5));
  });

  it('refuses 301 aliases and accepts 300', async () => {
    const aliases = (n: number) => `{ ${Array.from({ length: n }, (_, i) => `a${i}: viewer { authenticated }`).join(' ')} }`;
    const ok = await gql(t, aliases(300));
    expect(ok.status).toBe(200);
    expect(Object.keys(ok.json.data)).toHaveLength(300);
    const refused = await gql(t, aliases(301));
    expect(refused.status).toBe(400);
    expect(refused.json.errors[0].message).toMatch(/Aliases limit of 300 exceeded, found 301/);
    // The 100,000 aliases of issue 13 are refused while parsing (tokens), cheaply.
    const flood = await gql(t, aliases(100_000));
    expect(flood.status).toBe(413);
    const parsed = await post(t, JSON.stringify({ query: aliases(900) }));
    expect(parsed.status).toBe(400);
    expect(parsed.json.errors[0].message).toMatch(/Token limit of 5000 exceeded/);
  });

  it('refuses depth 17 and accepts depth 16', async () => {
    // node { ...on Group { account { groups { edges { node { ... } } } } } }: depth 1 + 4 per level + 1
    const depth = (levels: number, tail: string) => `query($id: ID!) { node(id: $id) { ... on Group { ${nestedGroups(levels, tail, 2)} } } }`;
    // 1 + 12 + 3 = 16: account { id }... name at depth 14, then parent { parent { id } } to 16.
    const ok = await gql(t, depth(3, 'parent { parent { id } }'), { id: groupId });
    expect(ok.json.errors).toBeUndefined();
    const refused = await gql(t, depth(3, 'parent { parent { parent { id } } }'), { id: groupId });
    expect(refused.status).toBe(400);
    expect(refused.json.errors[0].message).toMatch(/depth limit of 16 exceeded, found 17/);
  });

  it('refuses more than 25 operations in a document', async () => {
    const doc = (n: number) => Array.from({ length: n }, (_, i) => `query Q${i} { viewer { authenticated } }`).join('\n');
    const ok = await post(t, JSON.stringify({ query: doc(25), operationName: 'Q3' }));
    expect(ok.status).toBe(200);
    const refused = await post(t, JSON.stringify({ query: doc(26), operationName: 'Q3' }));
    expect(refused.status).toBe(400);
    expect(refused.json.errors[0].message).toContain('at most 25 operations; this one defines 26');
    // 10,000 operations stop at the token limit.
    const flood = await post(t, JSON.stringify({ query: doc(10_000), operationName: 'Q3' }));
    expect(flood.status).toBe(400);
    expect(flood.json.errors[0].message).toMatch(/Token limit/);
  });

  it('takes at most 100 ids in nodes(ids:)', async () => {
    const ids = (n: number) => Array.from({ length: n }, (_, i) => encodeGlobalID('Group', `missing-${i}`));
    const ok = await gql(t, 'query($ids: [ID!]!) { nodes(ids: $ids) { id } }', { ids: ids(100) });
    expect(ok.status).toBe(200);
    expect(ok.json.data.nodes).toHaveLength(100);
    expect(ok.json.extensions.cost.nodes).toBe(100);
    const refused = await gql(t, 'query($ids: [ID!]!) { nodes(ids: $ids) { id } }', { ids: ids(101) });
    expect(refused.status).toBe(400);
    expect(refused.json.errors[0].message).toBe('nodes(ids:) takes at most 100 ids; this call has 101');
    const literal = await gql(t, `{ nodes(ids: ${JSON.stringify(ids(101))}) { id } }`);
    expect(literal.status).toBe(400);
  });

  it('caps string arguments at 32,768 characters, as literals and as variables', async () => {
    const query = 'mutation($i: CreateGroupInput!) { createGroup(input: $i) { errors { message } } }';
    const at = await gql(t, query, { i: { accountId, name: 'x'.repeat(32_768) } });
    expect(at.status).toBe(200);
    expect(at.json.data.createGroup.errors[0].message).toMatch(/at most 255 characters/);
    const past = await gql(t, query, { i: { accountId, name: 'x'.repeat(32_769) } });
    expect(past.status).toBe(400);
    expect(past.json.errors[0].message).toBe('a string argument may have at most 32768 characters; one has 32769');
    const literal = await gql(t, `mutation { createGroup(input: { accountId: ${JSON.stringify(accountId)}, name: "${'y'.repeat(32_769)}" }) { errors { message } } }`);
    expect(literal.status).toBe(400);
    expect(literal.json.errors[0].message).toContain('at most 32768 characters');
  });

  it('refuses variables nested deeper than 64 levels and 10,000 nested brackets in a query without a 500', async () => {
    let deep: unknown = 1;
    for (let i = 0; i < 1_000; i++) deep = [deep];
    const variables = await gql(t, 'mutation($i: CreateGroupInput!) { createGroup(input: $i) { errors { message } } }', { i: { accountId, name: 'n', attributes: { a: deep } } });
    expect(variables.status).toBe(400);
    expect(variables.json.errors[0].message).toMatch(/nest at most 64 levels/);
    const brackets = (n: number) => gql(t, `{ node(id: ${'['.repeat(n)}"x"${']'.repeat(n)}) { id } }`);
    const flood = await brackets(10_000);
    expect(flood.status).toBe(400);
    expect(flood.json.errors[0].message).toBe('brackets, braces and parentheses may nest at most 128 levels; this document nests 10002');
    // At the limit it parses (and fails validation: an ID is no list).
    const at = await brackets(126);
    expect(at.status).toBe(400);
    expect(at.json.errors[0].message).not.toMatch(/nest at most/);
    expect((await brackets(127)).json.errors[0].message).toMatch(/nest at most 128 levels; this document nests 129/);
  });

  it('refuses a body over 1 MiB with 413 before reading it', async () => {
    const big = JSON.stringify({ query: '{ viewer { authenticated } }', variables: { pad: 'x'.repeat(1_048_576) } });
    const refused = await post(t, big);
    expect(refused.status).toBe(413);
    const small = await post(t, JSON.stringify({ query: '{ viewer { authenticated } }', variables: { pad: 'x'.repeat(1000) } }));
    expect(small.status).toBe(200);
  });

  it('refuses by Content-Length alone: over 1 MiB (413) or not one integer (400); a true length is read as it is', async () => {
    const body = JSON.stringify({ query: '{ viewer { authenticated } }' });
    expect((await post(t, body, { 'content-length': '1048577' })).status).toBe(413);
    for (const bad of ['-1', '12, 12', 'x', '1e3']) expect((await post(t, body, { 'content-length': bad })).status, bad).toBe(400);
    const ok = await post(t, body, { 'content-length': String(Buffer.byteLength(body)) });
    expect(ok.status).toBe(200);
    expect(ok.json.data).toEqual({ viewer: { authenticated: true } });
  });
});

describe(`points per hour (${provider})`, () => {
  let t: TestApp;
  let accountId: string;
  beforeAll(async () => {
    t = await startTestApp({ KEYGRAPH_POINTS_PER_HOUR: '10' });
    accountId = await account(t, 'Budget');
  });
  afterAll(() => t.close());

  it('charges each caller page reads / 100 (at least 1) per operation, and refuses what is over its hour', async () => {
    const before = await gql(t, '{ viewer { authenticated } }');
    expect(before.json.extensions.cost).toMatchObject({ points: 1, limit: 10, resetAt: expect.any(String) });
    const remaining = before.json.extensions.cost.remaining as number;
    // 1 + 100 + 100 x 1 = 201 page reads: 2 points.
    const query = `query($id: ID!) { account(id: $id) { groups(first: 100) { edges { node { members(first: 1) { edges { node { group { members(first: 1) { totalCount } } } } } } } } } }`;
    const costly = await gql(t, query, { id: accountId });
    expect(costly.json.extensions.cost).toMatchObject({ requests: 201, points: 2, remaining: remaining - 2 });
    let last = costly;
    for (let left = remaining - 2; left > 0; left--) last = await gql(t, '{ viewer { authenticated } }');
    expect(last.json.extensions.cost.remaining).toBe(0);
    const refused = await gql(t, '{ viewer { authenticated } }');
    expect(refused.status).toBe(429);
    expect(refused.json.errors[0].extensions.code).toBe('RATE_LIMITED');
    expect(refused.json.errors[0].message).toBe('this operation costs 1 points, more than remain of the 10 points per hour');
    expect(refused.json.errors[0].extensions.retryAfterSeconds).toBeGreaterThan(3000);
    // Another caller (anonymous, by address; the harness's login spent one point there) has its own hour.
    const anonymous = await post(t, JSON.stringify({ query: '{ viewer { authenticated } }' }), { authorization: '' });
    expect(anonymous.status).toBe(200);
    expect(anonymous.json.extensions.cost.remaining).toBe(8);
  });
});
