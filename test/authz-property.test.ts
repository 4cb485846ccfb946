// Authorization as a property: random worlds (an account with workspaces, users, a forest of groups,
// memberships, capability grants, owners, super admins, role assignments, revocations, and sometimes a
// second account that must not leak into the first) are written straight through the repositories,
// then every user asks the API what it may do. The answers are compared with a brute-force evaluator
// written here from the rules in src/domain/authz/resolve.ts's header, over a catalog transcribed by
// hand (this file imports nothing from src/domain/authz, so it cross-checks the catalog too).
// Every world also has a service account (in some groups, with grants of its own) and an API key made
// by one of the users (with permissions that may exceed its creator's, and some workspaces): the key
// must act with exactly its permissions AND its creator's current capabilities, in its account and its
// workspaces only.
// Per principal (each user, the service account, the API key): viewerCan for every capability and
// viewerPermissions on each account (account(id)) and workspace (node(id), null when invisible),
// permissionContext (users: on each account; the service account: on its own), the accounts list, and
// one updateWorkspace (updated / NotFoundError in the payload / top-level FORBIDDEN).
//
// KEYGRAPH_PROPERTY_RUNS sets the number of worlds (default 500); KEYGRAPH_PROPERTY_SEED replays a run.
import { encodeGlobalID } from '@pothos/plugin-relay';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_MCP_SETTINGS } from '../src/domain/model.js';
import { issueToken } from '../src/domain/credentials/token.js';
import { ScryptHasher } from '../src/infra/crypto/password.js';
import { provider, startTestApp, type GraphQLResult, type TestApp } from './support/harness.js';

// ---------------------------------------------------------------------------------------------------
// The catalog, transcribed: every capability in catalog order with what it implies, and the nine roles.

const CATALOG: readonly (readonly [key: string, implies: readonly string[]])[] = [
  ['account.read', []],
  ['account.manage', ['account.read']],
  ['workspace.read', ['account.read']],
  ['workspace.manage', ['workspace.read']],
  ['user.read', ['account.read']],
  ['user.manage', ['user.read']],
  ['group.read', ['account.read']],
  ['group.manage', ['group.read']],
  ['auth.read', ['account.read', 'user.read', 'group.read']],
  ['auth.manage', ['auth.read', 'user.manage', 'group.manage', 'invitation.manage', 'service_account.manage', 'api_key.manage']],
  ['invitation.read', ['account.read']],
  ['invitation.manage', ['invitation.read']],
  ['service_account.read', ['account.read']],
  ['service_account.manage', ['service_account.read']],
  ['api_key.read', ['account.read']],
  ['api_key.manage', ['api_key.read']],
  ['zone.read', ['account.read']],
  ['zone.manage', ['zone.read']],
  ['application.read', ['account.read']],
  ['application.manage', ['application.read']],
  ['credential.read', ['account.read']],
  ['credential.manage', ['credential.read']],
  ['secret.read', ['account.read']],
  ['secret.manage', ['secret.read']],
  ['secret.value.read', ['secret.read']],
  ['policy.read', ['account.read']],
  ['policy.manage', ['policy.read']],
  ['policy.evaluate', ['account.read']],
  ['billing.read', ['account.read']],
  ['billing.manage', ['billing.read']],
  ['domain.read', ['account.read']],
  ['domain.manage', ['domain.read']],
  ['dns.read', ['account.read']],
  ['dns.manage', ['dns.read']],
  ['ip.read', ['account.read']],
  ['ip.manage', ['ip.read']],
];

const KEYS: readonly string[] = CATALOG.map(([key]) => key);
const IMPLIES = new Map<string, readonly string[]>(CATALOG);

const ROLE_TABLE: Readonly<Record<string, readonly string[]>> = {
  viewer: [
    'account.read', 'workspace.read', 'auth.read', 'invitation.read', 'service_account.read', 'api_key.read', 'zone.read',
    'application.read', 'credential.read', 'secret.read', 'policy.read', 'domain.read', 'dns.read', 'ip.read',
  ],
  editor: [
    'account.read', 'workspace.read', 'auth.read', 'invitation.read', 'service_account.read', 'api_key.read', 'zone.read',
    'application.read', 'credential.read', 'secret.read', 'policy.read', 'domain.read', 'dns.read', 'ip.read',
    'workspace.manage', 'zone.manage', 'application.manage', 'policy.manage', 'policy.evaluate', 'domain.manage', 'dns.manage',
  ],
  domain_manager: ['account.read', 'domain.manage', 'dns.manage'],
  manager: [
    'account.read', 'workspace.read', 'auth.read', 'invitation.read', 'service_account.read', 'api_key.read', 'zone.read',
    'application.read', 'credential.read', 'secret.read', 'policy.read', 'domain.read', 'dns.read', 'ip.read',
    'workspace.manage', 'zone.manage', 'application.manage', 'policy.manage', 'policy.evaluate', 'domain.manage', 'dns.manage',
    'auth.manage', 'account.manage', 'credential.manage', 'secret.manage', 'api_key.manage', 'service_account.manage', 'ip.manage',
  ],
  dns_manager: ['account.read', 'domain.read', 'dns.manage'],
  ip_manager: ['account.read', 'ip.manage'],
  billing_viewer: ['account.read', 'billing.read'],
  billing_admin: ['account.read', 'billing.manage'],
  credential_manager: ['account.read', 'credential.manage', 'secret.manage', 'secret.value.read', 'api_key.manage', 'service_account.manage'],
};
const ROLE_KEYS = Object.keys(ROLE_TABLE);

