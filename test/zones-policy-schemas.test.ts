// Policy schemas (issue 14; reference 001 zones.policy_schemas.*): keygraph ships versioned Cedar
// schemas of a zone's entities, one per status; every one parses with Cedar itself. A zone reads them
// in either form with isDefault, and chooses its default among those not archived.
import * as cedar from '@cedar-policy/cedar-wasm/nodejs';
import { encodeGlobalID } from '@pothos/plugin-relay';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LATEST_POLICY_SCHEMA, POLICY_SCHEMAS } from '../src/domain/zone/policy-schemas.js';
import { cedarEngine } from '../src/infra/cedar.js';
import { account } from './support/fixtures.js';
import { provider as dbProvider, startTestApp, type TestApp } from './support/harness.js';
import { must, refuses, zone, type Json } from './support/zones.js';

const PASSWORD = 'a long enough password';
const LIST = `query($id: ID!, $format: PolicyFormat!, $status: PolicySchemaStatus, $first: Int, $after: String) { zone(id: $id) {
  policySchemas(format: $format, status: $status, first: $first, after: $after) { totalCount pageInfo { hasNextPage endCursor }
    edges { node { version status isDefault cedarSchema cedarSchemaJson createdAt updatedAt deprecatedAt archivedAt } } } } }`;

describe('shipped policy schemas', () => {
  it('every version parses with cedar-wasm, and its JSON form says the same as its Cedar form', () => {
    expect(POLICY_SCHEMAS.length).toBeGreaterThanOrEqual(2);
    expect(new Set(POLICY_SCHEMAS.map((s) => s.status))).toEqual(new Set(['ACTIVE', 'DEPRECATED', 'ARCHIVED']));
    for (const schema of POLICY_SCHEMAS) {
      expect(cedar.checkParseSchema(schema.cedarSchema), schema.version).toEqual({ type: 'success' });
      const json = cedarEngine().schemaJson(schema.cedarSchema);
      expect(cedar.checkParseSchema(json as never), schema.version).toEqual({ type: 'success' });
      const text = cedar.schemaToText(json as never);
      expect(text.type).toBe('success');
      expect(cedarEngine().schemaJson((text as { text: string }).text)).toEqual(json);
    }
    expect(LATEST_POLICY_SCHEMA).toBe('2025-11-01');
  });

  it('the active version describes the entity model of the issue', () => {
    const json = cedarEngine().schemaJson(POLICY_SCHEMAS.find((s) => s.version === LATEST_POLICY_SCHEMA)!.cedarSchema) as Json;
    const entities = json[''].entityTypes;
    expect(Object.keys(entities.User.shape.attributes).sort()).toEqual(['email', 'email_verified', 'issuer', 'provider']);
    expect(Object.keys(entities.Application.shape.attributes).sort()).toEqual(['identifier', 'owner_type', 'traits']);
    expect(Object.keys(entities.Resource.shape.attributes).sort()).toEqual(['application_type', 'identifier', 'scopes']);
    expect(entities.Resource.memberOfTypes).toEqual(['Application']);
    expect(Object.keys(json[''].actions).sort()).toEqual(['access', 'delegate']);
    expect(json[''].actions.access.appliesTo.principalTypes.sort()).toEqual(['Application', 'User']);
    // A policy written against it validates in strict mode; one naming a missing attribute does not.
    const schema = POLICY_SCHEMAS.find((s) => s.version === LATEST_POLICY_SCHEMA)!.cedarSchema;
    expect(cedarEngine().validate(schema, 'permit(principal is User, action == Action::"access", resource is Resource) when { principal.email_verified && context.scopes.contains("read") };')).toEqual([]);
    const [problem] = cedarEngine().validate(schema, 'permit(principal is User, action == Action::"access", resource) when { principal.emial == "x" };');
    expect(problem).toMatchObject({ message: expect.stringContaining('emial'), help: expect.stringContaining('email') });
    expect(problem!.start).toBeGreaterThan(0);
  });
});

