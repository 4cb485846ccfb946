// A user's session and grants snapshot, once read, answer that user's next requests without a database read for
// as long as nothing was written (Store.changeMark) and the session has not expired. On SQLite the mark moves
// with every write of this process and with every commit of another connection (PRAGMA data_version); on
// PostgreSQL, where other instances write unseen, every request reads. Each case here changes what a known
// session stands on and expects the very next request to see it.
import Database from 'better-sqlite3';
import { decodeGlobalID } from '@pothos/plugin-relay';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { sqlitePath } from '../src/config.js';
import { account } from './support/fixtures.js';
import { provider, startTestApp, type Caller, type TestApp } from './support/harness.js';
import { must, type Json } from './support/zones.js';

const PASSWORD = 'a long enough password for tests';
const ACCOUNT = 'query($id: ID!) { account(id: $id) { id name } }';

describe(`known sessions (${provider})`, () => {
  let t: TestApp;
  let acme: string;
  let reader: Caller;
  let readerId: string;
  let assignment: string;
  // Another connection to the same SQLite file, as another process (the CLI, an operator's sqlite3) would write.
  let other: Database.Database | undefined;

  const grantView = async () =>
    (await must(t, 'createRoleAssignment', { accountId: acme, roleKey: 'VIEWER', subjectType: 'USER', subjectId: readerId, resourceType: 'ACCOUNT', resourceId: acme }, 'roleAssignment { id }')).roleAssignment.id as string;
  const sees = async (caller: Caller) => {
    const { data, errors } = await caller.gql<Json, Record<string, unknown>>(ACCOUNT, { id: acme });
    expect(errors).toBeUndefined();
    return data?.account?.id === acme;
  };
  const viewer = (caller: Caller) => caller.gql<Json, Record<string, unknown>>('{ viewer { authenticated } }');

  beforeAll(async () => {
    t = await startTestApp();
    acme = await account(t, 'Acme');
    readerId = (await must(t, 'createUser', { accountId: acme, email: 'reader@acme.test', password: PASSWORD }, 'user { id }')).user.id as string;
    assignment = await grantView();
    reader = t.as(await t.login('reader@acme.test', PASSWORD));
    if (provider === 'sqlite') other = new Database(sqlitePath(t.app.config.databaseUrl));
  });
  afterEach(() => {
    vi.useRealTimers();
  });
  afterAll(async () => {
    other?.close();
    await t.close();
  });

  it.runIf(provider === 'sqlite')('answers a known session again without reading, while nothing changes', async () => {
    expect(await sees(reader)).toBe(true);
    const before = await t.statements();
    expect((await viewer(reader)).data).toEqual({ viewer: { authenticated: true } });
    expect((await t.statements()) - before).toBe(0);
  });

  it.runIf(provider === 'postgresql')('reads the session at every request on PostgreSQL', async () => {
    expect(await sees(reader)).toBe(true);
    const before = await t.statements();
    await viewer(reader);
    expect((await t.statements()) - before).toBeGreaterThanOrEqual(1);
  });

  it("sees this process's own writes at once: a role assignment deleted, then given again", async () => {
    expect(await sees(reader)).toBe(true);
    await must(t, 'deleteRoleAssignment', { id: assignment }, 'roleAssignment { id }');
    expect(await sees(reader)).toBe(false);
    assignment = await grantView();
    expect(await sees(reader)).toBe(true);
  });

  it.runIf(provider === 'sqlite')("sees another connection's commit at once: a role assignment revoked in SQL", async () => {
    expect(await sees(reader)).toBe(true);
    const id = decodeGlobalID(assignment).id;
    expect(other!.prepare(`UPDATE "RoleAssignment" SET "revokedAt" = ? WHERE "id" = ?`).run(Date.now(), id).changes).toBe(1);
    expect(await sees(reader)).toBe(false);
    other!.prepare(`UPDATE "RoleAssignment" SET "revokedAt" = NULL WHERE "id" = ?`).run(id);
    expect(await sees(reader)).toBe(true);
  });

  it.runIf(provider === 'sqlite')("sees another connection's commit at once: the session revoked in SQL", async () => {
    const token = await t.login('reader@acme.test', PASSWORD);
    const caller = t.as(token);
    expect((await viewer(caller)).data).toEqual({ viewer: { authenticated: true } });
    const sessionId = JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString('utf8')).jti as string;
    expect(other!.prepare(`UPDATE "Session" SET "revokedAt" = ? WHERE "id" = ?`).run(Date.now(), sessionId).changes).toBe(1);
    const refused = await viewer(caller);
    expect(refused.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
  });

  it('refuses a known session once it has expired', async () => {
    const caller = t.as(await t.login('reader@acme.test', PASSWORD));
    expect((await viewer(caller)).data).toEqual({ viewer: { authenticated: true } });
    vi.useFakeTimers({ toFake: ['Date'], now: Date.now() + t.app.config.sessionTtlSeconds * 1000 + 60_000 });
    const refused = await viewer(caller);
    expect(refused.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
  });

  it('logs out: the token is refused at once', async () => {
    const caller = t.as(await t.login('reader@acme.test', PASSWORD));
    expect((await viewer(caller)).data).toEqual({ viewer: { authenticated: true } });
    const { data } = await caller.gql<Json, Record<string, unknown>>('mutation { logout { loggedOut } }');
    expect(data?.logout).toEqual({ loggedOut: true });
    expect((await viewer(caller)).errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
  });
});
