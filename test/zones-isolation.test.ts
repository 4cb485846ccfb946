// Tenant isolation of the zones graph, in two directions: the owner of account A against everything
// of account B, and the manager of one zone against another zone of the same account. Every probe is
// also run with fabricated ids of the same types: another tenant's (or zone's) object must read exactly
// like one that does not exist, and must come back unchanged. Without credentials every mutation is
// UNAUTHENTICATED. The file fails on any leak and when a zones mutation has no case.
import { createHash } from 'node:crypto';
import { decodeGlobalID, encodeGlobalID } from '@pothos/plugin-relay';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { account } from './support/fixtures.js';
import { provider as dbProvider, startTestApp, type Caller, type GraphQLResult, type TestApp } from './support/harness.js';
import { application, must, provider, resource, zone, ZONE_MUTATIONS, type Json } from './support/zones.js';

type Vars = Record<string, unknown>;
const PASSWORD = 'correct horse battery staple';

interface ZoneWorld {
  label: string;
  zone: string;
  application: string;
  resource: string;
  resource2: string;
  dependency: string;
  provider: string;
  credential: string;
  secret: string;
  member: string;
  memberUser: string;
  zoneUser: string;
  userAgent: string;
  grant: string;
  session: string;
  childSession: string;
  signingKey: string;
  policy: string;
  policyVersion: string;
  policySet: string;
  policySetVersion: string;
  /** Strings of this world that must never reach anyone else. */
  secrets: string[];
}

const SNAPSHOT = `query($id: ID!) { zone(id: $id) {
  name slug description loginFlow requiresInvitation defaultResource { id } userIdentityProvider { id }
  members { edges { node { id role } } }
  applications { edges { node { id name identifier traits dependenciesCount dependencies { edges { node { whenAccessing resource { id } } } } credentials { edges { node { id slug identifier } } } } } }
  resources { edges { node { id name scopes application { id } } } }
  providers { edges { node { id name clientSecretSet } } }
  secrets { edges { node { id name version } } }
  delegatedGrants { edges { node { id status scopes expiresAt refreshedAt } } }
  sessions { edges { node { id status expiresAt } } }
  signingKeys(includeRetired: true) { edges { node { id kid current retiredAt } } }
  policySchemas { edges { node { version isDefault } } }
  policySets(includeArchived: true) { edges { node { id name draft { schemaVersion entries { sha } } scopeTargetId archivedAt activeVersionId mode latestVersion versions { edges { node { id manifestSha archivedAt } } } } } }
  policies(includeArchived: true) { edges { node { id name draft { cedarJson } description archivedAt latestVersion versions { edges { node { id sha archivedAt } } } } } }
} }`;

