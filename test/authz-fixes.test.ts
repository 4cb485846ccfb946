// Two authorization fixes of issue 11, as scenarios through the API:
// - deleting a group revokes the role assignments made to it, as it revokes the grants made to it;
// - explainAccess names the zone membership a zone role comes from (AccessPath.zoneMember), for a check in a zone.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { account, addUser, group, user } from './support/fixtures.js';
import { provider, startTestApp, type TestApp } from './support/harness.js';
import { must, zone, type Json } from './support/zones.js';

type Vars = Record<string, unknown>;

describe(`authorization fixes (${provider})`, () => {
  let t: TestApp;
  let acme: string;

  beforeAll(async () => {
    t = await startTestApp();
    acme = await account(t, 'Acme');
  });
  afterAll(() => t.close());

  it('deleting a group revokes the role assignments and grants made to it', async () => {
    const doomed = await group(t, acme, 'Doomed');
    const kept = await group(t, acme, 'Kept');
    const dana = await user(t, acme, 'dana@acme.test');
    await addUser(t, doomed, dana);
    const role = await must(t, 'createRoleAssignment', { accountId: acme, roleKey: 'VIEWER', subjectType: 'GROUP', subjectId: doomed, resourceType: 'ACCOUNT', resourceId: acme }, 'roleAssignment { id }');
    const otherRole = await must(t, 'createRoleAssignment', { accountId: acme, roleKey: 'VIEWER', subjectType: 'GROUP', subjectId: kept, resourceType: 'ACCOUNT', resourceId: acme }, 'roleAssignment { id }');
    const grant = await must(t, 'grantAuthorization', { accountId: acme, grantKind: 'CAPABILITY', capabilityKey: 'group.read', subjectType: 'GROUP', subjectId: doomed }, 'authorizationGrant { id }');

    await must(t, 'deleteGroup', { id: doomed }, 'deletedGroupId');

    const read = await t.ok<Json, Vars>(
      `query($r: ID!, $o: ID!, $g: ID!) {
        role: node(id: $r) { ... on RoleAssignment { revokedAt } }
        other: node(id: $o) { ... on RoleAssignment { revokedAt } }
        grant: node(id: $g) { ... on AuthorizationGrant { revokedAt } }
      }`,
      { r: role.roleAssignment.id, o: otherRole.roleAssignment.id, g: grant.authorizationGrant.id },
    );
    expect(read.role.revokedAt).not.toBeNull();
    expect(read.grant.revokedAt).not.toBeNull();
    // Only the deleted group's assignments go.
    expect(read.other.revokedAt).toBeNull();
    const active = await t.ok<Json, Vars>('query($a: ID!) { account(id: $a) { roleAssignments(first: 100) { edges { node { id revokedAt } } } } }', { a: acme });
    const activeIds = active.account.roleAssignments.edges.filter((e: Json) => e.node.revokedAt === null).map((e: Json) => e.node.id);
    expect(activeIds).toContain(otherRole.roleAssignment.id);
    expect(activeIds).not.toContain(role.roleAssignment.id);
  });

  it('explainAccess in a zone names the zone membership a zone role comes from', async () => {
    const production = await zone(t, acme, 'Production');
    const staging = await zone(t, acme, 'Staging');
    const zoe = await user(t, acme, 'zoe@acme.test');
    const member = await must(t, 'addZoneMember', { zoneId: production, userId: zoe, role: 'ZONE_VIEWER' }, 'zoneMember { id }');

    const explain = (zoneId: string) =>
      t.ok<Json, Vars>(
        `query($s: ID!, $a: ID!, $z: ID!) {
          explainAccess(subject: $s, capability: "zone.read", resource: { accountId: $a, zoneId: $z }) {
            allowed paths { source grant { id } roleAssignment { id } zoneMember { id role } viaGroups { id } }
          }
        }`,
        { s: zoe, a: acme, z: zoneId },
      );
    const there = await explain(production);
    expect(there.explainAccess).toEqual({
      allowed: true,
      paths: [{ source: 'ZONE_ROLE', grant: null, roleAssignment: null, zoneMember: { id: member.zoneMember.id, role: 'ZONE_VIEWER' }, viaGroups: [] }],
    });
    // The membership of one zone gives nothing in another, nor on the account.
    expect((await explain(staging)).explainAccess).toEqual({ allowed: false, paths: [] });
    const onAccount = await t.ok<Json, Vars>('query($s: ID!, $a: ID!) { explainAccess(subject: $s, capability: "zone.read", resource: { accountId: $a }) { allowed paths { source } } }', { s: zoe, a: acme });
    expect(onAccount.explainAccess).toEqual({ allowed: false, paths: [] });
  });
});
