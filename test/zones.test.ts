// Zones and zone members through the API: creation rules, slugs, protocols, updates, deletion, the
// validation errors of every zone mutation (typed, with the field), the Account.zones and Zone.members
// lists with their filters and paging, and zone roles (zone-scoped capabilities).
import { decodeGlobalID, encodeGlobalID } from '@pothos/plugin-relay';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { account, user } from './support/fixtures.js';
import { provider, startTestApp, type TestApp } from './support/harness.js';
import { must, pageAll, refuses, zone, type Json } from './support/zones.js';

const ZONE_FIELDS = `id name slug description loginFlow requiresInvitation encryptionKey { type arn }
  protocols { oauth2 { issuer authorizationEndpoint tokenEndpoint jwksUri registrationEndpoint authorizationServerMetadata redirectUri dcrEnabled pkceRequired } openid { providerConfiguration userinfoEndpoint } }
  viewerPermissions viewerCan(capability: "zone.manage")`;

describe(`zones (${provider})`, () => {
  let t: TestApp;
  let acme: string;

  beforeAll(async () => {
    t = await startTestApp({ KEYGRAPH_PUBLIC_URL: 'https://id.example.com/base/' });
    acme = await account(t, 'Acme');
  });
  afterAll(() => t.close());

  it('creates a zone with a derived slug and protocols under KEYGRAPH_PUBLIC_URL', async () => {
    const { zone: z } = await must(t, 'createZone', { accountId: acme, name: 'Production  Zone!', description: ' main ', loginFlow: 'IDENTIFIER_FIRST', encryptionKey: { arn: 'arn:aws:kms:eu-west-1:123456789012:key/abcd-1234' } }, `zone { ${ZONE_FIELDS} }`);
    expect(z).toMatchObject({ name: 'Production  Zone!', slug: 'production-zone', description: 'main', loginFlow: 'IDENTIFIER_FIRST', requiresInvitation: false, encryptionKey: { type: 'aws', arn: 'arn:aws:kms:eu-west-1:123456789012:key/abcd-1234' }, viewerCan: true });
    expect(z.viewerPermissions).toContain('secret.value.read');
    const local = Buffer.from(z.id, 'base64').toString().split(':')[1];
    const issuer = `https://id.example.com/base/zones/${local}`;
    expect(z.protocols).toEqual({
      oauth2: {
        issuer,
        authorizationEndpoint: `${issuer}/oauth2/authorize`,
        tokenEndpoint: `${issuer}/oauth2/token`,
        jwksUri: `${issuer}/.well-known/jwks.json`,
        registrationEndpoint: `${issuer}/oauth2/register`,
        authorizationServerMetadata: `https://id.example.com/.well-known/oauth-authorization-server/base/zones/${local}`,
        redirectUri: `${issuer}/oauth2/callback`,
        dcrEnabled: true,
        pkceRequired: true,
      },
      openid: { providerConfiguration: `${issuer}/.well-known/openid-configuration`, userinfoEndpoint: `${issuer}/oauth2/userinfo` },
    });
    // A second zone of the same name gets the next free slug; an explicit taken slug is a conflict.
    const second = await must(t, 'createZone', { accountId: acme, name: 'Production Zone' }, 'zone { slug }');
    expect(second.zone.slug).toBe('production-zone-2');
    await refuses(t, 'createZone', { accountId: acme, name: 'X', slug: 'production-zone' }, 'ConflictError', 'slug');
    // Slugs are per account.
    const other = await account(t, 'Other');
    expect((await must(t, 'createZone', { accountId: other, name: 'x', slug: 'production-zone' }, 'zone { slug }')).zone.slug).toBe('production-zone');
  });

  it('refuses invalid zone input with typed errors naming the field', async () => {
    await refuses(t, 'createZone', { accountId: acme, name: '' }, 'ValidationError', 'name');
    await refuses(t, 'createZone', { accountId: acme, name: 'x'.repeat(256) }, 'ValidationError', 'name');
    await refuses(t, 'createZone', { accountId: acme, name: 'ok', slug: 'Not A Slug' }, 'ValidationError', 'slug');
    await refuses(t, 'createZone', { accountId: acme, name: 'ok', slug: '-edge' }, 'ValidationError', 'slug');
    await refuses(t, 'createZone', { accountId: acme, name: 'ok', slug: 'a'.repeat(64) }, 'ValidationError', 'slug');
    await refuses(t, 'createZone', { accountId: acme, name: 'ok', description: 'd'.repeat(2049) }, 'ValidationError', 'description');
    await refuses(t, 'createZone', { accountId: acme, name: 'ok', encryptionKey: { arn: 'not-an-arn' } }, 'ValidationError', 'encryptionKey');
    await refuses(t, 'createZone', { accountId: encodeGlobalID('Account', '01HZZZZZZZZZZZZZZZZZZZZZZZ'), name: 'ok' }, 'NotFoundError', 'accountId');
    const id = await zone(t, acme, 'Validation');
    await refuses(t, 'updateZone', { id, name: ' ' }, 'ValidationError', 'name');
    await refuses(t, 'updateZone', { id, slug: 'UPPER' }, 'ValidationError', 'slug');
    await refuses(t, 'updateZone', { id, description: 'd'.repeat(2049) }, 'ValidationError', 'description');
    await refuses(t, 'updateZone', { id, encryptionKey: { arn: '' } }, 'ValidationError', 'encryptionKey');
    await refuses(t, 'updateZone', { id, defaultResourceId: encodeGlobalID('Resource', 'nope') }, 'NotFoundError', 'defaultResourceId');
    await refuses(t, 'updateZone', { id, defaultMcpGatewayApplicationId: encodeGlobalID('Application', 'nope') }, 'NotFoundError', 'defaultMcpGatewayApplicationId');
    await refuses(t, 'updateZone', { id, userIdentityProviderId: encodeGlobalID('Provider', 'nope') }, 'NotFoundError', 'userIdentityProviderId');
    await refuses(t, 'updateZone', { id: encodeGlobalID('Zone', 'nope'), name: 'x' }, 'NotFoundError', 'id');
    await refuses(t, 'deleteZone', { id: encodeGlobalID('Zone', 'nope') }, 'NotFoundError', 'id');
    await refuses(t, 'addZoneMember', { zoneId: id, userId: encodeGlobalID('User', 'nope'), role: 'ZONE_VIEWER' }, 'NotFoundError', 'userId');
    await refuses(t, 'addZoneMember', { zoneId: encodeGlobalID('Zone', 'nope'), userId: encodeGlobalID('User', 'nope'), role: 'ZONE_VIEWER' }, 'NotFoundError', 'zoneId');
    await refuses(t, 'updateZoneMember', { id: encodeGlobalID('ZoneMember', 'nope'), role: 'ZONE_VIEWER' }, 'NotFoundError', 'id');
    await refuses(t, 'removeZoneMember', { id: encodeGlobalID('ZoneMember', 'nope') }, 'NotFoundError', 'id');
  });

  it('updates and deletes a zone', async () => {
    const id = await zone(t, acme, 'Staging');
    const { zone: z } = await must(t, 'updateZone', { id, name: 'Staging 2', slug: 'stage', requiresInvitation: true, loginFlow: 'DEFAULT', description: null }, 'zone { name slug requiresInvitation loginFlow description }');
    expect(z).toEqual({ name: 'Staging 2', slug: 'stage', requiresInvitation: true, loginFlow: 'DEFAULT', description: null });
    const { deletedZoneId } = await must(t, 'deleteZone', { id }, 'deletedZoneId');
    expect(deletedZoneId).toBe(id);
    expect((await t.ok<Json, Record<string, unknown>>(`query($id: ID!) { zone(id: $id) { id } node(id: $id) { id } }`, { id }))).toEqual({ zone: null, node: null });
  });

  it('deleting a zone deletes everything it holds', async () => {
    const id = await zone(t, acme, 'Doomed');
    const app = (await must(t, 'createApplication', { zoneId: id, identifier: 'doomed-app', name: 'Doomed App' }, 'application { id }')).application.id;
    const res = (await must(t, 'createResource', { zoneId: id, identifier: 'https://doomed.example', name: 'Doomed API' }, 'resource { id }')).resource.id;
    await must(t, 'addApplicationDependency', { applicationId: app, resourceId: res }, 'dependency { id }');
    await must(t, 'createApplicationCredential', { applicationId: app, public: {} }, 'applicationCredential { id }');
    await must(t, 'createProvider', { zoneId: id, identifier: 'doomed-idp', name: 'IdP', oauth2: { issuer: 'https://idp.example' }, clientSecret: 's3cret' }, 'provider { id }');
    await must(t, 'createSecret', { zoneId: id, name: 'doomed', value: { token: { token: 't' } } }, 'secret { id }');
    const local = decodeGlobalID(id).id;
    await t.app.services.zones.activity.recordZoneUser(local, { email: 'end@users.example', emailVerified: true, issuer: null, subject: null, providerId: null, authenticatedAt: null });
    await must(t, 'deleteZone', { id }, 'deletedZoneId');
    const db = t.app.db.prisma;
    const left = await Promise.all([db.application, db.applicationDependency, db.applicationCredential, db.resource, db.provider, db.secret, db.zoneUser, db.zoneMember].map((m) => (m as unknown as { count(a: object): Promise<number> }).count({ where: { zoneId: local } })));
    expect(left).toEqual([0, 0, 0, 0, 0, 0, 0, 0]);
    expect((await t.ok<Json, Record<string, unknown>>(`query($id: ID!) { node(id: $id) { id } }`, { id: app })).node).toBeNull();
  });

  it('seeing a zone is not reading its applications or secrets', async () => {
    const id = await zone(t, acme, 'Partly visible');
    const password = 'a long enough password';
    const reader = (await must(t, 'createUser', { accountId: acme, email: 'zone-reader@acme.test', password }, 'user { id }')).user.id;
    await must(t, 'grantAuthorization', { accountId: acme, grantKind: 'CAPABILITY', subjectType: 'USER', subjectId: reader, capabilityKey: 'zone.read' }, 'authorizationGrant { id }');
    const r = t.as(await t.login('zone-reader@acme.test', password));
    expect((await r.ok<Json, Record<string, unknown>>(`query($id: ID!) { zone(id: $id) { name members { totalCount } } }`, { id })).zone.name).toBe('Partly visible');
    for (const list of ['applications', 'applicationCredentials', 'resources', 'providers', 'secrets']) {
      const denied = await r.gql(`query($id: ID!) { zone(id: $id) { ${list} { totalCount } } }`, { id });
      expect(denied.errors?.[0]?.extensions?.code, list).toBe('FORBIDDEN');
    }
  });

  it('lists Account.zones with search and cursor paging', async () => {
    const fresh = await account(t, 'Lister');
    const names = Array.from({ length: 7 }, (_, i) => (i % 2 ? `Alpha ${i}` : `Beta ${i}`));
    const ids: string[] = [];
    for (const name of names) ids.push(await zone(t, fresh, name));
    const all = await pageAll(t, fresh, 'Account', 'zones', '', 3);
    expect(all).toEqual({ ids, totalCount: 7, pages: 3 });
    const alpha = await pageAll(t, fresh, 'Account', 'zones', 'search: "ALPHA"', 2);
    expect(alpha.ids).toEqual(ids.filter((_, i) => i % 2));
    expect(alpha.totalCount).toBe(3);
    // backwards
    const last: Json = await t.ok(`query($id: ID!) { node(id: $id) { ... on Account { zones(last: 2) { edges { node { id } } pageInfo { hasPreviousPage } } } } }`, { id: fresh });
    expect(last.node.zones.edges.map((e: Json) => e.node.id)).toEqual(ids.slice(-2));
    expect(last.node.zones.pageInfo.hasPreviousPage).toBe(true);
    const tooMany = await t.gql(`query($id: ID!) { node(id: $id) { ... on Account { zones(first: 101) { totalCount } } } }`, { id: fresh });
    expect(tooMany.errors?.[0]?.message).toMatch(/first must be between 1 and 100/);
  });

  describe('zone roles', () => {
    let zoneA: string;
    let zoneB: string;
    let managerToken: string;
    let viewerToken: string;
    let memberId: string;
    let viewerUser: string;

    beforeAll(async () => {
      zoneA = await zone(t, acme, 'Role A');
      zoneB = await zone(t, acme, 'Role B');
      const password = 'a long enough password';
      const manager = (await must(t, 'createUser', { accountId: acme, email: 'zm@acme.test', password }, 'user { id }')).user.id;
      viewerUser = (await must(t, 'createUser', { accountId: acme, email: 'zv@acme.test', password }, 'user { id }')).user.id;
      memberId = (await must(t, 'addZoneMember', { zoneId: zoneA, userId: manager, role: 'ZONE_MANAGER' }, 'zoneMember { id role user { email } }')).zoneMember.id;
      await must(t, 'addZoneMember', { zoneId: zoneA, userId: viewerUser, role: 'ZONE_VIEWER' }, 'zoneMember { id }');
      await refuses(t, 'addZoneMember', { zoneId: zoneA, userId: viewerUser, role: 'ZONE_MANAGER' }, 'ConflictError', 'userId');
      managerToken = await t.login('zm@acme.test', password);
      viewerToken = await t.login('zv@acme.test', password);
    });

    it('a zone manager manages its zone and nothing else', async () => {
      const m = t.as(managerToken);
      const seen: Json = await m.ok(`query($a: ID!, $b: ID!, $acc: ID!) { a: zone(id: $a) { name viewerPermissions } b: zone(id: $b) { name } account(id: $acc) { name } }`, { a: zoneA, b: zoneB, acc: acme });
      expect(seen.a.name).toBe('Role A');
      expect(seen.a.viewerPermissions).toEqual(expect.arrayContaining(['zone.manage', 'application.manage', 'credential.manage', 'secret.manage']));
      expect(seen.a.viewerPermissions).not.toContain('secret.value.read');
      expect(seen.b).toBeNull();
      expect(seen.account).toBeNull();
      await must(m, 'updateZone', { id: zoneA, description: 'managed' }, 'zone { id }');
      await refuses(m, 'updateZone', { id: zoneB, description: 'pwned' }, 'NotFoundError', 'id');
      await refuses(m, 'createZone', { accountId: acme, name: 'mine' }, 'NotFoundError', 'accountId');
      // Without user.read on the account, user ids are no oracle: an account user reads as not found.
      await refuses(m, 'addZoneMember', { zoneId: zoneA, userId: viewerUser, role: 'ZONE_MANAGER' }, 'NotFoundError', 'userId');
    });

    it('a zone viewer reads its zone and cannot change it', async () => {
      const v = t.as(viewerToken);
      const seen: Json = await v.ok(`query($a: ID!) { zone(id: $a) { name viewerCan(capability: "zone.manage") members(first: 10) { totalCount edges { node { role } } } } }`, { a: zoneA });
      expect(seen.zone).toMatchObject({ name: 'Role A', viewerCan: false, members: { totalCount: 2 } });
      const denied = await v.gql(`mutation($input: UpdateZoneInput!) { updateZone(input: $input) { errors { __typename } } }`, { input: { id: zoneA, name: 'pwned' } });
      expect(denied.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
      const escalate = await v.gql(`mutation($input: AddZoneMemberInput!) { addZoneMember(input: $input) { errors { __typename } } }`, { input: { zoneId: zoneA, userId: viewerUser, role: 'ZONE_MANAGER' } });
      expect(escalate.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    });

    it('roles change and end with updateZoneMember / removeZoneMember', async () => {
      await must(t, 'updateZoneMember', { id: memberId, role: 'ZONE_VIEWER' }, 'zoneMember { role }');
      const m = t.as(managerToken);
      expect((await m.ok<Json, Record<string, unknown>>(`query($a: ID!) { zone(id: $a) { viewerCan(capability: "zone.manage") } }`, { a: zoneA })).zone.viewerCan).toBe(false);
      await must(t, 'removeZoneMember', { id: memberId }, 'removedZoneMemberId');
      expect((await m.ok<Json, Record<string, unknown>>(`query($a: ID!) { zone(id: $a) { id } }`, { a: zoneA })).zone).toBeNull();
    });

    it('Zone.members filters by role and pages', async () => {
      const members: Json = await t.ok(`query($a: ID!) { zone(id: $a) { viewers: members(role: ZONE_VIEWER, first: 1) { totalCount edges { node { role user { email } } } pageInfo { hasNextPage } } managers: members(role: ZONE_MANAGER) { totalCount } } }`, { a: zoneA });
      expect(members.zone.viewers).toEqual({ totalCount: 1, edges: [{ node: { role: 'ZONE_VIEWER', user: { email: 'zv@acme.test' } } }], pageInfo: { hasNextPage: false } });
      expect(members.zone.managers.totalCount).toBe(0);
    });

    it('a user removed from the account loses its zone role', async () => {
      const other = await user(t, acme, 'leaver@acme.test');
      await must(t, 'addZoneMember', { zoneId: zoneB, userId: other, role: 'ZONE_MANAGER' }, 'zoneMember { id }');
      const before = await t.app.store.grants.heldBy([Buffer.from(other, 'base64').toString().split(':')[1]!]);
      expect([...before.values()][0]!.grants.some((g) => g.kind === 'ZONE_ROLE')).toBe(true);
      await must(t, 'removeUser', { accountId: acme, userId: other }, 'removedUserId');
      const after = await t.app.store.grants.heldBy([Buffer.from(other, 'base64').toString().split(':')[1]!]);
      expect([...after.values()][0]!.grants.some((g) => g.kind === 'ZONE_ROLE')).toBe(false);
      const listed: Json = await t.ok(`query($b: ID!) { zone(id: $b) { members { totalCount edges { node { userId } } } } }`, { b: zoneB });
      expect(listed.zone.members).toEqual({ totalCount: 0, edges: [] });
    });
  });
});
