// Login throttling (src/server/throttle.ts): per identifier and per client address, the same for
// existing and unknown users, shared through Redis when configured; one login per request; a password
// length cap before hashing; a bounded password-hashing queue (src/infra/crypto/password.ts).
import { randomBytes } from 'node:crypto';
import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BoundedHasher, HasherBusyError, ScryptHasher } from '../src/infra/crypto/password.js';
import { ADMIN_EMAIL, ADMIN_PASSWORD, provider, startTestApp, type TestApp } from './support/harness.js';

type Json = Record<string, any>;

const LOGIN = 'mutation($i: LoginInput!) { login(input: $i) { token errors { __typename message field } } }';

async function login(t: TestApp, identifier: string, password: string, headers: Record<string, string> = {}): Promise<{ status: number; body: Json; retryAfter: string | null }> {
  const response = await t.app.fetch('/graphql', {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/graphql-response+json, application/json', ...headers },
    body: JSON.stringify({ query: LOGIN, variables: { i: { identifier, password } } }),
  });
  return { status: response.status, body: (await response.json()) as Json, retryAfter: response.headers.get('retry-after') };
}

const code = (r: { body: Json }) => (r.body.errors?.[0]?.extensions?.code as string | undefined) ?? (r.body.data?.login?.token ? 'OK' : JSON.stringify(r.body));

const redisUp = () =>
  new Promise<boolean>((resolve) => {
    const socket = connect(6379, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });

describe(`login throttling (${provider})`, () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(() => t.close());

  it('answers 10 attempts per identifier, then RATE_LIMITED with a retry time, the right password included; the same for an unknown user', async () => {
    const existing: string[] = [];
    const unknown: string[] = [];
    for (let i = 0; i < 10; i++) {
      existing.push(code(await login(t, ADMIN_EMAIL, `wrong password ${i}`)));
      unknown.push(code(await login(t, 'nobody@keygraph.test', `wrong password ${i}`)));
    }
    expect(existing).toEqual(Array(10).fill('UNAUTHENTICATED'));
    expect(unknown).toEqual(existing);
    const blocked = await login(t, ADMIN_EMAIL, ADMIN_PASSWORD);
    const blockedUnknown = await login(t, 'NOBODY@keygraph.test ', 'wrong password');
    for (const r of [blocked, blockedUnknown]) {
      expect(r.status).toBe(429);
      expect(r.body.data).toBeNull();
      expect(r.body.errors).toEqual([{ message: 'too many login attempts; try again later', extensions: { code: 'RATE_LIMITED', retryAfterSeconds: expect.any(Number) } }]);
      expect(r.body.errors[0].extensions.retryAfterSeconds).toBeGreaterThan(890);
      expect(r.body.errors[0].extensions.retryAfterSeconds).toBeLessThanOrEqual(900);
      expect(r.retryAfter).toBe(String(r.body.errors[0].extensions.retryAfterSeconds));
    }
    // Another identifier from the same address is not held back by these.
    expect(code(await login(t, 'someone.else@keygraph.test', 'wrong password'))).toBe('UNAUTHENTICATED');
  });

  it('gives a successful login its attempt back and restarts the count of its identifier', async () => {
    const email = `ada.${randomBytes(3).toString('hex')}@keygraph.test`;
    const created = await t.gql<Json, Json>('mutation($i: CreateUserInput!) { createUser(input: $i) { errors { message } } }', { i: { accountId: await accountOf(t), email, password: 'ada password 1' } });
    expect(created.errors).toBeUndefined();
    expect(created.data!.createUser.errors).toEqual([]);
    const seen: string[] = [];
    for (let i = 0; i < 9; i++) seen.push(code(await login(t, email, 'wrong')));
    seen.push(code(await login(t, email, 'ada password 1')));
    for (let i = 0; i < 10; i++) seen.push(code(await login(t, email, 'wrong')));
    expect(seen).toEqual([...Array(9).fill('UNAUTHENTICATED'), 'OK', ...Array(10).fill('UNAUTHENTICATED')]);
    expect(code(await login(t, email, 'ada password 1'))).toBe('RATE_LIMITED');
  });

  it('runs at most one login per request', async () => {
    const response = await t.app.fetch('/graphql', {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/graphql-response+json' },
      body: JSON.stringify({
        query: `mutation($i: LoginInput!) { a: login(input: $i) { token } ...L }
          fragment L on Mutation { b: login(input: $i) { token } }`,
        variables: { i: { identifier: 'x@keygraph.test', password: 'whatever it is' } },
      }),
    });
    expect(response.status).toBe(400);
    const body = (await response.json()) as Json;
    expect(body.data).toBeUndefined();
    expect(body.errors[0].message).toBe('one login per request; this one has 2');
  });

  it('refuses a password over 1,024 characters before hashing it', async () => {
    const at = await login(t, 'long@keygraph.test', 'p'.repeat(1024));
    expect(code(at)).toBe('UNAUTHENTICATED');
    const past = await login(t, 'long@keygraph.test', 'p'.repeat(1025));
    expect(past.body.data.login).toEqual({ token: null, errors: [{ __typename: 'ValidationError', message: 'password must be at most 1024 characters', field: 'password' }] });
    // A password cannot be set that long either, and the hasher refuses one.
    await expect(new ScryptHasher(10).hash('p'.repeat(1025))).rejects.toThrow(/more than 1024/);
    expect(await new ScryptHasher(10).verify('p'.repeat(1025), await new ScryptHasher(10).hash('p'.repeat(1024)))).toBe(false);
  });
});

async function accountOf(t: TestApp): Promise<string> {
  const { data } = await t.gql<Json, Json>('{ accounts(first: 1) { edges { node { id } } } }');
  return data!.accounts.edges[0].node.id as string;
}

