// Policy sets and their attested versions (issue 14; reference 001 zones.policy_sets.*): scopes and
// targets, versions pinning policy versions that validate together, manifestSha over the RFC 8785
// manifest, an attestation verified offline with nothing but the zone's JWKS fetched over HTTP, the
// binding (ACTIVE / SHADOW), and the refusals that keep bound versions and their pins in place.
import { createHash } from 'node:crypto';
import { decodeGlobalID, encodeGlobalID } from '@pothos/plugin-relay';
import canonicalize from 'canonicalize';
import { createLocalJWKSet, flattenedVerify, type JSONWebKeySet } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { account } from './support/fixtures.js';
import { ADMIN_EMAIL, provider as dbProvider, startTestApp, type TestApp } from './support/harness.js';
import { must, mutate, refuses, resource, zone, type Json } from './support/zones.js';

const local = (id: string) => decodeGlobalID(id).id;
const sha = (json: unknown) => createHash('sha256').update(canonicalize(json)!).digest('hex');
const PERMIT = 'permit(principal is User, action == Action::"access", resource is Resource) when { principal.email_verified };';
const FORBID = 'forbid(principal is Application, action == Action::"access", resource) when { principal.owner_type == "PLATFORM" };';
const SET_VERSION = 'policySetVersion { id version schemaVersion manifestSha active entries { policyId policyVersionId sha } attestation { protected payload signature } createdBy { ... on User { email } } archivedAt }';
const SET = 'policySet { id name ownerType scopeType scopeTargetId latestVersion latestVersionId active activeVersion activeVersionId mode archivedAt }';

