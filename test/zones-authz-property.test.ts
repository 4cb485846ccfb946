// Zone roles as a property: random worlds (an account with two zones, each with an application; users,
// some in a group; zone memberships ZONE_MANAGER / ZONE_VIEWER, some of users no longer in the account;
// account-wide capability grants and roles, to users or to the group; owners; grants scoped to one zone;
// and a second account whose zone memberships must not leak) are written through the repositories, then
// every user asks the API what it holds on each zone and application and tries one updateApplication.
// The answers are compared with a brute-force evaluator written here from the rules (resolve.ts header)
// with the zone roles transcribed by hand (nothing is imported from src/domain/authz).
//
// KEYGRAPH_ZONE_PROPERTY_RUNS sets the number of worlds (default 60); KEYGRAPH_PROPERTY_SEED replays a run.
import { encodeGlobalID } from '@pothos/plugin-relay';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ScryptHasher } from '../src/infra/crypto/password.js';
import { provider, startTestApp, type GraphQLResult, type TestApp } from './support/harness.js';

const IMPLIES: Record<string, string[]> = {
  'account.read': [],
  'zone.read': ['account.read'],
  'zone.manage': ['zone.read'],
  'application.read': ['account.read'],
  'application.manage': ['application.read'],
  'credential.read': ['account.read'],
  'credential.manage': ['credential.read'],
  'secret.read': ['account.read'],
  'secret.manage': ['secret.read'],
  'secret.value.read': ['secret.read'],
  'user.read': ['account.read'],
};
const ZONE_ROLE_TABLE: Record<string, string[]> = {
  ZONE_MANAGER: ['zone.manage', 'application.manage', 'credential.manage', 'secret.manage'],
  ZONE_VIEWER: ['zone.read', 'application.read', 'credential.read', 'secret.read'],
};
// Account roles of reference 000, only as far as these capabilities go.
const ROLE_TABLE: Record<string, string[]> = {
  viewer: ['account.read', 'zone.read', 'application.read', 'credential.read', 'secret.read'],
  editor: ['account.read', 'zone.read', 'application.read', 'credential.read', 'secret.read', 'zone.manage', 'application.manage'],
  credential_manager: ['account.read', 'credential.manage', 'secret.manage', 'secret.value.read'],
};
const POOL = Object.keys(IMPLIES);
const CHECKED = POOL.filter((k) => k !== 'user.read');

function closure(keys: Iterable<string>): Set<string> {
  const held = new Set<string>();
  const visit = (k: string) => {
    if (held.has(k) || !(k in IMPLIES)) return;
    held.add(k);
    IMPLIES[k]!.forEach(visit);
  };
  for (const k of keys) visit(k);
  return held;
}

type Subject = { t: 'user'; i: number } | { t: 'group' };
type Grant =
  | { kind: 'MEMBER'; user: number; zone: number; role: 'ZONE_MANAGER' | 'ZONE_VIEWER'; removedFromAccount: boolean }
  | { kind: 'CAPABILITY'; subject: Subject; key: string; zone: number | null }
  | { kind: 'ROLE'; subject: Subject; key: string }
  | { kind: 'OWNER'; subject: Subject }
  | { kind: 'FOREIGN_MEMBER'; user: number; role: 'ZONE_MANAGER' | 'ZONE_VIEWER' };

interface Spec {
  users: number;
  inGroup: boolean[];
  grants: Grant[];
  /** The application each user tries to rename: 0 or 1 (one per zone). */
  mutate: number[];
}

const specArb: fc.Arbitrary<Spec> = fc.integer({ min: 2, max: 4 }).chain((users) => {
  const user = fc.integer({ min: 0, max: users - 1 });
  const subject: fc.Arbitrary<Subject> = fc.oneof({ arbitrary: user.map((i) => ({ t: 'user' as const, i })), weight: 3 }, { arbitrary: fc.constant({ t: 'group' as const }), weight: 1 });
  const role = fc.constantFrom('ZONE_MANAGER' as const, 'ZONE_VIEWER' as const);
  const grant: fc.Arbitrary<Grant> = fc.oneof(
    { arbitrary: fc.record({ kind: fc.constant('MEMBER' as const), user, zone: fc.integer({ min: 0, max: 1 }), role, removedFromAccount: fc.integer({ min: 0, max: 5 }).map((n) => n === 0) }), weight: 10 },
    { arbitrary: fc.record({ kind: fc.constant('CAPABILITY' as const), subject, key: fc.constantFrom(...POOL), zone: fc.option(fc.integer({ min: 0, max: 1 }), { freq: 2 }) }), weight: 6 },
    { arbitrary: fc.record({ kind: fc.constant('ROLE' as const), subject, key: fc.constantFrom(...Object.keys(ROLE_TABLE)) }), weight: 2 },
    { arbitrary: fc.record({ kind: fc.constant('OWNER' as const), subject }), weight: 1 },
    { arbitrary: fc.record({ kind: fc.constant('FOREIGN_MEMBER' as const), user, role }), weight: 2 },
  );
  return fc.record({
    users: fc.constant(users),
    inGroup: fc.array(fc.boolean(), { minLength: users, maxLength: users }),
    grants: fc.array(grant, { maxLength: 8 }),
    mutate: fc.array(fc.integer({ min: 0, max: 1 }), { minLength: users, maxLength: users }),
  });
});