describe(`login throttling per client address (${provider})`, () => {
  let direct: TestApp;
  let proxied: TestApp;
  beforeAll(async () => {
    direct = await startTestApp({ KEYGRAPH_LOGIN_ATTEMPTS_PER_ADDRESS: '5' });
    proxied = await startTestApp({ KEYGRAPH_LOGIN_ATTEMPTS_PER_ADDRESS: '5', KEYGRAPH_TRUSTED_PROXIES: 'loopback' });
  });
  afterAll(async () => {
    await direct.close();
    await proxied.close();
  });

  it('counts every identifier from one address: the 6th attempt is refused, another address is not', async () => {
    const from = (address: string) => ({ 'x-forwarded-for': address });
    const seen: string[] = [];
    for (let i = 0; i < 6; i++) seen.push(code(await login(proxied, `user${i}@keygraph.test`, 'wrong', from('203.0.113.7'))));
    expect(seen).toEqual([...Array(5).fill('UNAUTHENTICATED'), 'RATE_LIMITED']);
    expect(code(await login(proxied, 'user9@keygraph.test', 'wrong', from('203.0.113.8')))).toBe('UNAUTHENTICATED');
    // Behind the trusted proxy, the nearest untrusted entry is the client: a client's own prefix does not help.
    expect(code(await login(proxied, 'user10@keygraph.test', 'wrong', from('198.51.100.1, 203.0.113.7')))).toBe('RATE_LIMITED');
  });

  it('believes no X-Forwarded-For without KEYGRAPH_TRUSTED_PROXIES', async () => {
    const seen: string[] = [];
    for (let i = 0; i < 6; i++) seen.push(code(await login(direct, `user${i}@keygraph.test`, 'wrong', { 'x-forwarded-for': `203.0.113.${i}` })));
    expect(seen).toEqual([...Array(5).fill('UNAUTHENTICATED'), 'RATE_LIMITED']);
  });
});

describe(`login throttling shared through Redis (${provider})`, async () => {
  const up = await redisUp();
  let a: TestApp;
  let b: TestApp;
  beforeAll(async () => {
    if (!up) return;
    const env = { KEYGRAPH_REDIS_URL: 'redis://127.0.0.1:6379', KEYGRAPH_REDIS_PREFIX: `keygraph-test-${randomBytes(6).toString('hex')}`, KEYGRAPH_LOGIN_ATTEMPTS_PER_IDENTIFIER: '3' };
    a = await startTestApp(env);
    b = await startTestApp(env);
  });
  afterAll(async () => {
    await a?.close();
    await b?.close();
  });

  it.skipIf(!up)('counts attempts on one instance against the other', async () => {
    const seen = [await login(a, 'shared@keygraph.test', 'wrong'), await login(b, 'shared@keygraph.test', 'wrong'), await login(a, 'shared@keygraph.test', 'wrong'), await login(b, 'shared@keygraph.test', 'wrong')].map(code);
    expect(seen).toEqual(['UNAUTHENTICATED', 'UNAUTHENTICATED', 'UNAUTHENTICATED', 'RATE_LIMITED']);
  });
});

describe('password hashing is bounded', () => {
  it('runs at most `concurrency` hashes, lets `queue` checks wait and refuses further checks at once; new hashes always wait their turn', async () => {
    const inner = new ScryptHasher(12);
    const stored = await inner.hash('password 0');
    let running = 0;
    let most = 0;
    const counted = async <T,>(work: () => Promise<T>): Promise<T> => {
      running++;
      most = Math.max(most, running);
      try {
        return await work();
      } finally {
        running--;
      }
    };
    const counting = { hash: (p: string) => counted(() => inner.hash(p)), verify: (p: string, h: string) => counted(() => inner.verify(p, h)) };
    const bounded = new BoundedHasher(counting, 2, 3);
    const checks = await Promise.allSettled(Array.from({ length: 8 }, (_, i) => bounded.verify(`password ${i}`, stored)));
    expect(checks.filter((o) => o.status === 'fulfilled')).toHaveLength(5);
    const refused = checks.filter((o): o is PromiseRejectedResult => o.status === 'rejected');
    expect(refused).toHaveLength(3);
    for (const o of refused) expect(o.reason).toBeInstanceOf(HasherBusyError);
    expect(most).toBe(2);
    // New hashes queue (the login's decoy hash must never fail), still two at a time.
    const hashes = await Promise.allSettled(Array.from({ length: 8 }, (_, i) => bounded.hash(`password ${i}`)));
    expect(hashes.every((o) => o.status === 'fulfilled')).toBe(true);
    expect(most).toBe(2);
    expect(await bounded.verify('password 0', stored)).toBe(true);
  });

  it('answers a login flood over the queue with RATE_LIMITED, not a 500', async () => {
    const t = await startTestApp({ KEYGRAPH_HASH_CONCURRENCY: '1', KEYGRAPH_HASH_QUEUE: '1' });
    try {
      const answers = await Promise.all(Array.from({ length: 6 }, (_, i) => login(t, `flood${i}@keygraph.test`, 'wrong password')));
      const codes = answers.map(code).sort();
      expect(codes.filter((c) => c === 'UNAUTHENTICATED').length).toBeGreaterThanOrEqual(1);
      expect(codes.filter((c) => c === 'RATE_LIMITED').length).toBeGreaterThanOrEqual(1);
      expect(codes.every((c) => c === 'UNAUTHENTICATED' || c === 'RATE_LIMITED')).toBe(true);
      for (const r of answers) expect(r.status).toBeLessThan(500);
    } finally {
      await t.close();
    }
  });
});