describe(`policy schemas of a zone (${dbProvider})`, () => {
  let t: TestApp;
  let acme: string;
  let z: string;

  beforeAll(async () => {
    t = await startTestApp();
    acme = await account(t, 'Acme');
    z = await zone(t, acme, 'Policies');
  });
  afterAll(() => t.close());

  it('lists every version newest first, in the JSON form by default, with isDefault', async () => {
    const data: Json = await t.ok(LIST, { id: z, format: 'JSON' });
    const list = data.zone.policySchemas;
    expect(list.totalCount).toBe(POLICY_SCHEMAS.length);
    expect(list.edges.map((e: Json) => [e.node.version, e.node.status, e.node.isDefault])).toEqual([
      ['2025-11-01', 'ACTIVE', true],
      ['2025-06-01', 'DEPRECATED', false],
      ['2025-01-01', 'ARCHIVED', false],
    ]);
    for (const { node } of list.edges) {
      expect(node.cedarSchema).toBeNull();
      expect(node.cedarSchemaJson).toEqual(cedarEngine().schemaJson(POLICY_SCHEMAS.find((s) => s.version === node.version)!.cedarSchema));
    }
    expect(list.edges[1].node).toMatchObject({ deprecatedAt: '2025-11-01T00:00:00.000Z', archivedAt: null });
    expect(list.edges[2].node.archivedAt).toBe('2025-09-01T00:00:00.000Z');
    const cedarForm: Json = await t.ok(LIST, { id: z, format: 'CEDAR', status: 'ACTIVE' });
    expect(cedarForm.zone.policySchemas.totalCount).toBe(1);
    expect(cedarForm.zone.policySchemas.edges[0].node.cedarSchemaJson).toBeNull();
    expect(cedarForm.zone.policySchemas.edges[0].node.cedarSchema).toBe(POLICY_SCHEMAS.at(-1)!.cedarSchema);
    const first: Json = await t.ok(LIST, { id: z, format: 'JSON', first: 2 });
    expect(first.zone.policySchemas.pageInfo.hasNextPage).toBe(true);
    const rest: Json = await t.ok(LIST, { id: z, format: 'JSON', first: 2, after: first.zone.policySchemas.pageInfo.endCursor });
    expect(rest.zone.policySchemas.edges.map((e: Json) => e.node.version)).toEqual(['2025-01-01']);
    const one: Json = await t.ok(`query($id: ID!) { zone(id: $id) { a: policySchema(version: "2025-06-01", format: CEDAR) { version isDefault cedarSchema } b: policySchema(version: "1999-01-01") { version } } }`, { id: z });
    expect(one.zone.a).toMatchObject({ version: '2025-06-01', isDefault: false, cedarSchema: expect.stringContaining('entity Resource in [Application]') });
    expect(one.zone.b).toBeNull();
  });

  it('setDefaultPolicySchema moves the default; archived and unknown versions are refused', async () => {
    const set = await must(t, 'setDefaultPolicySchema', { zoneId: z, version: '2025-06-01' }, 'zone { id } policySchema { version isDefault status }');
    expect(set).toMatchObject({ zone: { id: z }, policySchema: { version: '2025-06-01', isDefault: true, status: 'DEPRECATED' } });
    const data: Json = await t.ok(LIST, { id: z, format: 'JSON' });
    expect(data.zone.policySchemas.edges.filter((e: Json) => e.node.isDefault).map((e: Json) => e.node.version)).toEqual(['2025-06-01']);
    await refuses(t, 'setDefaultPolicySchema', { zoneId: z, version: '2025-01-01' }, 'ConflictError', 'version');
    await refuses(t, 'setDefaultPolicySchema', { zoneId: z, version: 'nope' }, 'NotFoundError', 'version');
    await refuses(t, 'setDefaultPolicySchema', { zoneId: encodeGlobalID('Zone', 'nope'), version: '2025-06-01' }, 'NotFoundError', 'zoneId');
    // Another zone keeps its own default.
    const other = await zone(t, acme, 'Other');
    const otherData: Json = await t.ok(LIST, { id: other, format: 'JSON', status: 'ACTIVE' });
    expect(otherData.zone.policySchemas.edges[0].node.isDefault).toBe(true);
    await must(t, 'setDefaultPolicySchema', { zoneId: z, version: '2025-11-01' }, 'zone { id }');
  });

  it('a zone viewer reads the schemas (policy.read) and cannot choose the default; a zone manager can', async () => {
    for (const [email, role] of [['schema-viewer@acme.test', 'ZONE_VIEWER'], ['schema-manager@acme.test', 'ZONE_MANAGER']] as const) {
      const user = (await must(t, 'createUser', { accountId: acme, email, password: PASSWORD }, 'user { id }')).user.id;
      await must(t, 'addZoneMember', { zoneId: z, userId: user, role }, 'zoneMember { id }');
    }
    const viewer = t.as(await t.login('schema-viewer@acme.test', PASSWORD));
    const seen: Json = await viewer.ok(`query($id: ID!) { zone(id: $id) { viewerCan(capability: "policy.read") policySchemas(format: CEDAR) { totalCount } } }`, { id: z });
    expect(seen.zone).toEqual({ viewerCan: true, policySchemas: { totalCount: POLICY_SCHEMAS.length } });
    const denied = await viewer.gql(`mutation($input: SetDefaultPolicySchemaInput!) { setDefaultPolicySchema(input: $input) { errors { __typename } } }`, { input: { zoneId: z, version: '2025-06-01' } });
    expect(denied.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    const manager = t.as(await t.login('schema-manager@acme.test', PASSWORD));
    await must(manager, 'setDefaultPolicySchema', { zoneId: z, version: '2025-06-01' }, 'zone { id }');
  });
});
