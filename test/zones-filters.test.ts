// Filters of reference 001 that key a list by another object: Zone.members(userId:) (zone members are
// keyed by organization user) and Application.dependencies(resourceId:) (zones.applications.dependencies
// .retrieve). On the demo data; an id of another type, of another zone or account, or no id at all
// matches nothing.
import { encodeGlobalID } from '@pothos/plugin-relay';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_OWNER_EMAIL, seedDemo } from '../src/domain/demo.js';
import { ScryptHasher } from '../src/infra/crypto/password.js';
import { provider, startTestApp, type Caller, type TestApp } from './support/harness.js';
import type { Json } from './support/zones.js';

const PASSWORD = 'demo password for filters';

describe(`zone list filters by object (${provider})`, () => {
  let t: TestApp;
  let owner: Caller;
  let production: string;
  let staging: string;

  beforeAll(async () => {
    t = await startTestApp();
    const result = await seedDemo(t.app.store, t.app.services, new ScryptHasher(10), PASSWORD);
    [production, staging] = result.zoneIds.map((id) => encodeGlobalID('Zone', id)) as [string, string];
    owner = t.as(await t.login(DEMO_OWNER_EMAIL, PASSWORD));
  });
  afterAll(() => t.close());

  const MEMBERS = `query($z: ID!, $u: ID) { zone(id: $z) { members(userId: $u) { totalCount edges { node { role userId user { email } } } } } }`;

  it('Zone.members(userId:) gives the one membership of that user', async () => {
    const all: Json = await owner.ok(MEMBERS, { z: production });
    expect(all.zone.members.totalCount).toBe(2);
    for (const edge of all.zone.members.edges) {
      const one: Json = await owner.ok(MEMBERS, { z: production, u: edge.node.userId });
      expect(one.zone.members).toEqual({ totalCount: 1, edges: [edge] });
    }
    const grace = all.zone.members.edges.find((e: Json) => e.node.user.email === 'grace@acme-demo.example').node;
    expect(grace.role).toBe('ZONE_MANAGER');
    // grace has no role in Staging; a zone id, a made-up id or a foreign user's id match nothing.
    expect((await owner.ok<Json, Json>(MEMBERS, { z: staging, u: grace.userId })).zone.members.totalCount).toBe(0);
    for (const u of [production, 'not-a-global-id', encodeGlobalID('User', '01ARZ3NDEKTSV4RRFFQ69G5FAV'), encodeGlobalID('User', t.admin.userId)]) {
      expect((await owner.ok<Json, Json>(MEMBERS, { z: production, u })).zone.members.totalCount, u).toBe(0);
    }
  });

  const DEPENDENCIES = `query($z: ID!, $r: ID) { zone(id: $z) { applications(first: 10) { edges { node { name dependencies(resourceId: $r) { totalCount edges { node { id resource { id name } } } } } } } } }`;

  it('Application.dependencies(resourceId:) gives the dependency on that resource', async () => {
    const all: Json = await owner.ok(DEPENDENCIES, { z: production });
    const pairs = all.zone.applications.edges.flatMap((a: Json) => a.node.dependencies.edges.map((d: Json) => ({ app: a.node.name, dependency: d })));
    expect(pairs.length).toBeGreaterThan(0);
    for (const { app, dependency } of pairs) {
      const filtered: Json = await owner.ok(DEPENDENCIES, { z: production, r: dependency.node.resource.id });
      const mine = filtered.zone.applications.edges.find((a: Json) => a.node.name === app).node.dependencies;
      expect(mine).toEqual({ totalCount: 1, edges: [dependency] });
    }
    for (const r of [production, 'nope', encodeGlobalID('Resource', '01ARZ3NDEKTSV4RRFFQ69G5FAV')]) {
      const none: Json = await owner.ok(DEPENDENCIES, { z: production, r });
      expect(none.zone.applications.edges.every((a: Json) => a.node.dependencies.totalCount === 0), r).toBe(true);
    }
  });

  it('an application dependency is a Node, seen (and held) as its application', async () => {
    const all: Json = await owner.ok(DEPENDENCIES, { z: production });
    const dependency = all.zone.applications.edges.flatMap((a: Json) => a.node.dependencies.edges.map((d: Json) => d.node))[0];
    const NODE = `query($id: ID!) { node(id: $id) { __typename id ... on ApplicationDependency { resource { id } application { name } viewerCan(capability: "application.manage") viewerPermissions } } }`;
    // (node and nodes asking for the same id in one request trip a Pothos type-resolution error for every node type: asked apart.)
    const NODES = `query($id: ID!) { nodes(ids: [$id]) { id } }`;
    const asOwner: Json = await owner.ok(NODE, { id: dependency.id });
    expect(asOwner.node).toMatchObject({ __typename: 'ApplicationDependency', id: dependency.id, resource: { id: dependency.resource.id }, viewerCan: true });
    expect((await owner.ok<Json, Json>(NODES, { id: dependency.id })).nodes).toEqual([{ id: dependency.id }]);
    // linus views Production (ZONE_VIEWER): he sees it, and may not change it; ada manages Staging only: nothing.
    const linus: Json = await t.as(await t.login('linus@acme-demo.example', PASSWORD)).ok(NODE, { id: dependency.id });
    expect(linus.node).toMatchObject({ __typename: 'ApplicationDependency', viewerCan: false });
    expect(linus.node.viewerPermissions).toContain('application.read');
    const ada = t.as(await t.login('ada@acme-demo.example', PASSWORD));
    for (const caller of [ada, t.as(null)]) {
      expect(await caller.ok<Json, Json>(NODE, { id: dependency.id })).toEqual({ node: null });
      expect(await caller.ok<Json, Json>(NODES, { id: dependency.id })).toEqual({ nodes: [null] });
    }
  });
});
