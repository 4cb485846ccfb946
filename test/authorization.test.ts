// Authorization end to end: deny by default, roles and capability grants, nested groups, scoped
// grants, anti-escalation, revocation history, permission contexts, explanations, and the cost of checks.
import { encodeGlobalID } from '@pothos/plugin-relay';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CreateGroupDocument, CreateUserDocument, CreateWorkspaceDocument, UpdateWorkspaceDocument } from './generated/graphql.js';
import { account, group, nest, addUser } from './support/fixtures.js';
import { provider, startTestApp, type Caller, type TestApp } from './support/harness.js';

const PASSWORD = 'a long enough password';
const GRANT = `mutation($i: GrantAuthorizationInput!) { grantAuthorization(input: $i) { authorizationGrant { id grantKind capabilityKey resourceType resourceId revokedAt } errors { __typename message field } } }`;
const ASSIGN = `mutation($i: CreateRoleAssignmentInput!) { createRoleAssignment(input: $i) { roleAssignment { id roleKey expandedCapabilityKeys resourceType resourceId revokedAt } errors { __typename message field } } }`;

type GrantResult = { grantAuthorization: { authorizationGrant: { id: string; revokedAt: string | null } | null; errors: { __typename: string; field: string | null }[] } };
type AssignResult = { createRoleAssignment: { roleAssignment: { id: string; expandedCapabilityKeys: string[] } | null; errors: { __typename: string }[] } };