/** Capabilities granted by `keys`, implications followed to a fixpoint. Unknown keys grant nothing. */
function closure(keys: Iterable<string>): Set<string> {
  const held = new Set([...keys].filter((k) => IMPLIES.has(k)));
  for (let changed = true; changed; ) {
    changed = false;
    for (const key of [...held]) {
      for (const implied of IMPLIES.get(key)!) {
        if (!held.has(implied)) {
          held.add(implied);
          changed = true;
        }
      }
    }
  }
  return held;
}

// ---------------------------------------------------------------------------------------------------
// Worlds, as generated (indices), and as built (ids).

type Kind = 'CAPABILITY' | 'ROLE' | 'ACCOUNT_OWNER' | 'SUPER_ADMIN';
/** none: no resource; account: the grant's own account as resource; workspace: a workspace of that account; foreign: a workspace of the other account. */
type Where = { t: 'none' } | { t: 'account' } | { t: 'workspace'; i: number } | { t: 'foreign'; i: number };
interface GrantSpec {
  subject: { t: 'user' | 'group' | 'sa'; i: number };
  kind: Kind;
  key: string | null;
  where: Where;
  revoked: boolean;
}
interface WorldSpec {
  users: number;
  workspaces: number;
  /** parent[i]: index of group i's parent (always < i, so the groups form a forest), or null. */
  parents: (number | null)[];
  /** The order subgroups are attached in (a permutation of the group indices; roots are skipped). */
  attachOrder: number[];
  memberships: [user: number, group: number][];
  grants: GrantSpec[];
  /** A second account: one world user is in it (and, maybe, in a group of it); its grants are to that user or group. */
  other: { user: number; group: boolean; grants: GrantSpec[] } | null;
  /** The service account's groups (direct memberships). */
  saGroups: number[];
  /** The API key: its creator (a user), its permissions, its workspaces. */
  key: { creator: number; permissions: string[]; workspaces: number[] };
  /**
   * For each principal (the users, then the service account, then the key), the workspace it tries
   * updateWorkspace on: wi, or (i = workspaces) the other account's ow0 when there is one.
   */
  mutate: number[];
}

const CAPABILITY_POOL = [
  'account.read', 'account.manage', 'workspace.read', 'workspace.manage', 'group.read', 'group.manage', 'auth.read', 'auth.manage',
  'user.read', 'user.manage', 'secret.value.read', 'secret.manage', 'billing.read', 'invitation.manage', 'dns.manage',
];

const revokedArb = fc.integer({ min: 0, max: 4 }).map((n) => n === 0);

/** A grant of the world's account (`workspaces` of its own, `foreign` workspaces of the other account: only for the other account's grants). */
function grantArb(users: number, groups: number, workspaces: number, foreign: number, superWeight: number, serviceAccount = false): fc.Arbitrary<GrantSpec> {
  const subjects: fc.Arbitrary<GrantSpec['subject']>[] = [fc.record({ t: fc.constant('user' as const), i: fc.integer({ min: 0, max: users - 1 }) })];
  if (groups > 0) subjects.push(fc.record({ t: fc.constant('group' as const), i: fc.integer({ min: 0, max: groups - 1 }) }));
  if (serviceAccount) subjects.push(fc.constant({ t: 'sa' as const, i: 0 }));
  const subject = fc.oneof(...subjects);
  const ws: fc.Arbitrary<Where> = fc.integer({ min: 0, max: workspaces - 1 }).map((i) => ({ t: 'workspace', i }));
  const capWhere: fc.Arbitrary<Where>[] = [fc.constant<Where>({ t: 'none' }), fc.constant<Where>({ t: 'account' }), ws];
  if (foreign > 0) capWhere.push(fc.integer({ min: 0, max: foreign - 1 }).map((i): Where => ({ t: 'foreign', i })));
  const capability = fc.record({ subject, kind: fc.constant<Kind>('CAPABILITY'), key: fc.constantFrom(...CAPABILITY_POOL), where: fc.oneof(...capWhere), revoked: revokedArb });
  const role = fc.record({ subject, kind: fc.constant<Kind>('ROLE'), key: fc.constantFrom(...ROLE_KEYS), where: fc.oneof(fc.constant<Where>({ t: 'account' }), ws), revoked: revokedArb });
  const whole = (kind: Kind) => fc.record({ subject, kind: fc.constant(kind), key: fc.constant(null), where: fc.constant<Where>({ t: 'none' }), revoked: revokedArb });
  const variants: fc.WeightedArbitrary<GrantSpec>[] = [
    { arbitrary: capability, weight: 30 },
    { arbitrary: role, weight: 16 },
    { arbitrary: whole('ACCOUNT_OWNER'), weight: 3 },
  ];
  if (superWeight > 0) variants.push({ arbitrary: whole('SUPER_ADMIN'), weight: superWeight });
  return fc.oneof(...variants);
}