/** Whether user `u` is removed from the account after its memberships and grants are written. */
function removed(spec: Spec, u: number): boolean {
  return spec.grants.some((g) => g.kind === 'MEMBER' && g.user === u && g.removedFromAccount);
}

/** What user `u` holds on zone `z` (and on its application: no grant here names an application). */
function oracle(spec: Spec, u: number, z: number): Set<string> {
  if (removed(spec, u)) return new Set(); // a user removed from the account holds nothing on it any more
  const mine = (s: Subject) => (s.t === 'user' ? s.i === u : spec.inGroup[u]!);
  const held: string[] = [];
  for (const g of spec.grants) {
    if (g.kind === 'OWNER' && mine(g.subject)) return new Set(CHECKED);
    // One membership per user and zone: the first one written (the build skips repeats).
    if (g.kind === 'MEMBER' && g.user === u && g.zone === z && g === spec.grants.find((m) => m.kind === 'MEMBER' && m.user === u && m.zone === z)) held.push(...ZONE_ROLE_TABLE[g.role]!);
    if (g.kind === 'CAPABILITY' && mine(g.subject) && (g.zone === null || g.zone === z)) held.push(g.key);
    if (g.kind === 'ROLE' && mine(g.subject)) held.push(...ROLE_TABLE[g.key]!);
  }
  return closure(held);
}

const PASSWORD = 'zone property password';
const RUNS = Number(process.env.KEYGRAPH_ZONE_PROPERTY_RUNS ?? 60);
const SEED = process.env.KEYGRAPH_PROPERTY_SEED ? Number(process.env.KEYGRAPH_PROPERTY_SEED) : (Math.random() * 2 ** 31) | 0;