describe(`authorization (${provider})`, () => {
  let t: TestApp;
  let acme: string;
  let eng: string;
  let backend: string;
  const ids: Record<string, string> = {};
  const as: Record<string, Caller> = {};

  async function person(name: string): Promise<void> {
    const { createUser } = await t.ok(CreateUserDocument, { input: { accountId: acme, email: `${name}@acme.test`, password: PASSWORD } });
    ids[name] = createUser.user!.id;
    as[name] = t.as(await t.login(`${name}@acme.test`, PASSWORD));
  }

  const grant = (caller: Caller, i: Record<string, unknown>) => caller.gql<GrantResult, { i: Record<string, unknown> }>(GRANT, { i: { accountId: acme, ...i } });
  const assign = (caller: Caller, i: Record<string, unknown>) => caller.gql<AssignResult, { i: Record<string, unknown> }>(ASSIGN, { i: { accountId: acme, ...i } });
  const canOnAccount = async (caller: Caller, capability: string) =>
    ((await caller.gql<{ account: { viewerCan: boolean } | null }, { id: string; c: string }>('query($id: ID!, $c: String!) { account(id: $id) { viewerCan(capability: $c) } }', { id: acme, c: capability })).data?.account?.viewerCan ?? false);

  beforeAll(async () => {
    t = await startTestApp();
    acme = await account(t, 'Acme');
    eng = await group(t, acme, 'Engineering');
    backend = await group(t, acme, 'Backend');
    await nest(t, eng, backend);
    for (const name of ['alice', 'bob', 'carol']) await person(name);
    await addUser(t, backend, ids.bob!);
  });
  afterAll(() => t.close());

  it('denies by default: nothing of the account is visible without a grant', async () => {
    expect((await as.alice!.ok<{ account: unknown }, { id: string }>('query($id: ID!) { account(id: $id) { id } }', { id: acme })).account).toBeNull();
    expect((await as.alice!.ok<{ node: unknown }, { id: string }>('query($id: ID!) { node(id: $id) { id } }', { id: eng })).node).toBeNull();
    expect((await as.alice!.ok<{ accounts: { totalCount: number } }, Record<string, never>>('{ accounts { totalCount } }')).accounts.totalCount).toBe(0);
    const create = await as.alice!.ok(CreateGroupDocument, { input: { accountId: acme, name: 'Mine' } });
    expect(create.createGroup.errors).toEqual([expect.objectContaining({ __typename: 'NotFoundError', field: 'accountId' })]);
    // Anonymous callers are refused outright.
    const anonymous = await t.as(null).gql('{ accounts { totalCount } }');
    expect(anonymous.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
  });

  it('a viewer role reads the account but changes nothing (FORBIDDEN, not NOT_FOUND)', async () => {
    const { data } = await assign(t, { roleKey: 'VIEWER', subjectType: 'USER', subjectId: ids.alice, resourceType: 'ACCOUNT', resourceId: acme });
    expect(data!.createRoleAssignment.roleAssignment!.expandedCapabilityKeys).toEqual(expect.arrayContaining(['group.read', 'workspace.read', 'account.read']));
    const read = await as.alice!.ok<{ account: { groups: { totalCount: number }; viewerPermissions: string[] } }, { id: string }>(
      'query($id: ID!) { account(id: $id) { viewerPermissions groups { totalCount } } }',
      { id: acme },
    );
    expect(read.account.groups.totalCount).toBe(2);
    expect(read.account.viewerPermissions).toContain('group.read');
    expect(read.account.viewerPermissions).not.toContain('group.manage');
    const refused = await as.alice!.gql(CreateGroupDocument, { input: { accountId: acme, name: 'Mine' } });
    expect(refused.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    expect(refused.errors?.[0]?.message).toBe('not allowed');
  });

  it('a grant to a parent group reaches the members of its subgroups, and explains itself', async () => {
    expect(await canOnAccount(as.bob!, 'group.manage')).toBe(false);
    const given = await grant(t, { grantKind: 'CAPABILITY', capabilityKey: 'group.manage', subjectType: 'GROUP', subjectId: eng });
    expect(given.data!.grantAuthorization.errors).toEqual([]);
    expect(await canOnAccount(as.bob!, 'group.manage')).toBe(true);
    expect((await as.bob!.ok(CreateGroupDocument, { input: { accountId: acme, name: 'Bob’s' } })).createGroup.errors).toEqual([]);

    const explained = await t.ok<{ explainAccess: { allowed: boolean; paths: { source: string; grant: { id: string } | null; viaGroups: { name: string }[] }[] } }, Record<string, unknown>>(
      'query($s: ID!, $a: ID!) { explainAccess(subject: $s, capability: "group.read", resource: { accountId: $a }) { allowed paths { source grant { id } viaGroups { name } } } }',
      { s: ids.bob, a: acme },
    );
    expect(explained.explainAccess.allowed).toBe(true);
    expect(explained.explainAccess.paths).toEqual([{ source: 'CAPABILITY', grant: { id: given.data!.grantAuthorization.authorizationGrant!.id }, viaGroups: [{ name: 'Backend' }, { name: 'Engineering' }] }]);

    const contexts = await t.ok<{ node: { permissionContext: Record<string, unknown> }; bob: { permissionContext: Record<string, unknown> } }, Record<string, unknown>>(
      `query($g: ID!, $b: ID!, $a: ID!) {
        node(id: $g) { ... on Group { permissionContext { directCapabilityKeys assignedBundleKeys resolvedCapabilityKeys status } } }
        bob: node(id: $b) { ... on User { permissionContext(account: $a) { directCapabilityKeys resolvedCapabilityKeys ownerAssignments { accountId } status } } }
      }`,
      { g: eng, b: ids.bob, a: acme },
    );
    expect(contexts.node.permissionContext).toEqual({ directCapabilityKeys: ['group.manage'], assignedBundleKeys: [], resolvedCapabilityKeys: ['account.read', 'group.read', 'group.manage'], status: 'ACTIVE' });
    expect(contexts.bob.permissionContext).toEqual({ directCapabilityKeys: [], resolvedCapabilityKeys: ['account.read', 'group.read', 'group.manage'], ownerAssignments: [], status: 'ACTIVE' });

    // Taking Bob out of the subgroup takes the capability away at once.
    await t.ok('mutation($g: ID!, $u: ID!) { removeGroupMemberUser(input: { groupId: $g, userId: $u }) { changed } }', { g: backend, u: ids.bob });
    expect(await canOnAccount(as.bob!, 'group.manage')).toBe(false);
  });

  it('a grant scoped to one workspace covers that workspace only', async () => {
    const w1 = (await t.ok(CreateWorkspaceDocument, { input: { accountId: acme, name: 'W1' } })).createWorkspace.workspace!.id;
    const w2 = (await t.ok(CreateWorkspaceDocument, { input: { accountId: acme, name: 'W2' } })).createWorkspace.workspace!.id;
    expect((await grant(t, { grantKind: 'CAPABILITY', capabilityKey: 'workspace.manage', subjectType: 'USER', subjectId: ids.carol, resourceType: 'WORKSPACE', resourceId: w1 })).data!.grantAuthorization.errors).toEqual([]);
    expect((await as.carol!.ok(UpdateWorkspaceDocument, { input: { id: w1, description: 'mine' } })).updateWorkspace.errors).toEqual([]);
    // W2 is invisible to Carol: it fails exactly like a workspace that does not exist.
    expect((await as.carol!.ok(UpdateWorkspaceDocument, { input: { id: w2, description: 'mine' } })).updateWorkspace.errors).toEqual([expect.objectContaining({ __typename: 'NotFoundError', field: 'id' })]);
    expect((await as.carol!.ok<{ node: unknown }, { id: string }>('query($id: ID!) { node(id: $id) { id } }', { id: w2 })).node).toBeNull();
    expect((await as.carol!.ok<{ node: { viewerCan: boolean } }, { id: string }>('query($id: ID!) { node(id: $id) { ... on Workspace { viewerCan(capability: "workspace.manage") } } }', { id: w1 })).node.viewerCan).toBe(true);
    expect((await as.carol!.ok<{ account: unknown }, { id: string }>('query($id: ID!) { account(id: $id) { id } }', { id: acme })).account).toBeNull();
  });

  it('an account list needs the capability that reads what it lists', async () => {
    const { data } = await assign(t, { roleKey: 'BILLING_VIEWER', subjectType: 'USER', subjectId: ids.carol, resourceType: 'ACCOUNT', resourceId: acme });
    expect(data!.createRoleAssignment.errors).toEqual([]);
    expect((await as.carol!.ok<{ account: { name: string } }, { id: string }>('query($id: ID!) { account(id: $id) { name } }', { id: acme })).account.name).toBe('Acme');
    for (const list of ['groups', 'users', 'workspaces', 'authorizationGrants', 'roleAssignments']) {
      const result = await as.carol!.gql(`query($id: ID!) { account(id: $id) { ${list} { totalCount } } }`, { id: acme });
      expect(result.errors?.[0]?.extensions?.code, list).toBe('FORBIDDEN');
    }
  });

  it('nobody grants more than they hold', async () => {
    await grant(t, { grantKind: 'CAPABILITY', capabilityKey: 'auth.manage', subjectType: 'USER', subjectId: ids.carol });
    expect((await grant(as.carol!, { grantKind: 'CAPABILITY', capabilityKey: 'group.read', subjectType: 'USER', subjectId: ids.bob })).data!.grantAuthorization.errors).toEqual([]);
    for (const attempt of [
      grant(as.carol!, { grantKind: 'CAPABILITY', capabilityKey: 'billing.manage', subjectType: 'USER', subjectId: ids.carol }),
      grant(as.carol!, { grantKind: 'ACCOUNT_OWNER', subjectType: 'USER', subjectId: ids.carol }),
      grant(as.carol!, { grantKind: 'SUPER_ADMIN', subjectType: 'USER', subjectId: ids.carol }),
      assign(as.carol!, { roleKey: 'MANAGER', subjectType: 'USER', subjectId: ids.carol, resourceType: 'ACCOUNT', resourceId: acme }),
    ]) {
      const result = await attempt;
      expect(result.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    }
    const bad = await grant(t, { grantKind: 'CAPABILITY', capabilityKey: 'no.such', subjectType: 'USER', subjectId: ids.carol });
    expect(bad.data!.grantAuthorization.errors).toEqual([expect.objectContaining({ __typename: 'ValidationError', field: 'capabilityKey' })]);
    const stranger = await grant(t, { grantKind: 'CAPABILITY', capabilityKey: 'group.read', subjectType: 'USER', subjectId: encodeGlobalID('User', '01ARZ3NDEKTSV4RRFFQ69G5FAV') });
    expect(stranger.data!.grantAuthorization.errors).toEqual([expect.objectContaining({ __typename: 'NotFoundError', field: 'subjectId' })]);
  });

  it('revocation keeps history; lists filter by the reference arguments', async () => {
    const made = (await grant(t, { grantKind: 'CAPABILITY', capabilityKey: 'billing.read', subjectType: 'USER', subjectId: ids.alice })).data!.grantAuthorization.authorizationGrant!;
    expect(await canOnAccount(as.alice!, 'billing.read')).toBe(true);
    const revoked = await t.ok<{ revokeAuthorization: { authorizationGrant: { revokedAt: string | null } } }, { id: string }>('mutation($id: ID!) { revokeAuthorization(input: { id: $id }) { authorizationGrant { revokedAt } } }', { id: made.id });
    expect(revoked.revokeAuthorization.authorizationGrant.revokedAt).not.toBeNull();
    expect(await canOnAccount(as.alice!, 'billing.read')).toBe(false);
    const LIST = 'query($id: ID!, $r: Boolean, $k: String, $s: ID) { account(id: $id) { authorizationGrants(includeRevoked: $r, capabilityKey: $k, subjectId: $s) { totalCount edges { node { id revokedAt } } } } }';
    type List = { account: { authorizationGrants: { totalCount: number; edges: { node: { id: string; revokedAt: string | null } }[] } } };
    expect((await t.ok<List, Record<string, unknown>>(LIST, { id: acme, k: 'billing.read' })).account.authorizationGrants.totalCount).toBe(0);
    const withHistory = (await t.ok<List, Record<string, unknown>>(LIST, { id: acme, k: 'billing.read', r: true })).account.authorizationGrants;
    expect(withHistory.edges.map((e) => e.node.id)).toEqual([made.id]);
    expect((await t.ok<List, Record<string, unknown>>(LIST, { id: acme, s: ids.carol })).account.authorizationGrants.totalCount).toBe(2);
    const again = await t.ok<{ revokeAuthorization: { errors: { __typename: string }[] } }, { id: string }>('mutation($id: ID!) { revokeAuthorization(input: { id: $id }) { errors { __typename } } }', { id: made.id });
    expect(again.revokeAuthorization.errors).toEqual([{ __typename: 'ConflictError' }]);

    const roles = await t.ok<{ account: { roleAssignments: { edges: { node: { id: string; roleKey: string } }[] } } }, { id: string }>(
      'query($id: ID!) { account(id: $id) { roleAssignments(roleKey: VIEWER) { edges { node { id roleKey } } } } }',
      { id: acme },
    );
    const viewerRole = roles.account.roleAssignments.edges[0]!.node;
    expect(viewerRole.roleKey).toBe('VIEWER');
    await t.ok('mutation($id: ID!) { deleteRoleAssignment(input: { id: $id }) { roleAssignment { revokedAt } } }', { id: viewerRole.id });
    expect(await canOnAccount(as.alice!, 'group.read')).toBe(false);
    const history = await t.ok<{ account: { roleAssignments: { totalCount: number } } }, { id: string }>('query($id: ID!) { account(id: $id) { roleAssignments(includeRevoked: true, roleKey: VIEWER) { totalCount } } }', { id: acme });
    expect(history.account.roleAssignments.totalCount).toBe(1);
  });

  it('keeps the last super administrator', async () => {
    const grants = await t.ok<{ account: { authorizationGrants: { edges: { node: { id: string } }[] } } }, { id: string }>(
      'query($id: ID!) { account(id: $id) { authorizationGrants(grantKind: SUPER_ADMIN) { edges { node { id } } } } }',
      { id: encodeGlobalID('Account', t.admin.accountId) },
    );
    const only = grants.account.authorizationGrants.edges[0]!.node.id;
    const result = await t.ok<{ revokeAuthorization: { errors: { __typename: string }[] } }, { id: string }>('mutation($id: ID!) { revokeAuthorization(input: { id: $id }) { errors { __typename } } }', { id: only });
    expect(result.revokeAuthorization.errors).toEqual([{ __typename: 'ConflictError' }]);
  });

  it('lists the nine roles of reference 000 with their capabilities', async () => {
    const { roles } = await t.ok<{ roles: { totalCount: number; edges: { node: { key: string; capabilityKeys: string[] } }[] } }, Record<string, never>>('{ roles { totalCount edges { node { key capabilityKeys } } } }');
    expect(roles.totalCount).toBe(9);
    expect(roles.edges.map((e) => e.node.key)).toEqual(['VIEWER', 'EDITOR', 'DOMAIN_MANAGER', 'MANAGER', 'DNS_MANAGER', 'IP_MANAGER', 'BILLING_VIEWER', 'BILLING_ADMIN', 'CREDENTIAL_MANAGER']);
  });

  it('answers every permission check of a request from one snapshot', async () => {
    const plain = 'query($id: ID!) { account(id: $id) { name groups(first: 10) { edges { node { name } } } } }';
    const checked = `query($id: ID!) { account(id: $id) { name viewerPermissions a: viewerCan(capability: "auth.manage") groups(first: 10) { edges { node { name viewerPermissions b: viewerCan(capability: "group.manage") c: viewerCan(capability: "group.read") } } } } }`;
    const count = async (query: string) => {
      const before = await t.statements();
      await as.bob!.ok(query, { id: acme });
      return (await t.statements()) - before;
    };
    await grant(t, { grantKind: 'CAPABILITY', capabilityKey: 'group.read', subjectType: 'USER', subjectId: ids.bob });
    // After the grant (a write), Bob's first request reads his session and grants again; on SQLite the next ones
    // do not while nothing changes (test/known-sessions.test.ts). Both counts are taken after that first request.
    await count(plain);
    const base = await count(plain);
    expect(await count(checked)).toBe(base);
  });
});
