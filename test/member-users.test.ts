// A group's members carry their users, read in the same statement together with whether each user is in the
// group's account (its AccountUser row). A caller who reads that account's users then sees them without
// loading every account of every user. The shortcut may only ever say yes for a user it found in the account:
// a membership alone proves nothing (a user removed from the account behind the domain's back keeps its
// GroupMember row here), and such a user stays as hidden as through node(id:).
import { decodeGlobalID } from '@pothos/plugin-relay';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { account, addUser, group, user } from './support/fixtures.js';
import { provider, startTestApp, type Caller, type TestApp } from './support/harness.js';
import { must, type Json } from './support/zones.js';

const PASSWORD = 'a long enough password for tests';

describe(`members' users and their visibility (${provider})`, () => {
  let t: TestApp;
  let acme: string;
  let team: string;
  let kept: string;
  let dangling: string;
  let viewer: Caller;

  beforeAll(async () => {
    t = await startTestApp();
    acme = await account(t, 'Acme');
    const other = await account(t, 'Other');
    team = await group(t, acme, 'Team');
    kept = await user(t, acme, 'kept@acme.test');
    dangling = await user(t, acme, 'dangling@acme.test');
    await addUser(t, team, kept);
    await addUser(t, team, dangling);
    const sql = (statement: string) => (t.app.db.prisma as Json).$executeRawUnsafe(statement);
    const [a, o, u] = [decodeGlobalID(acme).id, decodeGlobalID(other).id, decodeGlobalID(dangling).id];
    // `dangling` is also in Other, where the viewer holds nothing (written in SQL: no API adds an existing user to an account).
    await sql(`INSERT INTO "AccountUser" ("id", "accountId", "userId") VALUES ('au-dangling-other', '${o}', '${u}')`);
    // The viewer reads Acme's groups and users (VIEWER on the account).
    const created = await must(t, 'createUser', { accountId: acme, email: 'viewer@acme.test', password: PASSWORD }, 'user { id }');
    await must(t, 'createRoleAssignment', { accountId: acme, roleKey: 'VIEWER', subjectType: 'USER', subjectId: created.user.id, resourceType: 'ACCOUNT', resourceId: acme }, 'roleAssignment { id }');
    viewer = t.as(await t.login('viewer@acme.test', PASSWORD));
    // `dangling` leaves Acme behind the domain's back: its AccountUser row goes, its membership of Team stays.
    expect(await sql(`DELETE FROM "AccountUser" WHERE "accountId" = '${a}' AND "userId" = '${u}'`)).toBe(1);
  });
  afterAll(() => t.close());

  const members = async (caller: Caller) => {
    const { data, errors } = await caller.gql<Json, Record<string, unknown>>('query($g: ID!) { node(id: $g) { ... on Group { members(first: 10) { edges { node { user { id email } } } } } } }', { g: team });
    return { users: (data?.node?.members.edges ?? []).map((e: Json) => e.node.user as { id: string; email: string } | null), errors };
  };

  it("shows a member's user the caller may read in the group's account", async () => {
    const { users } = await members(viewer);
    expect(users).toContainEqual({ id: kept, email: 'kept@acme.test' });
  });

  it('hides a member whose user is no longer in the account, as node(id:) does', async () => {
    const { users } = await members(viewer);
    expect(users.map((u: { email: string } | null) => u?.email)).not.toContain('dangling@acme.test');
    const direct = await viewer.gql<Json, Record<string, unknown>>('query($u: ID!) { node(id: $u) { id } }', { u: dangling });
    expect(direct.data?.node).toBeNull();
    // The administrator, who reads Other too, still sees it through the membership.
    const { users: all } = await members(t);
    expect(all.map((u: { email: string } | null) => u?.email).sort()).toEqual(['dangling@acme.test', 'kept@acme.test']);
  });
});
