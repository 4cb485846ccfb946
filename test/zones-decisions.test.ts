// Decisions (issue 14): authorize and authorizeBatch evaluate the zone's bound policy-set versions with
// Cedar. Deny by default; forbid wins; scopes (ZONE, RESOURCE, USER, SESSION); the request validated
// against the pinned schema; integrity before evaluation (a row edited in SQL fails closed, with a
// counter in /metrics); shadow versions never change the answer and their disagreements are counted;
// who may ask (policy.evaluate); a deleted resource's policy sets are archived with it.
import { decodeGlobalID, encodeGlobalID } from '@pothos/plugin-relay';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { account } from './support/fixtures.js';
import { provider as dbProvider, startTestApp, type TestApp } from './support/harness.js';
import { application, must, resource, zone, type Json } from './support/zones.js';

const local = (id: string) => decodeGlobalID(id).id;
const VERIFIED = 'permit(principal is User, action == Action::"access", resource is Resource) when { principal.email_verified };';
const DECISION = 'decision reasons { policyId policyVersionId policySetId policySetVersionId } errors shadow { policySetId policySetVersionId policySetVersion decision differs }';
const AUTHORIZE = `query($input: AuthorizeInput!) { authorize(input: $input) { ${DECISION} } }`;
const SCOPES = { scopes: ['read'] };