describe(`policy sets and attested versions (${dbProvider})`, () => {
  let t: TestApp;
  let acme: string;
  let z: string;
  let v1: Json;
  let v2: Json;

  async function policyVersion(name: string, cedar: string): Promise<Json> {
    const id = (await must(t, 'createPolicy', { zoneId: z, name }, 'policy { id }')).policy.id;
    return (await must(t, 'createPolicyVersion', { policyId: id, cedar }, 'policyVersion { id policyId sha }')).policyVersion;
  }
  const setOf = (name: string, extra: Json = {}) => must(t, 'createPolicySet', { zoneId: z, name, scopeType: 'ZONE', ...extra }, SET);

  beforeAll(async () => {
    t = await startTestApp();
    acme = await account(t, 'Acme');
    z = await zone(t, acme, 'Sets');
    v1 = await policyVersion('verified-users', PERMIT);
    v2 = await policyVersion('no-platform-apps', FORBID);
  });
  afterAll(() => t.close());

  it('creates sets of every scope; targets must be objects of the zone', async () => {
    const { policySet } = await setOf('zone-wide');
    expect(policySet).toMatchObject({ name: 'zone-wide', ownerType: 'CUSTOMER', scopeType: 'ZONE', scopeTargetId: null, latestVersion: null, active: false, activeVersion: null, activeVersionId: null, mode: null, archivedAt: null });
    const api = await resource(t, z, 'https://api.example');
    const scoped = await must(t, 'createPolicySet', { zoneId: z, name: 'api-only', scopeType: 'RESOURCE', scopeTargetId: api }, SET);
    expect(scoped.policySet.scopeTargetId).toBe(api);
    await refuses(t, 'createPolicySet', { zoneId: z, name: 'x', scopeType: 'RESOURCE' }, 'ValidationError', 'scopeTargetId');
    await refuses(t, 'createPolicySet', { zoneId: z, name: 'x', scopeType: 'ZONE', scopeTargetId: api }, 'ValidationError', 'scopeTargetId');
    await refuses(t, 'createPolicySet', { zoneId: z, name: 'x', scopeType: 'USER', scopeTargetId: encodeGlobalID('ZoneUser', 'nope') }, 'NotFoundError', 'scopeTargetId');
    const elsewhere = await resource(t, await zone(t, acme, 'Elsewhere'), 'https://other.example');
    await refuses(t, 'createPolicySet', { zoneId: z, name: 'x', scopeType: 'RESOURCE', scopeTargetId: elsewhere }, 'NotFoundError', 'scopeTargetId');
    await refuses(t, 'createPolicySet', { zoneId: z, name: 'zone-wide', scopeType: 'ZONE' }, 'ConflictError', 'name');
    const renamed = await must(t, 'updatePolicySet', { id: policySet.id, name: 'zone-baseline' }, 'policySet { name updatedBy { ... on User { email } } }');
    expect(renamed.policySet).toEqual({ name: 'zone-baseline', updatedBy: { email: ADMIN_EMAIL } });
    const listed: Json = await t.ok(`query($id: ID!) { zone(id: $id) { policySets(scopeType: RESOURCE) { totalCount edges { node { name } } } } }`, { id: z });
    expect(listed.zone.policySets).toEqual({ totalCount: 1, edges: [{ node: { name: 'api-only' } }] });
  });

  it('a version pins policy versions with their sha; manifestSha covers the RFC 8785 manifest; the attestation verifies offline with the JWKS', async () => {
    const { policySet } = await setOf('attested');
    const made = await must(t, 'createPolicySetVersion', { policySetId: policySet.id, entries: [{ policyVersionId: v1.id }, { policyVersionId: v2.id }] }, `${SET_VERSION} ${SET}`);
    const version = made.policySetVersion;
    expect(version).toMatchObject({ version: 1, schemaVersion: '2025-11-01', active: false, createdBy: { email: ADMIN_EMAIL }, archivedAt: null });
    expect(version.entries).toEqual([{ policyId: v1.policyId, policyVersionId: v1.id, sha: v1.sha }, { policyId: v2.policyId, policyVersionId: v2.id, sha: v2.sha }]);
    expect(made.policySet).toMatchObject({ latestVersion: 1, latestVersionId: version.id });

    // Offline: only the JWKS over HTTP, the attestation, and the policy texts.
    const uri: Json = await t.ok(`query($id: ID!) { zone(id: $id) { protocols { oauth2 { jwksUri } } } }`, { id: z });
    const jwks = (await (await t.app.fetch(new URL(uri.zone.protocols.oauth2.jwksUri).pathname)).json()) as JSONWebKeySet;
    const verified = await flattenedVerify(version.attestation, createLocalJWKSet(jwks), { algorithms: ['RS256'] });
    expect(verified.protectedHeader).toEqual({ alg: 'RS256', kid: jwks.keys[0]!.kid });
    const text = new TextDecoder().decode(verified.payload);
    const statement = JSON.parse(text);
    expect(canonicalize(statement)).toBe(text);
    expect(statement).toMatchObject({ type: 'policy_set_attestation', v: 1, zone_id: local(z), policy_set_id: local(policySet.id), policy_set_version: 1, status: 'committed', attested_by: expect.any(String) });
    expect(Date.parse(statement.attested_at)).not.toBeNaN();
    expect(statement.manifest_sha).toBe(version.manifestSha);
    expect(sha({ entries: statement.manifest })).toBe(version.manifestSha);
    expect(statement.manifest.map((e: Json) => e.policy_version_id)).toEqual([local(v1.id), local(v2.id)]);
    for (const entry of statement.manifest) {
      const data: Json = await t.ok(`query($id: ID!) { node(id: $id) { ... on PolicyVersion { cedarJson } } }`, { id: encodeGlobalID('PolicyVersion', entry.policy_version_id) });
      expect(sha(data.node.cedarJson)).toBe(entry.sha);
    }
    // A changed signature or payload does not verify.
    await expect(flattenedVerify({ ...version.attestation, payload: Buffer.from(text.replace('committed', 're_signed')).toString('base64url') }, createLocalJWKSet(jwks))).rejects.toThrow();

    const pinned: Json = await t.ok(`query($id: ID!) { node(id: $id) { ... on PolicySetVersion { policies(format: CEDAR) { totalCount edges { node { id cedarRaw } } } policySet { id } } } }`, { id: version.id });
    expect(pinned.node.policies.totalCount).toBe(2);
    expect(pinned.node.policies.edges.map((e: Json) => e.node.cedarRaw)).toEqual([PERMIT, FORBID]);
  });

  it('refuses empty, duplicate, archived, foreign and jointly invalid entries; nothing is stored', async () => {
    const { policySet } = await setOf('strict-set');
    const other = await must(t, 'createPolicyVersion', { policyId: v1.policyId, cedar: PERMIT.replace(' when { principal.email_verified }', '') }, 'policyVersion { id }');
    await refuses(t, 'createPolicySetVersion', { policySetId: policySet.id, entries: [] }, 'ValidationError', 'entries');
    await refuses(t, 'createPolicySetVersion', { policySetId: policySet.id, entries: [{ policyVersionId: v1.id }, { policyVersionId: other.policyVersion.id }] }, 'ValidationError', 'entries');
    const archived = await policyVersion('to-archive', PERMIT);
    await must(t, 'archivePolicyVersion', { id: archived.id }, 'policyVersion { id }');
    await refuses(t, 'createPolicySetVersion', { policySetId: policySet.id, entries: [{ policyVersionId: archived.id }] }, 'ConflictError', 'entries');
    await refuses(t, 'createPolicySetVersion', { policySetId: policySet.id, entries: [{ policyVersionId: encodeGlobalID('PolicyVersion', 'nope') }] }, 'NotFoundError', 'entries');
    const foreignZone = await zone(t, acme, 'Foreign');
    const fp = (await must(t, 'createPolicy', { zoneId: foreignZone, name: 'f' }, 'policy { id }')).policy.id;
    const fv = (await must(t, 'createPolicyVersion', { policyId: fp, cedar: PERMIT }, 'policyVersion { id }')).policyVersion.id;
    await refuses(t, 'createPolicySetVersion', { policySetId: policySet.id, entries: [{ policyVersionId: fv }] }, 'NotFoundError', 'entries');
    // Valid alone against the deprecated schema's sibling... but not together against 2025-06-01.
    const delegate = await policyVersion('delegation', 'permit(principal is Application, action == Action::"delegate", resource) when { context.on_behalf_of.email_verified };');
    const joint = await mutate(t, 'createPolicySetVersion', { policySetId: policySet.id, entries: [{ policyVersionId: v1.id }, { policyVersionId: delegate.id }], schemaVersion: '2025-06-01' }, '... on CreatePolicySetVersionPayload { policySetVersion { id } }');
    expect(joint.errors[0]).toMatchObject({ __typename: 'PolicyValidationError', field: 'entries' });
    await refuses(t, 'createPolicySetVersion', { policySetId: policySet.id, entries: [{ policyVersionId: v1.id }], schemaVersion: '2025-01-01' }, 'ConflictError', 'schemaVersion');
    expect(await t.app.db.prisma.policySetVersion.count({ where: { policySetId: local(policySet.id) } })).toBe(0);
  });

  it('binds a version ACTIVE or SHADOW; the bound version and its pinned policy versions cannot be archived; archiving the set unbinds it', async () => {
    const { policySet } = await setOf('bound');
    const a = (await must(t, 'createPolicySetVersion', { policySetId: policySet.id, entries: [{ policyVersionId: v1.id }] }, SET_VERSION)).policySetVersion;
    const pinnedOnlyHere = await policyVersion('pinned-only-here', FORBID);
    const b = (await must(t, 'createPolicySetVersion', { policySetId: policySet.id, entries: [{ policyVersionId: pinnedOnlyHere.id }] }, SET_VERSION)).policySetVersion;
    expect(b.version).toBe(2);
    const active = await must(t, 'activatePolicySetVersion', { id: a.id, mode: 'ACTIVE' }, `${SET} policySetVersion { id active }`);
    expect(active.policySet).toMatchObject({ active: true, activeVersion: 1, activeVersionId: a.id, mode: 'ACTIVE' });
    expect(active.policySetVersion.active).toBe(true);
    await refuses(t, 'archivePolicySetVersion', { id: a.id }, 'ConflictError', 'id');
    await refuses(t, 'archivePolicyVersion', { id: v1.id }, 'ConflictError', 'id');
    const shadow = await must(t, 'activatePolicySetVersion', { id: b.id, mode: 'SHADOW' }, `${SET} policySetVersion { active }`);
    expect(shadow.policySet).toMatchObject({ activeVersion: 2, activeVersionId: b.id, mode: 'SHADOW' });
    expect(shadow.policySetVersion.active).toBe(false);
    await refuses(t, 'archivePolicyVersion', { id: pinnedOnlyHere.id }, 'ConflictError', 'id');
    // a is no longer bound: it can be archived, and then not bound again.
    const archivedA = await must(t, 'archivePolicySetVersion', { id: a.id }, 'policySetVersion { archivedAt archivedBy { ... on User { email } } }');
    expect(archivedA.policySetVersion).toMatchObject({ archivedAt: expect.any(String), archivedBy: { email: ADMIN_EMAIL } });
    await refuses(t, 'activatePolicySetVersion', { id: a.id, mode: 'ACTIVE' }, 'ConflictError', 'id');
    await refuses(t, 'archivePolicySetVersion', { id: a.id }, 'ConflictError', 'id');
    const done = await must(t, 'archivePolicySet', { id: policySet.id }, SET);
    expect(done.policySet).toMatchObject({ archivedAt: expect.any(String), active: false, activeVersionId: null, mode: null });
    await must(t, 'archivePolicyVersion', { id: pinnedOnlyHere.id }, 'policyVersion { id }');
    await refuses(t, 'createPolicySetVersion', { policySetId: policySet.id, entries: [{ policyVersionId: v2.id }] }, 'ConflictError', 'policySetId');
    await refuses(t, 'updatePolicySet', { id: policySet.id, name: 'x' }, 'ConflictError', 'id');
    await refuses(t, 'activatePolicySetVersion', { id: b.id, mode: 'ACTIVE' }, 'ConflictError', 'id');
    const versions: Json = await t.ok(`query($id: ID!) { node(id: $id) { ... on PolicySet { versions { totalCount } } } }`, { id: policySet.id });
    expect(versions.node.versions.totalCount).toBe(2);
  });

  it('rotating the zone key re-attests every version not archived (re_signed); after retiring the old key only those verify', async () => {
    const rz = await zone(t, acme, 'Resigning');
    const pid = (await must(t, 'createPolicy', { zoneId: rz, name: 'p' }, 'policy { id }')).policy.id;
    const pv = (await must(t, 'createPolicyVersion', { policyId: pid, cedar: PERMIT }, 'policyVersion { id }')).policyVersion.id;
    const set = (await must(t, 'createPolicySet', { zoneId: rz, name: 's', scopeType: 'ZONE' }, 'policySet { id }')).policySet.id;
    const kept = (await must(t, 'createPolicySetVersion', { policySetId: set, entries: [{ policyVersionId: pv }] }, SET_VERSION)).policySetVersion;
    const dropped = (await must(t, 'createPolicySetVersion', { policySetId: set, entries: [{ policyVersionId: pv }] }, SET_VERSION)).policySetVersion;
    await must(t, 'archivePolicySetVersion', { id: dropped.id }, 'policySetVersion { id }');
    const oldKid = JSON.parse(Buffer.from(kept.attestation.protected, 'base64url').toString()).kid;

    const rotated = await must(t, 'rotateZoneSigningKey', { zoneId: rz }, 'resignedPolicySetVersions signingKey { kid }');
    expect(rotated.resignedPolicySetVersions).toBe(1);
    const read = async (id: string) => ((await t.ok(`query($id: ID!) { node(id: $id) { ... on PolicySetVersion { manifestSha attestation { protected payload signature } } } }`, { id })) as Json).node;
    const uri: Json = await t.ok(`query($id: ID!) { zone(id: $id) { protocols { oauth2 { jwksUri } } } }`, { id: rz });
    const jwks = async () => createLocalJWKSet((await (await t.app.fetch(new URL(uri.zone.protocols.oauth2.jwksUri).pathname)).json()) as JSONWebKeySet);

    const resigned = await read(kept.id);
    const verified = await flattenedVerify(resigned.attestation, await jwks(), { algorithms: ['RS256'] });
    expect(verified.protectedHeader?.kid).toBe(rotated.signingKey.kid);
    const statement = JSON.parse(new TextDecoder().decode(verified.payload));
    const original = JSON.parse(Buffer.from(kept.attestation.payload, 'base64url').toString());
    expect(statement).toMatchObject({ status: 're_signed', manifest: original.manifest, manifest_sha: kept.manifestSha, policy_set_version: 1 });
    expect(original.status).toBe('committed');
    // The archived version keeps its committed attestation under the old key, which verifies until retired.
    const archived = await read(dropped.id);
    expect(archived.attestation).toEqual(dropped.attestation);
    expect(JSON.parse(Buffer.from(archived.attestation.protected, 'base64url').toString()).kid).toBe(oldKid);
    await flattenedVerify(archived.attestation, await jwks());
    const oldKey: Json = await t.ok(`query($id: ID!) { zone(id: $id) { signingKeys { edges { node { id kid } } } } }`, { id: rz });
    await must(t, 'retireZoneSigningKey', { id: oldKey.zone.signingKeys.edges.find((e: Json) => e.node.kid === oldKid).node.id }, 'signingKey { id }');
    await expect(flattenedVerify(archived.attestation, await jwks())).rejects.toThrow();
    await flattenedVerify(resigned.attestation, await jwks());
  });

  it('a set draft is saved (checked) and replaced; a version is cut from it', async () => {
    const { policySet } = await setOf('drafted-set');
    await refuses(t, 'savePolicySetDraft', { policySetId: policySet.id, entries: [] }, 'ValidationError', 'entries');
    const saved = await must(t, 'savePolicySetDraft', { policySetId: policySet.id, entries: [{ policyVersionId: v1.id }] }, 'draft { policySetId schemaVersion entries { policyVersionId sha } updatedBy { ... on User { email } } } policySet { latestVersion }');
    expect(saved.draft).toMatchObject({ policySetId: policySet.id, schemaVersion: '2025-11-01', entries: [{ policyVersionId: v1.id, sha: v1.sha }], updatedBy: { email: ADMIN_EMAIL } });
    expect(saved.policySet.latestVersion).toBeNull();
    await must(t, 'savePolicySetDraft', { policySetId: policySet.id, entries: [{ policyVersionId: v1.id }, { policyVersionId: v2.id }] }, 'draft { policySetId }');
    const read: Json = await t.ok(`query($id: ID!) { node(id: $id) { ... on PolicySet { draft { entries { policyVersionId } } } } }`, { id: policySet.id });
    expect(read.node.draft.entries.map((e: Json) => e.policyVersionId)).toEqual([v1.id, v2.id]);
    const cut = await must(t, 'createPolicySetVersion', { policySetId: policySet.id, fromDraft: true }, SET_VERSION);
    expect(cut.policySetVersion.entries.map((e: Json) => e.policyVersionId)).toEqual([v1.id, v2.id]);
    await refuses(t, 'createPolicySetVersion', { policySetId: policySet.id }, 'ValidationError', 'entries');
    await refuses(t, 'createPolicySetVersion', { policySetId: policySet.id, fromDraft: true, entries: [{ policyVersionId: v1.id }] }, 'ValidationError', 'entries');
    const { policySet: bare } = await setOf('bare-set');
    await refuses(t, 'createPolicySetVersion', { policySetId: bare.id, fromDraft: true }, 'ValidationError', 'fromDraft');
  });

  it('platform policy sets cannot be changed through the API', async () => {
    const row = await t.app.store.zones.policySets.create({ accountId: local(acme), zoneId: local(z), name: 'platform-set', ownerType: 'PLATFORM', scopeType: 'ZONE', scopeTargetId: null, latestVersion: null, latestVersionId: null, activeVersionId: null, mode: null, createdById: null, updatedById: null, archivedAt: null });
    const id = encodeGlobalID('PolicySet', row.id);
    await refuses(t, 'updatePolicySet', { id, name: 'x' }, 'PlatformOwnedError', 'id');
    await refuses(t, 'archivePolicySet', { id }, 'PlatformOwnedError', 'id');
    await refuses(t, 'createPolicySetVersion', { policySetId: id, entries: [{ policyVersionId: v1.id }] }, 'PlatformOwnedError', 'policySetId');
  });
});
