// API keys end to end (issue 5, references 002 and 003): a key is shown once and authenticates as a
// bearer; its permissions never exceed what its creator holds, neither when it is made nor when it is
// used; it reaches only the workspaces it was given; a read-only key runs no mutation; a paused key is
// refused with its own error; rotation, revocation and expiry end a key at once; a malformed key is
// refused before any database statement.
import { crc32 } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CreateUserDocument, CreateWorkspaceDocument } from './generated/graphql.js';
import { account, group } from './support/fixtures.js';
import { ADMIN_EMAIL, provider, startTestApp, type Caller, type GraphQLResult, type TestApp } from './support/harness.js';

// Responses are read field by field below; their shape is the schema's.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Json = any;
type Vars = Record<string, unknown>;

const PASSWORD = 'a long enough password';
const KEY_SHAPE = /^kgk_[0-9A-Za-z]{46}$/;

const ACTOR = `__typename ... on User { id email }`;
/** What a key may read of itself (its creator is a User: a key without user.read cannot see it). */
const OWN_FIELDS = `id name description keyPrefix keyLast4 keyPublicId permissions active expiresAt lastUsedAt revokedAt
  mcpActive mcpAllowlistMode mcpToolAllowlist mcpReadOnly mcpProjectIds mcpInstanceIds mcpPreset mcpPermissions
  workspacesTotal workspacesPreview { id } createdAt updatedAt`;
const KEY_FIELDS = `${OWN_FIELDS} createdBy { ${ACTOR} } revokedBy { ${ACTOR} }`;
const ERRORS = `errors { __typename message field }`;

const CREATE = `mutation($input: CreateApiKeyInput!) { createApiKey(input: $input) { key apiKey { ${KEY_FIELDS} } ${ERRORS} } }`;
const UPDATE = `mutation($input: UpdateApiKeyInput!) { updateApiKey(input: $input) { apiKey { ${KEY_FIELDS} } ${ERRORS} } }`;
const UPDATE_OWN = `mutation($input: UpdateApiKeyInput!) { updateApiKey(input: $input) { apiKey { ${OWN_FIELDS} } ${ERRORS} } }`;
const ROTATE = `mutation($input: RotateApiKeyInput!) { rotateApiKey(input: $input) { key apiKey { ${KEY_FIELDS} } ${ERRORS} } }`;
const ROTATE_OWN = `mutation($input: RotateApiKeyInput!) { rotateApiKey(input: $input) { key apiKey { ${OWN_FIELDS} } ${ERRORS} } }`;
const REVOKE = `mutation($input: RevokeApiKeyInput!) { revokeApiKey(input: $input) { apiKey { ${KEY_FIELDS} } ${ERRORS} } }`;
const SET_ACTIVE = `mutation($input: SetApiKeyActiveInput!) { setApiKeyActive(input: $input) { apiKey { id active } ${ERRORS} } }`;
const GRANT_WORKSPACE = `mutation($input: GrantApiKeyWorkspaceAccessInput!) { grantApiKeyWorkspaceAccess(input: $input) { changed apiKey { id workspacesTotal } ${ERRORS} } }`;
const REVOKE_WORKSPACE = `mutation($input: RevokeApiKeyWorkspaceAccessInput!) { revokeApiKeyWorkspaceAccess(input: $input) { changed apiKey { id workspacesTotal } ${ERRORS} } }`;

const GRANT = `mutation($input: GrantAuthorizationInput!) { grantAuthorization(input: $input) { authorizationGrant { id } ${ERRORS} } }`;
const REVOKE_GRANT = `mutation($input: RevokeAuthorizationInput!) { revokeAuthorization(input: $input) { authorizationGrant { id revokedAt } ${ERRORS} } }`;
const ROLE = `mutation($input: CreateRoleAssignmentInput!) { createRoleAssignment(input: $input) { roleAssignment { id } ${ERRORS} } }`;
const REMOVE_USER = `mutation($input: RemoveUserInput!) { removeUser(input: $input) { removedUserId ${ERRORS} } }`;
const CREATE_GROUP = `mutation($input: CreateGroupInput!) { createGroup(input: $input) { group { id name } ${ERRORS} } }`;
const UPDATE_WORKSPACE = `mutation($input: UpdateWorkspaceInput!) { updateWorkspace(input: $input) { workspace { id name } ${ERRORS} } }`;

const VIEWER = `{ viewer { authenticated principalType apiKey { id name permissions } } }`;
const KEY = `query($id: ID!) { node(id: $id) { ... on ApiKey { ${KEY_FIELDS} } } }`;
const KEY_WORKSPACES = `query($id: ID!) { node(id: $id) { ... on ApiKey { workspacesTotal workspacesPreview { id } workspaces(first: 50) { totalCount edges { node { id } } } } } }`;
const GROUPS = `query($id: ID!) { account(id: $id) { id groups(first: 100) { totalCount edges { node { id name } } } } }`;
const WORKSPACES = `query($id: ID!) { account(id: $id) { id workspaces(first: 100) { totalCount edges { node { id name } } } } }`;
const NODE = `query($id: ID!) { node(id: $id) { __typename id } }`;
const ACCOUNT = `query($id: ID!) { account(id: $id) { id name } }`;
const LIST = `query($id: ID!, $search: String, $first: Int, $after: String) {
  account(id: $id) {
    apiKeys(search: $search, first: $first, after: $after) {
      totalCount
      pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
      edges { cursor node { id name description } }
    }
  }
}`;

const codes = (result: GraphQLResult<Json>) => (result.errors ?? []).map((e) => e.extensions?.code);

/** The CRC32 checksum of a token head, as 6 base62 characters (the format of src/domain/credentials/token.ts, re-derived). */
function checksum(head: string): string {
  const alphabet = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
  let rest = crc32(head) >>> 0;
  let out = '';
  for (let i = 0; i < 6; i++) {
    out = alphabet[rest % 62] + out;
    rest = Math.floor(rest / 62);
  }
  return out;
}

/** `text` with the character at `index` replaced by another base62 character. */
const changeAt = (text: string, index: number) => text.slice(0, index) + (text[index] === 'A' ? 'B' : 'A') + text.slice(index + 1);