describe(`zone roles property (${provider})`, () => {
  let t: TestApp;
  let hash: string;
  let n = 0;

  beforeAll(async () => {
    t = await startTestApp();
    hash = await new ScryptHasher(10).hash(PASSWORD);
  });
  afterAll(() => t?.close());

  async function build(spec: Spec) {
    const w = ++n;
    return t.app.store.transaction(async (tx) => {
      const account = await tx.accounts.create({ name: `Zone world ${w}`, description: null });
      const foreign = await tx.accounts.create({ name: `Foreign ${w}`, description: null });
      const zones = [];
      const apps = [];
      for (let i = 0; i < 2; i++) {
        const zone = await tx.zones.zones.create({ accountId: account.id, name: `z${i}`, slug: `z${i}`, description: null, loginFlow: null, requiresInvitation: false, encryptionKey: null, defaultResourceId: null, defaultMcpGatewayApplicationId: null, userIdentityProviderId: null });
        zones.push(zone.id);
        apps.push((await tx.zones.applications.create({ accountId: account.id, zoneId: zone.id, identifier: `a${i}`, slug: `a${i}`, name: `a${i}`, description: null, docsUrl: null, redirectUris: [], postLogoutRedirectUris: [], traits: [], ownerType: 'CUSTOMER' })).id);
      }
      const foreignZone = await tx.zones.zones.create({ accountId: foreign.id, name: 'fz', slug: 'fz', description: null, loginFlow: null, requiresInvitation: false, encryptionKey: null, defaultResourceId: null, defaultMcpGatewayApplicationId: null, userIdentityProviderId: null });
      const group = await tx.groups.create({ accountId: account.id, name: 'g', description: null, attributes: {}, linkedScopes: [] });
      const users: string[] = [];
      const emails: string[] = [];
      for (let i = 0; i < spec.users; i++) {
        const email = `zw${w}-u${i}-${SEED}@zone-property.test`;
        const user = await tx.users.create({ email, username: null, firstName: null, lastName: null, passwordHash: hash });
        await tx.users.addToAccount(account.id, user.id);
        if (spec.inGroup[i]) await tx.groups.addUser(group.id, user.id);
        users.push(user.id);
        emails.push(email);
      }
      const subjectOf = (s: Subject) => (s.t === 'user' ? { subjectType: 'USER' as const, subjectId: users[s.i]! } : { subjectType: 'GROUP' as const, subjectId: group.id });
      const seen = new Set<string>();
      for (const g of spec.grants) {
        if (g.kind === 'MEMBER' || g.kind === 'FOREIGN_MEMBER') {
          const zoneId = g.kind === 'MEMBER' ? zones[g.zone]! : foreignZone.id;
          const key = `${zoneId}:${g.user}`;
          if (seen.has(key)) continue;
          seen.add(key);
          await tx.zones.members.create({ accountId: g.kind === 'MEMBER' ? account.id : foreign.id, zoneId, userId: users[g.user]!, role: g.role });
          if (g.kind === 'FOREIGN_MEMBER') await tx.users.addToAccount(foreign.id, users[g.user]!);
        } else if (g.kind === 'CAPABILITY') {
          await tx.grants.create({ accountId: account.id, grantKind: 'CAPABILITY', ...subjectOf(g.subject), capabilityKey: g.key, resourceType: g.zone === null ? null : 'zone', resourceId: g.zone === null ? null : zones[g.zone]! });
        } else if (g.kind === 'ROLE') {
          await tx.roleAssignments.create({ accountId: account.id, roleKey: g.key, ...subjectOf(g.subject), resourceType: 'account', resourceId: account.id, createdById: null });
        } else {
          await tx.grants.create({ accountId: account.id, grantKind: 'ACCOUNT_OWNER', ...subjectOf(g.subject) });
        }
      }
      // Removed from the account after the fact: memberships stay stored, and must stop counting.
      for (let u = 0; u < spec.users; u++) if (removed(spec, u)) await tx.users.removeFromAccount(account.id, users[u]!);
      return { zones, apps, users, emails };
    });
  }

  it(`agrees with the reference model on ${RUNS} random worlds (seed ${SEED})`, async () => {
    const disagreements: string[] = [];
    let checks = 0;
    await fc.assert(
      fc.asyncProperty(specArb, async (spec) => {
        const world = await build(spec);
        for (let u = 0; u < spec.users; u++) {
          const caller = t.as(await t.login(world.emails[u]!, PASSWORD));
          const ids = { z0: encodeGlobalID('Zone', world.zones[0]!), z1: encodeGlobalID('Zone', world.zones[1]!), a0: encodeGlobalID('Application', world.apps[0]!), a1: encodeGlobalID('Application', world.apps[1]!) };
          const result = (await caller.gql(
            `query($z0: ID!, $z1: ID!, $a0: ID!, $a1: ID!) {
              z0: zone(id: $z0) { viewerPermissions } z1: zone(id: $z1) { viewerPermissions }
              a0: node(id: $a0) { ... on Application { viewerPermissions } } a1: node(id: $a1) { ... on Application { viewerPermissions } }
            }`,
            ids,
          )) as GraphQLResult<Record<string, { viewerPermissions: string[] } | null>>;
          for (const [alias, z] of [['z0', 0], ['z1', 1], ['a0', 0], ['a1', 1]] as const) {
            checks++;
            const expected = oracle(spec, u, z);
            const need = alias.startsWith('z') ? 'zone.read' : 'application.read';
            const visible = expected.has(need);
            const got = result.data?.[alias];
            const actual = got ? got.viewerPermissions.filter((k) => CHECKED.includes(k)).sort() : null;
            const want = visible ? [...expected].filter((k) => CHECKED.includes(k)).sort() : null;
            if (JSON.stringify(actual) !== JSON.stringify(want)) disagreements.push(`u${u} ${alias}: expected ${JSON.stringify(want)}, got ${JSON.stringify(actual)} (errors ${JSON.stringify(result.errors)})`);
          }
          const target = spec.mutate[u]!;
          const mutation = (await caller.gql(`mutation($input: UpdateApplicationInput!) { updateApplication(input: $input) { application { name } errors { __typename } } }`, {
            input: { id: encodeGlobalID('Application', world.apps[target]!), name: `renamed by u${u}` },
          })) as GraphQLResult<{ updateApplication: { application: { name: string } | null; errors: { __typename: string }[] } }>;
          const caps = oracle(spec, u, target);
          const want = !caps.has('application.read') ? 'NotFoundError' : !caps.has('application.manage') ? 'FORBIDDEN' : 'updated';
          const got = mutation.errors?.length ? String(mutation.errors[0]!.extensions?.code) : (mutation.data?.updateApplication.errors[0]?.__typename ?? (mutation.data?.updateApplication.application ? 'updated' : 'nothing'));
          checks++;
          if (got !== want) disagreements.push(`u${u} updateApplication a${target}: expected ${want}, got ${got}`);
        }
        if (disagreements.length) throw new Error(`world ${JSON.stringify(spec)}:\n  ${disagreements.join('\n  ')}`);
      }),
      { numRuns: RUNS, seed: SEED, endOnFailure: true },
    );
    console.log(`zone roles property (${provider}): ${RUNS} worlds, ${checks} checks, seed ${SEED}`);
    expect(checks).toBeGreaterThan(RUNS * 2 * 5 - 1);
  });
});
