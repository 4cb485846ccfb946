// Service accounts end to end (issue 5, references 000 and 004): the token shown once and its format,
// bearer and session authentication, grants, roles and groups with a service account as the subject,
// rotation with and without a grace period, revocation, deletion, expiry, client credentials (Basic),
// validation, lists and tenant boundaries.
import { encodeGlobalID } from '@pothos/plugin-relay';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { issueToken } from '../src/domain/credentials/token.js';
import { account, group } from './support/fixtures.js';
import { provider, startTestApp, type TestApp } from './support/harness.js';

// Responses are checked field by field below.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Json = any;
type Vars = Record<string, unknown>;

const ERRORS = 'errors { __typename message field }';
const SA_FIELDS = `id name description tokenPrefix tokenLast4 tokenPublicId expiresAt lastUsedAt revokedAt createdAt updatedAt
  createdBy { __typename ... on User { id } ... on ServiceAccount { id } }
  revokedBy { __typename ... on User { id } ... on ServiceAccount { id } }`;
const CREATE = `mutation($i: CreateServiceAccountInput!) { createServiceAccount(input: $i) { token serviceAccount { ${SA_FIELDS} } ${ERRORS} } }`;
const UPDATE = `mutation($i: UpdateServiceAccountInput!) { updateServiceAccount(input: $i) { serviceAccount { ${SA_FIELDS} } ${ERRORS} } }`;
const ROTATE = `mutation($i: RotateServiceAccountTokenInput!) { rotateServiceAccountToken(input: $i) { token serviceAccount { id tokenPrefix tokenLast4 tokenPublicId } ${ERRORS} } }`;
const REVOKE = `mutation($i: RevokeServiceAccountInput!) { revokeServiceAccount(input: $i) { serviceAccount { ${SA_FIELDS} } ${ERRORS} } }`;
const DELETE = `mutation($i: DeleteServiceAccountInput!) { deleteServiceAccount(input: $i) { deletedServiceAccountId ${ERRORS} } }`;
const CREDENTIAL_FIELDS = 'id name description clientId lastUsedAt createdAt updatedAt serviceAccount { id }';
const CREATE_CREDENTIAL = `mutation($i: CreateServiceAccountCredentialInput!) { createServiceAccountCredential(input: $i) { clientSecret credential { ${CREDENTIAL_FIELDS} } ${ERRORS} } }`;
const UPDATE_CREDENTIAL = `mutation($i: UpdateServiceAccountCredentialInput!) { updateServiceAccountCredential(input: $i) { credential { ${CREDENTIAL_FIELDS} } ${ERRORS} } }`;
const DELETE_CREDENTIAL = `mutation($i: DeleteServiceAccountCredentialInput!) { deleteServiceAccountCredential(input: $i) { deletedCredentialId ${ERRORS} } }`;
const GRANT = `mutation($i: GrantAuthorizationInput!) { grantAuthorization(input: $i) { authorizationGrant { id subjectType subjectId capabilityKey } ${ERRORS} } }`;
const ASSIGN = `mutation($i: CreateRoleAssignmentInput!) { createRoleAssignment(input: $i) { roleAssignment { id roleKey subjectType subjectId expandedCapabilityKeys } ${ERRORS} } }`;
const ADD_MEMBER = `mutation($i: AddGroupMemberServiceAccountInput!) { addGroupMemberServiceAccount(input: $i) { changed group { id } ${ERRORS} } }`;
const REMOVE_MEMBER = `mutation($i: RemoveGroupMemberServiceAccountInput!) { removeGroupMemberServiceAccount(input: $i) { changed group { id } ${ERRORS} } }`;
const LOGIN = `mutation($i: LoginInput!) { login(input: $i) { token expiresAt viewer { principalType serviceAccount { id } } ${ERRORS} } }`;
const LOGOUT = `mutation { logout { loggedOut ${ERRORS} } }`;
const VIEWER = '{ viewer { authenticated principalType serviceAccount { id name } user { id } } }';
const NODE_SA = `query($id: ID!) { node(id: $id) { ... on ServiceAccount { ${SA_FIELDS} } } }`;
const CONTEXT = `query($id: ID!) { node(id: $id) { ... on ServiceAccount { permissionContext { subjectType subjectId directCapabilityKeys assignedBundleKeys resolvedCapabilityKeys status } } } }`;
const LIST = `query($id: ID!, $first: Int, $after: String, $r: Boolean) { account(id: $id) { serviceAccounts(first: $first, after: $after, includeRevoked: $r) { totalCount pageInfo { hasNextPage endCursor } edges { node { id name revokedAt } } } } }`;
const CAN = `query($id: ID!, $c: String!) { account(id: $id) { viewerCan(capability: $c) } }`;
const EXPLAIN = `query($s: ID!, $c: String!, $a: ID!) { explainAccess(subject: $s, capability: $c, resource: { accountId: $a }) { allowed paths { source grant { id } roleAssignment { id } viaGroups { id name } } } }`;

const TOKEN_SHAPE = /^kgs_[0-9A-Za-z]{46}$/;
const CLIENT_SECRET_SHAPE = /^kgc_[0-9A-Za-z]{46}$/;
const CLIENT_ID_SHAPE = /^kgcid_[0-9A-Za-z]{22}$/;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const basic = (clientId: string, clientSecret: string) => `Basic ${Buffer.from(`${clientId}:${clientSecret}`).toString('base64')}`;

