// Policies and their immutable versions (issue 14; reference 001 zones.policies.*): Cedar parses and
// validates (strict) every version against its pinned schema; a refusal carries Cedar's message, help
// and location and stores nothing; both forms are kept; sha is SHA-256 over the RFC 8785 form of
// cedarJson; platform policies and archived policies do not change.
import { createHash } from 'node:crypto';
import * as cedar from '@cedar-policy/cedar-wasm/nodejs';
import { decodeGlobalID, encodeGlobalID } from '@pothos/plugin-relay';
import canonicalize from 'canonicalize';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { account } from './support/fixtures.js';
import { ADMIN_EMAIL, provider as dbProvider, startTestApp, type TestApp } from './support/harness.js';
import { must, mutate, refuses, zone, type Json } from './support/zones.js';

const local = (id: string) => decodeGlobalID(id).id;
const PASSWORD = 'a long enough password';
const sha = (json: unknown) => createHash('sha256').update(canonicalize(json)!).digest('hex');

const GOOD = `// Verified users read.
permit(principal is User, action == Action::"access", resource is Resource)
when { principal.email_verified && context.scopes.contains("read") };`;
const VERSION = 'policyVersion { id version schemaVersion sha cedarJson cedarRaw policyId createdBy { ... on User { email } } archivedAt }';
const INVALID = 'errors { __typename message field ... on PolicyValidationError { source diagnostics { message help location { start end line column snippet } } } }';