const worldArb: fc.Arbitrary<WorldSpec> = fc
  .record({
    users: fc.integer({ min: 2, max: 4 }),
    groups: fc.integer({ min: 0, max: 5 }),
    workspaces: fc.integer({ min: 1, max: 2 }),
    hasOther: fc.integer({ min: 0, max: 9 }).map((n) => n < 4),
  })
  .chain(({ users, groups, workspaces, hasOther }) => {
    const indices = Array.from({ length: groups }, (_, i) => i);
    const parents = fc.tuple(...indices.map((i) => (i === 0 ? fc.constant(null) : fc.option(fc.integer({ min: 0, max: i - 1 }), { freq: 3 }))));
    const memberships =
      groups > 0
        ? fc.uniqueArray(fc.tuple(fc.integer({ min: 0, max: users - 1 }), fc.integer({ min: 0, max: groups - 1 })), { selector: ([u, g]) => `${u}:${g}`, maxLength: users * groups })
        : fc.constant<[number, number][]>([]);
    // The other account has one workspace of its own and (when in a group) one group: index 0.
    const other = hasOther
      ? fc.record({
          user: fc.integer({ min: 0, max: users - 1 }),
          group: fc.boolean(),
          grants: fc.array(grantArb(1, 1, 1, workspaces, 1), { maxLength: 4 }),
        })
      : fc.constant(null);
    return fc.record({
      users: fc.constant(users),
      workspaces: fc.constant(workspaces),
      parents: parents as fc.Arbitrary<(number | null)[]>,
      attachOrder: fc.shuffledSubarray(indices, { minLength: groups, maxLength: groups }),
      memberships,
      grants: fc.array(grantArb(users, groups, workspaces, 0, 1, true), { maxLength: 11 }),
      other: other.map((o) => (o ? { ...o, grants: o.grants.map((g) => (g.subject.t === 'group' && !o.group ? { ...g, subject: { t: 'user' as const, i: 0 } } : g)) } : null)),
      saGroups: groups > 0 ? fc.uniqueArray(fc.integer({ min: 0, max: groups - 1 }), { maxLength: 2 }) : fc.constant<number[]>([]),
      key: fc.record({
        creator: fc.integer({ min: 0, max: users - 1 }),
        // Half the keys may manage workspaces, so that key writes are exercised too.
        permissions: fc.tuple(fc.subarray([...CAPABILITY_POOL], { maxLength: 6 }), fc.boolean()).map(([p, ws]) => (ws ? [...new Set([...p, 'workspace.manage'])] : p)),
        workspaces: fc.subarray(Array.from({ length: workspaces }, (_, i) => i)),
      }),
      mutate: fc.array(fc.integer({ min: 0, max: workspaces }), { minLength: users + 2, maxLength: users + 2 }),
    });
  });

/** A grant or role assignment as stored, for the oracle. */
interface OracleGrant {
  accountId: string;
  kind: Kind;
  key: string | null;
  resourceType: string | null;
  resourceId: string | null;
  subjectId: string;
  revoked: boolean;
}

interface BuiltWorld {
  n: number;
  accountId: string;
  workspaceIds: string[];
  other: { accountId: string; workspaceId: string } | null;
  userIds: string[];
  emails: string[];
  groupIds: string[];
  serviceAccount: { id: string; token: string };
  apiKey: { id: string; token: string; creatorId: string; permissions: string[]; workspaceIds: string[] };
  /** group id -> parent group id (both accounts). */
  parent: Map<string, string>;
  /** user id -> groups it is directly in (both accounts). */
  directGroups: Map<string, string[]>;
  grants: OracleGrant[];
}

// ---------------------------------------------------------------------------------------------------
// The oracle: brute force over the world, from the rules alone.

/** What the API key may do: its permissions (with implications) AND its creator's capabilities, in its account and workspaces. */
function oracleKeyCapabilities(world: BuiltWorld, accountId: string, workspaceId: string | null): Set<string> {
  const key = world.apiKey;
  if (accountId !== world.accountId) return new Set();
  if (workspaceId !== null && !key.workspaceIds.includes(workspaceId)) return new Set();
  const creator = oracleCapabilities(world, key.creatorId, accountId, workspaceId);
  return new Set([...closure(key.permissions)].filter((k) => creator.has(k)));
}

function groupsOf(world: BuiltWorld, userId: string): Set<string> {
  const groups = new Set<string>();
  for (const start of world.directGroups.get(userId) ?? []) {
    for (let g: string | undefined = start; g !== undefined && !groups.has(g); g = world.parent.get(g)) groups.add(g);
  }
  return groups;
}

/** Capabilities `userId` holds on an account, or on one of its workspaces. */
function oracleCapabilities(world: BuiltWorld, userId: string, accountId: string, workspaceId: string | null): Set<string> {
  const holders = groupsOf(world, userId).add(userId);
  const active = world.grants.filter((g) => !g.revoked && holders.has(g.subjectId));
  if (active.some((g) => g.kind === 'SUPER_ADMIN')) return new Set(KEYS);
  const held = new Set<string>();
  for (const g of active) {
    if (g.accountId !== accountId) continue;
    if (g.kind === 'ACCOUNT_OWNER') return new Set(KEYS);
    const accountWide = g.resourceType === null || (g.resourceType === 'account' && g.resourceId === accountId);
    const onThisWorkspace = workspaceId !== null && g.resourceType === 'workspace' && g.resourceId === workspaceId;
    if (!accountWide && !onThisWorkspace) continue;
    const granted = g.kind === 'ROLE' ? (ROLE_TABLE[g.key ?? ''] ?? []) : g.key ? [g.key] : [];
    for (const key of granted) held.add(key);
  }
  return closure(held);
}