describe(`service accounts (${provider})`, () => {
  let t: TestApp;
  let acme: string;
  let adminId: string;

  // Bodies are compared whole, without the cost every response reports (limits.test.ts checks it).
  const http = (authorization: string | null, query: string, variables: Vars = {}) =>
    t.raw<Json>(authorization, query, variables).then(({ status, body: { extensions: _cost, ...body } }) => ({ status, body }));

  /** Who an Authorization header authenticates as: the service account's global id, or the HTTP status of the refusal. */
  async function whoIs(authorization: string): Promise<{ status: number; principalType?: string; serviceAccountId?: string | null; code?: unknown }> {
    const { status, body } = await http(authorization, VIEWER);
    if (status !== 200) return { status, code: body.errors?.[0]?.extensions?.code };
    return { status, principalType: body.data.viewer.principalType, serviceAccountId: body.data.viewer.serviceAccount?.id ?? null };
  }

  async function statusOf(token: string): Promise<number> {
    return (await whoIs(`Bearer ${token}`)).status;
  }

  async function createSa(accountId: string, name: string, extra: Vars = {}): Promise<{ id: string; token: string; sa: Json }> {
    const { createServiceAccount } = await t.ok<Json, Vars>(CREATE, { i: { accountId, name, ...extra } });
    expect(createServiceAccount.errors).toEqual([]);
    return { id: createServiceAccount.serviceAccount.id, token: createServiceAccount.token, sa: createServiceAccount.serviceAccount };
  }

  async function createCredential(serviceAccountId: string, name: string): Promise<{ id: string; clientId: string; clientSecret: string; credential: Json }> {
    const { createServiceAccountCredential } = await t.ok<Json, Vars>(CREATE_CREDENTIAL, { i: { serviceAccountId, name } });
    expect(createServiceAccountCredential.errors).toEqual([]);
    const credential = createServiceAccountCredential.credential;
    return { id: credential.id, clientId: credential.clientId, clientSecret: createServiceAccountCredential.clientSecret, credential };
  }

  beforeAll(async () => {
    t = await startTestApp();
    acme = await account(t, 'Acme');
    adminId = encodeGlobalID('User', t.admin.userId);
  });
  afterAll(() => t.close());

  it('returns the token once, in the kgs_ format, consistent with tokenPrefix, tokenLast4 and tokenPublicId; reads never show it', async () => {
    const { id, token, sa } = await createSa(acme, 'Deployer', { description: 'ships builds' });
    expect(token).toMatch(TOKEN_SHAPE);
    expect(sa).toMatchObject({ name: 'Deployer', description: 'ships builds', expiresAt: null, lastUsedAt: null, revokedAt: null, revokedBy: null, createdBy: { __typename: 'User', id: adminId } });
    expect(sa.tokenPrefix).toBe(token.slice(0, 12));
    expect(sa.tokenLast4).toBe(token.slice(-4));
    expect(sa.tokenPublicId).toBe(token.slice(4, 14));
    // The prefix and public id reveal nothing of the secret part.
    expect(token.slice(14, 44)).toHaveLength(30);
    expect(`${sa.tokenPrefix}${sa.tokenPublicId}${sa.tokenLast4}`).not.toContain(token.slice(14, 44));

    // Later reads: by id, through the account's list, through the viewer; none carries the token.
    const read = JSON.stringify(await t.ok<Json, Vars>(NODE_SA, { id }));
    const listed = JSON.stringify(await t.ok<Json, Vars>(LIST, { id: acme, first: 50, r: true }));
    const self = JSON.stringify((await http(`Bearer ${token}`, `{ viewer { serviceAccount { ${SA_FIELDS} } } }`)).body);
    for (const text of [read, listed, self]) {
      expect(text).toContain(id);
      expect(text).not.toContain(token);
      expect(text).not.toContain(token.slice(14, 44));
    }
    // No field of the schema can return it again.
    const { __type } = await t.ok<Json, Vars>('{ __type(name: "ServiceAccount") { fields { name } } }');
    const fields = __type.fields.map((f: { name: string }) => f.name);
    expect(fields).toContain('tokenLast4');
    expect(fields.filter((f: string) => /^(token|tokenHash|secret|hash)$/i.test(f))).toEqual([]);
  });

  it('authenticates with the token as a bearer, and through login(serviceAccountToken:) with a session that logout revokes', async () => {
    const { id, token } = await createSa(acme, 'Session user');
    expect(await whoIs(`Bearer ${token}`)).toEqual({ status: 200, principalType: 'SERVICE_ACCOUNT', serviceAccountId: id });

    const { login } = await t.as(null).ok<Json, Vars>(LOGIN, { i: { serviceAccountToken: token } });
    expect(login.errors).toEqual([]);
    expect(login.viewer).toEqual({ principalType: 'SERVICE_ACCOUNT', serviceAccount: { id } });
    expect(login.token).not.toBe(token);
    expect(login.token).not.toMatch(/^kg/);
    expect(await whoIs(`Bearer ${login.token}`)).toEqual({ status: 200, principalType: 'SERVICE_ACCOUNT', serviceAccountId: id });

    // A token login takes no other credentials; a wrong token is a top-level UNAUTHENTICATED.
    const mixed = await t.as(null).ok<Json, Vars>(LOGIN, { i: { serviceAccountToken: token, password: 'whatever password' } });
    expect(mixed.login.errors).toEqual([expect.objectContaining({ __typename: 'ValidationError', field: 'serviceAccountToken' })]);
    const wrong = await t.as(null).gql<Json, Vars>(LOGIN, { i: { serviceAccountToken: issueToken('serviceAccount').token } });
    expect(wrong.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
    expect(wrong.data?.login ?? null).toBeNull();

    const { status, body } = await http(`Bearer ${login.token}`, LOGOUT);
    expect(status).toBe(200);
    expect(body.data.logout).toEqual({ loggedOut: true, errors: [] });
    expect(await whoIs(`Bearer ${login.token}`)).toEqual({ status: 401, code: 'UNAUTHENTICATED' });
    // Logging out a session leaves the token itself working; logging out with the bare token revokes nothing.
    expect(await whoIs(`Bearer ${token}`)).toEqual({ status: 200, principalType: 'SERVICE_ACCOUNT', serviceAccountId: id });
    expect((await http(`Bearer ${token}`, LOGOUT)).body.data.logout).toEqual({ loggedOut: false, errors: [] });
  });

  it('holds nothing by default; grants, roles and group membership give it access, and its permission context and explanations follow', async () => {
    const { id, token } = await createSa(acme, 'Reader');
    const bearer = `Bearer ${token}`;
    const can = async (capability: string) => ((await http(bearer, CAN, { id: acme, c: capability })).body.data?.account?.viewerCan ?? false) as boolean;
    const context = async () => (await t.ok<Json, Vars>(CONTEXT, { id })).node.permissionContext;
    const workspaces = await group(t, acme, 'Workspace readers');

    // Nothing by default: the account reads as absent, a mutation on it is refused.
    expect((await http(bearer, 'query($id: ID!) { account(id: $id) { id groups { totalCount } } }', { id: acme })).body).toEqual({ data: { account: null } });
    const refused = await http(bearer, 'mutation($i: CreateGroupInput!) { createGroup(input: $i) { group { id } errors { __typename field } } }', { i: { accountId: acme, name: 'Not mine' } });
    expect(refused.body.data.createGroup.errors).toEqual([{ __typename: 'NotFoundError', field: 'accountId' }]);
    expect(await context()).toEqual({ subjectType: 'SERVICE_ACCOUNT', subjectId: id, directCapabilityKeys: [], assignedBundleKeys: [], resolvedCapabilityKeys: [], status: 'NO_ACCESS' });
    // It sees its own permission context (null for other subjects without auth.read).
    const own = await http(bearer, 'query { viewer { serviceAccount { permissionContext { status resolvedCapabilityKeys } } } }');
    expect(own.body.data.viewer.serviceAccount.permissionContext).toEqual({ status: 'NO_ACCESS', resolvedCapabilityKeys: [] });

    // A direct capability grant: it can list the account's groups.
    const granted = (await t.ok<Json, Vars>(GRANT, { i: { accountId: acme, grantKind: 'CAPABILITY', capabilityKey: 'group.read', subjectType: 'SERVICE_ACCOUNT', subjectId: id } })).grantAuthorization;
    expect(granted.errors).toEqual([]);
    expect(granted.authorizationGrant).toMatchObject({ subjectType: 'SERVICE_ACCOUNT', subjectId: id, capabilityKey: 'group.read' });
    const groups = await http(bearer, 'query($id: ID!) { account(id: $id) { groups(first: 50) { totalCount edges { node { id } } } } }', { id: acme });
    expect(groups.body.errors).toBeUndefined();
    expect(groups.body.data.account.groups.edges.map((e: Json) => e.node.id)).toContain(workspaces);
    expect(await can('billing.read')).toBe(false);

    // A role assignment.
    const assigned = (await t.ok<Json, Vars>(ASSIGN, { i: { accountId: acme, roleKey: 'BILLING_VIEWER', subjectType: 'SERVICE_ACCOUNT', subjectId: id, resourceType: 'ACCOUNT', resourceId: acme } })).createRoleAssignment;
    expect(assigned.errors).toEqual([]);
    expect(assigned.roleAssignment).toMatchObject({ roleKey: 'BILLING_VIEWER', subjectType: 'SERVICE_ACCOUNT', subjectId: id });
    expect(await can('billing.read')).toBe(true);

    // Group membership: it holds what the group holds, while it is a member.
    const groupGrant = (await t.ok<Json, Vars>(GRANT, { i: { accountId: acme, grantKind: 'CAPABILITY', capabilityKey: 'workspace.read', subjectType: 'GROUP', subjectId: workspaces } })).grantAuthorization;
    expect(groupGrant.errors).toEqual([]);
    expect(await can('workspace.read')).toBe(false);
    const added = (await t.ok<Json, Vars>(ADD_MEMBER, { i: { groupId: workspaces, serviceAccountId: id } })).addGroupMemberServiceAccount;
    expect(added).toEqual({ changed: true, group: { id: workspaces }, errors: [] });
    expect((await t.ok<Json, Vars>(ADD_MEMBER, { i: { groupId: workspaces, serviceAccountId: id } })).addGroupMemberServiceAccount.changed).toBe(false);
    expect(await can('workspace.read')).toBe(true);
    const members = await t.ok<Json, Vars>('query($g: ID!) { node(id: $g) { ... on Group { members(first: 10) { totalCount edges { node { subjectType subjectId resolved user { id } group { id } serviceAccount { id name } } } } } } }', { g: workspaces });
    expect(members.node.members.totalCount).toBe(1);
    expect(members.node.members.edges[0].node).toEqual({ subjectType: 'SERVICE_ACCOUNT', subjectId: id, resolved: true, user: null, group: null, serviceAccount: { id, name: 'Reader' } });

    const full = await context();
    expect(full).toMatchObject({ subjectType: 'SERVICE_ACCOUNT', subjectId: id, directCapabilityKeys: ['group.read'], assignedBundleKeys: ['billing_viewer'], status: 'ACTIVE' });
    expect(full.resolvedCapabilityKeys).toEqual(expect.arrayContaining(['group.read', 'billing.read', 'workspace.read']));

    // explainAccess names the group path and the direct grant.
    const viaGroup = await t.ok<Json, Vars>(EXPLAIN, { s: id, c: 'workspace.read', a: acme });
    expect(viaGroup.explainAccess).toEqual({ allowed: true, paths: [{ source: 'CAPABILITY', grant: { id: groupGrant.authorizationGrant.id }, roleAssignment: null, viaGroups: [{ id: workspaces, name: 'Workspace readers' }] }] });
    const direct = await t.ok<Json, Vars>(EXPLAIN, { s: id, c: 'group.read', a: acme });
    expect(direct.explainAccess.allowed).toBe(true);
    expect(direct.explainAccess.paths).toContainEqual({ source: 'CAPABILITY', grant: { id: granted.authorizationGrant.id }, roleAssignment: null, viaGroups: [] });
    const role = await t.ok<Json, Vars>(EXPLAIN, { s: id, c: 'billing.read', a: acme });
    expect(role.explainAccess.paths).toContainEqual(expect.objectContaining({ source: 'ROLE', grant: null, roleAssignment: { id: assigned.roleAssignment.id } }));

    // Leaving the group takes its capability away at once.
    const removed = (await t.ok<Json, Vars>(REMOVE_MEMBER, { i: { groupId: workspaces, serviceAccountId: id } })).removeGroupMemberServiceAccount;
    expect(removed).toEqual({ changed: true, group: { id: workspaces }, errors: [] });
    expect(await can('workspace.read')).toBe(false);
    expect(await can('group.read')).toBe(true);
    expect((await context()).resolvedCapabilityKeys).not.toContain('workspace.read');
    expect((await t.ok<Json, Vars>(EXPLAIN, { s: id, c: 'workspace.read', a: acme })).explainAccess).toEqual({ allowed: false, paths: [] });
    const again = (await t.ok<Json, Vars>(REMOVE_MEMBER, { i: { groupId: workspaces, serviceAccountId: id } })).removeGroupMemberServiceAccount;
    expect(again.errors).toEqual([expect.objectContaining({ __typename: 'NotFoundError', field: 'serviceAccountId' })]);
  });

  it('explainAccess about oneself works for a service account as it does for a user (no auth.read needed)', async () => {
    const { id, token } = await createSa(acme, 'Self-explaining');
    const { createUser } = await t.ok<Json, Vars>('mutation($i: CreateUserInput!) { createUser(input: $i) { user { id } errors { __typename } } }', { i: { accountId: acme, email: 'self.explaining@acme.test', password: 'a long enough password' } });
    expect(createUser.errors).toEqual([]);
    const userToken = await t.login('self.explaining@acme.test', 'a long enough password');
    for (const subjectId of [id, createUser.user.id]) {
      expect((await t.ok<Json, Vars>(GRANT, { i: { accountId: acme, grantKind: 'CAPABILITY', capabilityKey: 'dns.read', subjectType: subjectId === id ? 'SERVICE_ACCOUNT' : 'USER', subjectId } })).grantAuthorization.errors).toEqual([]);
    }
    // Neither holds auth.read: each may ask about itself only (the grant objects themselves need auth.read,
    // so this asks for the path shapes).
    const SELF_EXPLAIN = 'query($s: ID!, $c: String!, $a: ID!) { explainAccess(subject: $s, capability: $c, resource: { accountId: $a }) { allowed paths { source viaGroups { id } } } }';
    const expected = { data: { explainAccess: { allowed: true, paths: [{ source: 'CAPABILITY', viaGroups: [] }] } } };
    expect((await http(`Bearer ${userToken}`, SELF_EXPLAIN, { s: createUser.user.id, c: 'dns.read', a: acme })).body).toEqual(expected);
    expect((await http(`Bearer ${userToken}`, SELF_EXPLAIN, { s: id, c: 'dns.read', a: acme })).body).toEqual({ data: { explainAccess: null } });
    expect((await http(`Bearer ${token}`, SELF_EXPLAIN, { s: createUser.user.id, c: 'dns.read', a: acme })).body).toEqual({ data: { explainAccess: null } });
    expect((await http(`Bearer ${token}`, SELF_EXPLAIN, { s: id, c: 'dns.read', a: acme })).body).toEqual(expected);
  });

  it('rotation: the new token works and the old one is refused at once, or after a grace period; the grace period is bounded', async () => {
    const { id, token: first } = await createSa(acme, 'Rotating');
    const rotated = (await t.ok<Json, Vars>(ROTATE, { i: { id } })).rotateServiceAccountToken;
    expect(rotated.errors).toEqual([]);
    const second: string = rotated.token;
    expect(second).toMatch(TOKEN_SHAPE);
    expect(second).not.toBe(first);
    expect(rotated.serviceAccount).toEqual({ id, tokenPrefix: second.slice(0, 12), tokenLast4: second.slice(-4), tokenPublicId: second.slice(4, 14) });
    expect(await whoIs(`Bearer ${second}`)).toEqual({ status: 200, principalType: 'SERVICE_ACCOUNT', serviceAccountId: id });
    expect(await whoIs(`Bearer ${first}`)).toEqual({ status: 401, code: 'UNAUTHENTICATED' });
    // A session cannot be started with the rotated-out token either.
    expect((await t.as(null).gql<Json, Vars>(LOGIN, { i: { serviceAccountToken: first } })).errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');

    // With a grace period, the replaced token keeps working (and the one before it stays dead).
    const graced = (await t.ok<Json, Vars>(ROTATE, { i: { id, gracePeriodSeconds: 60 } })).rotateServiceAccountToken;
    expect(graced.errors).toEqual([]);
    const third: string = graced.token;
    expect(await statusOf(third)).toBe(200);
    expect(await statusOf(second)).toBe(200);
    expect(await statusOf(first)).toBe(401);
    // A rotation without a grace period ends the grace of the previous one too.
    const fourth: string = (await t.ok<Json, Vars>(ROTATE, { i: { id, gracePeriodSeconds: 0 } })).rotateServiceAccountToken.token;
    expect(await statusOf(fourth)).toBe(200);
    expect(await statusOf(third)).toBe(401);
    expect(await statusOf(second)).toBe(401);

    for (const gracePeriodSeconds of [-1, 10 ** 7, 7 * 24 * 3600 + 1]) {
      const bad = (await t.ok<Json, Vars>(ROTATE, { i: { id, gracePeriodSeconds } })).rotateServiceAccountToken;
      expect(bad, String(gracePeriodSeconds)).toEqual({ token: null, serviceAccount: null, errors: [expect.objectContaining({ __typename: 'ValidationError', field: 'gracePeriodSeconds' })] });
    }
    // The bounds are inclusive, and a refused rotation changed nothing.
    expect(await statusOf(fourth)).toBe(200);
    const longest = (await t.ok<Json, Vars>(ROTATE, { i: { id, gracePeriodSeconds: 7 * 24 * 3600 } })).rotateServiceAccountToken;
    expect(longest.errors).toEqual([]);
    expect(await statusOf(fourth)).toBe(200);
    expect(await statusOf(longest.token)).toBe(200);
  });

  it('revocation refuses the token, client credentials and sessions; it stays listed with includeRevoked; revoking or rotating again is a conflict', async () => {
    const owner = await account(t, 'Revocations');
    const { id, token } = await createSa(owner, 'Doomed');
    const kept = await createSa(owner, 'Kept');
    const credential = await createCredential(id, 'ci');
    const { login } = await t.as(null).ok<Json, Vars>(LOGIN, { i: { serviceAccountToken: token } });
    for (const authorization of [`Bearer ${token}`, basic(credential.clientId, credential.clientSecret), `Bearer ${login.token}`]) {
      expect(await whoIs(authorization)).toEqual({ status: 200, principalType: 'SERVICE_ACCOUNT', serviceAccountId: id });
    }

    const revoked = (await t.ok<Json, Vars>(REVOKE, { i: { id } })).revokeServiceAccount;
    expect(revoked.errors).toEqual([]);
    expect(revoked.serviceAccount.revokedAt).not.toBeNull();
    expect(revoked.serviceAccount.revokedBy).toEqual({ __typename: 'User', id: adminId });
    for (const authorization of [`Bearer ${token}`, basic(credential.clientId, credential.clientSecret), `Bearer ${login.token}`]) {
      expect(await whoIs(authorization), authorization.slice(0, 12)).toEqual({ status: 401, code: 'UNAUTHENTICATED' });
    }
    expect((await t.as(null).gql<Json, Vars>(LOGIN, { i: { serviceAccountToken: token } })).errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
    expect(await statusOf(kept.token)).toBe(200);

    const active = (await t.ok<Json, Vars>(LIST, { id: owner })).account.serviceAccounts;
    expect(active.totalCount).toBe(1);
    expect(active.edges.map((e: Json) => e.node.id)).toEqual([kept.id]);
    const all = (await t.ok<Json, Vars>(LIST, { id: owner, r: true })).account.serviceAccounts;
    expect(all.totalCount).toBe(2);
    expect(all.edges.map((e: Json) => e.node.id)).toEqual([id, kept.id]);
    expect(all.edges[0].node.revokedAt).toBe(revoked.serviceAccount.revokedAt);

    const twice = (await t.ok<Json, Vars>(REVOKE, { i: { id } })).revokeServiceAccount;
    expect(twice).toEqual({ serviceAccount: null, errors: [expect.objectContaining({ __typename: 'ConflictError', field: 'id' })] });
    const rotate = (await t.ok<Json, Vars>(ROTATE, { i: { id } })).rotateServiceAccountToken;
    expect(rotate).toEqual({ token: null, serviceAccount: null, errors: [expect.objectContaining({ __typename: 'ConflictError', field: 'id' })] });
    const newCredential = (await t.ok<Json, Vars>(CREATE_CREDENTIAL, { i: { serviceAccountId: id, name: 'late' } })).createServiceAccountCredential;
    expect(newCredential).toEqual({ clientSecret: null, credential: null, errors: [expect.objectContaining({ __typename: 'ConflictError', field: 'serviceAccountId' })] });
    const update = (await t.ok<Json, Vars>(UPDATE, { i: { id, name: 'Renamed' } })).updateServiceAccount;
    expect(update.errors).toEqual([expect.objectContaining({ __typename: 'ConflictError', field: 'id' })]);
    // Still revoked, still refused.
    expect((await t.ok<Json, Vars>(NODE_SA, { id })).node.revokedAt).toBe(revoked.serviceAccount.revokedAt);
    expect(await statusOf(token)).toBe(401);
  });

  it('deleteServiceAccount removes it with its grants, role assignments, group memberships, credentials and sessions', async () => {
    const owner = await account(t, 'Deletions');
    const team = await group(t, owner, 'Team');
    const { id, token } = await createSa(owner, 'Short-lived');
    const other = await createSa(owner, 'Other');
    const credential = await createCredential(id, 'ci');
    const { login } = await t.as(null).ok<Json, Vars>(LOGIN, { i: { serviceAccountToken: token } });
    for (const subjectId of [id, other.id]) {
      expect((await t.ok<Json, Vars>(GRANT, { i: { accountId: owner, grantKind: 'CAPABILITY', capabilityKey: 'group.read', subjectType: 'SERVICE_ACCOUNT', subjectId } })).grantAuthorization.errors).toEqual([]);
      expect((await t.ok<Json, Vars>(ASSIGN, { i: { accountId: owner, roleKey: 'VIEWER', subjectType: 'SERVICE_ACCOUNT', subjectId, resourceType: 'ACCOUNT', resourceId: owner } })).createRoleAssignment.errors).toEqual([]);
      expect((await t.ok<Json, Vars>(ADD_MEMBER, { i: { groupId: team, serviceAccountId: subjectId } })).addGroupMemberServiceAccount.errors).toEqual([]);
    }
    const STATE = `query($id: ID!, $g: ID!) {
      account(id: $id) {
        serviceAccounts(includeRevoked: true) { totalCount edges { node { id } } }
        authorizationGrants(subjectType: SERVICE_ACCOUNT, includeRevoked: true) { totalCount edges { node { subjectId } } }
        roleAssignments(subjectType: SERVICE_ACCOUNT, includeRevoked: true) { totalCount edges { node { subjectId } } }
      }
      node(id: $g) { ... on Group { members { totalCount edges { node { subjectId } } } } }
    }`;
    const before = await t.ok<Json, Vars>(STATE, { id: owner, g: team });
    expect(before.account.authorizationGrants.totalCount).toBe(2);
    expect(before.account.roleAssignments.totalCount).toBe(2);
    expect(before.node.members.totalCount).toBe(2);

    const deleted = (await t.ok<Json, Vars>(DELETE, { i: { id } })).deleteServiceAccount;
    expect(deleted).toEqual({ deletedServiceAccountId: id, errors: [] });
    const after = await t.ok<Json, Vars>(STATE, { id: owner, g: team });
    expect(after.account.serviceAccounts.edges.map((e: Json) => e.node.id)).toEqual([other.id]);
    expect(after.account.authorizationGrants.edges.map((e: Json) => e.node.subjectId)).toEqual([other.id]);
    expect(after.account.roleAssignments.edges.map((e: Json) => e.node.subjectId)).toEqual([other.id]);
    expect(after.node.members.edges.map((e: Json) => e.node.subjectId)).toEqual([other.id]);
    expect((await t.ok<Json, Vars>(NODE_SA, { id })).node).toBeNull();
    expect((await t.ok<Json, Vars>('query($id: ID!) { node(id: $id) { id } }', { id: credential.id })).node).toBeNull();
    for (const authorization of [`Bearer ${token}`, basic(credential.clientId, credential.clientSecret), `Bearer ${login.token}`]) {
      expect(await whoIs(authorization)).toEqual({ status: 401, code: 'UNAUTHENTICATED' });
    }
    expect(await statusOf(other.token)).toBe(200);
    expect((await t.ok<Json, Vars>(DELETE, { i: { id } })).deleteServiceAccount.errors).toEqual([expect.objectContaining({ __typename: 'NotFoundError', field: 'id' })]);
  });

  it('expiresAt: must lie in the future; a token is refused once it passes, and so is a session started with it', async () => {
    const past = (await t.ok<Json, Vars>(CREATE, { i: { accountId: acme, name: 'Past', expiresAt: new Date(Date.now() - 60_000).toISOString() } })).createServiceAccount;
    expect(past).toEqual({ token: null, serviceAccount: null, errors: [expect.objectContaining({ __typename: 'ValidationError', field: 'expiresAt' })] });

    const expiresAt = new Date(Date.now() + 2_500);
    const { id, token, sa } = await createSa(acme, 'Brief', { expiresAt: expiresAt.toISOString() });
    expect(new Date(sa.expiresAt).getTime()).toBe(expiresAt.getTime());
    const { login } = await t.as(null).ok<Json, Vars>(LOGIN, { i: { serviceAccountToken: token } });
    expect(login.errors).toEqual([]);
    // The session ends no later than the service account.
    expect(new Date(login.expiresAt).getTime()).toBeLessThanOrEqual(expiresAt.getTime());
    expect(await whoIs(`Bearer ${token}`)).toEqual({ status: 200, principalType: 'SERVICE_ACCOUNT', serviceAccountId: id });
    const viewerExpiry = (await http(`Bearer ${token}`, '{ viewer { expiresAt } }')).body.data.viewer.expiresAt;
    expect(new Date(viewerExpiry).getTime()).toBe(expiresAt.getTime());
    const credential = await createCredential(id, 'brief credential');
    expect((await whoIs(basic(credential.clientId, credential.clientSecret))).status).toBe(200);

    await sleep(Math.max(0, expiresAt.getTime() - Date.now()) + 300);
    for (const authorization of [`Bearer ${token}`, `Bearer ${login.token}`, basic(credential.clientId, credential.clientSecret)]) {
      expect(await whoIs(authorization)).toEqual({ status: 401, code: 'UNAUTHENTICATED' });
    }
    expect((await t.as(null).gql<Json, Vars>(LOGIN, { i: { serviceAccountToken: token } })).errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');

    // updateServiceAccount: a past expiry is refused; a future one (or null) revives the service account.
    const bad = (await t.ok<Json, Vars>(UPDATE, { i: { id, expiresAt: new Date(Date.now() - 1000).toISOString() } })).updateServiceAccount;
    expect(bad).toEqual({ serviceAccount: null, errors: [expect.objectContaining({ __typename: 'ValidationError', field: 'expiresAt' })] });
    const cleared = (await t.ok<Json, Vars>(UPDATE, { i: { id, expiresAt: null } })).updateServiceAccount;
    expect(cleared.errors).toEqual([]);
    expect(cleared.serviceAccount.expiresAt).toBeNull();
    expect(await statusOf(token)).toBe(200);
  });

  it('a session ends when an expiry set after login passes (no session outlives its service account)', async () => {
    // A session started while the service account had no expiry; the expiry is then brought forward.
    const { id, token } = await createSa(acme, 'Shortened');
    const { login } = await t.as(null).ok<Json, Vars>(LOGIN, { i: { serviceAccountToken: token } });
    const expiresAt = new Date(Date.now() + 1_500);
    expect((await t.ok<Json, Vars>(UPDATE, { i: { id, expiresAt: expiresAt.toISOString() } })).updateServiceAccount.errors).toEqual([]);
    expect(await statusOf(login.token)).toBe(200);
    await sleep(Math.max(0, expiresAt.getTime() - Date.now()) + 300);
    expect(await statusOf(token)).toBe(401);
    expect(await statusOf(login.token)).toBe(401);
  });

  it('client credentials: the secret is shown once; Basic authenticates and records lastUsedAt; wrong secrets are refused; rename, delete and paging', async () => {
    const { id, token } = await createSa(acme, 'Credentialed');
    const { createServiceAccountCredential: made } = await t.ok<Json, Vars>(CREATE_CREDENTIAL, { i: { serviceAccountId: id, name: 'github-actions', description: 'CI' } });
    expect(made.errors).toEqual([]);
    const { clientSecret } = made;
    const { clientId, id: credentialId } = made.credential;
    expect(clientId).toMatch(CLIENT_ID_SHAPE);
    expect(clientSecret).toMatch(CLIENT_SECRET_SHAPE);
    expect(made.credential).toMatchObject({ name: 'github-actions', description: 'CI', lastUsedAt: null, serviceAccount: { id } });

    const READ_CREDENTIAL = `query($id: ID!) { node(id: $id) { ... on ServiceAccountCredential { ${CREDENTIAL_FIELDS} } } }`;
    const read = await t.ok<Json, Vars>(READ_CREDENTIAL, { id: credentialId });
    expect(read.node.clientId).toBe(clientId);
    expect(read.node.lastUsedAt).toBeNull();
    expect(JSON.stringify(read)).not.toContain(clientSecret.slice(4));

    const startedAt = Date.now();
    expect(await whoIs(basic(clientId, clientSecret))).toEqual({ status: 200, principalType: 'SERVICE_ACCOUNT', serviceAccountId: id });
    const used = (await t.ok<Json, Vars>(READ_CREDENTIAL, { id: credentialId })).node;
    expect(used.lastUsedAt).not.toBeNull();
    expect(new Date(used.lastUsedAt).getTime()).toBeGreaterThanOrEqual(startedAt - 1000);
    expect((await t.ok<Json, Vars>(NODE_SA, { id })).node.lastUsedAt).not.toBeNull();
    // It acts as the service account (a mutation through Basic works too).
    const viaBasic = await http(basic(clientId, clientSecret), LOGOUT);
    expect(viaBasic.status).toBe(200);

    // Wrong secrets, client ids and shapes: all one 401.
    const other = issueToken('clientSecret').token;
    for (const authorization of [
      basic(clientId, other),
      basic(clientId, token),
      basic(clientId, `${clientSecret.slice(0, -1)}${clientSecret.endsWith('A') ? 'B' : 'A'}`),
      basic(`kgcid_${'A'.repeat(22)}`, clientSecret),
      basic(clientId, ''),
      `Basic ${Buffer.from(clientId).toString('base64')}`,
    ]) {
      expect(await whoIs(authorization), authorization).toEqual({ status: 401, code: 'UNAUTHENTICATED' });
    }

    const renamed = (await t.ok<Json, Vars>(UPDATE_CREDENTIAL, { i: { id: credentialId, name: 'gitlab-ci', description: null } })).updateServiceAccountCredential;
    expect(renamed.errors).toEqual([]);
    expect(renamed.credential).toMatchObject({ id: credentialId, name: 'gitlab-ci', description: null, clientId });
    expect((await whoIs(basic(clientId, clientSecret))).status).toBe(200);

    // Paging over the service account's credentials, oldest first.
    const more = [await createCredential(id, 'second'), await createCredential(id, 'third')];
    const PAGE = `query($id: ID!, $first: Int, $after: String) { node(id: $id) { ... on ServiceAccount { credentials(first: $first, after: $after) { totalCount pageInfo { hasNextPage endCursor } edges { node { id name } } } } } }`;
    const page1 = (await t.ok<Json, Vars>(PAGE, { id, first: 2 })).node.credentials;
    expect(page1.totalCount).toBe(3);
    expect(page1.pageInfo.hasNextPage).toBe(true);
    expect(page1.edges.map((e: Json) => e.node.name)).toEqual(['gitlab-ci', 'second']);
    const page2 = (await t.ok<Json, Vars>(PAGE, { id, first: 2, after: page1.pageInfo.endCursor })).node.credentials;
    expect(page2.pageInfo.hasNextPage).toBe(false);
    expect(page2.edges.map((e: Json) => e.node.id)).toEqual([more[1]!.id]);
    // Each credential authenticates with its own secret only.
    expect((await whoIs(basic(more[0]!.clientId, more[0]!.clientSecret))).status).toBe(200);
    expect((await whoIs(basic(more[0]!.clientId, more[1]!.clientSecret))).status).toBe(401);

    const deleted = (await t.ok<Json, Vars>(DELETE_CREDENTIAL, { i: { id: credentialId } })).deleteServiceAccountCredential;
    expect(deleted).toEqual({ deletedCredentialId: credentialId, errors: [] });
    expect(await whoIs(basic(clientId, clientSecret))).toEqual({ status: 401, code: 'UNAUTHENTICATED' });
    expect((await whoIs(basic(more[0]!.clientId, more[0]!.clientSecret))).status).toBe(200);
    expect((await t.ok<Json, Vars>(PAGE, { id, first: 10 })).node.credentials.totalCount).toBe(2);
    expect((await t.ok<Json, Vars>(DELETE_CREDENTIAL, { i: { id: credentialId } })).deleteServiceAccountCredential.errors).toEqual([expect.objectContaining({ __typename: 'NotFoundError', field: 'id' })]);
    expect((await t.ok<Json, Vars>(UPDATE_CREDENTIAL, { i: { id: credentialId, name: 'ghost' } })).updateServiceAccountCredential.errors).toEqual([expect.objectContaining({ __typename: 'NotFoundError', field: 'id' })]);
  });

  it('lastUsedAt is written on first use, then at most once a minute (not a write per request)', async () => {
    const cost = async (authorization: string) => {
      const before = await t.statements();
      expect((await whoIs(authorization)).status).toBe(200);
      return (await t.statements()) - before;
    };
    const lastUsed = async (id: string) => (await t.ok<Json, Vars>(NODE_SA, { id })).node.lastUsedAt as string | null;

    const bearer = await createSa(acme, 'Touched by token');
    expect(await lastUsed(bearer.id)).toBeNull();
    const first = await cost(`Bearer ${bearer.token}`);
    const stamped = await lastUsed(bearer.id);
    expect(stamped).not.toBeNull();
    const second = await cost(`Bearer ${bearer.token}`);
    expect(first - second).toBe(1);
    expect(await lastUsed(bearer.id)).toBe(stamped);

    // Basic: the credential and its service account are both stamped on first use.
    const client = await createSa(acme, 'Touched by credential');
    const credential = await createCredential(client.id, 'touch');
    const firstBasic = await cost(basic(credential.clientId, credential.clientSecret));
    const secondBasic = await cost(basic(credential.clientId, credential.clientSecret));
    expect(firstBasic - secondBasic).toBe(2);
    expect(await lastUsed(client.id)).not.toBeNull();
  });

  it('validates every input with a typed error naming the field', async () => {
    const { id } = await createSa(acme, 'Validated');
    const credential = await createCredential(id, 'valid');
    const cases: [string, string, Vars, string, string][] = [
      [CREATE, 'createServiceAccount', { accountId: acme, name: '' }, 'ValidationError', 'name'],
      [CREATE, 'createServiceAccount', { accountId: acme, name: '   ' }, 'ValidationError', 'name'],
      [CREATE, 'createServiceAccount', { accountId: acme, name: 'x'.repeat(256) }, 'ValidationError', 'name'],
      [CREATE, 'createServiceAccount', { accountId: acme, name: 'line\nbreak' }, 'ValidationError', 'name'],
      [CREATE, 'createServiceAccount', { accountId: acme, name: 'ok', description: 'd'.repeat(2049) }, 'ValidationError', 'description'],
      [CREATE, 'createServiceAccount', { accountId: acme, name: 'ok', expiresAt: '2001-01-01T00:00:00Z' }, 'ValidationError', 'expiresAt'],
      [CREATE, 'createServiceAccount', { accountId: encodeGlobalID('Account', '01ARZ3NDEKTSV4RRFFQ69G5FAV'), name: 'ok' }, 'NotFoundError', 'accountId'],
      [CREATE, 'createServiceAccount', { accountId: id, name: 'ok' }, 'NotFoundError', 'accountId'],
      [UPDATE, 'updateServiceAccount', { id, name: '' }, 'ValidationError', 'name'],
      [UPDATE, 'updateServiceAccount', { id, name: 'y'.repeat(256) }, 'ValidationError', 'name'],
      [UPDATE, 'updateServiceAccount', { id, description: 'd'.repeat(2049) }, 'ValidationError', 'description'],
      [UPDATE, 'updateServiceAccount', { id: acme, name: 'ok' }, 'NotFoundError', 'id'],
      [ROTATE, 'rotateServiceAccountToken', { id: encodeGlobalID('ServiceAccount', 'nope') }, 'NotFoundError', 'id'],
      [REVOKE, 'revokeServiceAccount', { id: credential.id }, 'NotFoundError', 'id'],
      [DELETE, 'deleteServiceAccount', { id: encodeGlobalID('ServiceAccount', 'nope') }, 'NotFoundError', 'id'],
      [CREATE_CREDENTIAL, 'createServiceAccountCredential', { serviceAccountId: id, name: '' }, 'ValidationError', 'name'],
      [CREATE_CREDENTIAL, 'createServiceAccountCredential', { serviceAccountId: id, name: 'z'.repeat(256) }, 'ValidationError', 'name'],
      [CREATE_CREDENTIAL, 'createServiceAccountCredential', { serviceAccountId: id, name: 'ok', description: 'd'.repeat(2049) }, 'ValidationError', 'description'],
      [CREATE_CREDENTIAL, 'createServiceAccountCredential', { serviceAccountId: acme, name: 'ok' }, 'NotFoundError', 'serviceAccountId'],
      [UPDATE_CREDENTIAL, 'updateServiceAccountCredential', { id: credential.id, name: '' }, 'ValidationError', 'name'],
      [UPDATE_CREDENTIAL, 'updateServiceAccountCredential', { id: credential.id, description: 'd'.repeat(2049) }, 'ValidationError', 'description'],
      [UPDATE_CREDENTIAL, 'updateServiceAccountCredential', { id, name: 'ok' }, 'NotFoundError', 'id'],
      [DELETE_CREDENTIAL, 'deleteServiceAccountCredential', { id }, 'NotFoundError', 'id'],
      [ADD_MEMBER, 'addGroupMemberServiceAccount', { groupId: await group(t, acme, 'Validation group'), serviceAccountId: encodeGlobalID('ServiceAccount', 'nope') }, 'NotFoundError', 'serviceAccountId'],
    ];
    for (const [document, field, i, typename, name] of cases) {
      const result = await t.gql<Json, Vars>(document, { i });
      expect(result.errors, `${field} ${JSON.stringify(i).slice(0, 80)}`).toBeUndefined();
      expect(result.data[field].errors, `${field} ${JSON.stringify(i).slice(0, 80)}`).toEqual([{ __typename: typename, message: expect.any(String), field: name }]);
    }
    // Valid edge values pass, and nothing above changed the service account or its credential.
    const edge = (await t.ok<Json, Vars>(CREATE, { i: { accountId: acme, name: `  ${'n'.repeat(255)}  `, description: 'd'.repeat(2048) } })).createServiceAccount;
    expect(edge.errors).toEqual([]);
    expect(edge.serviceAccount.name).toBe('n'.repeat(255));
    expect((await t.ok<Json, Vars>(NODE_SA, { id })).node).toMatchObject({ name: 'Validated', description: null, revokedAt: null });
    const renamed = (await t.ok<Json, Vars>(UPDATE, { i: { id, name: ' Still valid ', description: 'now described' } })).updateServiceAccount;
    expect(renamed.serviceAccount).toMatchObject({ name: 'Still valid', description: 'now described' });
  });

  it('Account.serviceAccounts pages with first/after and totalCount, oldest first, and includeRevoked', async () => {
    const owner = await account(t, 'Paging');
    const made: string[] = [];
    for (let i = 0; i < 5; i++) made.push((await createSa(owner, `machine ${i}`)).id);
    const seen: string[] = [];
    let after: string | null = null;
    let pages = 0;
    for (;;) {
      const page: Json = (await t.ok<Json, Vars>(LIST, { id: owner, first: 2, after })).account.serviceAccounts;
      expect(page.totalCount).toBe(5);
      seen.push(...page.edges.map((e: Json) => e.node.id));
      pages++;
      if (!page.pageInfo.hasNextPage) break;
      after = page.pageInfo.endCursor;
      expect(pages).toBeLessThan(5);
    }
    expect(pages).toBe(3);
    expect(seen).toEqual(made);

    expect((await t.ok<Json, Vars>(REVOKE, { i: { id: made[1] } })).revokeServiceAccount.errors).toEqual([]);
    const active = (await t.ok<Json, Vars>(LIST, { id: owner, first: 10 })).account.serviceAccounts;
    expect(active.totalCount).toBe(4);
    expect(active.edges.map((e: Json) => e.node.id)).toEqual(made.filter((_, i) => i !== 1));
    const explicitFalse = (await t.ok<Json, Vars>(LIST, { id: owner, first: 10, r: false })).account.serviceAccounts;
    expect(explicitFalse.totalCount).toBe(4);
    const withRevoked = (await t.ok<Json, Vars>(LIST, { id: owner, first: 3, r: true })).account.serviceAccounts;
    expect(withRevoked.totalCount).toBe(5);
    expect(withRevoked.edges.map((e: Json) => e.node.id)).toEqual(made.slice(0, 3));

    // The list needs service_account.read: a service account holding only group.read cannot list them.
    const { id: peer, token } = await createSa(owner, 'peer');
    expect((await t.ok<Json, Vars>(GRANT, { i: { accountId: owner, grantKind: 'CAPABILITY', capabilityKey: 'group.read', subjectType: 'SERVICE_ACCOUNT', subjectId: peer } })).grantAuthorization.errors).toEqual([]);
    const forbidden = await http(`Bearer ${token}`, LIST, { id: owner, first: 10 });
    expect(forbidden.body.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    expect((await t.ok<Json, Vars>(GRANT, { i: { accountId: owner, grantKind: 'CAPABILITY', capabilityKey: 'service_account.read', subjectType: 'SERVICE_ACCOUNT', subjectId: peer } })).grantAuthorization.errors).toEqual([]);
    const allowed = await http(`Bearer ${token}`, LIST, { id: owner, first: 10 });
    expect(allowed.body.errors).toBeUndefined();
    expect(allowed.body.data.account.serviceAccounts.totalCount).toBe(5);
  });

  it('never crosses accounts: another account’s service account is not found as a subject or member, and its token reaches nothing here', async () => {
    const a = await account(t, 'Tenant A');
    const b = await account(t, 'Tenant B');
    const groupA = await group(t, a, 'A team');
    const own = await createSa(a, 'A machine');
    const foreign = await createSa(b, 'B machine');

    const grant = (await t.ok<Json, Vars>(GRANT, { i: { accountId: a, grantKind: 'CAPABILITY', capabilityKey: 'group.read', subjectType: 'SERVICE_ACCOUNT', subjectId: foreign.id } })).grantAuthorization;
    expect(grant).toEqual({ authorizationGrant: null, errors: [expect.objectContaining({ __typename: 'NotFoundError', field: 'subjectId' })] });
    const role = (await t.ok<Json, Vars>(ASSIGN, { i: { accountId: a, roleKey: 'VIEWER', subjectType: 'SERVICE_ACCOUNT', subjectId: foreign.id, resourceType: 'ACCOUNT', resourceId: a } })).createRoleAssignment;
    expect(role.errors).toEqual([expect.objectContaining({ __typename: 'NotFoundError', field: 'subjectId' })]);
    const member = (await t.ok<Json, Vars>(ADD_MEMBER, { i: { groupId: groupA, serviceAccountId: foreign.id } })).addGroupMemberServiceAccount;
    expect(member).toEqual({ changed: null, group: null, errors: [expect.objectContaining({ __typename: 'NotFoundError', field: 'serviceAccountId' })] });
    // A subject id of the wrong type is not found either.
    const mistyped = (await t.ok<Json, Vars>(GRANT, { i: { accountId: a, grantKind: 'CAPABILITY', capabilityKey: 'group.read', subjectType: 'SERVICE_ACCOUNT', subjectId: groupA } })).grantAuthorization;
    expect(mistyped.errors).toEqual([expect.objectContaining({ __typename: 'NotFoundError', field: 'subjectId' })]);
    const grantsA = await t.ok<Json, Vars>('query($id: ID!, $g: ID!) { account(id: $id) { authorizationGrants(subjectType: SERVICE_ACCOUNT) { totalCount } roleAssignments(subjectType: SERVICE_ACCOUNT) { totalCount } } node(id: $g) { ... on Group { members { totalCount } } } }', { id: a, g: groupA });
    expect(grantsA.account.authorizationGrants.totalCount).toBe(0);
    expect(grantsA.account.roleAssignments.totalCount).toBe(0);
    expect(grantsA.node.members.totalCount).toBe(0);

    // A's own service account, even managing service accounts on A, can do nothing to B's.
    expect((await t.ok<Json, Vars>(GRANT, { i: { accountId: a, grantKind: 'CAPABILITY', capabilityKey: 'service_account.manage', subjectType: 'SERVICE_ACCOUNT', subjectId: own.id } })).grantAuthorization.errors).toEqual([]);
    const asOwn = `Bearer ${own.token}`;
    const rotateForeign = await http(asOwn, ROTATE, { i: { id: foreign.id } });
    expect(rotateForeign.body.data.rotateServiceAccountToken).toEqual({ token: null, serviceAccount: null, errors: [expect.objectContaining({ __typename: 'NotFoundError', field: 'id' })] });
    const revokeForeign = await http(asOwn, REVOKE, { i: { id: foreign.id } });
    expect(revokeForeign.body.data.revokeServiceAccount.errors).toEqual([expect.objectContaining({ __typename: 'NotFoundError', field: 'id' })]);
    const credentialForeign = await http(asOwn, CREATE_CREDENTIAL, { i: { serviceAccountId: foreign.id, name: 'steal' } });
    expect(credentialForeign.body.data.createServiceAccountCredential.errors).toEqual([expect.objectContaining({ __typename: 'NotFoundError', field: 'serviceAccountId' })]);
    expect((await http(asOwn, NODE_SA, { id: foreign.id })).body.data.node).toBeNull();
    expect(await statusOf(foreign.token)).toBe(200);
    // ...while on its own account it can: it rotates a sibling's token.
    const sibling = await createSa(a, 'A sibling');
    const rotateSibling = await http(asOwn, ROTATE, { i: { id: sibling.id } });
    expect(rotateSibling.body.data.rotateServiceAccountToken.errors).toEqual([]);
    expect(await statusOf(sibling.token)).toBe(401);

    // B's token reads nothing of A.
    const fromB = await http(`Bearer ${foreign.token}`, 'query($id: ID!, $s: ID!) { account(id: $id) { id } node(id: $s) { id } }', { id: a, s: own.id });
    expect(fromB.body).toEqual({ data: { account: null, node: null } });
  });
  it('handing out a secret of a service account needs everything it holds: no escalation through service_account.manage', async () => {
    const owner = await createSa(acme, 'Owner robot');
    const grant = await t.ok<Json, Vars>(GRANT, { i: { accountId: acme, grantKind: 'ACCOUNT_OWNER', subjectType: 'SERVICE_ACCOUNT', subjectId: owner.id } });
    expect(grant.grantAuthorization.errors).toEqual([]);
    // eve manages service accounts (and reads groups), nothing more.
    const eve = await t.ok<Json, Vars>(`mutation($i: CreateUserInput!) { createUser(input: $i) { user { id } ${ERRORS} } }`, {
      i: { accountId: acme, email: 'eve@acme.test', password: 'eve password 123' },
    });
    const eveId = eve.createUser.user.id;
    for (const capabilityKey of ['service_account.manage', 'group.read']) {
      const given = await t.ok<Json, Vars>(GRANT, { i: { accountId: acme, grantKind: 'CAPABILITY', subjectType: 'USER', subjectId: eveId, capabilityKey } });
      expect(given.grantAuthorization.errors).toEqual([]);
    }
    const asEve = t.as(await t.login('eve@acme.test', 'eve password 123'));
    const rotate = await asEve.gql<Json, Vars>(ROTATE, { i: { id: owner.id } });
    expect(rotate.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    expect(rotate.data?.rotateServiceAccountToken ?? null).toBeNull();
    const credential = await asEve.gql<Json, Vars>(CREATE_CREDENTIAL, { i: { serviceAccountId: owner.id, name: 'mine now' } });
    expect(credential.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    // The owner robot's token still works, and no credential was made.
    expect(await statusOf(owner.token)).toBe(200);
    const after = await t.ok<Json, Vars>(`query($id: ID!) { node(id: $id) { ... on ServiceAccount { credentials(first: 5) { totalCount } } } }`, { id: owner.id });
    expect(after.node.credentials.totalCount).toBe(0);
    // A service account holding only what eve holds can be rotated by her.
    const small = await createSa(acme, 'Small robot');
    await t.ok<Json, Vars>(GRANT, { i: { accountId: acme, grantKind: 'CAPABILITY', subjectType: 'SERVICE_ACCOUNT', subjectId: small.id, capabilityKey: 'group.read' } });
    const allowed = await asEve.gql<Json, Vars>(ROTATE, { i: { id: small.id } });
    expect(allowed.errors).toBeUndefined();
    expect(allowed.data.rotateServiceAccountToken.token).toMatch(TOKEN_SHAPE);
  });

  it('auth.manage alone covers service accounts and API keys (reference 000: auth.service_accounts.* need auth.manage)', async () => {
    const created = await t.ok<Json, Vars>(`mutation($i: CreateUserInput!) { createUser(input: $i) { user { id } ${ERRORS} } }`, {
      i: { accountId: acme, email: 'auth-manager@acme.test', password: 'auth manager password' },
    });
    const given = await t.ok<Json, Vars>(GRANT, { i: { accountId: acme, grantKind: 'CAPABILITY', subjectType: 'USER', subjectId: created.createUser.user.id, capabilityKey: 'auth.manage' } });
    expect(given.grantAuthorization.errors).toEqual([]);
    const asManager = t.as(await t.login('auth-manager@acme.test', 'auth manager password'));
    const listed = await asManager.gql<Json, Vars>(`query($id: ID!) { account(id: $id) { serviceAccounts(first: 1) { totalCount } apiKeys(first: 1) { totalCount } } }`, { id: acme });
    expect(listed.errors).toBeUndefined();
    expect(listed.data.account.serviceAccounts.totalCount).toBeGreaterThan(0);
    const robot = await asManager.gql<Json, Vars>(CREATE, { i: { accountId: acme, name: 'Made by auth.manage' } });
    expect(robot.errors).toBeUndefined();
    expect(robot.data.createServiceAccount).toMatchObject({ token: expect.stringMatching(TOKEN_SHAPE), errors: [] });
    const key = await asManager.gql<Json, Vars>(`mutation($i: CreateApiKeyInput!) { createApiKey(input: $i) { key apiKey { permissions } ${ERRORS} } }`, {
      i: { accountId: acme, name: 'Made by auth.manage', permissions: ['group.read'] },
    });
    expect(key.errors).toBeUndefined();
    expect(key.data.createApiKey).toMatchObject({ key: expect.stringMatching(/^kgk_/), apiKey: { permissions: ['group.read'] }, errors: [] });
    const rotated = await asManager.gql<Json, Vars>(ROTATE, { i: { id: robot.data.createServiceAccount.serviceAccount.id } });
    expect(rotated.errors).toBeUndefined();
    expect(rotated.data.rotateServiceAccountToken.errors).toEqual([]);
  });

  it('rotation ends the sessions started with the old token; an expired service account cannot be rotated', async () => {
    const robot = await createSa(acme, 'Session robot');
    const login = await t.as(null).gql<Json, Vars>(LOGIN, { i: { serviceAccountToken: robot.token } });
    const session = login.data.login.token as string;
    expect(await statusOf(session)).toBe(200);
    const rotated = await t.ok<Json, Vars>(ROTATE, { i: { id: robot.id, gracePeriodSeconds: 60 } });
    expect(rotated.rotateServiceAccountToken.errors).toEqual([]);
    expect(await statusOf(session)).toBe(401);
    // The old token still works during the grace period (and can start a new session).
    expect(await statusOf(robot.token)).toBe(200);

    const brief = await createSa(acme, 'Brief robot', { expiresAt: new Date(Date.now() + 1500).toISOString() });
    await sleep(1700);
    const late = await t.ok<Json, Vars>(ROTATE, { i: { id: brief.id } });
    expect(late.rotateServiceAccountToken.errors.map((e: Json) => [e.__typename, e.field])).toEqual([['ConflictError', 'id']]);
  });
});