describe(`policies and policy versions (${dbProvider})`, () => {
  let t: TestApp;
  let acme: string;
  let z: string;

  const policy = async (name: string, extra: Json = {}) => (await must(t, 'createPolicy', { zoneId: z, name, ...extra }, 'policy { id }')).policy.id as string;
  const versions = async (id: string, format = 'JSON', extra = '') =>
    ((await t.ok(`query($id: ID!) { node(id: $id) { ... on Policy { latestVersion latestVersionId versions(format: ${format}${extra}) { totalCount edges { node { id version sha cedarJson cedarRaw archivedAt } } } } } }`, { id })) as Json).node;

  beforeAll(async () => {
    t = await startTestApp();
    acme = await account(t, 'Acme');
    z = await zone(t, acme, 'Policies');
  });
  afterAll(() => t.close());

  it('creates, renames and lists policies; createdBy and updatedBy are actors', async () => {
    const { policy: created } = await must(t, 'createPolicy', { zoneId: z, name: 'verified-readers', description: 'who reads' }, 'policy { id name description ownerType latestVersion latestVersionId archivedAt createdBy { __typename ... on User { email } } updatedBy { ... on User { email } } zone { id } }');
    expect(created).toMatchObject({ name: 'verified-readers', description: 'who reads', ownerType: 'CUSTOMER', latestVersion: null, latestVersionId: null, archivedAt: null, createdBy: { __typename: 'User', email: ADMIN_EMAIL }, updatedBy: { email: ADMIN_EMAIL }, zone: { id: z } });
    const renamed = await must(t, 'updatePolicy', { id: created.id, name: 'readers', description: null }, 'policy { name description }');
    expect(renamed.policy).toEqual({ name: 'readers', description: null });
    await refuses(t, 'createPolicy', { zoneId: z, name: 'readers' }, 'ConflictError', 'name');
    await refuses(t, 'createPolicy', { zoneId: z, name: '' }, 'ValidationError', 'name');
    await refuses(t, 'createPolicy', { zoneId: encodeGlobalID('Zone', 'nope'), name: 'x' }, 'NotFoundError', 'zoneId');
    await refuses(t, 'updatePolicy', { id: encodeGlobalID('Policy', 'nope'), name: 'x' }, 'NotFoundError', 'id');
    await policy('another');
    await refuses(t, 'updatePolicy', { id: created.id, name: 'another' }, 'ConflictError', 'name');
    const listed: Json = await t.ok(`query($id: ID!) { zone(id: $id) { policies(search: "READ") { totalCount edges { node { id name } } } } }`, { id: z });
    expect(listed.zone.policies).toEqual({ totalCount: 1, edges: [{ node: { id: created.id, name: 'readers' } }] });
  });

  it('a version from Cedar text: validated, both forms stored, sha over the canonical JSON, numbered', async () => {
    const id = await policy('text-form');
    const { policyVersion: v1, policy: after } = await must(t, 'createPolicyVersion', { policyId: id, cedar: GOOD }, `${VERSION} policy { latestVersion latestVersionId updatedBy { ... on User { email } } }`);
    const expectedJson = (cedar.policyToJson(GOOD) as { json: object }).json;
    expect(v1).toMatchObject({ version: 1, schemaVersion: '2025-11-01', cedarJson: expectedJson, cedarRaw: null, policyId: id, createdBy: { email: ADMIN_EMAIL }, archivedAt: null });
    expect(v1.sha).toBe(sha(expectedJson));
    expect(v1.sha).toMatch(/^[0-9a-f]{64}$/);
    expect(after).toMatchObject({ latestVersion: 1, latestVersionId: v1.id });
    // The same policy laid out differently has the same content hash.
    const relaid = GOOD.replace('// Verified users read.\n', '').replace(/\s+/g, ' ');
    const { policyVersion: v2 } = await must(t, 'createPolicyVersion', { policyId: id, cedar: relaid, schemaVersion: '2025-11-01' }, VERSION);
    expect(v2).toMatchObject({ version: 2, sha: v1.sha });
    const cedarForm = await versions(id, 'CEDAR');
    expect(cedarForm.latestVersion).toBe(2);
    expect(cedarForm.latestVersionId).toBe(v2.id);
    expect(cedarForm.versions.edges.map((e: Json) => [e.node.version, e.node.cedarRaw, e.node.cedarJson])).toEqual([[1, GOOD, null], [2, relaid, null]]);
    // The stored row holds both forms.
    const row = await t.app.db.prisma.policyVersion.findUniqueOrThrow({ where: { id: local(v1.id) } });
    expect(row).toMatchObject({ cedarRaw: GOOD, cedarJson: expectedJson, sha: v1.sha });
  });

  it('a version from Cedar JSON: Cedar renders the text; a deprecated schema can be pinned', async () => {
    const id = await policy('json-form');
    const json = (cedar.policyToJson('forbid(principal is Application, action, resource) when { principal.owner_type == "PLATFORM" };') as { json: object }).json;
    const { policyVersion } = await must(t, 'createPolicyVersion', { policyId: id, cedarJson: json, schemaVersion: '2025-06-01' }, VERSION);
    expect(policyVersion).toMatchObject({ version: 1, schemaVersion: '2025-06-01', cedarJson: json, sha: sha(json) });
    const text = (await versions(id, 'CEDAR')).versions.edges[0].node.cedarRaw;
    expect(text).toBe((cedar.policyToText(json as never) as { text: string }).text);
  });

  it('a policy that does not parse or validate is a typed error with Cedar\'s message, help and location; nothing is stored', async () => {
    const id = await policy('strict');
    const broken = await mutate(t, 'createPolicyVersion', { policyId: id, cedar: 'permit(principal, action, resource) when { 1 + };' }, `policyVersion { id } ${INVALID}`);
    expect(broken.policyVersion).toBeNull();
    expect(broken.errors).toHaveLength(1);
    expect(broken.errors[0]).toMatchObject({ __typename: 'PolicyValidationError', field: 'cedar', message: expect.stringContaining('does not parse') });
    expect(broken.errors[0].diagnostics[0]).toMatchObject({ message: expect.stringContaining('unexpected token'), location: { line: 1, snippet: '}' } });

    const typo = 'permit(principal is User, action == Action::"access", resource)\nwhen { principal.emial == "a@b.c" };';
    const invalid = await mutate(t, 'createPolicyVersion', { policyId: id, cedar: typo }, INVALID);
    expect(invalid.errors[0]).toMatchObject({ __typename: 'PolicyValidationError', field: 'cedar', source: typo, message: expect.stringContaining('2025-11-01') });
    expect(invalid.errors[0].diagnostics).toEqual([
      { message: expect.stringContaining('attribute `emial` on entity type `User` not found'), help: 'did you mean `email`?', location: { start: expect.any(Number), end: expect.any(Number), line: 2, column: 8, snippet: 'principal.emial' } },
    ]);
    // Valid against the newest schema, not against the deprecated one (no "delegate" action there).
    const delegate = 'permit(principal is Application, action == Action::"delegate", resource) when { context.on_behalf_of.email_verified };';
    const old = await mutate(t, 'createPolicyVersion', { policyId: id, cedar: delegate, schemaVersion: '2025-06-01' }, INVALID);
    expect(old.errors[0].__typename).toBe('PolicyValidationError');
    expect(old.errors[0].diagnostics.length).toBeGreaterThan(0);
    // Strict mode: an optional attribute read without `has` does not validate.
    const unsafe = await mutate(t, 'createPolicyVersion', { policyId: id, cedar: 'permit(principal is User, action, resource) when { principal.provider == "okta" };' }, INVALID);
    expect(unsafe.errors[0].diagnostics[0].message).toContain('provider');
    const badJson = await mutate(t, 'createPolicyVersion', { policyId: id, cedarJson: { effect: 'maybe' } }, INVALID);
    expect(badJson.errors[0]).toMatchObject({ __typename: 'PolicyValidationError', field: 'cedarJson' });
    await refuses(t, 'createPolicyVersion', { policyId: id, cedar: GOOD, schemaVersion: '2025-01-01' }, 'ConflictError', 'schemaVersion');
    await refuses(t, 'createPolicyVersion', { policyId: id, cedar: GOOD, schemaVersion: '1999-01-01' }, 'NotFoundError', 'schemaVersion');
    await refuses(t, 'createPolicyVersion', { policyId: id, cedar: GOOD, cedarJson: {} }, 'ValidationError', 'cedar');
    await refuses(t, 'createPolicyVersion', { policyId: id }, 'ValidationError', 'cedar');
    await refuses(t, 'createPolicyVersion', { policyId: encodeGlobalID('Policy', 'nope'), cedar: GOOD }, 'NotFoundError', 'policyId');
    expect(await versions(id)).toMatchObject({ latestVersion: null, versions: { totalCount: 0 } });
    expect(await t.app.db.prisma.policyVersion.count({ where: { policyId: local(id) } })).toBe(0);
    // The zone's default decides when no schema is named.
    await must(t, 'setDefaultPolicySchema', { zoneId: z, version: '2025-06-01' }, 'zone { id }');
    const viaDefault = await mutate(t, 'createPolicyVersion', { policyId: id, cedar: delegate }, INVALID);
    expect(viaDefault.errors[0].__typename).toBe('PolicyValidationError');
    expect((await must(t, 'createPolicyVersion', { policyId: id, cedar: GOOD.replace(' && context.scopes.contains("read")', '') }, VERSION)).policyVersion.schemaVersion).toBe('2025-06-01');
    await must(t, 'setDefaultPolicySchema', { zoneId: z, version: '2025-11-01' }, 'zone { id }');
  });

  it('archivePolicyVersion archives one version; archivePolicy stops new versions and changes', async () => {
    const id = await policy('archiving');
    const v1 = (await must(t, 'createPolicyVersion', { policyId: id, cedar: GOOD }, VERSION)).policyVersion;
    await must(t, 'createPolicyVersion', { policyId: id, cedar: GOOD }, VERSION);
    const archived = await must(t, 'archivePolicyVersion', { id: v1.id }, 'policyVersion { id archivedAt archivedBy { ... on User { email } } }');
    expect(archived.policyVersion).toMatchObject({ id: v1.id, archivedAt: expect.any(String), archivedBy: { email: ADMIN_EMAIL } });
    await refuses(t, 'archivePolicyVersion', { id: v1.id }, 'ConflictError', 'id');
    await refuses(t, 'archivePolicyVersion', { id: encodeGlobalID('PolicyVersion', 'nope') }, 'NotFoundError', 'id');
    expect((await versions(id, 'JSON', ', includeArchived: false')).versions.edges.map((e: Json) => e.node.version)).toEqual([2]);
    expect((await versions(id)).versions.totalCount).toBe(2);

    const done = await must(t, 'archivePolicy', { id }, 'policy { archivedAt latestVersion }');
    expect(done.policy).toMatchObject({ archivedAt: expect.any(String), latestVersion: 2 });
    await refuses(t, 'createPolicyVersion', { policyId: id, cedar: GOOD }, 'ConflictError', 'policyId');
    await refuses(t, 'updatePolicy', { id, name: 'x' }, 'ConflictError', 'id');
    await refuses(t, 'archivePolicy', { id }, 'ConflictError', 'id');
    expect((await versions(id)).versions.totalCount).toBe(2);
    const names = async (extra: string) => ((await t.ok(`query($id: ID!) { zone(id: $id) { policies${extra} { edges { node { name } } } } }`, { id: z })) as Json).zone.policies.edges.map((e: Json) => e.node.name);
    expect(await names('')).not.toContain('archiving');
    expect(await names('(includeArchived: true)')).toContain('archiving');
  });

  it('platform policies cannot be changed through the API', async () => {
    const row = await t.app.store.zones.policies.create({ accountId: local(acme), zoneId: local(z), name: 'platform-baseline', description: null, ownerType: 'PLATFORM', latestVersion: null, latestVersionId: null, createdById: null, updatedById: null, archivedAt: null });
    const version = await t.app.store.zones.policyVersions.create({ accountId: local(acme), zoneId: local(z), policyId: row.id, version: 1, schemaVersion: '2025-11-01', cedarJson: {}, cedarRaw: 'permit(principal, action, resource);', sha: '0'.repeat(64), createdById: null, archivedAt: null, archivedById: null });
    const id = encodeGlobalID('Policy', row.id);
    await refuses(t, 'updatePolicy', { id, name: 'x' }, 'PlatformOwnedError', 'id');
    await refuses(t, 'archivePolicy', { id }, 'PlatformOwnedError', 'id');
    await refuses(t, 'createPolicyVersion', { policyId: id, cedar: GOOD }, 'PlatformOwnedError', 'policyId');
    await refuses(t, 'archivePolicyVersion', { id: encodeGlobalID('PolicyVersion', version.id) }, 'PlatformOwnedError', 'id');
    const listed: Json = await t.ok(`query($id: ID!) { zone(id: $id) { policies(ownerType: PLATFORM) { edges { node { name ownerType createdBy { __typename } } } } } }`, { id: z });
    expect(listed.zone.policies.edges).toEqual([{ node: { name: 'platform-baseline', ownerType: 'PLATFORM', createdBy: null } }]);
  });

  it('a zone viewer reads policies and versions (policy.read) and changes nothing; a zone manager manages them', async () => {
    const id = await policy('for-members');
    const vid = (await must(t, 'createPolicyVersion', { policyId: id, cedar: GOOD }, VERSION)).policyVersion.id;
    for (const [email, role] of [['policy-viewer@acme.test', 'ZONE_VIEWER'], ['policy-manager@acme.test', 'ZONE_MANAGER']] as const) {
      const user = (await must(t, 'createUser', { accountId: acme, email, password: PASSWORD }, 'user { id }')).user.id;
      await must(t, 'addZoneMember', { zoneId: z, userId: user, role }, 'zoneMember { id }');
    }
    const viewer = t.as(await t.login('policy-viewer@acme.test', PASSWORD));
    const seen: Json = await viewer.ok(`query($id: ID!, $v: ID!) { node(id: $id) { ... on Policy { name viewerCan(capability: "policy.manage") versions { totalCount } } } v: node(id: $v) { ... on PolicyVersion { version sha } } }`, { id, v: vid });
    expect(seen.node).toEqual({ name: 'for-members', viewerCan: false, versions: { totalCount: 1 } });
    expect(seen.v.version).toBe(1);
    for (const [name, input] of [['createPolicy', { zoneId: z, name: 'v' }], ['updatePolicy', { id, name: 'v' }], ['createPolicyVersion', { policyId: id, cedar: GOOD }], ['archivePolicyVersion', { id: vid }], ['archivePolicy', { id }]] as const) {
      const pascal = name[0]!.toUpperCase() + name.slice(1);
      const result = await viewer.gql(`mutation($input: ${pascal}Input!) { ${name}(input: $input) { errors { __typename } } }`, { input });
      expect(result.errors?.[0]?.extensions?.code, name).toBe('FORBIDDEN');
    }
    const manager = t.as(await t.login('policy-manager@acme.test', PASSWORD));
    const made = await must(manager, 'createPolicy', { zoneId: z, name: 'by-manager' }, 'policy { id createdBy { ... on User { email } } }');
    expect(made.policy.createdBy.email).toBe('policy-manager@acme.test');
    await must(manager, 'createPolicyVersion', { policyId: made.policy.id, cedar: GOOD }, VERSION);
  });

  it('a draft is saved (validated) and replaced; a version is cut from it', async () => {
    const id = await policy('drafted');
    const none: Json = await t.ok(`query($id: ID!) { node(id: $id) { ... on Policy { draft { schemaVersion } } } }`, { id });
    expect(none.node.draft).toBeNull();
    const bad = await mutate(t, 'savePolicyDraft', { policyId: id, cedar: 'permit(principal is User, action, resource) when { principal.emial == "x" };' }, INVALID);
    expect(bad.errors[0]).toMatchObject({ __typename: 'PolicyValidationError', field: 'cedar' });
    const first = await must(t, 'savePolicyDraft', { policyId: id, cedar: 'permit(principal, action, resource);' }, 'draft { policyId schemaVersion cedarJson updatedBy { ... on User { email } } } policy { id latestVersion }');
    expect(first.draft).toMatchObject({ policyId: id, schemaVersion: '2025-11-01', cedarJson: (cedar.policyToJson('permit(principal, action, resource);') as { json: object }).json, updatedBy: { email: ADMIN_EMAIL } });
    expect(first.policy.latestVersion).toBeNull();
    await must(t, 'savePolicyDraft', { policyId: id, cedar: GOOD, schemaVersion: '2025-11-01' }, 'draft { schemaVersion }');
    const read: Json = await t.ok(`query($id: ID!) { node(id: $id) { ... on Policy { draft(format: CEDAR) { cedarRaw cedarJson } } } }`, { id });
    expect(read.node.draft).toEqual({ cedarRaw: GOOD, cedarJson: null });
    expect(await t.app.db.prisma.policyDraft.count({ where: { policyId: local(id) } })).toBe(1);
    const cut = await must(t, 'createPolicyVersion', { policyId: id, fromDraft: true }, VERSION);
    expect(cut.policyVersion).toMatchObject({ version: 1, schemaVersion: '2025-11-01', sha: sha((cedar.policyToJson(GOOD) as { json: object }).json) });
    await refuses(t, 'createPolicyVersion', { policyId: id, fromDraft: true, cedar: GOOD }, 'ValidationError', 'cedar');
    await refuses(t, 'createPolicyVersion', { policyId: await policy('no-draft'), fromDraft: true }, 'ValidationError', 'fromDraft');
  });

  it('deleting the zone deletes its policies and versions', async () => {
    const doomed = await zone(t, acme, 'Doomed');
    const id = (await must(t, 'createPolicy', { zoneId: doomed, name: 'p' }, 'policy { id }')).policy.id;
    await must(t, 'createPolicyVersion', { policyId: id, cedar: GOOD }, VERSION);
    await must(t, 'deleteZone', { id: doomed }, 'deletedZoneId');
    expect(await t.app.db.prisma.policy.count({ where: { zoneId: local(doomed) } })).toBe(0);
    expect(await t.app.db.prisma.policyVersion.count({ where: { zoneId: local(doomed) } })).toBe(0);
  });
});