describe(`API keys (${provider})`, () => {
  let t: TestApp;
  let acme: string;
  let other: string;
  let otherWorkspace: string;
  const workspaces: string[] = [];
  const ids: Record<string, string> = {};
  const as: Record<string, Caller> = {};
  /** Revocable grants, by `<person>:<capability>`. */
  const grants: Record<string, string> = {};

  async function person(name: string): Promise<void> {
    const { createUser } = await t.ok(CreateUserDocument, { input: { accountId: acme, email: `${name}@acme.test`, password: PASSWORD } });
    expect(createUser.errors).toEqual([]);
    ids[name] = createUser.user!.id;
    as[name] = t.as(await t.login(`${name}@acme.test`, PASSWORD));
  }

  async function grant(name: string, capabilityKey: string): Promise<string> {
    const { grantAuthorization } = await t.ok<Json, Vars>(GRANT, { input: { accountId: acme, grantKind: 'CAPABILITY', subjectType: 'USER', subjectId: ids[name], capabilityKey } });
    expect(grantAuthorization.errors).toEqual([]);
    grants[`${name}:${capabilityKey}`] = grantAuthorization.authorizationGrant.id;
    return grantAuthorization.authorizationGrant.id;
  }

  async function assignRole(name: string, roleKey: string): Promise<void> {
    const { createRoleAssignment } = await t.ok<Json, Vars>(ROLE, { input: { accountId: acme, roleKey, subjectType: 'USER', subjectId: ids[name], resourceType: 'ACCOUNT', resourceId: acme } });
    expect(createRoleAssignment.errors).toEqual([]);
  }

  const attemptCreate = (caller: Caller, input: Vars) => caller.gql<Json, Vars>(CREATE, { input: { accountId: acme, ...input } }) as Promise<GraphQLResult<Json>>;

  /** Creates a key (the caller is the super administrator unless given) and returns it with its plaintext. */
  async function createKey(input: Vars, caller: Caller = t): Promise<{ key: string; apiKey: Json }> {
    const { createApiKey } = await caller.ok<Json, Vars>(CREATE, { input: { accountId: acme, ...input } });
    expect(createApiKey.errors).toEqual([]);
    expect(createApiKey.key).toMatch(KEY_SHAPE);
    return { key: createApiKey.key, apiKey: createApiKey.apiKey };
  }

  /** How many keys of `accountId` match `search` (as the super administrator sees them). */
  async function keysMatching(search: string, accountId = acme): Promise<number> {
    const { account: found } = await t.ok<Json, Vars>(LIST, { id: accountId, search, first: 1 });
    return found.apiKeys.totalCount;
  }

  const readKey = async (id: string): Promise<Json> => (await t.ok<Json, Vars>(KEY, { id })).node;

  /** A request with `key` as the bearer, with its HTTP status. */
  async function raw(key: string, query: string, variables: Vars = {}): Promise<{ status: number; body: GraphQLResult<Json> }> {
    const response = await t.app.fetch('/graphql', {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/graphql-response+json, application/json', authorization: `Bearer ${key}` },
      body: JSON.stringify({ query, variables }),
    });
    return { status: response.status, body: (await response.json()) as GraphQLResult<Json> };
  }

  /** Expects `key` to be refused at authentication: HTTP 401, UNAUTHENTICATED, no data. */
  async function expectRefused(key: string): Promise<void> {
    const { status, body } = await raw(key, VIEWER);
    expect(status).toBe(401);
    expect(codes(body)).toEqual(['UNAUTHENTICATED']);
    expect(body.data ?? null).toBeNull();
  }

  /** The group names `caller` can list in acme; 'FORBIDDEN' (or the error codes) when it cannot. */
  async function groupsSeenBy(caller: Caller): Promise<string[] | string> {
    const result = (await caller.gql<Json, Vars>(GROUPS, { id: acme })) as GraphQLResult<Json>;
    if (result.errors?.length) return codes(result).join(',');
    if (!result.data?.account) return 'NO_ACCOUNT';
    return result.data.account.groups.edges.map((e: Json) => e.node.name).sort();
  }

  beforeAll(async () => {
    t = await startTestApp();
    acme = await account(t, 'Acme');
    other = await account(t, 'Other');
    for (let i = 1; i <= 7; i++) {
      const { createWorkspace } = await t.ok(CreateWorkspaceDocument, { input: { accountId: acme, name: `WS ${i}` } });
      expect(createWorkspace.errors).toEqual([]);
      workspaces.push(createWorkspace.workspace!.id);
    }
    const { createWorkspace } = await t.ok(CreateWorkspaceDocument, { input: { accountId: other, name: 'Elsewhere' } });
    otherWorkspace = createWorkspace.workspace!.id;
    await group(t, acme, 'Engineering');
    await group(t, acme, 'Sales');
    // alice: capability grants only (api_key.manage, group.read, workspace.read).
    // carol: the VIEWER role and api_key.manage. dave: the same, and is later removed from the account.
    for (const name of ['alice', 'carol', 'dave']) await person(name);
    for (const capability of ['api_key.manage', 'group.read', 'workspace.read']) await grant('alice', capability);
    for (const name of ['carol', 'dave']) {
      await assignRole(name, 'VIEWER');
      await grant(name, 'api_key.manage');
    }
  });
  afterAll(() => t.close());

  it('system (reference 002) is false for keys made through the API; scope (reference 003) is kept as given at creation and validated', async () => {
    const SCOPED = `mutation($input: CreateApiKeyInput!) { createApiKey(input: $input) { apiKey { id system scope } errors { __typename field } } }`;
    const scoped = (await t.ok<Json, Vars>(SCOPED, { input: { accountId: acme, name: 'Scoped', scope: 'organization' } })).createApiKey;
    expect(scoped).toEqual({ apiKey: { id: expect.any(String), system: false, scope: 'organization' }, errors: [] });
    const plain = (await t.ok<Json, Vars>(SCOPED, { input: { accountId: acme, name: 'Unscoped' } })).createApiKey;
    expect(plain.apiKey).toMatchObject({ system: false, scope: null });
    for (const scope of ['has spaces', 'x'.repeat(65), 'semi;colon']) {
      const bad = (await t.ok<Json, Vars>(SCOPED, { input: { accountId: acme, name: 'Bad scope', scope } })).createApiKey;
      expect(bad, scope).toEqual({ apiKey: null, errors: [{ __typename: 'ValidationError', field: 'scope' }] });
    }
    for (const id of [scoped.apiKey.id, plain.apiKey.id]) {
      expect((await t.ok<Json, Vars>(`mutation($i: RevokeApiKeyInput!) { revokeApiKey(input: $i) { errors { message } } }`, { i: { id } })).revokeApiKey.errors).toEqual([]);
    }
  });

  describe('issuing', () => {
    it('createApiKey returns the key once; it names itself by prefix, last 4 and public id, and authenticates as API_KEY', async () => {
      const { createApiKey } = await t.ok<Json, Vars>(CREATE, {
        input: { accountId: acme, name: '  CI deploy  ', description: 'pushes builds', permissions: ['group.read', 'group.read'], mcpActive: true, mcpAllowlistMode: 'ALLOWLIST', mcpToolAllowlist: ['groups.list', 'users:read'], mcpPreset: 'ci' },
      });
      expect(createApiKey.errors).toEqual([]);
      const key: string = createApiKey.key;
      const apiKey = createApiKey.apiKey;
      expect(key).toMatch(KEY_SHAPE);
      // The last 6 characters are the CRC32 of the rest: a scanner can check a candidate offline.
      expect(key.slice(-6)).toBe(checksum(key.slice(0, -6)));
      expect(key.startsWith(apiKey.keyPrefix)).toBe(true);
      expect(apiKey.keyPrefix.startsWith('kgk_')).toBe(true);
      expect(apiKey.keyPrefix.length).toBeLessThan(key.length - 30);
      expect(apiKey.keyLast4).toBe(key.slice(-4));
      expect(apiKey.keyPublicId).toBe(key.slice(4, 14));
      expect(apiKey).toMatchObject({
        name: 'CI deploy',
        description: 'pushes builds',
        permissions: ['group.read'],
        active: true,
        expiresAt: null,
        lastUsedAt: null,
        revokedAt: null,
        mcpActive: true,
        mcpAllowlistMode: 'ALLOWLIST',
        mcpToolAllowlist: ['groups.list', 'users:read'],
        mcpReadOnly: false,
        mcpPreset: 'ci',
        workspacesTotal: 0,
        createdBy: { __typename: 'User', email: ADMIN_EMAIL },
        revokedBy: null,
      });

      const viewer = await t.as(key).ok<Json, Vars>(VIEWER);
      expect(viewer.viewer).toEqual({ authenticated: true, principalType: 'API_KEY', apiKey: { id: apiKey.id, name: 'CI deploy', permissions: ['group.read'] } });
      expect(await groupsSeenBy(t.as(key))).toEqual(expect.arrayContaining(['Engineering', 'Sales']));

      // No later read holds the key, nor its secret part.
      const secret = key.slice(14, 44);
      const reads = [
        await readKey(apiKey.id),
        await t.as(key).ok<Json, Vars>(`{ viewer { apiKey { ${OWN_FIELDS} } } }`),
        await t.ok<Json, Vars>(`query($id: ID!) { account(id: $id) { apiKeys(first: 100) { edges { node { ${KEY_FIELDS} } } } } }`, { id: acme }),
      ];
      for (const read of reads) {
        const text = JSON.stringify(read);
        expect(text).toContain(apiKey.keyLast4);
        expect(text).not.toContain(key);
        expect(text).not.toContain(secret);
      }
    });
    it('a key without permissions authenticates and reaches nothing', async () => {
      const { key, apiKey } = await createKey({ name: 'no permissions' });
      expect(apiKey.permissions).toEqual([]);
      const asKey = t.as(key);
      expect((await asKey.ok<Json, Vars>(VIEWER)).viewer).toMatchObject({ authenticated: true, principalType: 'API_KEY', apiKey: { id: apiKey.id } });
      expect((await asKey.ok<Json, Vars>(ACCOUNT, { id: acme })).account).toBeNull();
      expect((await asKey.ok<Json, Vars>(NODE, { id: workspaces[0] })).node).toBeNull();
      expect((await asKey.ok<Json, Vars>(`{ accounts(first: 10) { totalCount } }`)).accounts.totalCount).toBe(0);
      const create = await asKey.ok<Json, Vars>(CREATE_GROUP, { input: { accountId: acme, name: 'From nowhere' } });
      expect(create.createGroup.errors).toEqual([expect.objectContaining({ __typename: 'NotFoundError', field: 'accountId' })]);
    });
  });

  describe('escalation', () => {
    it('a user with capability grants cannot give a key a permission it does not hold; nothing is created', async () => {
      for (const permission of ['group.manage', 'user.read', 'api_key.manage', 'billing.read']) {
        const name = `alice wants ${permission}`;
        const refused = await attemptCreate(as.alice!, { name, permissions: ['group.read', permission] });
        if (permission === 'api_key.manage') {
          // alice holds api_key.manage herself: she may pass it on.
          expect(refused.errors).toBeUndefined();
          expect(refused.data.createApiKey.errors).toEqual([]);
          expect(await keysMatching(name)).toBe(1);
          continue;
        }
        expect(codes(refused)).toEqual(['FORBIDDEN']);
        expect(refused.errors![0]!.message).toContain(permission);
        expect(refused.data).toBeNull();
        expect(await keysMatching(name)).toBe(0);
      }
      // What she holds she may pass on: group.read (and account.read, which it implies).
      const { apiKey } = await createKey({ name: 'alice reader', permissions: ['group.read', 'account.read'] }, as.alice!);
      expect(apiKey.permissions).toEqual(['group.read', 'account.read']);
    });

    it('a user with the VIEWER role cannot give a key more than the role gives', async () => {
      for (const permission of ['group.manage', 'billing.read', 'secret.value.read', 'workspace.manage']) {
        const name = `carol wants ${permission}`;
        const refused = await attemptCreate(as.carol!, { name, permissions: [permission] });
        expect(codes(refused)).toEqual(['FORBIDDEN']);
        expect(await keysMatching(name)).toBe(0);
      }
      const { key, apiKey } = await createKey({ name: 'carol viewer key', permissions: ['group.read', 'workspace.read', 'auth.read'] }, as.carol!);
      expect(apiKey.createdBy).toEqual({ __typename: 'User', id: ids.carol, email: 'carol@acme.test' });
      expect(await groupsSeenBy(t.as(key))).toEqual(expect.arrayContaining(['Engineering', 'Sales']));
    });

    it('updateApiKey cannot add a permission the editor lacks (even to a key of someone who holds it)', async () => {
      const { apiKey: own } = await createKey({ name: 'alice to widen', permissions: ['group.read'] }, as.alice!);
      const refused = await as.alice!.gql<Json, Vars>(UPDATE, { input: { id: own.id, permissions: ['group.read', 'group.manage'] } });
      expect(codes(refused)).toEqual(['FORBIDDEN']);
      expect(refused.errors![0]!.message).toContain('group.manage');
      expect((await readKey(own.id)).permissions).toEqual(['group.read']);

      const { apiKey: admins } = await createKey({ name: 'admin key alice edits', permissions: ['account.read'] });
      const alsoRefused = await as.alice!.gql<Json, Vars>(UPDATE, { input: { id: admins.id, name: 'renamed by alice', permissions: ['group.manage'] } });
      expect(codes(alsoRefused)).toEqual(['FORBIDDEN']);
      expect(await readKey(admins.id)).toMatchObject({ name: 'admin key alice edits', permissions: ['account.read'] });

      // Narrowing, or widening within what she holds, is fine.
      const narrowed = await as.alice!.ok<Json, Vars>(UPDATE, { input: { id: own.id, permissions: ['workspace.read'] } });
      expect(narrowed.updateApiKey.errors).toEqual([]);
      expect(narrowed.updateApiKey.apiKey.permissions).toEqual(['workspace.read']);
    });

    it('an API key can never create an API key, even one holding api_key.manage', async () => {
      const { key } = await createKey({ name: 'key manager', permissions: ['api_key.manage', 'group.read'] });
      const before = await keysMatching('made by a key');
      const refused = await attemptCreate(t.as(key), { name: 'made by a key', permissions: [] });
      expect(codes(refused)).toEqual(['FORBIDDEN']);
      expect(refused.errors![0]!.message).toMatch(/API key/);
      expect(await keysMatching('made by a key')).toBe(before);
      // The key does hold api_key.manage: it may list the account's keys, and edit them within its own permissions.
      const list = await t.as(key).ok<Json, Vars>(LIST, { id: acme, first: 1 });
      expect(list.account.apiKeys.totalCount).toBeGreaterThan(0);
      const { apiKey: target } = await createKey({ name: 'edited by a key', permissions: ['account.read'] });
      const widened = await t.as(key).gql<Json, Vars>(UPDATE_OWN, { input: { id: target.id, permissions: ['group.manage'] } });
      expect(codes(widened)).toEqual(['FORBIDDEN']);
      const within = await t.as(key).ok<Json, Vars>(UPDATE_OWN, { input: { id: target.id, permissions: ['group.read'] } });
      expect(within.updateApiKey.apiKey.permissions).toEqual(['group.read']);
    });

    it('rotating a key hands over its secret: whoever rotates must hold every permission of the key', async () => {
      // An administrator's key that can manage groups; alice (api_key.manage, group.read) must not get it.
      const { key, apiKey } = await createKey({ name: 'admin group manager', permissions: ['group.manage'] });
      const refused = await as.alice!.gql<Json, Vars>(ROTATE_OWN, { input: { id: apiKey.id } });
      expect(codes(refused)).toEqual(['FORBIDDEN']);
      expect(refused.data).toBeNull();
      // Nor may a key that manages keys but cannot manage groups.
      const { key: keyManager } = await createKey({ name: 'key manager, group reader', permissions: ['api_key.manage', 'group.read'] });
      const byKey = await t.as(keyManager).gql<Json, Vars>(ROTATE_OWN, { input: { id: apiKey.id } });
      expect(codes(byKey)).toEqual(['FORBIDDEN']);
      expect(byKey.data).toBeNull();
      // The key is untouched and still works.
      expect((await readKey(apiKey.id)).keyLast4).toBe(apiKey.keyLast4);
      expect((await t.as(key).ok<Json, Vars>(VIEWER)).viewer.apiKey.id).toBe(apiKey.id);
      // A key made of what she holds, she may rotate.
      const { apiKey: mine } = await createKey({ name: 'admin group reader', permissions: ['group.read'] });
      const rotated = await as.alice!.ok<Json, Vars>(ROTATE_OWN, { input: { id: mine.id } });
      expect(rotated.rotateApiKey.errors).toEqual([]);
      expect(rotated.rotateApiKey.key).toMatch(KEY_SHAPE);
    });
  });

  describe('permissions at the time of use', () => {
    it("a key loses what its creator loses, and regains it when the creator does", async () => {
      const { key } = await createKey({ name: 'alice groups', permissions: ['group.read'] }, as.alice!);
      const asKey = t.as(key);
      expect(await groupsSeenBy(asKey)).toEqual(expect.arrayContaining(['Engineering', 'Sales']));

      const revoked = await t.ok<Json, Vars>(REVOKE_GRANT, { input: { id: grants['alice:group.read'] } });
      expect(revoked.revokeAuthorization.errors).toEqual([]);
      expect(await groupsSeenBy(asKey)).toBe('FORBIDDEN');
      // The key still authenticates; it only reaches less.
      expect((await asKey.ok<Json, Vars>(VIEWER)).viewer.principalType).toBe('API_KEY');

      await grant('alice', 'group.read');
      expect(await groupsSeenBy(asKey)).toEqual(expect.arrayContaining(['Engineering', 'Sales']));
    });

    it('a key holds no more than its own permissions: group.read cannot create a group even when the creator can', async () => {
      const { key } = await createKey({ name: 'reader of groups', permissions: ['group.read'] });
      const asKey = t.as(key);
      const refused = await asKey.gql<Json, Vars>(CREATE_GROUP, { input: { accountId: acme, name: 'Made by a reader' } });
      expect(codes(refused)).toEqual(['FORBIDDEN']);
      expect(await groupsSeenBy(asKey)).toEqual(expect.arrayContaining(['Engineering', 'Sales']));
      // The creator (the super administrator) could; so could a key that holds group.manage.
      const { key: manager } = await createKey({ name: 'manager of groups', permissions: ['group.manage'] });
      const created = await t.as(manager).ok<Json, Vars>(CREATE_GROUP, { input: { accountId: acme, name: 'Made by a manager' } });
      expect(created.createGroup.errors).toEqual([]);
      expect(await groupsSeenBy(asKey)).toContain('Made by a manager');
      expect(await groupsSeenBy(asKey)).not.toContain('Made by a reader');
    });

    it('a key reaches nothing of another account, whatever its creator holds there', async () => {
      const { key } = await createKey({ name: 'acme only', permissions: ['group.read', 'workspace.read', 'account.read'] });
      const asKey = t.as(key);
      expect((await asKey.ok<Json, Vars>(ACCOUNT, { id: other })).account).toBeNull();
      expect((await asKey.ok<Json, Vars>(NODE, { id: otherWorkspace })).node).toBeNull();
      expect((await asKey.ok<Json, Vars>(ACCOUNT, { id: acme })).account.id).toBe(acme);
    });

    it('a key made by a service account stops working when the service account is revoked', async () => {
      const { createServiceAccount } = await t.ok<Json, Vars>(
        `mutation($input: CreateServiceAccountInput!) { createServiceAccount(input: $input) { token serviceAccount { id } ${ERRORS} } }`,
        { input: { accountId: acme, name: 'key maker' } },
      );
      expect(createServiceAccount.errors).toEqual([]);
      const serviceAccount: string = createServiceAccount.serviceAccount.id;
      for (const capabilityKey of ['api_key.manage', 'group.read']) {
        const { grantAuthorization } = await t.ok<Json, Vars>(GRANT, { input: { accountId: acme, grantKind: 'CAPABILITY', subjectType: 'SERVICE_ACCOUNT', subjectId: serviceAccount, capabilityKey } });
        expect(grantAuthorization.errors).toEqual([]);
      }
      const asServiceAccount = t.as(createServiceAccount.token);
      const { key, apiKey } = await createKey({ name: 'made by a service account', permissions: ['group.read'] }, asServiceAccount);
      // The key cannot exceed the service account either.
      expect(codes(await attemptCreate(asServiceAccount, { name: 'service account wants more', permissions: ['group.manage'] }))).toEqual(['FORBIDDEN']);
      expect(await groupsSeenBy(t.as(key))).toEqual(expect.arrayContaining(['Engineering', 'Sales']));
      expect((await readKey(apiKey.id)).createdBy).toEqual({ __typename: 'ServiceAccount' });

      const revoked = await t.ok<Json, Vars>(`mutation($input: RevokeServiceAccountInput!) { revokeServiceAccount(input: $input) { ${ERRORS} } }`, { input: { id: serviceAccount } });
      expect(revoked.revokeServiceAccount.errors).toEqual([]);
      // The service account itself is refused now; its key must not act for it.
      expect((await raw(createServiceAccount.token, VIEWER)).status).toBe(401);
      await expectRefused(key);
      expect((await readKey(apiKey.id)).revokedAt).toBeNull();
    });

    it('a key whose creator (capability grants) is removed from the account reaches nothing', async () => {
      const { key } = await createKey({ name: 'alice leaving', permissions: ['group.read', 'workspace.read'] }, as.alice!);
      const asKey = t.as(key);
      const { grantApiKeyWorkspaceAccess } = await t.ok<Json, Vars>(GRANT_WORKSPACE, { input: { apiKeyId: (await asKey.ok<Json, Vars>(VIEWER)).viewer.apiKey.id, workspaceId: workspaces[0] } });
      expect(grantApiKeyWorkspaceAccess.errors).toEqual([]);
      expect(await groupsSeenBy(asKey)).toEqual(expect.arrayContaining(['Engineering', 'Sales']));
      expect((await asKey.ok<Json, Vars>(NODE, { id: workspaces[0] })).node).not.toBeNull();

      const removed = await t.ok<Json, Vars>(REMOVE_USER, { input: { accountId: acme, userId: ids.alice } });
      expect(removed.removeUser.errors).toEqual([]);
      expect((await asKey.ok<Json, Vars>(ACCOUNT, { id: acme })).account).toBeNull();
      expect((await asKey.ok<Json, Vars>(NODE, { id: workspaces[0] })).node).toBeNull();
      expect(await groupsSeenBy(asKey)).toBe('NO_ACCOUNT');
    });

    // removeUser must end every way the user held access in the account: grants, group memberships and
    // role assignments (Users.removeFromAccount in src/infra/db/store.ts).
    it('a key whose creator (a role assignment) is removed from the account reaches nothing', async () => {
      const { key } = await createKey({ name: 'dave leaving', permissions: ['group.read'] }, as.dave!);
      const asKey = t.as(key);
      expect(await groupsSeenBy(asKey)).toEqual(expect.arrayContaining(['Engineering', 'Sales']));

      const removed = await t.ok<Json, Vars>(REMOVE_USER, { input: { accountId: acme, userId: ids.dave } });
      expect(removed.removeUser.errors).toEqual([]);
      expect((await asKey.ok<Json, Vars>(ACCOUNT, { id: acme })).account).toBeNull();
      expect(await groupsSeenBy(asKey)).toBe('NO_ACCOUNT');
    });
  });

  describe('workspaces', () => {
    it('a key with zero workspaces authenticates but reaches no workspace; each grant adds exactly one', async () => {
      const { key, apiKey } = await createKey({ name: 'workspace reader', permissions: ['workspace.read'] });
      const asKey = t.as(key);
      const seen = async () => ((await asKey.ok<Json, Vars>(WORKSPACES, { id: acme })).account.workspaces.edges as Json[]).map((e) => e.node.id);
      const visible = async (id: string) => (await asKey.ok<Json, Vars>(NODE, { id })).node !== null;

      expect((await asKey.ok<Json, Vars>(VIEWER)).viewer.principalType).toBe('API_KEY');
      const none = await asKey.ok<Json, Vars>(WORKSPACES, { id: acme });
      expect(none.account.workspaces).toEqual({ totalCount: 0, edges: [] });
      expect(await visible(workspaces[0]!)).toBe(false);
      // The super administrator sees them: they exist.
      expect((await t.ok<Json, Vars>(WORKSPACES, { id: acme })).account.workspaces.totalCount).toBe(7);

      const granted = await t.ok<Json, Vars>(GRANT_WORKSPACE, { input: { apiKeyId: apiKey.id, workspaceId: workspaces[2] } });
      expect(granted.grantApiKeyWorkspaceAccess).toMatchObject({ changed: true, errors: [], apiKey: { id: apiKey.id, workspacesTotal: 1 } });
      expect(await seen()).toEqual([workspaces[2]]);
      expect(await visible(workspaces[2]!)).toBe(true);
      expect(await visible(workspaces[3]!)).toBe(false);
      const again = await t.ok<Json, Vars>(GRANT_WORKSPACE, { input: { apiKeyId: apiKey.id, workspaceId: workspaces[2] } });
      expect(again.grantApiKeyWorkspaceAccess).toMatchObject({ changed: false, errors: [], apiKey: { workspacesTotal: 1 } });

      // Six of seven: the preview holds five of them, the list and the total all six.
      for (const workspaceId of workspaces.slice(0, 6)) {
        const { grantApiKeyWorkspaceAccess } = await t.ok<Json, Vars>(GRANT_WORKSPACE, { input: { apiKeyId: apiKey.id, workspaceId } });
        expect(grantApiKeyWorkspaceAccess.errors).toEqual([]);
      }
      const six = workspaces.slice(0, 6);
      const { node } = await t.ok<Json, Vars>(KEY_WORKSPACES, { id: apiKey.id });
      expect(node.workspacesTotal).toBe(6);
      expect(node.workspaces.totalCount).toBe(6);
      expect(node.workspaces.edges.map((e: Json) => e.node.id).sort()).toEqual([...six].sort());
      expect(node.workspacesPreview).toHaveLength(5);
      for (const w of node.workspacesPreview) expect(six).toContain(w.id);
      expect((await seen()).sort()).toEqual([...six].sort());
      expect(await visible(workspaces[6]!)).toBe(false);

      const taken = await t.ok<Json, Vars>(REVOKE_WORKSPACE, { input: { apiKeyId: apiKey.id, workspaceId: workspaces[2] } });
      expect(taken.revokeApiKeyWorkspaceAccess).toMatchObject({ changed: true, errors: [], apiKey: { workspacesTotal: 5 } });
      expect(await visible(workspaces[2]!)).toBe(false);
      expect(await seen()).not.toContain(workspaces[2]);
      expect((await t.ok<Json, Vars>(KEY_WORKSPACES, { id: apiKey.id })).node.workspacesTotal).toBe(5);
      const notThere = await t.ok<Json, Vars>(REVOKE_WORKSPACE, { input: { apiKeyId: apiKey.id, workspaceId: workspaces[2] } });
      expect(notThere.revokeApiKeyWorkspaceAccess.errors).toEqual([expect.objectContaining({ __typename: 'NotFoundError', field: 'workspaceId' })]);
    });

    it("a workspace of another account cannot be granted (NotFoundError on workspaceId), nor one the granter cannot see", async () => {
      const { apiKey } = await createKey({ name: 'no foreign workspaces', permissions: ['workspace.read'] });
      const foreign = await t.ok<Json, Vars>(GRANT_WORKSPACE, { input: { apiKeyId: apiKey.id, workspaceId: otherWorkspace } });
      expect(foreign.grantApiKeyWorkspaceAccess.errors).toEqual([expect.objectContaining({ __typename: 'NotFoundError', field: 'workspaceId' })]);
      expect(foreign.grantApiKeyWorkspaceAccess.changed).toBeNull();
      expect((await readKey(apiKey.id)).workspacesTotal).toBe(0);
      // carol (VIEWER: workspace.read) may grant; a key she manages with api_key.manage alone may not reach beyond its own workspaces.
      const byCarol = await as.carol!.ok<Json, Vars>(GRANT_WORKSPACE, { input: { apiKeyId: apiKey.id, workspaceId: workspaces[1] } });
      expect(byCarol.grantApiKeyWorkspaceAccess).toMatchObject({ changed: true, errors: [] });
      const { key: manager } = await createKey({ name: 'workspace-less manager', permissions: ['api_key.manage', 'workspace.read'] });
      const byKey = await t.as(manager).ok<Json, Vars>(GRANT_WORKSPACE, { input: { apiKeyId: apiKey.id, workspaceId: workspaces[4] } });
      expect(byKey.grantApiKeyWorkspaceAccess.errors).toEqual([expect.objectContaining({ __typename: 'NotFoundError', field: 'workspaceId' })]);
      expect((await readKey(apiKey.id)).workspacesTotal).toBe(1);
    });

    it('a key with workspace.manage and no workspace cannot change a workspace', async () => {
      const { key } = await createKey({ name: 'workspace manager without workspaces', permissions: ['workspace.manage'] });
      const refused = await t.as(key).ok<Json, Vars>(UPDATE_WORKSPACE, { input: { id: workspaces[0], name: 'Taken over' } });
      expect(refused.updateWorkspace.errors).toEqual([expect.objectContaining({ __typename: 'NotFoundError', field: 'id' })]);
      expect((await t.ok<Json, Vars>(`query($id: ID!) { node(id: $id) { ... on Workspace { name } } }`, { id: workspaces[0] })).node.name).toBe('WS 1');
    });

    it('deleting a workspace takes it away from the keys that had it; the key itself stays', async () => {
      const { createWorkspace } = await t.ok(CreateWorkspaceDocument, { input: { accountId: acme, name: 'Short-lived workspace' } });
      const doomed = createWorkspace.workspace!.id;
      const { key, apiKey } = await createKey({ name: 'loses a workspace', permissions: ['workspace.read'] });
      for (const workspaceId of [doomed, workspaces[5]]) {
        const { grantApiKeyWorkspaceAccess } = await t.ok<Json, Vars>(GRANT_WORKSPACE, { input: { apiKeyId: apiKey.id, workspaceId } });
        expect(grantApiKeyWorkspaceAccess.errors).toEqual([]);
      }
      expect((await readKey(apiKey.id)).workspacesTotal).toBe(2);
      const deleted = await t.ok<Json, Vars>(`mutation($input: DeleteWorkspaceInput!) { deleteWorkspace(input: $input) { deletedWorkspaceId ${ERRORS} } }`, { input: { id: doomed } });
      expect(deleted.deleteWorkspace).toEqual({ deletedWorkspaceId: doomed, errors: [] });
      const after = await t.ok<Json, Vars>(KEY_WORKSPACES, { id: apiKey.id });
      expect(after.node.workspacesTotal).toBe(1);
      expect(after.node.workspaces.edges.map((e: Json) => e.node.id)).toEqual([workspaces[5]]);
      const seen = await t.as(key).ok<Json, Vars>(WORKSPACES, { id: acme });
      expect(seen.account.workspaces.edges.map((e: Json) => e.node.id)).toEqual([workspaces[5]]);
    });
  });

  describe('read-only keys', () => {
    it('a read-only key runs no mutation (FORBIDDEN), and reads as before', async () => {
      const permissions = ['group.manage', 'api_key.manage'];
      const { key, apiKey } = await createKey({ name: 'read only', permissions, mcpReadOnly: true });
      expect(apiKey.mcpReadOnly).toBe(true);
      const asKey = t.as(key);
      const before = await groupsSeenBy(asKey);
      expect(Array.isArray(before)).toBe(true);

      const createGroup = await asKey.gql<Json, Vars>(CREATE_GROUP, { input: { accountId: acme, name: 'Read-only wrote this' } });
      expect(codes(createGroup)).toEqual(['FORBIDDEN']);
      expect(createGroup.errors![0]!.message).toMatch(/read-only/);
      const rename = await asKey.gql<Json, Vars>(UPDATE_OWN, { input: { id: apiKey.id, name: 'renamed itself', mcpReadOnly: false } });
      expect(codes(rename)).toEqual(['FORBIDDEN']);
      const pause = await asKey.gql<Json, Vars>(SET_ACTIVE, { input: { id: apiKey.id, active: false } });
      expect(codes(pause)).toEqual(['FORBIDDEN']);
      expect(await readKey(apiKey.id)).toMatchObject({ name: 'read only', mcpReadOnly: true, active: true });
      expect(await groupsSeenBy(asKey)).toEqual(before);
      expect(before).not.toContain('Read-only wrote this');

      // The same key without mcpReadOnly writes: read-only is what refused it.
      const { key: writer } = await createKey({ name: 'read write', permissions });
      const created = await t.as(writer).ok<Json, Vars>(CREATE_GROUP, { input: { accountId: acme, name: 'Writer wrote this' } });
      expect(created.createGroup.errors).toEqual([]);
      // And a read-write key made read-only by an update is refused from then on.
      const made = await t.as(writer).ok<Json, Vars>(UPDATE_OWN, { input: { id: (await t.as(writer).ok<Json, Vars>(VIEWER)).viewer.apiKey.id, mcpReadOnly: true } });
      expect(made.updateApiKey.errors).toEqual([]);
      expect(codes(await t.as(writer).gql<Json, Vars>(CREATE_GROUP, { input: { accountId: acme, name: 'Writer wrote again' } }))).toEqual(['FORBIDDEN']);
    });
  });

  describe('lifecycle', () => {
    it('a paused key is refused with HTTP 403 and API_KEY_PAUSED; resumed, it works again', async () => {
      const { key, apiKey } = await createKey({ name: 'pausable', permissions: ['group.read'] });
      expect((await raw(key, VIEWER)).status).toBe(200);

      const paused = await t.ok<Json, Vars>(SET_ACTIVE, { input: { id: apiKey.id, active: false } });
      expect(paused.setApiKeyActive).toEqual({ apiKey: { id: apiKey.id, active: false }, errors: [] });
      const { status, body } = await raw(key, VIEWER);
      expect(status).toBe(403);
      expect(codes(body)).toEqual(['API_KEY_PAUSED']);
      expect(body.errors![0]!.message).toMatch(/paused/);
      expect(body.data ?? null).toBeNull();
      expect((await raw(key, GROUPS, { id: acme })).status).toBe(403);

      const resumed = await t.ok<Json, Vars>(SET_ACTIVE, { input: { id: apiKey.id, active: true } });
      expect(resumed.setApiKeyActive.apiKey.active).toBe(true);
      const again = await raw(key, VIEWER);
      expect(again.status).toBe(200);
      expect(again.body.data.viewer.apiKey.id).toBe(apiKey.id);
    });

    it('rotateApiKey: the new key works at once, the old one is refused with 401', async () => {
      const { key: old, apiKey } = await createKey({ name: 'rotating', permissions: ['group.read'] });
      expect((await t.as(old).ok<Json, Vars>(VIEWER)).viewer.apiKey.id).toBe(apiKey.id);
      const { rotateApiKey } = await t.ok<Json, Vars>(ROTATE, { input: { id: apiKey.id } });
      expect(rotateApiKey.errors).toEqual([]);
      const fresh: string = rotateApiKey.key;
      expect(fresh).toMatch(KEY_SHAPE);
      expect(fresh).not.toBe(old);
      expect(rotateApiKey.apiKey).toMatchObject({ id: apiKey.id, keyLast4: fresh.slice(-4), keyPublicId: fresh.slice(4, 14), name: 'rotating', permissions: ['group.read'] });
      expect(fresh.startsWith(rotateApiKey.apiKey.keyPrefix)).toBe(true);
      expect((await t.as(fresh).ok<Json, Vars>(VIEWER)).viewer.apiKey.id).toBe(apiKey.id);
      await expectRefused(old);
      expect(JSON.stringify(await readKey(apiKey.id))).not.toContain(fresh);
    });

    it('concurrent rotations of one key leave exactly one valid key: the one the key now names', async () => {
      const { key: original, apiKey } = await createKey({ name: 'rotated concurrently', permissions: ['group.read'] });
      const results = await Promise.all(Array.from({ length: 8 }, () => t.gql<Json, Vars>(ROTATE_OWN, { input: { id: apiKey.id } }) as Promise<GraphQLResult<Json>>));
      const issued = results.map((result) => {
        expect(result.errors).toBeUndefined();
        expect(result.data.rotateApiKey.errors).toEqual([]);
        return result.data.rotateApiKey.key as string;
      });
      expect(new Set(issued).size).toBe(8);
      const candidates = [original, ...issued];
      const statuses: number[] = [];
      for (const candidate of candidates) statuses.push((await raw(candidate, VIEWER)).status);
      expect(statuses.filter((s) => s === 200)).toHaveLength(1);
      expect(statuses.filter((s) => s === 401)).toHaveLength(8);
      const winner = candidates[statuses.indexOf(200)]!;
      expect(winner).not.toBe(original);
      expect((await readKey(apiKey.id)).keyLast4).toBe(winner.slice(-4));
    });

    it('revokeApiKey: the key is refused from then on, records who revoked it, and cannot be rotated, resumed or revoked again', async () => {
      const { key, apiKey } = await createKey({ name: 'to revoke', permissions: ['group.read'] });
      expect((await raw(key, VIEWER)).status).toBe(200);
      const { revokeApiKey } = await t.ok<Json, Vars>(REVOKE, { input: { id: apiKey.id } });
      expect(revokeApiKey.errors).toEqual([]);
      expect(revokeApiKey.apiKey.revokedAt).not.toBeNull();
      expect(revokeApiKey.apiKey.revokedBy).toMatchObject({ __typename: 'User', email: ADMIN_EMAIL });
      await expectRefused(key);

      const rotate = await t.ok<Json, Vars>(ROTATE, { input: { id: apiKey.id } });
      expect(rotate.rotateApiKey).toMatchObject({ key: null, apiKey: null, errors: [expect.objectContaining({ __typename: 'ConflictError', field: 'id' })] });
      const resume = await t.ok<Json, Vars>(SET_ACTIVE, { input: { id: apiKey.id, active: true } });
      expect(resume.setApiKeyActive.errors).toEqual([expect.objectContaining({ __typename: 'ConflictError', field: 'id' })]);
      const twice = await t.ok<Json, Vars>(REVOKE, { input: { id: apiKey.id } });
      expect(twice.revokeApiKey.errors).toEqual([expect.objectContaining({ __typename: 'ConflictError', field: 'id' })]);
      await expectRefused(key);
      // Revoked keys stay listed, with revokedAt.
      expect((await readKey(apiKey.id)).revokedAt).toBe(revokeApiKey.apiKey.revokedAt);
    });

    it('an expired key is refused; an expiry in the past is a ValidationError on expiresAt', async () => {
      const expiresAt = new Date(Date.now() + 3000);
      const { key, apiKey } = await createKey({ name: 'short lived', permissions: ['group.read'], expiresAt: expiresAt.toISOString() });
      expect(new Date(apiKey.expiresAt).getTime()).toBe(expiresAt.getTime());
      const { status, body } = await raw(key, VIEWER);
      expect(status).toBe(200);
      expect(body.data.viewer.principalType).toBe('API_KEY');
      await new Promise((resolve) => setTimeout(resolve, expiresAt.getTime() - Date.now() + 250));
      await expectRefused(key);

      const past = await attemptCreate(t, { name: 'born expired', expiresAt: new Date(Date.now() - 60_000).toISOString() });
      expect(past.data.createApiKey).toMatchObject({ key: null, apiKey: null, errors: [expect.objectContaining({ __typename: 'ValidationError', field: 'expiresAt' })] });
      expect(await keysMatching('born expired')).toBe(0);
      const { apiKey: live } = await createKey({ name: 'long lived' });
      const update = await t.ok<Json, Vars>(UPDATE, { input: { id: live.id, expiresAt: new Date(Date.now() - 1000).toISOString() } });
      expect(update.updateApiKey.errors).toEqual([expect.objectContaining({ __typename: 'ValidationError', field: 'expiresAt' })]);
      expect((await readKey(live.id)).expiresAt).toBeNull();
      // A future expiry can be set, and null removes it again.
      const later = new Date(Date.now() + 3_600_000).toISOString();
      const set = await t.ok<Json, Vars>(UPDATE, { input: { id: live.id, expiresAt: later } });
      expect(new Date(set.updateApiKey.apiKey.expiresAt).toISOString()).toBe(later);
      const cleared = await t.ok<Json, Vars>(UPDATE, { input: { id: live.id, expiresAt: null } });
      expect(cleared.updateApiKey).toMatchObject({ errors: [], apiKey: { expiresAt: null } });
    });
  });

  describe('validation', () => {
    const invalid: [string, Vars, string, RegExp?][] = [
      ['an empty name', { name: '' }, 'name'],
      ['a blank name', { name: '   ' }, 'name'],
      ['a name of 256 characters', { name: 'n'.repeat(256) }, 'name'],
      ['an unknown capability', { name: 'unknown capability', permissions: ['group.read', 'group.reed'] }, 'permissions', /group\.reed/],
      ['more than 100 permissions', { name: 'too many', permissions: Array.from({ length: 101 }, (_, i) => `made.up${i}`) }, 'permissions', /at most 100/],
      ['ALLOWLIST without tools', { name: 'allowlist none', mcpAllowlistMode: 'ALLOWLIST' }, 'mcpToolAllowlist'],
      ['ALLOWLIST with an empty list', { name: 'allowlist empty', mcpAllowlistMode: 'ALLOWLIST', mcpToolAllowlist: [] }, 'mcpToolAllowlist'],
      ['a tool name with a space', { name: 'bad tool', mcpAllowlistMode: 'DENYLIST', mcpToolAllowlist: ['groups list'] }, 'mcpToolAllowlist'],
      ['an empty tool name', { name: 'empty tool', mcpToolAllowlist: [' '] }, 'mcpToolAllowlist'],
      ['a tool name of 129 characters', { name: 'long tool', mcpToolAllowlist: ['t'.repeat(129)] }, 'mcpToolAllowlist'],
      ['a preset of 65 characters', { name: 'long preset', mcpPreset: 'p'.repeat(65) }, 'mcpPreset'],
      ['a description of 2049 characters', { name: 'long description', description: 'd'.repeat(2049) }, 'description'],
    ];

    it.each(invalid)('createApiKey refuses %s with a ValidationError on the field, and creates nothing', async (_what, input, field, message) => {
      const before = await keysMatching('');
      const result = await attemptCreate(t, input);
      expect(result.errors).toBeUndefined();
      expect(result.data.createApiKey.key).toBeNull();
      expect(result.data.createApiKey.apiKey).toBeNull();
      expect(result.data.createApiKey.errors).toEqual([expect.objectContaining({ __typename: 'ValidationError', field })]);
      if (message) expect(result.data.createApiKey.errors[0].message).toMatch(message);
      expect(await keysMatching('')).toBe(before);
    });

    it('the limits themselves are accepted: a name of 255 characters; permissions are trimmed and counted once', async () => {
      const { apiKey } = await createKey({ name: 'm'.repeat(255), permissions: [...Array.from({ length: 150 }, () => 'group.read'), 'group.read ', ' workspace.read'] });
      expect(apiKey.name).toHaveLength(255);
      expect(apiKey.permissions).toEqual(['group.read', 'workspace.read']);
    });

    it('updateApiKey refuses bad changes with a ValidationError on the field, and changes nothing', async () => {
      const { apiKey } = await createKey({ name: 'to update', permissions: ['group.read'], mcpAllowlistMode: 'DENYLIST' });
      const cases: [Vars, string][] = [
        [{ name: '' }, 'name'],
        [{ name: 'x'.repeat(256) }, 'name'],
        [{ permissions: ['nope.read'] }, 'permissions'],
        [{ mcpAllowlistMode: 'ALLOWLIST' }, 'mcpToolAllowlist'],
        [{ mcpToolAllowlist: ['bad tool!'] }, 'mcpToolAllowlist'],
        [{ mcpProjectIds: ['has space'] }, 'mcpProjectIds'],
      ];
      for (const [patch, field] of cases) {
        const result = await t.ok<Json, Vars>(UPDATE, { input: { id: apiKey.id, ...patch } });
        expect(result.updateApiKey.apiKey).toBeNull();
        expect(result.updateApiKey.errors).toEqual([expect.objectContaining({ __typename: 'ValidationError', field })]);
      }
      const now = await readKey(apiKey.id);
      expect(now).toMatchObject({ name: 'to update', permissions: ['group.read'], mcpAllowlistMode: 'DENYLIST', mcpToolAllowlist: [], mcpProjectIds: [] });
      expect(now.updatedAt).toBe(apiKey.updatedAt);

      // A valid change goes through, and keeps what it does not name.
      const ok = await t.ok<Json, Vars>(UPDATE, { input: { id: apiKey.id, mcpAllowlistMode: 'ALLOWLIST', mcpToolAllowlist: ['groups.list'], description: 'now allowlisted' } });
      expect(ok.updateApiKey.errors).toEqual([]);
      expect(ok.updateApiKey.apiKey).toMatchObject({ name: 'to update', description: 'now allowlisted', permissions: ['group.read'], mcpAllowlistMode: 'ALLOWLIST', mcpToolAllowlist: ['groups.list'] });
      // Emptying the list while in ALLOWLIST mode is refused too.
      const emptied = await t.ok<Json, Vars>(UPDATE, { input: { id: apiKey.id, mcpToolAllowlist: [] } });
      expect(emptied.updateApiKey.errors).toEqual([expect.objectContaining({ __typename: 'ValidationError', field: 'mcpToolAllowlist' })]);
    });
  });

  describe('listing', () => {
    let listing: string;
    const names = ['Deploy bot', 'Backup job', 'Needle reader', 'Metrics scraper', 'Audit export'];
    const created: Json[] = [];

    beforeAll(async () => {
      listing = await account(t, 'Listing');
      const descriptions: Record<string, string> = { 'Deploy bot': 'CI with a NEEDLE inside', 'Metrics scraper': 'prometheus' };
      for (const name of names) {
        const { createApiKey } = await t.ok<Json, Vars>(CREATE, { input: { accountId: listing, name, description: descriptions[name] ?? null } });
        expect(createApiKey.errors).toEqual([]);
        created.push(createApiKey);
      }
    });

    it('Account.apiKeys(search:) matches name and description, case-insensitively', async () => {
      const found = async (search: string) => ((await t.ok<Json, Vars>(LIST, { id: listing, search, first: 10 })).account.apiKeys.edges as Json[]).map((e) => e.node.name);
      expect(await found('needle')).toEqual(['Deploy bot', 'Needle reader']);
      expect(await found('PROMETHEUS')).toEqual(['Metrics scraper']);
      expect(await found('job')).toEqual(['Backup job']);
      expect(await found('nothing like it')).toEqual([]);
      // Wildcards of SQL LIKE are plain characters.
      expect(await found('%')).toEqual([]);
      expect(await found('_')).toEqual([]);
      expect(await found('b_t')).toEqual([]);
      expect(await keysMatching('needle', listing)).toBe(2);
      expect(await found('')).toEqual(names);
    });

    it('pages with first/after, oldest first, with cursors, hasNextPage and totalCount', async () => {
      const seen: string[] = [];
      let after: string | null = null;
      const pages: boolean[] = [];
      for (let i = 0; i < 5; i++) {
        const page: Json = await t.ok<Json, Vars>(LIST, { id: listing, first: 2, after });
        const connection: Json = page.account.apiKeys;
        expect(connection.totalCount).toBe(5);
        expect(connection.edges.length).toBeLessThanOrEqual(2);
        seen.push(...connection.edges.map((e: Json) => e.node.name));
        expect(connection.pageInfo.endCursor).toBe(connection.edges.at(-1)?.cursor ?? null);
        pages.push(connection.pageInfo.hasNextPage);
        if (!connection.pageInfo.hasNextPage) break;
        after = connection.pageInfo.endCursor;
      }
      expect(pages).toEqual([true, true, false]);
      expect(seen).toEqual(names);
      // Search and paging combine.
      const { account: filtered } = await t.ok<Json, Vars>(LIST, { id: listing, search: 'needle', first: 1 });
      expect(filtered.apiKeys).toMatchObject({ totalCount: 2, pageInfo: { hasNextPage: true }, edges: [{ node: { name: 'Deploy bot' } }] });
    });

    it('lastUsedAt is set when the key is used; createdBy is the creating user', async () => {
      const { key, apiKey } = created[1];
      expect(apiKey.lastUsedAt).toBeNull();
      const before = Date.now();
      expect((await t.as(key).ok<Json, Vars>(VIEWER)).viewer.apiKey.id).toBe(apiKey.id);
      const after = Date.now();
      const read = await readKey(apiKey.id);
      expect(read.lastUsedAt).not.toBeNull();
      const used = new Date(read.lastUsedAt).getTime();
      expect(used).toBeGreaterThanOrEqual(before - 1000);
      expect(used).toBeLessThanOrEqual(after + 1000);
      // Unused keys stay unused.
      expect((await readKey(created[0].apiKey.id)).lastUsedAt).toBeNull();
      expect(read.createdBy).toMatchObject({ __typename: 'User', email: ADMIN_EMAIL });
      // A key made by carol names carol.
      const { account: acmeKeys } = await t.ok<Json, Vars>(`query($id: ID!) { account(id: $id) { apiKeys(search: "carol viewer key", first: 5) { edges { node { createdBy { ${ACTOR} } } } } } }`, { id: acme });
      expect(acmeKeys.apiKeys.edges).toEqual([{ node: { createdBy: { __typename: 'User', id: ids.carol, email: 'carol@acme.test' } } }]);
    });
  });

  describe('malformed keys', () => {
    it('wrong checksums, wrong lengths and junk are refused with 401 without a database statement', async () => {
      const { key } = await createKey({ name: 'template', permissions: ['group.read'] });
      expect((await raw(key, VIEWER)).status).toBe(200);
      const malformed = {
        'one character of the secret changed': changeAt(key, 20),
        'one character of the public id changed': changeAt(key, 5),
        'one character of the checksum changed': changeAt(key, key.length - 2),
        'one character short': key.slice(0, -1),
        'one character long': `${key}A`,
        'the checksum missing': key.slice(0, -6),
        'kgk_ and junk': 'kgk_junk',
        'kgk_ and nothing': 'kgk_',
        'kgk_ and punctuation': 'kgk_not-a-key.at_all',
        'upper-case prefix': `KGK_${key.slice(4)}`,
      };
      for (const [what, bad] of Object.entries(malformed)) {
        expect(bad, what).not.toBe(key);
        const before = await t.statements();
        const { status, body } = await raw(bad, VIEWER);
        const after = await t.statements();
        expect(status, what).toBe(401);
        expect(codes(body), what).toEqual(['UNAUTHENTICATED']);
        expect(after - before, `${what}: statements`).toBe(0);
      }
    });

    it('a well-formed key that was never issued is looked up (the counter moves) and refused the same way', async () => {
      const head = `kgk_${'0123456789'}${'a'.repeat(30)}`;
      const forged = head + checksum(head);
      expect(forged).toMatch(KEY_SHAPE);
      const before = await t.statements();
      const { status, body } = await raw(forged, VIEWER);
      const after = await t.statements();
      expect(status).toBe(401);
      expect(codes(body)).toEqual(['UNAUTHENTICATED']);
      expect(after).toBeGreaterThan(before);
    });
  });
});