describe(`decisions (${dbProvider})`, () => {
  let t: TestApp;
  let acme: string;

  beforeAll(async () => {
    t = await startTestApp();
    acme = await account(t, 'Acme');
  });
  afterAll(() => t.close());

  /** A zone with an application, a resource it provides, a verified and an unverified zone user. */
  async function world(name: string) {
    const z = await zone(t, acme, name);
    const app = await application(t, z, `${name.toLowerCase()}-app`);
    const api = await resource(t, z, `https://${name.toLowerCase()}.example/api`, { applicationId: app });
    const other = await resource(t, z, `https://${name.toLowerCase()}.example/other`);
    const activity = t.app.services.zones.activity;
    const record = (email: string, emailVerified: boolean) => activity.recordZoneUser(local(z), { email, emailVerified, issuer: null, subject: null, providerId: null, authenticatedAt: null });
    const ada = encodeGlobalID('ZoneUser', (await record(`ada@${name.toLowerCase()}.example`, true)).id);
    const bob = encodeGlobalID('ZoneUser', (await record(`bob@${name.toLowerCase()}.example`, false)).id);
    return { z, app, api, other, ada, bob };
  }
  async function policyVersion(z: string, name: string, cedar: string): Promise<Json> {
    const id = (await must(t, 'createPolicy', { zoneId: z, name }, 'policy { id }')).policy.id;
    return (await must(t, 'createPolicyVersion', { policyId: id, cedar }, 'policyVersion { id policyId sha }')).policyVersion;
  }
  /** A policy set of `scope` whose one version pins `versions`, bound with `mode`. */
  async function bound(z: string, name: string, versions: Json[], mode: 'ACTIVE' | 'SHADOW' = 'ACTIVE', scope: Json = { scopeType: 'ZONE' }): Promise<{ set: string; version: string }> {
    const set = (await must(t, 'createPolicySet', { zoneId: z, name, ...scope }, 'policySet { id }')).policySet.id;
    const version = (await must(t, 'createPolicySetVersion', { policySetId: set, entries: versions.map((v) => ({ policyVersionId: v.id })) }, 'policySetVersion { id }')).policySetVersion.id;
    await must(t, 'activatePolicySetVersion', { id: version, mode }, 'policySet { mode }');
    return { set, version };
  }
  const ask = async (input: Json, caller: { ok: TestApp['ok'] } = t): Promise<Json> => ((await caller.ok(AUTHORIZE, { input })) as Json).authorize;
  const counter = async () => {
    const text = await (await t.app.fetch('/metrics')).text();
    return [...text.matchAll(/^keygraph_policy_integrity_failures_total\{reason="(\w+)"\} (\d+)/gm)].reduce((sum, m) => sum + Number(m[2]), 0);
  };

  it('denies by default; a permit allows (naming it); forbid wins over permit', async () => {
    const w = await world('Basics');
    const request = { zoneId: w.z, principalId: w.ada, action: 'access', resourceId: w.api, context: SCOPES };
    const none = await ask(request);
    expect(none).toMatchObject({ decision: 'DENY', reasons: [], shadow: [] });
    expect(none.errors).toEqual([expect.stringMatching(/no ACTIVE policy-set version applies.*denied by default/)]);

    const permit = await policyVersion(w.z, 'verified', VERIFIED);
    const { set, version } = await bound(w.z, 'baseline', [permit]);
    const allowed = await ask(request);
    expect(allowed).toEqual({ decision: 'ALLOW', reasons: [{ policyId: permit.policyId, policyVersionId: permit.id, policySetId: set, policySetVersionId: version }], errors: [], shadow: [] });
    // Bob's email is not verified: nothing permits.
    expect(await ask({ ...request, principalId: w.bob })).toEqual({ decision: 'DENY', reasons: [], errors: [], shadow: [] });
    // An application is not a User: nothing permits it either.
    expect((await ask({ ...request, principalId: w.app })).decision).toBe('DENY');

    const forbid = await policyVersion(w.z, 'no-api', `forbid(principal, action, resource == Resource::"${local(w.api)}");`);
    const second = await bound(w.z, 'deny-api', [forbid]);
    const denied = await ask(request);
    expect(denied).toEqual({ decision: 'DENY', reasons: [{ policyId: forbid.policyId, policyVersionId: forbid.id, policySetId: second.set, policySetVersionId: second.version }], errors: [], shadow: [] });
    expect((await ask({ ...request, resourceId: w.other })).decision).toBe('ALLOW');
  });

  it('builds entities from keygraph data: the resource is in its application; attributes as the schema declares them', async () => {
    const w = await world('Entities');
    const inApp = await policyVersion(w.z, 'in-app', `permit(principal == Application::"${local(w.app)}", action == Action::"access", resource in Application::"${local(w.app)}") when { principal.traits.isEmpty() && resource.scopes.isEmpty() };`);
    const email = await policyVersion(w.z, 'email', 'permit(principal is User, action, resource) when { principal.email like "ada@*" && context.scopes.contains("read") };');
    await bound(w.z, 'entities', [inApp, email]);
    expect((await ask({ zoneId: w.z, principalId: w.app, action: 'access', resourceId: w.api, context: SCOPES })).decision).toBe('ALLOW');
    expect((await ask({ zoneId: w.z, principalId: w.app, action: 'access', resourceId: w.other, context: SCOPES })).decision).toBe('DENY');
    expect((await ask({ zoneId: w.z, principalId: w.ada, action: 'access', resourceId: w.other, context: SCOPES })).decision).toBe('ALLOW');
    expect((await ask({ zoneId: w.z, principalId: w.ada, action: 'access', resourceId: w.other, context: { scopes: ['write'] } })).decision).toBe('DENY');
  });

  it('validates the request against the pinned schema and fails closed; objects outside the zone are refused alike', async () => {
    const w = await world('Validation');
    await bound(w.z, 'v', [await policyVersion(w.z, 'all', 'permit(principal, action, resource);')]);
    const base = { zoneId: w.z, principalId: w.ada, action: 'access', resourceId: w.api, context: SCOPES };
    expect((await ask(base)).decision).toBe('ALLOW');
    const noContext = await ask({ ...base, context: null });
    expect(noContext.decision).toBe('DENY');
    expect(noContext.errors[0]).toMatch(/does not validate against policy schema 2025-11-01.*scopes/);
    const unknownAction = await ask({ ...base, action: 'launch' });
    expect(unknownAction).toMatchObject({ decision: 'DENY', reasons: [] });
    expect(unknownAction.errors[0]).toMatch(/Action::"launch"/);
    // delegate takes an Application principal only.
    expect((await ask({ ...base, action: 'delegate', context: { scopes: [], on_behalf_of: { __entity: { type: 'User', id: local(w.ada) } } } })).decision).toBe('DENY');
    const elsewhere = await world('Elsewhere');
    const foreign = await ask({ ...base, principalId: elsewhere.ada, resourceId: elsewhere.api });
    const missing = await ask({ ...base, principalId: encodeGlobalID('ZoneUser', 'nope'), resourceId: encodeGlobalID('Resource', 'nope') });
    expect(foreign).toEqual(missing);
    expect(missing).toEqual({ decision: 'DENY', reasons: [], errors: ['the principal is not a zone user of the zone', 'the resource is not a resource of the zone'], shadow: [] });
    const badId = await t.gql(AUTHORIZE, { input: { ...base, principalId: w.z } });
    expect(badId.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
  });

  it('RESOURCE, USER and SESSION sets apply only to requests naming their target', async () => {
    const w = await world('Scopes');
    const all = await policyVersion(w.z, 'all', 'permit(principal, action, resource);');
    await bound(w.z, 'api-only', [all], 'ACTIVE', { scopeType: 'RESOURCE', scopeTargetId: w.api });
    const base = { zoneId: w.z, principalId: w.bob, action: 'access', resourceId: w.api, context: SCOPES };
    expect((await ask(base)).decision).toBe('ALLOW');
    expect((await ask({ ...base, resourceId: w.other })).decision).toBe('DENY');

    const forbidAll = await policyVersion(w.z, 'forbid-all', 'forbid(principal, action, resource);');
    await bound(w.z, 'not-bob', [forbidAll], 'ACTIVE', { scopeType: 'USER', scopeTargetId: w.bob });
    expect((await ask(base)).decision).toBe('DENY');
    expect((await ask({ ...base, principalId: w.ada })).decision).toBe('ALLOW');

    const activity = t.app.services.zones.activity;
    const session = (zoneUserId: string) =>
      activity.recordSession(local(w.z), { sessionType: 'USER', zoneUserId, applicationId: null, userAgentId: null, parentId: null, providerId: null, issuer: null, subject: null, name: 'browser', sessionData: {}, metadata: null, authenticatedAt: new Date(), expiresAt: null });
    const adaSession = encodeGlobalID('UserSession', (await session(local(w.ada))).id);
    await bound(w.z, 'this-session', [forbidAll], 'ACTIVE', { scopeType: 'SESSION', scopeTargetId: adaSession });
    expect((await ask({ ...base, principalId: w.ada })).decision).toBe('ALLOW');
    expect((await ask({ ...base, principalId: w.ada, sessionId: adaSession })).decision).toBe('DENY');
    // Someone else's session is not the principal's: refused.
    const notHers = await ask({ ...base, principalId: w.ada, sessionId: encodeGlobalID('UserSession', (await session(local(w.bob))).id) });
    expect(notHers).toMatchObject({ decision: 'DENY', errors: ['the session is not a session of the principal in the zone'] });
  });

  it('shadow versions never change the answer; disagreements are counted, with samples', async () => {
    const w = await world('Shadow');
    const permit = await policyVersion(w.z, 'verified', VERIFIED);
    await bound(w.z, 'live', [permit]);
    const forbidApi = await policyVersion(w.z, 'candidate', `forbid(principal, action, resource == Resource::"${local(w.api)}");`);
    const shadow = await bound(w.z, 'candidate', [forbidApi], 'SHADOW');
    const base = { zoneId: w.z, principalId: w.ada, action: 'access', context: SCOPES };
    const onApi = await ask({ ...base, resourceId: w.api });
    expect(onApi).toMatchObject({ decision: 'ALLOW', errors: [], shadow: [{ policySetId: shadow.set, policySetVersionId: shadow.version, policySetVersion: 1, decision: 'DENY', differs: true }] });
    const onOther = await ask({ ...base, resourceId: w.other });
    expect(onOther).toMatchObject({ decision: 'ALLOW', shadow: [{ decision: 'ALLOW', differs: false }] });
    await ask({ ...base, resourceId: w.api, principalId: w.bob });
    const diffs: Json = await t.ok(`query($id: ID!) { node(id: $id) { ... on PolicySet { shadowDiffs { policySetVersionId version since evaluated differing allowToDeny denyToAllow samples { principalId action resourceId decision shadowDecision at } } } } }`, { id: shadow.set });
    expect(diffs.node.shadowDiffs).toEqual([
      {
        policySetVersionId: shadow.version,
        version: 1,
        since: expect.any(String),
        evaluated: 3,
        differing: 1,
        allowToDeny: 1,
        denyToAllow: 0,
        samples: [{ principalId: w.ada, action: 'access', resourceId: w.api, decision: 'ALLOW', shadowDecision: 'DENY', at: expect.any(String) }],
      },
    ]);
  });

  it('a policy version edited in SQL fails closed (DENY, an error, the /metrics counter); so does a forged attestation', async () => {
    const w = await world('Tamper');
    const permit = await policyVersion(w.z, 'only-ada', `permit(principal == User::"${local(w.ada)}", action, resource);`);
    const { version } = await bound(w.z, 'live', [permit]);
    const request = { zoneId: w.z, principalId: w.ada, action: 'access', resourceId: w.api, context: SCOPES };
    expect((await ask(request)).decision).toBe('ALLOW');
    const before = await counter();

    // Someone with database access lets Bob in instead of Ada (the verification of the attestation is cached; the content is not).
    const prisma = t.app.db.prisma as Json;
    const edited =
      dbProvider === 'postgresql'
        ? await prisma.$executeRaw`UPDATE "PolicyVersion" SET "cedarJson" = REPLACE("cedarJson"::text, ${local(w.ada)}, ${local(w.bob)})::jsonb WHERE "id" = ${local(permit.id)}`
        : await prisma.$executeRaw`UPDATE "PolicyVersion" SET "cedarJson" = REPLACE("cedarJson", ${local(w.ada)}, ${local(w.bob)}) WHERE "id" = ${local(permit.id)}`;
    expect(edited).toBe(1);
    for (const principalId of [w.ada, w.bob]) {
      const answer = await ask({ ...request, principalId });
      expect(answer).toMatchObject({ decision: 'DENY', reasons: [] });
      expect(answer.errors).toEqual([expect.stringMatching(/policy set live v1 fails its integrity check \(the stored content of policy version .* no longer hashes to the sha the manifest pins\)/)]);
    }
    expect(await counter()).toBe(before + 2);

    // The manifest rewritten to match the edit: the attestation no longer says so.
    const json = (await prisma.policyVersion.findUnique({ where: { id: local(permit.id) } })).cedarJson;
    const hasher = (await import('../src/infra/crypto/canonical.js')).jcsHasher;
    const entries = [{ policy_id: local(permit.policyId), policy_version_id: local(permit.id), sha: hasher.canonicalSha256(json) }];
    await prisma.policySetVersion.update({ where: { id: local(version) }, data: { entries, manifestSha: hasher.canonicalSha256({ entries }) } });
    const forged = await ask({ ...request, principalId: w.bob });
    expect(forged.decision).toBe('DENY');
    expect(forged.errors[0]).toMatch(/fails its integrity check \(its attestation attests another manifest or version\)/);
    expect(await counter()).toBe(before + 3);
  });

  it('a failing version counts and errs once per request it applies to, also within a batch', async () => {
    const w = await world('TamperBatch');
    const permit = await policyVersion(w.z, 'verified', VERIFIED);
    await bound(w.z, 'live', [permit]);
    const apiOnly = await policyVersion(w.z, 'api-only', `permit(principal, action, resource == Resource::"${local(w.api)}");`);
    await bound(w.z, 'scoped', [apiOnly], 'ACTIVE', { scopeType: 'RESOURCE', scopeTargetId: w.api });
    const prisma = t.app.db.prisma as Json;
    const edit = (id: string) =>
      dbProvider === 'postgresql'
        ? prisma.$executeRaw`UPDATE "PolicyVersion" SET "cedarJson" = REPLACE("cedarJson"::text, 'permit', 'forbid')::jsonb WHERE "id" = ${local(id)}`
        : prisma.$executeRaw`UPDATE "PolicyVersion" SET "cedarJson" = REPLACE("cedarJson", 'permit', 'forbid') WHERE "id" = ${local(id)}`;
    expect(await edit(permit.id)).toBe(1);
    expect(await edit(apiOnly.id)).toBe(1);
    const before = await counter();
    const one = (principalId: string, resourceId: string) => ({ zoneId: w.z, principalId, action: 'access', resourceId, context: SCOPES });
    // Three requests on the api (both sets apply: two failures each), one on the other resource (only the ZONE set applies).
    const batch: Json = await t.ok(`query($inputs: [AuthorizeInput!]!) { authorizeBatch(inputs: $inputs) { ${DECISION} } }`, { inputs: [one(w.ada, w.api), one(w.bob, w.api), one(w.ada, w.api), one(w.ada, w.other)] });
    const answers = batch.authorizeBatch as Json[];
    for (const answer of answers.slice(0, 3)) {
      expect(answer).toMatchObject({ decision: 'DENY', reasons: [] });
      expect(answer.errors).toHaveLength(2);
      for (const error of answer.errors) expect(error).toMatch(/fails its integrity check/);
    }
    expect(answers[3]).toMatchObject({ decision: 'DENY', reasons: [], errors: [expect.stringMatching(/policy set live v1 fails its integrity check/)] });
    expect(await counter()).toBe(before + 3 * 2 + 1);
  });

  it('entities the context names (delegate on_behalf_of) are built from the zone; one outside the zone or missing fails closed', async () => {
    const w = await world('Delegate');
    const forUser = await policyVersion(w.z, 'for-verified', 'permit(principal is Application, action == Action::"delegate", resource) when { context.on_behalf_of.email_verified && context.on_behalf_of.email like "ada@*" };');
    await bound(w.z, 'delegation', [forUser]);
    const request = (user: string, form: 'explicit' | 'implicit' = 'explicit') => ({
      zoneId: w.z,
      principalId: w.app,
      action: 'delegate',
      resourceId: w.api,
      context: { scopes: ['read'], on_behalf_of: form === 'explicit' ? { __entity: { type: 'User', id: user } } : { type: 'User', id: user } },
    });
    expect(await ask(request(local(w.ada)))).toEqual({ decision: 'ALLOW', reasons: [expect.objectContaining({ policyVersionId: forUser.id })], errors: [], shadow: [] });
    expect(await ask(request(local(w.ada), 'implicit'))).toMatchObject({ decision: 'ALLOW', errors: [] });
    // Bob is not verified: nothing permits, and nothing failed to evaluate.
    expect(await ask(request(local(w.bob)))).toEqual({ decision: 'DENY', reasons: [], errors: [], shadow: [] });
    // A user of another zone is refused exactly like one that does not exist.
    const elsewhere = await world('DelegateElsewhere');
    const foreign = await ask(request(local(elsewhere.ada)));
    expect(foreign).toEqual({ decision: 'DENY', reasons: [], errors: [`the context names User::"${local(elsewhere.ada)}", which is not a zone user of the zone`], shadow: [] });
    expect(await ask(request('nope'))).toEqual({ ...foreign, errors: ['the context names User::"nope", which is not a zone user of the zone'] });
    const action = await ask({ ...request(local(w.ada)), context: { scopes: [], on_behalf_of: { __entity: { type: 'Action', id: 'access' } } } });
    expect(action).toMatchObject({ decision: 'DENY', errors: [expect.stringMatching(/the context names Action::"access": the context may name only/)] });
    // In a batch, each request's references are read with the others and checked on their own.
    const batch: Json = await t.ok(`query($inputs: [AuthorizeInput!]!) { authorizeBatch(inputs: $inputs) { decision errors } }`, { inputs: [request(local(w.ada)), request(local(elsewhere.ada)), request(local(w.bob))] });
    expect(batch.authorizeBatch.map((d: Json) => d.decision)).toEqual(['ALLOW', 'DENY', 'DENY']);
    expect(batch.authorizeBatch[1].errors).toEqual(foreign.errors);
  });

  it('after a key rotation the re-signed versions still decide; an old attestation put back after its key is retired fails closed', async () => {
    const w = await world('Rotation');
    const permit = await policyVersion(w.z, 'verified', VERIFIED);
    const { version } = await bound(w.z, 'live', [permit]);
    const request = { zoneId: w.z, principalId: w.ada, action: 'access', resourceId: w.api, context: SCOPES };
    expect((await ask(request)).decision).toBe('ALLOW');
    const prisma = t.app.db.prisma as Json;
    const committed = (await prisma.policySetVersion.findUnique({ where: { id: local(version) } })).attestation;
    const keyList = async () => ((await t.ok(`query($id: ID!) { zone(id: $id) { signingKeys(includeRetired: true) { edges { node { id current } } } } }`, { id: w.z })) as Json).zone.signingKeys.edges.map((e: Json) => e.node);
    const [old] = await keyList();
    const rotated = await must(t, 'rotateZoneSigningKey', { zoneId: w.z }, 'resignedPolicySetVersions');
    expect(rotated.resignedPolicySetVersions).toBe(1);
    expect((await ask(request)).decision).toBe('ALLOW');
    await must(t, 'retireZoneSigningKey', { id: old.id }, 'signingKey { retiredAt }');
    expect(await ask(request)).toMatchObject({ decision: 'ALLOW', errors: [] });
    // Someone puts the committed attestation (signed by the retired key, verified earlier) back.
    const before = await counter();
    await prisma.policySetVersion.update({ where: { id: local(version) }, data: { attestation: committed } });
    const rolledBack = await ask(request);
    expect(rolledBack.decision).toBe('DENY');
    expect(rolledBack.errors[0]).toMatch(/fails its integrity check \(its attestation does not verify with the zone's published keys\)/);
    expect(await counter()).toBe(before + 1);
  });

  it('authorizeBatch answers up to 30 requests in order; more is refused before any work', async () => {
    const w = await world('Batch');
    await bound(w.z, 'live', [await policyVersion(w.z, 'verified', VERIFIED)]);
    const one = (principalId: string) => ({ zoneId: w.z, principalId, action: 'access', resourceId: w.api, context: SCOPES });
    const batch: Json = await t.ok(`query($inputs: [AuthorizeInput!]!) { authorizeBatch(inputs: $inputs) { decision } }`, { inputs: [one(w.ada), one(w.bob), one(w.app), one(w.ada)] });
    expect(batch.authorizeBatch.map((d: Json) => d.decision)).toEqual(['ALLOW', 'DENY', 'DENY', 'ALLOW']);
    const thirty: Json = await t.ok(`query($inputs: [AuthorizeInput!]!) { authorizeBatch(inputs: $inputs) { decision } }`, { inputs: Array.from({ length: 30 }, () => one(w.ada)) });
    expect(thirty.authorizeBatch).toHaveLength(30);
    // One decision costs two statements beyond authenticating the caller: the bound contents, and the principal with
    // the resource. While nothing is written, the zone's bound contents as checked are remembered (the batches above
    // read them last): one. On PostgreSQL "nothing" is the whole cluster's write-ahead log, which the other test
    // files running meanwhile move: one or two there.
    {
      const base = await t.app.metrics.statementTotal();
      await t.ok('query { __typename }');
      const empty = (await t.app.metrics.statementTotal()) - base;
      for (const input of [one(w.ada), one(w.app)]) {
        const from = await t.app.metrics.statementTotal();
        await ask(input);
        const statements = (await t.app.metrics.statementTotal()) - from - empty;
        if (dbProvider === 'sqlite') expect(statements).toBe(1);
        else expect([1, 2]).toContain(statements);
      }
    }
    // Nor does a decision look at the store's change mark again: the one taken (SQLite) or read (PostgreSQL) when
    // the caller was authenticated serves.
    {
      const store = t.app.store;
      const changeMark = store.changeMark.bind(store);
      let looks = 0;
      store.changeMark = () => (looks++, changeMark());
      try {
        await t.ok('query { __typename }');
        const trivial = looks;
        looks = 0;
        await ask(one(w.ada));
        expect(looks).toBe(trivial);
      } finally {
        store.changeMark = changeMark;
      }
    }
    // Nothing is read for it beyond what any request costs (authenticating the caller).
    let statements = await t.app.metrics.statementTotal();
    await t.ok('query { __typename }');
    const trivial = (await t.app.metrics.statementTotal()) - statements;
    statements = await t.app.metrics.statementTotal();
    const tooMany = await t.gql(`query($inputs: [AuthorizeInput!]!) { authorizeBatch(inputs: $inputs) { decision } }`, { inputs: Array.from({ length: 31 }, () => one(w.ada)) });
    expect(tooMany.errors?.[0]).toMatchObject({ message: 'authorizeBatch takes at most 30 requests; this one has 31', extensions: { code: 'BAD_USER_INPUT' } });
    expect((await t.app.metrics.statementTotal()) - statements).toBe(trivial);
  });

  it.runIf(dbProvider === 'postgresql')('PostgreSQL: the change mark read with a session changes with every write', async () => {
    const store = t.app.store;
    const session = await store.sessions.create({ userId: t.admin.userId, expiresAt: new Date(Date.now() + 60_000) });
    const mark = async () => {
      const read = await store.sessions.byIdWithGrants(session.id, t.admin.userId);
      if (!('mark' in read) || read.mark === undefined) throw new Error('no mark read with the session');
      return read.mark;
    };
    const before = await mark();
    await zone(t, acme, 'Marked');
    expect(await mark()).not.toBe(before);
  });

  it('policy.evaluate decides who may ask: zone managers yes, zone viewers no, strangers see no zone', async () => {
    const w = await world('Askers');
    const password = 'a long enough password';
    const make = async (email: string, role: string | null) => {
      const id = (await must(t, 'createUser', { accountId: acme, email, password }, 'user { id }')).user.id;
      if (role) await must(t, 'addZoneMember', { zoneId: w.z, userId: id, role }, 'zoneMember { id }');
      return t.as(await t.login(email, password));
    };
    const manager = await make('pdp-manager@acme.test', 'ZONE_MANAGER');
    const viewer = await make('pdp-viewer@acme.test', 'ZONE_VIEWER');
    const nobody = await make('pdp-nobody@acme.test', null);
    const request = { zoneId: w.z, principalId: w.ada, action: 'access', resourceId: w.api, context: SCOPES };
    expect((await ask(request, manager)).decision).toBe('DENY');
    expect((await viewer.gql(AUTHORIZE, { input: request })).errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    const unseen = await nobody.gql(AUTHORIZE, { input: request });
    const absent = await nobody.gql(AUTHORIZE, { input: { ...request, zoneId: encodeGlobalID('Zone', 'nope') } });
    expect(unseen.errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
    expect(unseen.errors?.[0]?.message).toBe(absent.errors?.[0]?.message);
    expect((await t.as('').gql(AUTHORIZE, { input: request })).errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
  });

  it('deleting a resource archives (and unbinds) the RESOURCE policy sets naming it', async () => {
    const w = await world('Deleted');
    const { set } = await bound(w.z, 'api-only', [await policyVersion(w.z, 'all', 'permit(principal, action, resource);')], 'ACTIVE', { scopeType: 'RESOURCE', scopeTargetId: w.api });
    await must(t, 'deleteResource', { id: w.api }, 'deletedResourceId');
    const after: Json = await t.ok(`query($id: ID!) { node(id: $id) { ... on PolicySet { active mode archivedAt scopeTargetId } } }`, { id: set });
    expect(after.node).toMatchObject({ active: false, mode: null, archivedAt: expect.any(String) });
  });
});