function oracleDirect(world: BuiltWorld, userId: string, accountId: string): { capabilities: Set<string>; roles: Set<string> } {
  const mine = world.grants.filter((g) => !g.revoked && g.subjectId === userId && g.accountId === accountId && g.key !== null);
  return { capabilities: new Set(mine.filter((g) => g.kind === 'CAPABILITY').map((g) => g.key!)), roles: new Set(mine.filter((g) => g.kind === 'ROLE').map((g) => g.key!)) };
}

// ---------------------------------------------------------------------------------------------------

const PASSWORD = 'property test password';
const RUNS = Number(process.env.KEYGRAPH_PROPERTY_RUNS ?? 500);
const SEED = process.env.KEYGRAPH_PROPERTY_SEED ? Number(process.env.KEYGRAPH_PROPERTY_SEED) : (Math.random() * 2 ** 31) | 0;

interface Disagreement {
  world: number;
  /** u0.., sa or key. */
  user: string;
  what: string;
  expected: unknown;
  actual: unknown;
}

const sameSet = (a: Iterable<string>, b: Iterable<string>) => {
  const x = [...new Set(a)].sort();
  const y = [...new Set(b)].sort();
  return x.length === y.length && x.every((v, i) => v === y[i]);
};

/** A world spec, readably (users u0.., groups g0.., workspaces w0.., the other account's workspace ow0). */
function describeWorld(spec: WorldSpec): string {
  const where = (w: Where) => (w.t === 'none' ? 'account-wide' : w.t === 'account' ? 'on account' : w.t === 'workspace' ? `on w${w.i}` : `on FOREIGN w${w.i}`);
  const grant = (g: GrantSpec, subjectPrefix: string) =>
    `${g.kind}${g.key ? ` ${g.key}` : ''} to ${g.subject.t === 'sa' ? 'sa' : `${g.subject.t === 'user' ? 'u' : subjectPrefix}${g.subject.i}`} ${where(g.where)}${g.revoked ? ' (revoked)' : ''}`;
  const lines = [
    `users u0..u${spec.users - 1}, workspaces w0..w${spec.workspaces - 1}`,
    `groups: ${spec.parents.map((p, i) => `g${i}${p === null ? '' : ` < g${p}`}`).join(', ') || 'none'} (attached in order ${spec.attachOrder.filter((i) => spec.parents[i] != null).map((i) => `g${i}`).join(' ')})`,
    `memberships: ${spec.memberships.map(([u, g]) => `u${u} in g${g}`).join(', ') || 'none'}`,
    ...spec.grants.map((g) => `grant: ${grant(g, 'g')}`),
    spec.other
      ? `other account (workspace ow0): u${spec.other.user} in it${spec.other.group ? `, u${spec.other.user} in its group og0` : ''}; ${spec.other.grants.map((g) => grant({ ...g, subject: g.subject.t === 'user' ? { t: 'user', i: spec.other!.user } : g.subject }, 'og').replace(/on w0/, 'on ow0')).join('; ') || 'no grants'}`
      : 'no other account',
    `service account sa in ${spec.saGroups.map((g) => `g${g}`).join(', ') || 'no group'}`,
    `API key by u${spec.key.creator}: permissions ${spec.key.permissions.join(', ') || 'none'}; workspaces ${spec.key.workspaces.map((w) => `w${w}`).join(', ') || 'none'}`,
    `mutations: ${spec.mutate.map((w, u) => `${u < spec.users ? `u${u}` : u === spec.users ? 'sa' : 'key'} updates ${w < spec.workspaces ? `w${w}` : spec.other ? 'ow0' : 'w0'}`).join(', ')}`,
  ];
  return lines.join('\n  ');
}

