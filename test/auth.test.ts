// Authentication end to end: login, whoami, bearer tokens, logout revoking at once, expired and
// tampered tokens, the published keys, and a trusted external issuer mapped to a keygraph user.
import { decodeJwt, decodeProtectedHeader } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { account, user } from './support/fixtures.js';
import { ADMIN_EMAIL, ADMIN_PASSWORD, provider, startTestApp, type TestApp } from './support/harness.js';
import { startIdp, type TestIdp } from './support/idp.js';
import { CreateUserDocument } from './generated/graphql.js';

const VIEWER = '{ viewer { authenticated principalType expiresAt user { id email } } }';
type ViewerData = { viewer: { authenticated: boolean; principalType: string; expiresAt: string | null; user: { id: string; email: string } | null } };
const LOGIN = 'mutation($i: LoginInput!) { login(input: $i) { token expiresAt viewer { authenticated user { email } } errors { __typename message field } } }';
type LoginData = { login: { token: string | null; expiresAt: string | null; viewer: { authenticated: boolean; user: { email: string } } | null; errors: { __typename: string; field: string | null }[] } };

describe(`authentication (${provider})`, () => {
  let t: TestApp;
  let idp: TestIdp;

  beforeAll(async () => {
    idp = await startIdp();
    t = await startTestApp({ KEYGRAPH_TRUSTED_ISSUERS: idp.trustedIssuers });
    const acme = await account(t, 'Acme');
    await t.ok(CreateUserDocument, { input: { accountId: acme, email: 'ada@example.com', username: 'ada', password: 'correct horse battery' } });
    await user(t, acme, 'nopassword@example.com');
  });
  afterAll(async () => {
    await t.close();
    await idp.close();
  });

  const expectUnauthenticated = (result: { errors?: { message: string; extensions?: Record<string, unknown> }[]; data?: unknown }) => {
    expect(result.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
    expect(result.errors?.[0]?.message).toBe('invalid or expired credentials');
  };

  it('answers whoami without credentials', async () => {
    const { data } = await t.as(null).gql<ViewerData, Record<string, never>>(VIEWER);
    expect(data!.viewer).toEqual({ authenticated: false, principalType: 'ANONYMOUS', expiresAt: null, user: null });
  });

  it('logs in by email, username or identifier and returns a signed session token', async () => {
    for (const input of [{ email: 'ADA@example.com' }, { username: 'ada' }, { identifier: 'ada' }, { identifier: 'ada@example.com' }]) {
      const { data } = await t.as(null).gql<LoginData, { i: object }>(LOGIN, { i: { ...input, password: 'correct horse battery' } });
      expect(data!.login.errors).toEqual([]);
      expect(data!.login.viewer).toEqual({ authenticated: true, user: { email: 'ada@example.com' } });
      const token = data!.login.token!;
      expect(decodeProtectedHeader(token)).toMatchObject({ alg: 'ES256', typ: 'JWT', kid: expect.any(String) });
      const claims = decodeJwt(token);
      expect(claims).toMatchObject({ iss: 'urn:keygraph', aud: 'keygraph', jti: expect.any(String), sub: expect.any(String) });
      expect(claims.exp! * 1000).toBe(new Date(data!.login.expiresAt!).getTime());
      const me = await t.as(token).gql<ViewerData, Record<string, never>>(VIEWER);
      expect(me.data!.viewer).toMatchObject({ authenticated: true, principalType: 'USER', user: { email: 'ada@example.com' } });
    }
  });

  it('refuses wrong credentials with one generic error, whatever was wrong', async () => {
    const cases = [
      { identifier: 'ada', password: 'wrong password!' },
      { identifier: 'nobody@example.com', password: 'correct horse battery' },
      { identifier: 'nopassword@example.com', password: 'correct horse battery' },
    ];
    const messages = new Set<string>();
    for (const i of cases) {
      const result = await t.as(null).gql<LoginData, { i: object }>(LOGIN, { i });
      expect(result.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
      expect(result.data?.login ?? null).toBeNull();
      messages.add(result.errors![0]!.message);
    }
    expect(messages.size).toBe(1);
    const ambiguous = await t.as(null).gql<LoginData, { i: object }>(LOGIN, { i: { email: 'ada@example.com', username: 'ada', password: 'x' } });
    expect(ambiguous.data!.login.errors).toEqual([expect.objectContaining({ __typename: 'ValidationError', field: 'identifier' })]);
  });

  it('revokes the session at logout: the token stops working at once', async () => {
    const token = await t.login('ada', 'correct horse battery');
    expect((await t.as(token).gql<ViewerData, Record<string, never>>(VIEWER)).data!.viewer.authenticated).toBe(true);
    const out = await t.as(token).gql<{ logout: { loggedOut: boolean } }, Record<string, never>>('mutation { logout { loggedOut } }');
    expect(out.data!.logout.loggedOut).toBe(true);
    expectUnauthenticated(await t.as(token).gql(VIEWER));
    const anonymous = await t.as(null).gql<{ logout: { loggedOut: boolean } }, Record<string, never>>('mutation { logout { loggedOut } }');
    expect(anonymous.data!.logout.loggedOut).toBe(false);
  });

  it('refuses an expired session, a tampered token and a malformed header', async () => {
    const token = await t.login('ada', 'correct horse battery');
    const claims = decodeJwt(token);
    await t.app.db.prisma.session.update({ where: { id: claims.jti! }, data: { expiresAt: new Date(Date.now() - 1000) } });
    expectUnauthenticated(await t.as(token).gql(VIEWER));

    const fresh = await t.login('ada', 'correct horse battery');
    const [header, payload, signature] = fresh.split('.');
    // Claim to be the super administrator, keeping Ada's signature.
    const forged = Buffer.from(JSON.stringify({ ...decodeJwt(fresh), sub: t.admin.userId })).toString('base64url');
    expectUnauthenticated(await t.as(`${header}.${forged}.${signature}`).gql(VIEWER));
    expectUnauthenticated(await t.as(null).gql(VIEWER, {}, { authorization: 'Basic YWRhOnB3' }));
    expectUnauthenticated(await t.as(null).gql(VIEWER, {}, { authorization: 'Bearer not.a.token' }));
  });

  it('answers 401 to a bad token, with no detail', async () => {
    const response = await t.app.fetch('/graphql', {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: 'Bearer abc.def.ghi' },
      body: JSON.stringify({ query: VIEWER }),
    });
    expect(response.status).toBe(401);
    const body = (await response.json()) as { errors: { message: string; extensions: object }[]; data?: unknown };
    expect(body.errors).toEqual([{ message: 'invalid or expired credentials', extensions: { code: 'UNAUTHENTICATED' } }]);
    expect(body.data ?? null).toBeNull();
  });

  it('publishes its public signing keys', async () => {
    const response = await t.app.fetch('/.well-known/jwks.json');
    expect(response.status).toBe(200);
    const { keys } = (await response.json()) as { keys: Record<string, unknown>[] };
    expect(keys).toHaveLength(1);
    expect(keys[0]).toMatchObject({ kty: 'EC', crv: 'P-256', alg: 'ES256', use: 'sig', kid: decodeProtectedHeader(t.admin.token).kid });
    expect(keys[0]).not.toHaveProperty('d');
  });

  describe('a trusted external issuer', () => {
    const external = (claims: Record<string, unknown>, audience = 'keygraph-frontend') =>
      idp.sign(claims, audience);

    it('maps (iss, sub) to the user with the same verified email, then by the link alone', async () => {
      const first = await external({ sub: 'idp|42', email: 'Ada@Example.com', email_verified: true });
      const me = await t.as(first).gql<ViewerData, Record<string, never>>(VIEWER);
      expect(me.data!.viewer).toMatchObject({ authenticated: true, principalType: 'USER', user: { email: 'ada@example.com' } });
      const later = await external({ sub: 'idp|42' });
      expect((await t.as(later).gql<ViewerData, Record<string, never>>(VIEWER)).data!.viewer.user?.email).toBe('ada@example.com');
    });

    it('refuses unverified emails, unknown subjects and the wrong audience', async () => {
      expectUnauthenticated(await t.as(await external({ sub: 'idp|43', email: 'nopassword@example.com', email_verified: false })).gql(VIEWER));
      expectUnauthenticated(await t.as(await external({ sub: 'idp|44' })).gql(VIEWER));
      expectUnauthenticated(await t.as(await external({ sub: 'idp|42' }, 'someone-else')).gql(VIEWER));
    });
  });

  it('lets the bootstrap administrator in with its password', async () => {
    expect(await t.login(ADMIN_EMAIL, ADMIN_PASSWORD)).toMatch(/^ey/);
  });
});