describe(`zones tenant isolation (${dbProvider})`, () => {
  let t: TestApp;
  let cases = 0;
  const leaks: string[] = [];

  async function world(accountId: string, label: string): Promise<ZoneWorld> {
    const l = label.toLowerCase();
    const z = await zone(t, accountId, `${label} Zone`);
    const local = decodeGlobalID(z).id;
    const app = await application(t, z, `${l}-app`, { name: `${label} App` });
    const res = await resource(t, z, `https://${l}.api.example`, { name: `${label} API`, scopes: [`${l}.read`] });
    const res2 = await resource(t, z, `https://${l}.files.example`, { name: `${label} Files` });
    const idp = await provider(t, z, `${l}-idp`, { name: `${label} IdP`, clientSecret: `${label}-client-secret` });
    const dependency = (await must(t, 'addApplicationDependency', { applicationId: app, resourceId: res, whenAccessing: [res2] }, 'dependency { id }')).dependency.id as string;
    const credential = (await must(t, 'createApplicationCredential', { applicationId: app, password: { identifier: `${l}-client` } }, 'applicationCredential { id }')).applicationCredential.id;
    const secret = (await must(t, 'createSecret', { zoneId: z, name: `${l}-secret`, value: { token: { token: `${label}-secret-value` } } }, 'secret { id }')).secret.id;
    const email = `manager@${l}-zone.test`;
    const memberUser = (await must(t, 'createUser', { accountId, email, password: PASSWORD }, 'user { id }')).user.id;
    const member = (await must(t, 'addZoneMember', { zoneId: z, userId: memberUser, role: 'ZONE_MANAGER' }, 'zoneMember { id }')).zoneMember.id;
    const activity = t.app.services.zones.activity;
    const zu = await activity.recordZoneUser(local, { email: `${l}@end-users.example`, emailVerified: true, issuer: null, subject: `${l}-subject`, providerId: decodeGlobalID(idp).id, authenticatedAt: null });
    const ua = await activity.recordUserAgent(local, { identifier: `ua:${createHash('sha256').update(l).digest('hex')}`, name: `${label} Browser`, slug: `${l}-browser` });
    const grant = await activity.recordDelegatedGrant(local, { zoneUserId: zu.id, resourceId: decodeGlobalID(res).id, providerId: decodeGlobalID(idp).id, scopes: [`${l}.read`], expiresAt: new Date(Date.now() + 3600_000), refreshTokenSet: false });
    const base = { sessionType: 'USER' as const, zoneUserId: zu.id, applicationId: null, userAgentId: ua.id, providerId: null, issuer: null, subject: null, sessionData: {}, metadata: null, authenticatedAt: null, expiresAt: null };
    const session = await activity.recordSession(local, { ...base, parentId: null, name: `${label} web session` });
    const child = await activity.recordSession(local, { ...base, parentId: session.id, name: `${label} child session` });
    const signingKey = (await must(t, 'rotateZoneSigningKey', { zoneId: z }, 'signingKey { id }')).signingKey.id;
    const policy = (await must(t, 'createPolicy', { zoneId: z, name: `${l}-policy` }, 'policy { id }')).policy.id;
    const policyVersion = (await must(t, 'createPolicyVersion', { policyId: policy, cedar: `permit(principal is User, action, resource) when { principal.email == "${l}@end-users.example" };` }, 'policyVersion { id }')).policyVersion.id;
    const policySet = (await must(t, 'createPolicySet', { zoneId: z, name: `${l}-set`, scopeType: 'RESOURCE', scopeTargetId: res }, 'policySet { id }')).policySet.id;
    const policySetVersion = (await must(t, 'createPolicySetVersion', { policySetId: policySet, entries: [{ policyVersionId: policyVersion }] }, 'policySetVersion { id }')).policySetVersion.id;
    await must(t, 'activatePolicySetVersion', { id: policySetVersion, mode: 'ACTIVE' }, 'policySet { id }');
    const ids = {
      signingKey,
      policy,
      policyVersion,
      policySet,
      policySetVersion,
      zone: z,
      application: app,
      resource: res,
      resource2: res2,
      dependency,
      provider: idp,
      credential,
      secret,
      member,
      memberUser,
      zoneUser: encodeGlobalID('ZoneUser', zu.id),
      userAgent: encodeGlobalID('UserAgent', ua.id),
      grant: encodeGlobalID('DelegatedGrant', grant.id),
      session: encodeGlobalID('UserSession', session.id),
      childSession: encodeGlobalID('UserSession', child.id),
    };
    const all = Object.values(ids);
    return {
      label,
      ...ids,
      secrets: [...all, ...all.map((id) => decodeGlobalID(id).id), `${label} Zone`, `${label} App`, `${label} API`, `${label} IdP`, `${l}-secret`, `${l}-policy`, `${l}-set`, `${label}-secret-value`, `${label}-client-secret`, `${l}@end-users.example`, `${label} Browser`, `${label} web session`, email],
    };
  }

  /** The mutation cases against `x` (the other side's objects), one or more per zones mutation. */
  function table(x: ZoneWorld, mine: { zone: string; application: string; resource: string; policySet: string; accountId: string; user: string }): Record<string, Vars[]> {
    return {
      createZone: [], // account-addressed: covered by the account probes below
      updateZone: [{ id: x.zone, name: 'Pwned' }, { id: mine.zone, defaultResourceId: x.resource }, { id: mine.zone, userIdentityProviderId: x.provider }],
      deleteZone: [{ id: x.zone }],
      addZoneMember: [{ zoneId: x.zone, userId: mine.user, role: 'ZONE_MANAGER' }, { zoneId: mine.zone, userId: x.memberUser, role: 'ZONE_VIEWER' }],
      updateZoneMember: [{ id: x.member, role: 'ZONE_VIEWER' }],
      removeZoneMember: [{ id: x.member }],
      createApplication: [{ zoneId: x.zone, identifier: 'pwned', name: 'Pwned' }],
      updateApplication: [{ id: x.application, name: 'Pwned' }],
      deleteApplication: [{ id: x.application }],
      addApplicationDependency: [{ applicationId: x.application, resourceId: x.resource2 }, { applicationId: mine.application, resourceId: x.resource }, { applicationId: mine.application, resourceId: mine.resource, whenAccessing: [x.resource] }],
      removeApplicationDependency: [{ applicationId: x.application, resourceId: x.resource }],
      createApplicationCredential: [{ applicationId: x.application, public: { identifier: 'pwned' } }, { applicationId: mine.application, token: { providerId: x.provider } }],
      updateApplicationCredential: [{ id: x.credential, slug: 'pwned' }],
      deleteApplicationCredential: [{ id: x.credential }],
      createProvider: [{ zoneId: x.zone, identifier: 'pwned', name: 'Pwned', oauth2: { issuer: 'https://pwned.example' } }],
      updateProvider: [{ id: x.provider, clientSecret: 'pwned' }],
      deleteProvider: [{ id: x.provider }],
      createResource: [{ zoneId: x.zone, identifier: 'pwned', name: 'Pwned' }, { zoneId: mine.zone, identifier: 'pwned', name: 'Pwned', applicationId: x.application }, { zoneId: mine.zone, identifier: 'pwned2', name: 'Pwned', credentialProviderId: x.provider }],
      updateResource: [{ id: x.resource, name: 'Pwned' }, { id: mine.resource, applicationId: x.application }],
      deleteResource: [{ id: x.resource }],
      createSecret: [{ zoneId: x.zone, name: 'pwned', value: { token: { token: 'x' } } }, { zoneId: mine.zone, name: 'pwned', entityId: x.application, value: { token: { token: 'x' } } }],
      updateSecret: [{ id: x.secret, value: { token: { token: 'pwned' } } }],
      deleteSecret: [{ id: x.secret }],
      updateDelegatedGrant: [{ id: x.grant, scopes: [] }],
      deleteDelegatedGrant: [{ id: x.grant }],
      updateSession: [{ id: x.session, metadata: { pwned: true } }],
      deleteSession: [{ id: x.session }, { id: x.childSession }],
      rotateZoneSigningKey: [{ zoneId: x.zone }],
      retireZoneSigningKey: [{ id: x.signingKey }],
      setDefaultPolicySchema: [{ zoneId: x.zone, version: '2025-06-01' }],
      createPolicy: [{ zoneId: x.zone, name: 'pwned' }],
      updatePolicy: [{ id: x.policy, name: 'pwned' }],
      archivePolicy: [{ id: x.policy }],
      createPolicyVersion: [{ policyId: x.policy, cedar: 'permit(principal, action, resource);' }, { policyId: x.policy, cedar: 'permit(principal, action, resource) when { 1 + };' }],
      archivePolicyVersion: [{ id: x.policyVersion }],
      createPolicySet: [{ zoneId: x.zone, name: 'pwned', scopeType: 'ZONE' }, { zoneId: mine.zone, name: 'pwned', scopeType: 'RESOURCE', scopeTargetId: x.resource }],
      updatePolicySet: [{ id: x.policySet, name: 'pwned' }, { id: mine.policySet, scopeTargetId: x.resource }],
      archivePolicySet: [{ id: x.policySet }],
      createPolicySetVersion: [{ policySetId: x.policySet, entries: [{ policyVersionId: x.policyVersion }] }, { policySetId: mine.policySet, entries: [{ policyVersionId: x.policyVersion }] }],
      activatePolicySetVersion: [{ id: x.policySetVersion, mode: 'SHADOW' }],
      archivePolicySetVersion: [{ id: x.policySetVersion }],
      savePolicyDraft: [{ policyId: x.policy, cedar: 'permit(principal, action, resource);' }],
      savePolicySetDraft: [{ policySetId: x.policySet, entries: [{ policyVersionId: x.policyVersion }] }, { policySetId: mine.policySet, entries: [{ policyVersionId: x.policyVersion }] }],
    };
  }

  const fakes = new Map<string, string>();
  function fake(id: string): string {
    let f = fakes.get(id);
    if (!f) {
      f = encodeGlobalID(decodeGlobalID(id).typename, `01ARZ3NDEKTSV4RRFFQ69G${String(fakes.size).padStart(4, '0')}`);
      fakes.set(id, f);
    }
    return f;
  }
  function withFakes<T>(value: T, of: ZoneWorld): T {
    const real = new Set(Object.values(of).filter((v): v is string => typeof v === 'string'));
    const walk = (v: unknown): unknown => (typeof v === 'string' ? (real.has(v) && v !== of.label ? fake(v) : v) : Array.isArray(v) ? v.map(walk) : v && typeof v === 'object' ? Object.fromEntries(Object.entries(v).map(([k, w]) => [k, walk(w)])) : v);
    return walk(value) as T;
  }
  function normalized(value: unknown): string {
    let text = JSON.stringify(value ?? null);
    let n = 0;
    for (const [real, f] of fakes) text = text.split(real).join(`<id${n}>`).split(f).join(`<id${n++}>`);
    return text;
  }
  function record(name: string, problems: string[], evidence: unknown) {
    cases++;
    if (problems.length) leaks.push(`${name}: ${problems.join('; ')} -- ${JSON.stringify(evidence).slice(0, 400)}`);
  }
  const found = (value: unknown, x: ZoneWorld) => x.secrets.filter((s) => JSON.stringify(value).includes(s));

  async function mutationProbes(label: string, caller: Caller, x: ZoneWorld, mine: Parameters<typeof table>[1]) {
    for (const [name, inputs] of Object.entries(table(x, mine))) {
      for (const input of inputs) {
        const pascal = name[0]!.toUpperCase() + name.slice(1);
        const doc = `mutation($input: ${pascal}Input!) { ${name}(input: $input) { errors { __typename message field } } }`;
        const real = (await caller.gql<Json, Vars>(doc, { input })) as GraphQLResult<Json>;
        const fabricated = (await caller.gql<Json, Vars>(doc, { input: withFakes(input, x) })) as GraphQLResult<Json>;
        const problems: string[] = [];
        if (real.errors?.length) problems.push(`top-level errors ${JSON.stringify(real.errors)}`);
        const errors = real.data?.[name]?.errors;
        if (errors?.length !== 1 || errors[0].__typename !== 'NotFoundError') problems.push(`errors are ${JSON.stringify(errors)}, not one NotFoundError`);
        if (normalized(real) !== normalized(fabricated)) problems.push(`differs from fabricated ids: ${normalized(fabricated)}`);
        const leaked = found(real, x);
        if (leaked.length) problems.push(`holds ${leaked.join(', ')}`);
        record(`[${label}] ${name} ${JSON.stringify(input)}`, problems, real);
      }
    }
  }

  async function readProbes(label: string, caller: Caller, x: ZoneWorld) {
    const ids = [x.zone, x.application, x.resource, x.dependency, x.provider, x.credential, x.secret, x.member, x.zoneUser, x.userAgent, x.grant, x.session, x.signingKey, x.policy, x.policyVersion, x.policySet, x.policySetVersion];
    for (const id of ids) {
      for (const [what, query, vars] of [
        ['node', `query($id: ID!) { node(id: $id) { __typename id } }`, { id }],
        ['_entities', `query($r: [_Any!]!) { _entities(representations: $r) { __typename ... on Node { id } } }`, { r: [{ __typename: decodeGlobalID(id).typename, id }] }],
      ] as const) {
        const real = (await caller.gql<Json, Vars>(query, vars)) as GraphQLResult<Json>;
        const fabricated = (await caller.gql<Json, Vars>(query, withFakes(vars, x))) as GraphQLResult<Json>;
        const problems: string[] = [];
        const value = what === 'node' ? real.data?.node : real.data?._entities?.[0];
        if (value !== null) problems.push(`${what} is ${JSON.stringify(value)}`);
        if (normalized(real) !== normalized(fabricated)) problems.push('differs from fabricated ids');
        record(`[${label}] ${what}(${decodeGlobalID(id).typename})`, problems, real);
      }
    }
    const nodes = (await caller.gql<Json, Vars>(`query($ids: [ID!]!) { nodes(ids: $ids) { id } zone(id: "${x.zone}") { id } }`, { ids })) as GraphQLResult<Json>;
    record(`[${label}] nodes + zone(id:)`, nodes.data?.nodes?.every((n: unknown) => n === null) && nodes.data?.zone === null && !found(nodes, x).length ? [] : ['visible'], nodes);
  }

  let a: ZoneWorld;
  let a2: ZoneWorld;
  let b: ZoneWorld;
  let accountA: string;
  let accountB: string;
  let ownerA: Caller;
  let ownerAUser: string;
  let managerA: Caller;
  let before: unknown[];

  const snapshot = async () => Promise.all([a, a2, b].map(async (w) => (await t.ok<Json, Vars>(SNAPSHOT, { id: w.zone })).zone));

  beforeAll(async () => {
    t = await startTestApp();
    accountA = await account(t, 'Alpha Corp');
    accountB = await account(t, 'Beta Corp');
    ownerAUser = (await must(t, 'createUser', { accountId: accountA, email: 'owner@alpha.test', password: PASSWORD }, 'user { id }')).user.id;
    await must(t, 'grantAuthorization', { accountId: accountA, grantKind: 'ACCOUNT_OWNER', subjectType: 'USER', subjectId: ownerAUser }, 'authorizationGrant { id }');
    a = await world(accountA, 'Alpha');
    a2 = await world(accountA, 'Second');
    b = await world(accountB, 'Beta');
    ownerA = t.as(await t.login('owner@alpha.test', PASSWORD));
    managerA = t.as(await t.login('manager@alpha-zone.test', PASSWORD));
    before = await snapshot();
  });
  afterAll(() => t?.close());

  it('the setup is what the probes assume: each side sees its own objects', async () => {
    const own: Json = await ownerA.ok(SNAPSHOT, { id: a.zone });
    expect(own.zone.applications.edges).toHaveLength(1);
    const managed: Json = await managerA.ok(SNAPSHOT, { id: a.zone });
    expect(managed.zone.providers.edges[0].node.clientSecretSet).toBe(true);
    expect(managed.zone.sessions.edges).toHaveLength(2);
  });

  it('has a case for every zones mutation of the schema', async () => {
    const { data } = (await t.gql<Json, Vars>(`{ __schema { mutationType { fields { name } } } }`)) as GraphQLResult<Json>;
    const names: string[] = data.__schema.mutationType.fields.map((f: { name: string }) => f.name);
    const zoneNames = names.filter((n) => ZONE_MUTATIONS.includes(n));
    expect(zoneNames.sort()).toEqual([...ZONE_MUTATIONS].sort());
    expect(Object.keys(table(b, { zone: a.zone, application: a.application, resource: a.resource, policySet: a.policySet, accountId: accountA, user: ownerAUser })).sort()).toEqual([...ZONE_MUTATIONS].sort());
  });

  it("the owner of A reads nothing of B's zones", async () => {
    await readProbes('owner A -> B', ownerA, b);
    const zones = (await ownerA.gql<Json, Vars>(`query($id: ID!) { account(id: $id) { zones { totalCount } } }`, { id: accountB })) as GraphQLResult<Json>;
    record('[owner A -> B] Account.zones', zones.data?.account === null ? [] : ['visible'], zones);
    const create = (await ownerA.gql<Json, Vars>(`mutation($input: CreateZoneInput!) { createZone(input: $input) { errors { __typename field } } }`, { input: { accountId: accountB, name: 'Pwned' } })) as GraphQLResult<Json>;
    record('[owner A -> B] createZone in B', create.data?.createZone?.errors?.[0]?.__typename === 'NotFoundError' ? [] : ['not refused as NotFound'], create);
  });

  it("the owner of A changes nothing of B's zones: NotFoundError, exactly as for ids that name nothing", async () => {
    await mutationProbes('owner A -> B', ownerA, b, { zone: a.zone, application: a.application, resource: a.resource, policySet: a.policySet, accountId: accountA, user: ownerAUser });
  });

  it('the manager of one zone reads and changes nothing of another zone of the same account', async () => {
    await readProbes('manager A -> A2', managerA, a2);
    await mutationProbes('manager A -> A2', managerA, a2, { zone: a.zone, application: a.application, resource: a.resource, policySet: a.policySet, accountId: accountA, user: ownerAUser });
    const zones = (await managerA.gql<Json, Vars>(`query($id: ID!) { account(id: $id) { zones { totalCount } } }`, { id: accountA })) as GraphQLResult<Json>;
    record('[manager A -> A2] Account.zones', zones.data?.account === null ? [] : ['the account is visible to a zone manager'], zones);
  });

  it("filters by another tenant's or zone's objects find nothing in one's own zone: Zone.members(userId:), Application.dependencies(resourceId:)", async () => {
    const FILTERED = `query($z: ID!, $u: ID, $r: ID) { zone(id: $z) { members(userId: $u) { totalCount edges { node { id } } } applications { edges { node { dependencies(resourceId: $r) { totalCount edges { node { resource { id } } } } } } } } }`;
    for (const [label, caller, x] of [['owner A -> B', ownerA, b], ['manager A -> A2', managerA, a2]] as const) {
      const real = (await caller.gql<Json, Vars>(FILTERED, { z: a.zone, u: x.memberUser, r: x.resource })) as GraphQLResult<Json>;
      const fabricated = (await caller.gql<Json, Vars>(FILTERED, withFakes({ z: a.zone, u: x.memberUser, r: x.resource }, x))) as GraphQLResult<Json>;
      const problems: string[] = [];
      if (real.errors?.length) problems.push(`errors ${JSON.stringify(real.errors)}`);
      const zoneData = real.data?.zone;
      if (!zoneData || zoneData.members.totalCount !== 0 || zoneData.applications.edges.some((e: Json) => e.node.dependencies.totalCount !== 0)) problems.push('found something');
      if (normalized(real) !== normalized(fabricated)) problems.push('differs from fabricated ids');
      record(`[${label}] own zone filtered by the other side's user and resource`, problems, real);
      // The same filters on one's own objects do find them (the probe is not vacuous).
      const own = (await caller.gql<Json, Vars>(FILTERED, { z: a.zone, u: a.memberUser, r: a.resource })) as GraphQLResult<Json>;
      expect(own.data?.zone.members.totalCount).toBe(1);
      expect(own.data?.zone.applications.edges.map((e: Json) => e.node.dependencies.totalCount)).toContain(1);
    }
    expect(leaks).toEqual([]);
  });

  it('without credentials, every zones mutation is UNAUTHENTICATED', async () => {
    const anonymous = t.as(null);
    for (const [name, inputs] of Object.entries(table(b, { zone: a.zone, application: a.application, resource: a.resource, policySet: a.policySet, accountId: accountA, user: ownerAUser }))) {
      for (const input of inputs.length ? inputs : [{ accountId: accountB, name: 'x' }]) {
        const pascal = name[0]!.toUpperCase() + name.slice(1);
        const result = (await anonymous.gql<Json, Vars>(`mutation($input: ${pascal}Input!) { ${name}(input: $input) { errors { __typename } } }`, { input })) as GraphQLResult<Json>;
        record(`[anonymous] ${name}`, result.errors?.map((e) => e.extensions?.code).join() === 'UNAUTHENTICATED' && !found(result, b).length ? [] : ['not UNAUTHENTICATED'], result);
      }
    }
    const read = (await anonymous.gql<Json, Vars>(`query($id: ID!) { zone(id: $id) { id } node(id: $id) { id } }`, { id: b.zone })) as GraphQLResult<Json>;
    record('[anonymous] zone / node', read.data?.zone === null && read.data?.node === null ? [] : ['visible'], read);
  });

  it("decisions: authorize in the other side's zone reads as a zone that does not exist; its principals and resources are unknown in one's own zone", async () => {
    const AUTHORIZE = `query($input: AuthorizeInput!) { authorize(input: $input) { decision reasons { policyVersionId } errors shadow { policySetVersionId } } }`;
    const BATCH = `query($inputs: [AuthorizeInput!]!) { authorizeBatch(inputs: $inputs) { decision errors } }`;
    for (const [label, caller, x] of [['owner A -> B', ownerA, b], ['manager A -> A2', managerA, a2]] as const) {
      const theirs = { zoneId: x.zone, principalId: x.zoneUser, action: 'access', resourceId: x.resource, context: { scopes: [] } };
      for (const [what, query, vars] of [
        ['authorize', AUTHORIZE, { input: theirs }],
        ['authorizeBatch', BATCH, { inputs: [theirs] }],
        // One's own zone first: the other zone is still refused as a whole.
        ['authorizeBatch (mixed)', BATCH, { inputs: [{ ...theirs, zoneId: a.zone, principalId: a.zoneUser, resourceId: a.resource }, theirs] }],
      ] as const) {
        const real = (await caller.gql<Json, Vars>(query, vars)) as GraphQLResult<Json>;
        const fabricated = (await caller.gql<Json, Vars>(query, withFakes(vars, x))) as GraphQLResult<Json>;
        const problems: string[] = [];
        if (real.data !== null || real.errors?.[0]?.extensions?.code !== 'NOT_FOUND') problems.push(`not NOT_FOUND: ${JSON.stringify(real)}`);
        if (normalized(real) !== normalized(fabricated)) problems.push('differs from fabricated ids');
        if (found(real, x).length) problems.push('holds secrets');
        record(`[${label}] ${what} in the other zone`, problems, real);
      }
      // In one's own zone, with the other side's user and resource: exactly like ids that name nothing.
      const mixed = { zoneId: a.zone, principalId: x.zoneUser, action: 'access', resourceId: x.resource, context: { scopes: [] } };
      const real = (await caller.gql<Json, Vars>(AUTHORIZE, { input: mixed })) as GraphQLResult<Json>;
      const fabricated = (await caller.gql<Json, Vars>(AUTHORIZE, withFakes({ input: mixed }, x))) as GraphQLResult<Json>;
      const problems: string[] = [];
      if (real.data?.authorize?.decision !== 'DENY' || real.data.authorize.errors.length !== 2) problems.push(`not a DENY naming unknown objects: ${JSON.stringify(real)}`);
      if (normalized(real) !== normalized(fabricated)) problems.push('differs from fabricated ids');
      record(`[${label}] authorize in one's own zone with the other side's principal and resource`, problems, real);
      // The other side's policy set is not readable, nor its shadow diffs.
      const diffs = (await caller.gql<Json, Vars>(`query($id: ID!) { node(id: $id) { ... on PolicySet { shadowDiffs { evaluated } } } }`, { id: x.policySet })) as GraphQLResult<Json>;
      record(`[${label}] PolicySet.shadowDiffs`, diffs.data?.node === null ? [] : ['visible'], diffs);
    }
    // One's own zone does answer (the probes are not vacuous).
    const own: Json = await ownerA.ok(AUTHORIZE, { input: { zoneId: a.zone, principalId: a.zoneUser, action: 'access', resourceId: a.resource, context: { scopes: [] } } });
    expect(own.authorize.decision).toBe('ALLOW');
    const anonymous = (await t.as(null).gql<Json, Vars>(AUTHORIZE, { input: { zoneId: b.zone, principalId: b.zoneUser, action: 'access', resourceId: b.resource, context: { scopes: [] } } })) as GraphQLResult<Json>;
    record('[anonymous] authorize', anonymous.errors?.[0]?.extensions?.code === 'UNAUTHENTICATED' && !found(anonymous, b).length ? [] : ['not UNAUTHENTICATED'], anonymous);
    expect(leaks).toEqual([]);
  });

  it('changed nothing: every zone is exactly as before', async () => {
    expect(await snapshot()).toEqual(before);
  });

  it('reports: zones isolation: N cases, no leaks', () => {
    console.log(`zones tenant isolation (${dbProvider}): ${cases} cases, ${leaks.length} leaks`);
    expect(cases).toBeGreaterThan(100);
    expect(leaks).toEqual([]);
  });
});