describe(`authorization property (${provider})`, () => {
  let t: TestApp;
  let hash: string;

  beforeAll(async () => {
    t = await startTestApp();
    hash = await new ScryptHasher(10).hash(PASSWORD);
  });
  afterAll(() => t?.close());

  let worldCounter = 0;

  async function build(spec: WorldSpec): Promise<BuiltWorld> {
    const n = ++worldCounter;
    return t.app.store.transaction(async (tx) => {
      const account = await tx.accounts.create({ name: `World ${n}`, description: null });
      const workspaceIds: string[] = [];
      for (let i = 0; i < spec.workspaces; i++) workspaceIds.push((await tx.workspaces.create({ accountId: account.id, name: `w${i}`, description: null })).id);
      const userIds: string[] = [];
      const emails: string[] = [];
      for (let i = 0; i < spec.users; i++) {
        const email = `w${n}-u${i}-${SEED}@property.test`;
        const user = await tx.users.create({ email, username: null, firstName: null, lastName: null, passwordHash: hash });
        await tx.users.addToAccount(account.id, user.id);
        userIds.push(user.id);
        emails.push(email);
      }
      const groupIds: string[] = [];
      for (let i = 0; i < spec.parents.length; i++) {
        groupIds.push((await tx.groups.create({ accountId: account.id, name: `g${i}`, description: null, attributes: {}, linkedScopes: [] })).id);
      }
      const parent = new Map<string, string>();
      for (const child of spec.attachOrder) {
        const p = spec.parents[child];
        if (p === null || p === undefined) continue;
        await tx.groups.attachGroup(groupIds[p]!, groupIds[child]!);
        parent.set(groupIds[child]!, groupIds[p]!);
      }
      const directGroups = new Map<string, string[]>(userIds.map((id) => [id, []]));
      for (const [u, g] of spec.memberships) {
        await tx.groups.addUser(groupIds[g]!, userIds[u]!);
        directGroups.get(userIds[u]!)!.push(groupIds[g]!);
      }
      const saToken = issueToken('serviceAccount');
      const sa = await tx.serviceAccounts.create({ accountId: account.id, name: `sa${n}`, description: null, token: saToken, createdById: null, expiresAt: null });
      directGroups.set(sa.id, []);
      for (const g of spec.saGroups) {
        await tx.groups.addServiceAccount(groupIds[g]!, sa.id);
        directGroups.get(sa.id)!.push(groupIds[g]!);
      }
      // The key is written straight through the repository: its permissions may exceed its creator's.
      const keyToken = issueToken('apiKey');
      const creatorId = userIds[spec.key.creator]!;
      const key = await tx.apiKeys.create({
        accountId: account.id,
        name: `key${n}`,
        description: null,
        token: keyToken,
        permissions: spec.key.permissions,
        createdByType: 'USER',
        createdById: creatorId,
        expiresAt: null,
        ...DEFAULT_MCP_SETTINGS,
      });
      const keyWorkspaces = spec.key.workspaces.map((i) => workspaceIds[i]!);
      for (const w of keyWorkspaces) await tx.apiKeys.grantWorkspace(key.id, w);

      const grants: OracleGrant[] = [];
      const write = async (accountId: string, g: GrantSpec, subjectId: string, ownWorkspaces: string[], foreignWorkspaces: string[]) => {
        const subjectType = g.subject.t === 'user' ? ('USER' as const) : g.subject.t === 'sa' ? ('SERVICE_ACCOUNT' as const) : ('GROUP' as const);
        const [resourceType, resourceId] =
          g.where.t === 'none' ? [null, null] : g.where.t === 'account' ? ['account', accountId] : g.where.t === 'workspace' ? ['workspace', ownWorkspaces[g.where.i]!] : ['workspace', foreignWorkspaces[g.where.i]!];
        if (g.kind === 'ROLE') {
          const row = await tx.roleAssignments.create({ accountId, roleKey: g.key!, subjectType, subjectId, resourceType: resourceType!, resourceId: resourceId!, createdById: null });
          if (g.revoked) await tx.roleAssignments.revoke(row.id);
        } else {
          const row = await tx.grants.create({ accountId, grantKind: g.kind, subjectType, subjectId, capabilityKey: g.key, resourceType, resourceId });
          if (g.revoked) await tx.grants.revoke(row.id);
        }
        grants.push({ accountId, kind: g.kind, key: g.key, resourceType, resourceId, subjectId, revoked: g.revoked });
      };
      const subjectOf = (g: GrantSpec) => (g.subject.t === 'user' ? userIds[g.subject.i]! : g.subject.t === 'sa' ? sa.id : groupIds[g.subject.i]!);
      for (const g of spec.grants) await write(account.id, g, subjectOf(g), workspaceIds, []);

      let other: BuiltWorld['other'] = null;
      if (spec.other) {
        const otherAccount = await tx.accounts.create({ name: `World ${n} (other)`, description: null });
        const otherWorkspace = await tx.workspaces.create({ accountId: otherAccount.id, name: 'ow0', description: null });
        const userId = userIds[spec.other.user]!;
        await tx.users.addToAccount(otherAccount.id, userId);
        let otherGroupId: string | null = null;
        if (spec.other.group) {
          otherGroupId = (await tx.groups.create({ accountId: otherAccount.id, name: 'og0', description: null, attributes: {}, linkedScopes: [] })).id;
          await tx.groups.addUser(otherGroupId, userId);
          directGroups.get(userId)!.push(otherGroupId);
        }
        for (const g of spec.other.grants) await write(otherAccount.id, g, g.subject.t === 'group' && otherGroupId ? otherGroupId : userId, [otherWorkspace.id], workspaceIds);
        other = { accountId: otherAccount.id, workspaceId: otherWorkspace.id };
      }
      return {
        n,
        accountId: account.id,
        workspaceIds,
        other,
        userIds,
        emails,
        groupIds,
        serviceAccount: { id: sa.id, token: saToken.token },
        apiKey: { id: key.id, token: keyToken.token, creatorId, permissions: spec.key.permissions, workspaceIds: keyWorkspaces },
        parent,
        directGroups,
        grants,
      };
    });
  }

  /** Every account and workspace of the world, as the query names them. */
  function targets(world: BuiltWorld): { alias: string; accountId: string; workspaceId: string | null }[] {
    const list: { alias: string; accountId: string; workspaceId: string | null }[] = [{ alias: 'a0', accountId: world.accountId, workspaceId: null }];
    world.workspaceIds.forEach((id, i) => list.push({ alias: `a0w${i}`, accountId: world.accountId, workspaceId: id }));
    if (world.other) {
      list.push({ alias: 'a1', accountId: world.other.accountId, workspaceId: null });
      list.push({ alias: 'a1w0', accountId: world.other.accountId, workspaceId: world.other.workspaceId });
    }
    return list;
  }

  const capabilityFields = KEYS.map((key, i) => `c${i}: viewerCan(capability: ${JSON.stringify(key)})`).join(' ') + ' perms: viewerPermissions';

  /** One principal of a world, as the checks see it. */
  interface Who {
    label: string;
    token: string;
    /** The oracle's answer for this principal. */
    capabilities: (accountId: string, workspaceId: string | null) => Set<string>;
    viewer: 'user' | 'serviceAccount' | 'apiKey';
    /** Global id of the viewer's user / service account / API key. */
    viewerId: string;
    /** The subject whose permission contexts are checked, on these accounts (none for a key). */
    subjectId: string | null;
    contextAccounts: string[];
    mutate: number;
  }

  function principalsOf(world: BuiltWorld, spec: WorldSpec): Who[] {
    const accounts = [world.accountId, ...(world.other ? [world.other.accountId] : [])];
    const users: Who[] = world.userIds.map((userId, u) => ({
      label: `u${u}`,
      token: '',
      capabilities: (accountId, workspaceId) => oracleCapabilities(world, userId, accountId, workspaceId),
      viewer: 'user',
      viewerId: encodeGlobalID('User', userId),
      subjectId: userId,
      contextAccounts: accounts,
      mutate: spec.mutate[u]!,
    }));
    const sa = world.serviceAccount.id;
    return [
      ...users,
      {
        label: 'sa',
        token: world.serviceAccount.token,
        capabilities: (accountId, workspaceId) => oracleCapabilities(world, sa, accountId, workspaceId),
        viewer: 'serviceAccount',
        viewerId: encodeGlobalID('ServiceAccount', sa),
        subjectId: sa,
        contextAccounts: [world.accountId],
        mutate: spec.mutate[world.userIds.length]!,
      },
      {
        label: 'key',
        token: world.apiKey.token,
        capabilities: (accountId, workspaceId) => oracleKeyCapabilities(world, accountId, workspaceId),
        viewer: 'apiKey',
        viewerId: encodeGlobalID('ApiKey', world.apiKey.id),
        subjectId: null,
        contextAccounts: [],
        mutate: spec.mutate[world.userIds.length + 1]!,
      },
    ];
  }

  function queryFor(world: BuiltWorld, who: Who): string {
    const parts = targets(world).map(({ alias, accountId, workspaceId }) =>
      workspaceId === null
        ? `${alias}: account(id: ${JSON.stringify(encodeGlobalID('Account', accountId))}) { ${capabilityFields} }`
        : `${alias}: node(id: ${JSON.stringify(encodeGlobalID('Workspace', workspaceId))}) { __typename ... on Workspace { ${capabilityFields} } }`,
    );
    const fields = 'resolvedCapabilityKeys directCapabilityKeys assignedBundleKeys status ownerAssignments { accountId }';
    const contexts =
      who.viewer === 'user'
        ? who.contextAccounts.map((id, i) => `pc${i}: permissionContext(account: ${JSON.stringify(encodeGlobalID('Account', id))}) { ${fields} }`)
        : who.viewer === 'serviceAccount'
          ? [`pc0: permissionContext { ${fields} }`]
          : [];
    return `query { ${parts.join(' ')} viewer { ${who.viewer} { id ${contexts.join(' ')} } } readable: accounts(first: 5) { totalCount edges { node { id } } } }`;
  }

  interface PermissionContextAnswer {
    resolvedCapabilityKeys: string[];
    directCapabilityKeys: string[];
    assignedBundleKeys: string[];
    status: string;
    ownerAssignments: { accountId: string }[];
  }

  /** Compares what one user of the world gets from the API with the oracle; returns the number of checks made. */
  /** What the worlds exercised: expected outcomes, by kind (for the summary line). */
  const coverage = new Map<string, number>();
  const tally = (what: string) => coverage.set(what, (coverage.get(what) ?? 0) + 1);

  async function checkPrincipal(world: BuiltWorld, who: Who, out: Disagreement[]): Promise<number> {
    let checks = 0;
    const check = (what: string, expected: unknown, actual: unknown, agree: boolean) => {
      checks++;
      if (!agree) out.push({ world: world.n, user: who.label, what, expected, actual });
    };
    const token = who.viewer === 'user' ? await t.login(world.emails[Number(who.label.slice(1))]!, PASSWORD) : who.token;
    const caller = t.as(token);

    const result = (await caller.gql<Record<string, unknown>, Record<string, never>>(queryFor(world, who))) as GraphQLResult<Record<string, unknown>>;
    check('query errors', undefined, result.errors, result.errors === undefined);
    const data = result.data ?? {};
    for (const { alias, accountId, workspaceId } of targets(world)) {
      const expected = who.capabilities(accountId, workspaceId);
      const visible = expected.has(workspaceId === null ? 'account.read' : 'workspace.read');
      tally(`${who.viewer === 'user' ? '' : `${who.label}: `}${alias.startsWith('a1') ? 'other ' : ''}${workspaceId === null ? 'account' : 'workspace'} ${visible ? 'visible' : 'hidden'}`);
      const node = data[alias] as Record<string, unknown> | null | undefined;
      check(`${alias} visible`, visible, node != null, visible === (node != null));
      if (node != null && workspaceId !== null) check(`${alias} __typename`, 'Workspace', node.__typename, node.__typename === 'Workspace');
      KEYS.forEach((key, i) => {
        const want = visible && expected.has(key);
        const got = node == null ? false : node[`c${i}`];
        check(`${alias} viewerCan(${key})`, want, got, want === got);
      });
      if (node != null) {
        const wanted = KEYS.filter((k) => expected.has(k));
        check(`${alias} viewerPermissions`, wanted, node.perms, Array.isArray(node.perms) && sameSet(wanted, node.perms as string[]) && node.perms.length === wanted.length);
      }
    }

    const viewerUser = ((data.viewer as Record<string, Record<string, unknown> | null> | undefined)?.[who.viewer] ?? null) as Record<string, unknown> | null;
    check(`viewer.${who.viewer}.id`, who.viewerId, viewerUser?.id, viewerUser?.id === who.viewerId);
    const subjectId = who.subjectId;
    if (subjectId !== null) who.contextAccounts.forEach((accountId, i) => {
      const pc = (viewerUser?.[`pc${i}`] ?? null) as PermissionContextAnswer | null;
      const resolved = KEYS.filter((k) => who.capabilities(accountId, null).has(k));
      const direct = oracleDirect(world, subjectId, accountId);
      const status = resolved.length > 0 ? 'ACTIVE' : 'NO_ACCESS';
      check(`pc${i} present`, true, pc !== null, pc !== null);
      check(`pc${i}.resolvedCapabilityKeys`, resolved, pc?.resolvedCapabilityKeys, !!pc && sameSet(resolved, pc.resolvedCapabilityKeys) && pc.resolvedCapabilityKeys.length === resolved.length);
      check(`pc${i}.directCapabilityKeys`, [...direct.capabilities].sort(), pc?.directCapabilityKeys, !!pc && sameSet(direct.capabilities, pc.directCapabilityKeys));
      check(`pc${i}.assignedBundleKeys`, [...direct.roles].sort(), pc?.assignedBundleKeys, !!pc && sameSet(direct.roles, pc.assignedBundleKeys));
      check(`pc${i}.status`, status, pc?.status, pc?.status === status);
      // Accounts owned through an active ACCOUNT_OWNER grant to the user or one of its groups, on any account.
      const holders = groupsOf(world, subjectId).add(subjectId);
      const owned = [...new Set(world.grants.filter((g) => !g.revoked && g.kind === 'ACCOUNT_OWNER' && holders.has(g.subjectId)).map((g) => encodeGlobalID('Account', g.accountId)))];
      const gotOwned = pc?.ownerAssignments.map((o) => o.accountId) ?? [];
      check(`pc${i}.ownerAssignments`, owned.sort(), gotOwned, !!pc && sameSet(owned, gotOwned) && gotOwned.length === owned.length);
    });

    // accounts: the accounts the user can read (for a super admin every account of the database: not checked).
    // (An API key acts in its account only, whoever made it: never as a super admin.)
    const superAdmin = who.viewer !== 'apiKey' && who.capabilities('(no account)', null).size > 0;
    const readable = data.readable as { totalCount: number; edges: { node: { id: string } }[] } | null | undefined;
    if (superAdmin) {
      tally('accounts: super admin');
      check('accounts.totalCount (super admin: at least the world accounts)', '>= 1', readable?.totalCount, (readable?.totalCount ?? 0) >= (world.other ? 2 : 1));
    } else {
      const wantReadable = [world.accountId, ...(world.other ? [world.other.accountId] : [])].filter((a) => who.capabilities(a, null).has('account.read')).map((a) => encodeGlobalID('Account', a));
      const gotReadable = readable?.edges.map((e) => e.node.id) ?? [];
      tally(`accounts: ${wantReadable.length} readable`);
      check('accounts', wantReadable, gotReadable, sameSet(wantReadable, gotReadable) && gotReadable.length === wantReadable.length && readable?.totalCount === wantReadable.length);
    }

    // One protected write: updateWorkspace, allowed with workspace.manage there; NotFoundError when the
    // workspace is invisible (no workspace.read), a top-level FORBIDDEN when visible but not manageable.
    const w = who.mutate;
    const [mutatedAccount, workspaceId, workspaceName] =
      w < world.workspaceIds.length ? [world.accountId, world.workspaceIds[w]!, `w${w}`] : world.other ? [world.other.accountId, world.other.workspaceId, 'ow0'] : [world.accountId, world.workspaceIds[0]!, 'w0'];
    const onWorkspace = who.capabilities(mutatedAccount, workspaceId);
    const workspaceGid = encodeGlobalID('Workspace', workspaceId);
    const mutation = await caller.gql<{ updateWorkspace: { workspace: { id: string } | null; errors: { __typename: string }[] } | null }, Record<string, never>>(
      `mutation { updateWorkspace(input: { id: ${JSON.stringify(workspaceGid)}, description: "x" }) { workspace { id } errors { __typename } } }`,
    );
    const payload = mutation.data?.updateWorkspace ?? null;
    const outcome = mutation.errors?.length
      ? `top-level ${mutation.errors.map((e) => String(e.extensions?.code ?? e.message)).join(',')}`
      : payload === null
        ? 'no payload'
        : payload.errors.length
          ? `payload ${payload.errors.map((e) => e.__typename).join(',')}`
          : payload.workspace?.id === workspaceGid
            ? 'updated'
            : `updated?? ${JSON.stringify(payload)}`;
    const expectedOutcome = onWorkspace.has('workspace.manage') ? 'updated' : onWorkspace.has('workspace.read') ? 'top-level FORBIDDEN' : 'payload NotFoundError';
    tally(`${who.viewer === 'user' ? '' : `${who.label}: `}updateWorkspace ${expectedOutcome}`);
    check(`updateWorkspace(${workspaceName})`, expectedOutcome, outcome, outcome === expectedOutcome);
    return checks;
  }

  it(`agrees with a brute-force evaluator on ${RUNS} random worlds`, { timeout: 60 * 60_000 }, async () => {
    // The API serves the catalog: it must be the one transcribed here.
    const catalog = await t.ok<{ capabilities: { edges: { node: { key: string; implies: string[] } }[] }; roles: { edges: { node: { key: string; capabilityKeys: string[] } }[] } }, Record<string, never>>(
      'query { capabilities(first: 100) { edges { node { key implies } } } roles(first: 100) { edges { node { key capabilityKeys } } } }',
    );
    expect(catalog.capabilities.edges.map((e) => [e.node.key, e.node.implies])).toEqual(CATALOG.map(([k, i]) => [k, [...i]]));
    expect(Object.fromEntries(catalog.roles.edges.map((e) => [e.node.key.toLowerCase(), [...e.node.capabilityKeys].sort()]))).toEqual(
      Object.fromEntries(ROLE_KEYS.map((r) => [r, [...closure(ROLE_TABLE[r]!)].sort()])),
    );

    const stats = { worlds: 0, users: [] as number[], groups: [] as number[], grants: [] as number[], checks: 0, disagreements: 0 };
    let failedOnce = false;
    let lastFailure: { spec: WorldSpec; disagreements: Disagreement[] } | null = null;
    const started = Date.now();

    const property = fc.asyncProperty(worldArb, async (spec) => {
      const world = await build(spec);
      const found: Disagreement[] = [];
      let checks = 0;
      let threw = true;
      try {
        for (const c of await Promise.all(principalsOf(world, spec).map((who) => checkPrincipal(world, who, found)))) checks += c;
        threw = false;
      } finally {
        if (!failedOnce) {
          // Counted up to and including the first failing world (later runs are fast-check shrinking).
          stats.worlds++;
          stats.users.push(spec.users);
          stats.groups.push(spec.parents.length);
          stats.grants.push(spec.grants.length + (spec.other?.grants.length ?? 0));
          stats.checks += checks;
          stats.disagreements += found.length;
        }
        if (threw) failedOnce = true;
      }
      if (found.length > 0) {
        failedOnce = true;
        lastFailure = { spec, disagreements: found };
      }
      return found.length === 0;
    });

    let failure: unknown = null;
    try {
      await fc.assert(property, { numRuns: RUNS, seed: SEED });
    } catch (error) {
      failure = error;
    }
    const seconds = ((Date.now() - started) / 1000).toFixed(1);
    const summary = (xs: number[]) => (xs.length ? `${Math.min(...xs)}/${(xs.reduce((a, b) => a + b, 0) / xs.length).toFixed(2)}/${Math.max(...xs)}` : '-');
    console.log(
      `authz property (${provider}): seed ${SEED}, ${RUNS} runs asked, ${seconds}s; sizes min/avg/max: users ${summary(stats.users)}, groups ${summary(stats.groups)}, grants+roles ${summary(stats.grants)}`,
    );
    console.log(`authz property (${provider}): expected outcomes: ${[...coverage].sort().map(([k, v]) => `${k}: ${v}`).join(', ')}`);
    if (lastFailure) {
      const { spec, disagreements } = lastFailure as { spec: WorldSpec; disagreements: Disagreement[] };
      console.log(
        `authz property: smallest failing world (seed ${SEED}):\n  ${describeWorld(spec)}\n` +
          disagreements
            .slice(0, 20)
            .map((d) => `  ${d.user}: ${d.what}: expected ${JSON.stringify(d.expected)}, got ${JSON.stringify(d.actual)}`)
            .join('\n'),
      );
    }
    const groupsTotal = stats.groups.reduce((a, b) => a + b, 0);
    const usersTotal = stats.users.reduce((a, b) => a + b, 0);
    const grantsTotal = stats.grants.reduce((a, b) => a + b, 0);
    console.log(`authz property: ${stats.worlds} worlds, ${usersTotal} users, ${groupsTotal} groups, ${grantsTotal} grants+roles, ${stats.checks} checks, ${stats.disagreements} disagreements`);
    if (failure && !lastFailure) throw failure;
    expect(stats.disagreements).toBe(0);
    expect(failure).toBeNull();
  });
});
