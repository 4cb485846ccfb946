// Dominance as a property (issue 10): nobody acts above themselves. Random worlds - two accounts A and
// B (one workspace and one zone each), 3..6 users in A, in B or in both, nested groups in each account,
// capability grants (user.manage, service_account.manage, api_key.manage and others, account-wide or on
// a workspace), role assignments, zone memberships (ZONE_MANAGER / ZONE_VIEWER), ACCOUNT_OWNERs,
// sometimes a second super admin (directly or through a group), some revoked grants, a
// service account of A with grants and groups of its own, an API key of A made by a user of A with
// random permissions - are written straight through the store. Then a sequence of random
// (actor, subject, mutation) triples runs through GraphQL as the actor (a user, signed in with a
// password): updateUser (email, username, first or last name) and removeUser on a user in A or B; the
// service-account mutations (update, revoke, delete, rotate its token, create a credential); the API-key
// mutations (update, revoke, rotate, pause/resume). Each outcome is compared with an oracle written here
// from the rule alone (it imports only the catalog's capability list and role expansions), the world
// model is updated after each success (a removal revokes the user's grants there and drops its
// memberships there; a revoked or deleted service account or key stays so), and the store is read
// before and after every mutation: a refused mutation changed nothing, an accepted one changed something.
//
// KEYGRAPH_PROPERTY_RUNS sets the number of worlds (default 300); KEYGRAPH_PROPERTY_SEED replays a run;
// KEYGRAPH_PROPERTY_SHRINK=0 reports the first failing world without shrinking it.
import { encodeGlobalID } from '@pothos/plugin-relay';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CAPABILITY_KEYS, ROLES, ZONE_ROLES, expand, expandRole, expandZoneRole } from '../src/domain/authz/catalog.js';
import { issueToken } from '../src/domain/credentials/token.js';
import { DEFAULT_MCP_SETTINGS } from '../src/domain/model.js';
import { ScryptHasher } from '../src/infra/crypto/password.js';
import { provider, startTestApp, type GraphQLResult, type TestApp } from './support/harness.js';

const RUNS = Number(process.env.KEYGRAPH_PROPERTY_RUNS ?? 300);
const SEED = process.env.KEYGRAPH_PROPERTY_SEED ? Number(process.env.KEYGRAPH_PROPERTY_SEED) : 20261201;
const PASSWORD = 'dominance property password';

// ---------------------------------------------------------------------------------------------------
// World specs (indices), as fast-check generates and shrinks them.

type Kind = 'CAPABILITY' | 'ROLE' | 'ACCOUNT_OWNER' | 'SUPER_ADMIN' | 'ZONE_ROLE';
type Acct = 0 | 1; // A, B

interface GrantSpec {
  acct: Acct;
  subject: { t: 'user' | 'group'; i: number } | { t: 'sa' };
  kind: Kind;
  key: string | null;
  /** 0: no resource, 1: the account itself, 2: the account's workspace. */
  res: 0 | 1 | 2;
  revoked: boolean;
}

type Op =
  | { m: 'updateUser'; field: 'email' | 'username' | 'firstName' | 'lastName'; subject: { i: number; member: boolean }; acct: Acct }
  | { m: 'removeUser'; subject: { i: number; member: boolean }; acct: Acct }
  | { m: 'updateServiceAccount' | 'revokeServiceAccount' | 'deleteServiceAccount' | 'rotateServiceAccountToken' | 'createServiceAccountCredential' }
  | { m: 'updateApiKey' | 'revokeApiKey' | 'rotateApiKey' | 'setApiKeyActive' };

interface WorldSpec {
  /** Per user: 0 = in A, 1 = in B, 2 = in both (user 0 is always in A). */
  users: (0 | 1 | 2)[];
  /** Group parents per account: parents[a][i] < i, or null. */
  parents: [(number | null)[], (number | null)[]];
  memberships: { user: number; acct: Acct; group: number }[];
  grants: GrantSpec[];
  /** Zone memberships (ZONE_MANAGER / ZONE_VIEWER) of members of an account, on its zone. */
  zoneMembers: { acct: Acct; member: number; role: string }[];
  /** Grants of a managing capability or role to members of an account (so that most worlds have managers). */
  managers: { acct: Acct; member: number; what: string; onWorkspace: boolean }[];
  saGroups: number[];
  key: { creator: number; permissions: string[] };
  triples: { actor: number; focus: boolean; op: Op }[];
}

const CAPABILITY_POOL = [
  'user.manage', 'user.manage', 'user.read', 'service_account.manage', 'service_account.read', 'api_key.manage', 'api_key.read',
  'auth.manage', 'auth.read', 'account.read', 'account.manage', 'group.manage', 'secret.manage', 'secret.value.read', 'billing.read',
  'dns.manage', 'workspace.manage', 'invitation.manage',
];
const KEY_PERMISSION_POOL = ['account.read', 'user.read', 'user.manage', 'api_key.read', 'api_key.manage', 'secret.manage', 'billing.read', 'workspace.manage', 'dns.manage', 'auth.read'];
const ROLE_KEYS = ROLES.map((r) => r.key);
/** Capabilities (and roles: `role:` prefix) that manage users, service accounts or API keys. */
const MANAGING = ['user.manage', 'auth.manage', 'service_account.manage', 'api_key.manage', 'role:manager', 'role:credential_manager', 'owner'];

const acctArb = fc.constantFrom<Acct>(0, 1);
/** Who a grant names: a user (weight 5), a group or the service account (weights given). */
const grantSubjectArb = (groupWeight: number, serviceAccountWeight: number) =>
  fc.oneof(
    { weight: 5, arbitrary: fc.record({ t: fc.constant('user' as const), i: fc.nat(5) }) },
    { weight: groupWeight, arbitrary: fc.record({ t: fc.constant('group' as const), i: fc.nat(2) }) },
    { weight: serviceAccountWeight, arbitrary: fc.constant({ t: 'sa' as const }) },
  );

const grantArb: fc.Arbitrary<GrantSpec> = fc.oneof(
  {
    weight: 30,
    arbitrary: fc.record({
      acct: acctArb,
      subject: grantSubjectArb(3, 2),
      kind: fc.constant<Kind>('CAPABILITY'),
      key: fc.constantFrom(...CAPABILITY_POOL),
      res: fc.constantFrom<0 | 1 | 2>(0, 0, 1, 2),
      revoked: fc.nat(6).map((n) => n === 0),
    }),
  },
  {
    weight: 14,
    arbitrary: fc.record({
      acct: acctArb,
      subject: grantSubjectArb(3, 2),
      kind: fc.constant<Kind>('ROLE'),
      key: fc.constantFrom(...ROLE_KEYS),
      res: fc.constantFrom<0 | 1 | 2>(1, 1, 2),
      revoked: fc.nat(6).map((n) => n === 0),
    }),
  },
  {
    weight: 6,
    arbitrary: fc.record({
      acct: acctArb,
      subject: grantSubjectArb(2, 1),
      kind: fc.constant<Kind>('ACCOUNT_OWNER'),
      key: fc.constant(null),
      res: fc.constant<0>(0),
      revoked: fc.nat(6).map((n) => n === 0),
    }),
  },
  {
    weight: 2,
    arbitrary: fc.record({
      acct: acctArb,
      subject: grantSubjectArb(2, 1),
      kind: fc.constant<Kind>('SUPER_ADMIN'),
      key: fc.constant(null),
      res: fc.constant<0>(0),
      revoked: fc.nat(4).map((n) => n === 0),
    }),
  },
);

/** A user: `member` (4 in 5) picks among the members of the mutation's account at the time, else among all users. */
const subjectArb = fc.record({ i: fc.nat(5), member: fc.nat(4).map((n) => n > 0) });

const opArb: fc.Arbitrary<Op> = fc.oneof(
  { weight: 24, arbitrary: fc.record({ m: fc.constant('updateUser' as const), field: fc.constantFrom('email' as const, 'username' as const, 'firstName' as const, 'lastName' as const), subject: subjectArb, acct: fc.constantFrom<Acct>(0, 0, 1) }) },
  { weight: 12, arbitrary: fc.record({ m: fc.constant('removeUser' as const), subject: subjectArb, acct: fc.constantFrom<Acct>(0, 0, 1) }) },
  ...(['updateServiceAccount', 'revokeServiceAccount', 'deleteServiceAccount', 'rotateServiceAccountToken', 'createServiceAccountCredential'] as const).map((m) => ({
    weight: m === 'deleteServiceAccount' || m === 'revokeServiceAccount' ? 2 : 4,
    arbitrary: fc.constant({ m }),
  })),
  ...(['updateApiKey', 'revokeApiKey', 'rotateApiKey', 'setApiKeyActive'] as const).map((m) => ({ weight: m === 'revokeApiKey' ? 2 : 4, arbitrary: fc.constant({ m }) })),
);

const worldArb: fc.Arbitrary<WorldSpec> = fc.record({
  users: fc
    .array(fc.constantFrom<0 | 1 | 2>(0, 0, 0, 1, 1, 2, 2), { minLength: 3, maxLength: 6 })
    .map((u) => [u[0] === 1 ? 2 : u[0]!, ...u.slice(1)] as (0 | 1 | 2)[]),
  parents: fc.tuple(
    fc.integer({ min: 0, max: 3 }).chain((n) => fc.tuple(...Array.from({ length: n }, (_, i) => (i === 0 ? fc.constant(null) : fc.option(fc.nat(i - 1), { freq: 2 }))))),
    fc.integer({ min: 0, max: 2 }).chain((n) => fc.tuple(...Array.from({ length: n }, (_, i) => (i === 0 ? fc.constant(null) : fc.option(fc.nat(i - 1), { freq: 2 }))))),
  ) as fc.Arbitrary<[(number | null)[], (number | null)[]]>,
  memberships: fc.array(fc.record({ user: fc.nat(5), acct: acctArb, group: fc.nat(2) }), { maxLength: 6 }),
  grants: fc.array(grantArb, { minLength: 3, maxLength: 14 }),
  zoneMembers: fc.array(fc.record({ acct: acctArb, member: fc.nat(5), role: fc.constantFrom(...ZONE_ROLES.map((r) => r.key)) }), { maxLength: 3 }),
  managers: fc.array(fc.record({ acct: acctArb, member: fc.nat(5), what: fc.constantFrom(...MANAGING), onWorkspace: fc.nat(5).map((n) => n === 0) }), { minLength: 1, maxLength: 4 }),
  saGroups: fc.uniqueArray(fc.nat(2), { maxLength: 2 }),
  key: fc.record({ creator: fc.nat(5), permissions: fc.subarray(KEY_PERMISSION_POOL, { maxLength: 4 }) }),
  // focus (2 in 3): the actor is one of the users holding the mutation's manage capability (per the
  // oracle), when there is one, so that most triples get past the capability check to dominance.
  triples: fc.array(fc.record({ actor: fc.nat(5), focus: fc.nat(2).map((n) => n > 0), op: opArb }), { minLength: 4, maxLength: 8 }),
});

// ---------------------------------------------------------------------------------------------------
// The world model (ids), which the oracle reads and the mutations update.

interface ModelGrant {
  accountId: string;
  kind: Kind;
  key: string | null;
  /** null: account-wide (no resource, or the account itself); else the workspace or zone it names (ids are unique across tables). */
  resourceId: string | null;
  subjectId: string;
  active: boolean;
}

interface Model {
  n: number;
  accountIds: [string, string];
  workspaceIds: [string, string];
  userIds: string[];
  emails: string[];
  /** account id -> its member user ids. */
  members: Map<string, Set<string>>;
  /** group id -> its account, and its parent group (same account) if any. */
  groups: Map<string, { accountId: string; parent: string | null }>;
  /** principal id -> the groups it is directly in. */
  direct: Map<string, Set<string>>;
  grants: ModelGrant[];
  sa: { id: string; accountId: string; revoked: boolean; deleted: boolean };
  key: { id: string; accountId: string; creatorId: string; permissions: string[]; revoked: boolean; active: boolean };
  /** Readable names of ids, for reports. */
  label: Map<string, string>;
}

const ALL = new Set(CAPABILITY_KEYS);

/** The principal and every group it is in, through nesting. */
function holders(model: Model, principalId: string): Set<string> {
  const out = new Set<string>([principalId]);
  for (const start of model.direct.get(principalId) ?? []) {
    for (let g: string | null = start; g !== null && !out.has(g); g = model.groups.get(g)?.parent ?? null) out.add(g);
  }
  return out;
}

function activeGrantsOf(model: Model, principalId: string): ModelGrant[] {
  const h = holders(model, principalId);
  // A zone membership counts while its user is in the zone's account (it stays stored, inert, after a removal).
  return model.grants.filter((g) => g.active && h.has(g.subjectId) && (g.kind !== 'ZONE_ROLE' || model.members.get(g.accountId)!.has(g.subjectId)));
}

function isSuperAdmin(model: Model, principalId: string): boolean {
  return activeGrantsOf(model, principalId).some((g) => g.kind === 'SUPER_ADMIN');
}

/** What one grant gives, expanded. */
function gives(g: ModelGrant): Set<string> {
  if (g.kind === 'SUPER_ADMIN' || g.kind === 'ACCOUNT_OWNER') return ALL;
  return new Set(g.kind === 'ROLE' ? expandRole(g.key!) : g.kind === 'ZONE_ROLE' ? expandZoneRole(g.key!) : expand([g.key!]));
}

/** Capabilities the principal holds on an account (resourceId null) or on its workspace or zone. */
function holds(model: Model, principalId: string, accountId: string, resourceId: string | null): Set<string> {
  const grants = activeGrantsOf(model, principalId);
  if (grants.some((g) => g.kind === 'SUPER_ADMIN')) return ALL;
  const out = new Set<string>();
  for (const g of grants) {
    if (g.accountId !== accountId) continue;
    if (g.kind === 'ACCOUNT_OWNER') return ALL;
    if (g.resourceId !== null && g.resourceId !== resourceId) continue;
    for (const c of gives(g)) out.add(c);
  }
  return out;
}

/**
 * Whether `actor` dominates `subject` in `accountId` (null: every account): for each grant the subject
 * holds there (directly or through groups), the actor holds everything it gives, where it applies; a
 * subject holding SUPER_ADMIN anywhere needs a super admin. Returns the reason when it does not.
 */
function dominance(model: Model, actorId: string, subjectId: string, accountId: string | null): string {
  const actorSuper = isSuperAdmin(model, actorId);
  const grants = activeGrantsOf(model, subjectId);
  if (grants.some((g) => g.kind === 'SUPER_ADMIN')) return actorSuper ? 'dominates' : 'not dominating: super admin';
  if (actorSuper) return 'dominates';
  for (const g of grants) {
    if (accountId !== null && g.accountId !== accountId) continue;
    const have = holds(model, actorId, g.accountId, g.resourceId);
    for (const c of gives(g)) if (!have.has(c)) return `not dominating: ${g.kind}${g.resourceId === null ? '' : g.kind === 'ZONE_ROLE' ? ' on a zone' : ' on a workspace'}${g.subjectId === subjectId ? '' : ' through a group'}`;
  }
  return 'dominates';
}

/** The user a user mutation names, in the model as it is now. */
function subjectOf(model: Model, op: Extract<Op, { m: 'updateUser' | 'removeUser' }>): string {
  const members = model.userIds.filter((u) => model.members.get(model.accountIds[op.acct])!.has(u));
  const pool = op.subject.member && members.length > 0 ? members : model.userIds;
  return pool[op.subject.i % pool.length]!;
}

/** The acting user: with focus, one holding the mutation's manage capability (when someone does). */
function actorOf(model: Model, actor: number, focus: boolean, op: Op): string {
  if (focus) {
    const [accountId, capability] =
      op.m === 'updateUser' || op.m === 'removeUser'
        ? [model.accountIds[op.acct], 'user.manage']
        : op.m.endsWith('ApiKey') || op.m === 'setApiKeyActive'
          ? [model.key.accountId, 'api_key.manage']
          : [model.sa.accountId, 'service_account.manage'];
    const managers = model.userIds.filter((u) => holds(model, u, accountId, null).has(capability));
    if (managers.length > 0) return managers[actor % managers.length]!;
  }
  return model.userIds[actor % model.userIds.length]!;
}

type Outcome = 'ok' | 'top-level FORBIDDEN' | 'payload NotFoundError' | 'payload ConflictError';

/** The expected outcome of `op` by `actorId`, and why. */
function oracle(model: Model, actorId: string, op: Op): { outcome: Outcome; why: string } {
  const guard = (accountId: string, read: string, manage: string): { outcome: Outcome; why: string } | null => {
    const have = holds(model, actorId, accountId, null);
    if (!have.has(read)) return { outcome: 'payload NotFoundError', why: `no ${read}` };
    if (!have.has(manage)) return { outcome: 'top-level FORBIDDEN', why: `no ${manage}` };
    return null;
  };
  switch (op.m) {
    case 'updateUser':
    case 'removeUser': {
      const accountId = model.accountIds[op.acct];
      const subjectId = subjectOf(model, op);
      const refused = guard(accountId, 'user.read', 'user.manage');
      if (refused) return refused;
      if (!model.members.get(accountId)!.has(subjectId)) return { outcome: 'payload NotFoundError', why: 'not a member' };
      const d = dominance(model, actorId, subjectId, accountId);
      if (d !== 'dominates') return { outcome: 'top-level FORBIDDEN', why: d };
      if (op.m === 'updateUser' && [...model.members].some(([a, m]) => a !== accountId && m.has(subjectId))) return { outcome: 'payload ConflictError', why: 'in other accounts' };
      return { outcome: 'ok', why: actorId === subjectId ? 'self' : 'dominates' };
    }
    case 'updateServiceAccount':
    case 'revokeServiceAccount':
    case 'deleteServiceAccount':
    case 'rotateServiceAccountToken':
    case 'createServiceAccountCredential': {
      const sa = model.sa;
      if (sa.deleted) return { outcome: 'payload NotFoundError', why: 'deleted' };
      const refused = guard(sa.accountId, 'service_account.read', 'service_account.manage');
      if (refused) return refused;
      const d = dominance(model, actorId, sa.id, null);
      if (d !== 'dominates') return { outcome: 'top-level FORBIDDEN', why: d };
      if (sa.revoked && op.m !== 'deleteServiceAccount') return { outcome: 'payload ConflictError', why: 'revoked' };
      return { outcome: 'ok', why: 'dominates' };
    }
    case 'updateApiKey':
    case 'revokeApiKey':
    case 'rotateApiKey':
    case 'setApiKeyActive': {
      const key = model.key;
      const refused = guard(key.accountId, 'api_key.read', 'api_key.manage');
      if (refused) return refused;
      if (key.revoked) return { outcome: 'payload ConflictError', why: 'revoked' };
      if (actorId === key.creatorId) return { outcome: 'ok', why: 'creator' };
      const have = holds(model, actorId, key.accountId, null);
      if (!key.permissions.every((p) => have.has(p))) return { outcome: 'top-level FORBIDDEN', why: 'not holding the permissions' };
      return { outcome: 'ok', why: 'holds the permissions' };
    }
  }
}

/** The model after `op` succeeded. */
function apply(model: Model, op: Op): void {
  switch (op.m) {
    case 'removeUser': {
      const accountId = model.accountIds[op.acct];
      const userId = subjectOf(model, op);
      model.members.get(accountId)!.delete(userId);
      const direct = model.direct.get(userId)!;
      for (const g of [...direct]) if (model.groups.get(g)!.accountId === accountId) direct.delete(g);
      for (const g of model.grants) if (g.subjectId === userId && g.accountId === accountId && g.kind !== 'SUPER_ADMIN') g.active = false;
      return;
    }
    case 'revokeServiceAccount':
      model.sa.revoked = true;
      return;
    case 'deleteServiceAccount':
      model.sa.deleted = true;
      model.direct.set(model.sa.id, new Set());
      for (const g of model.grants) if (g.subjectId === model.sa.id) g.active = false;
      return;
    case 'revokeApiKey':
      model.key.revoked = true;
      return;
    case 'setApiKeyActive':
      model.key.active = !model.key.active;
      return;
    default:
      return;
  }
}

/** The world, readably. */
function describeModel(model: Model): string {
  const l = (id: string) => model.label.get(id) ?? id;
  const lines = [
    `users: ${model.userIds.map((u) => `${l(u)} in ${[...model.members].filter(([, m]) => m.has(u)).map(([a]) => l(a)).join('+') || 'none'}`).join(', ')}`,
    `groups: ${[...model.groups].map(([g, { parent }]) => `${l(g)}${parent ? ` < ${l(parent)}` : ''}`).join(', ') || 'none'}`,
    `memberships: ${[...model.direct].flatMap(([p, gs]) => [...gs].map((g) => `${l(p)} in ${l(g)}`)).join(', ') || 'none'}`,
    ...model.grants.map((g) => `grant: ${g.kind}${g.key ? ` ${g.key}` : ''} to ${l(g.subjectId)} on ${l(g.accountId)}${g.resourceId ? ` ${l(g.resourceId)}` : ''}${g.active ? '' : ' (revoked)'}`),
    `service account sa of A${model.sa.revoked ? ' (revoked)' : ''}${model.sa.deleted ? ' (deleted)' : ''}`,
    `API key of A by ${l(model.key.creatorId)}: permissions ${model.key.permissions.join(', ') || 'none'}${model.key.revoked ? ' (revoked)' : ''}`,
  ];
  return lines.join('\n  ');
}

function describeOp(model: Model, op: Op): string {
  if (op.m === 'updateUser') return `updateUser(${op.field}) of ${model.label.get(subjectOf(model, op))} in ${op.acct === 0 ? 'A' : 'B'}`;
  if (op.m === 'removeUser') return `removeUser ${model.label.get(subjectOf(model, op))} from ${op.acct === 0 ? 'A' : 'B'}`;
  return op.m;
}

// ---------------------------------------------------------------------------------------------------

interface Disagreement {
  world: number;
  step: number;
  actor: string;
  op: string;
  expected: string;
  actual: string;
}

describe(`dominance property (${provider})`, () => {
  let t: TestApp;
  let hash: string;

  beforeAll(async () => {
    t = await startTestApp();
    hash = await new ScryptHasher(10).hash(PASSWORD);
  });
  afterAll(() => t?.close());

  let worldCounter = 0;
  let stamp = 0;
  const unique = () => `${SEED}x${++stamp}`;

  async function build(spec: WorldSpec): Promise<Model> {
    const n = ++worldCounter;
    return t.app.store.transaction(async (tx) => {
      const label = new Map<string, string>();
      const accounts: string[] = [];
      const workspaces: string[] = [];
      for (const name of ['A', 'B']) {
        const account = await tx.accounts.create({ name: `Dominance ${n} ${name}`, description: null });
        const workspace = await tx.workspaces.create({ accountId: account.id, name: `w${name}`, description: null });
        accounts.push(account.id);
        workspaces.push(workspace.id);
        label.set(account.id, name).set(workspace.id, `w${name}`);
      }
      const zones: string[] = [];
      for (const [a, name] of ['A', 'B'].entries()) {
        const zone = await tx.zones.zones.create({ accountId: accounts[a]!, name: `z${name}`, slug: `z${name.toLowerCase()}`, description: null, loginFlow: null, requiresInvitation: false, encryptionKey: null, defaultResourceId: null, defaultMcpGatewayApplicationId: null, userIdentityProviderId: null });
        zones.push(zone.id);
        label.set(zone.id, `zone z${name}`);
      }
      const members = new Map<string, Set<string>>(accounts.map((a) => [a, new Set()]));
      const userIds: string[] = [];
      const emails: string[] = [];
      const direct = new Map<string, Set<string>>();
      for (const [i, where] of spec.users.entries()) {
        const email = `d${n}-u${i}-${SEED}@dominance.test`;
        const user = await tx.users.create({ email, username: null, firstName: null, lastName: null, passwordHash: hash });
        for (const a of where === 2 ? [0, 1] : [where]) {
          await tx.users.addToAccount(accounts[a]!, user.id);
          members.get(accounts[a]!)!.add(user.id);
        }
        userIds.push(user.id);
        emails.push(email);
        direct.set(user.id, new Set());
        label.set(user.id, `u${i}`);
      }
      const inAccount = (u: number, a: Acct) => spec.users[u] === 2 || spec.users[u] === a;

      const groups = new Map<string, { accountId: string; parent: string | null }>();
      const groupIds: [string[], string[]] = [[], []];
      for (const a of [0, 1] as const) {
        for (let i = 0; i < spec.parents[a].length; i++) {
          const g = await tx.groups.create({ accountId: accounts[a]!, name: `g${i}`, description: null, attributes: {}, linkedScopes: [] });
          groupIds[a].push(g.id);
          groups.set(g.id, { accountId: accounts[a]!, parent: null });
          label.set(g.id, `g${a === 0 ? 'A' : 'B'}${i}`);
        }
        for (let i = 0; i < spec.parents[a].length; i++) {
          const p = spec.parents[a][i];
          if (p === null || p === undefined) continue;
          await tx.groups.attachGroup(groupIds[a][p]!, groupIds[a][i]!);
          groups.get(groupIds[a][i]!)!.parent = groupIds[a][p]!;
        }
      }
      for (const m of spec.memberships) {
        const u = m.user % userIds.length;
        if (!inAccount(u, m.acct) || groupIds[m.acct].length === 0) continue;
        const g = groupIds[m.acct][m.group % groupIds[m.acct].length]!;
        if (direct.get(userIds[u]!)!.has(g)) continue;
        await tx.groups.addUser(g, userIds[u]!);
        direct.get(userIds[u]!)!.add(g);
      }

      const saToken = issueToken('serviceAccount');
      const sa = await tx.serviceAccounts.create({ accountId: accounts[0]!, name: `sa${n}`, description: null, token: saToken, createdById: null, expiresAt: null });
      label.set(sa.id, 'sa');
      direct.set(sa.id, new Set());
      for (const gi of spec.saGroups) {
        if (groupIds[0].length === 0) break;
        const g = groupIds[0][gi % groupIds[0].length]!;
        if (direct.get(sa.id)!.has(g)) continue;
        await tx.groups.addServiceAccount(g, sa.id);
        direct.get(sa.id)!.add(g);
      }

      const grants: ModelGrant[] = [];
      for (const spec0 of spec.grants) {
        // Normalise: a user's grants are on an account it is in; a group's on the group's account
        // (an account without groups: the grant goes to a user); the service account's on A.
        let acct: Acct = spec0.acct;
        let subjectType: 'USER' | 'GROUP' | 'SERVICE_ACCOUNT';
        let subjectId: string;
        const subject = spec0.subject.t === 'group' && groupIds[acct].length === 0 ? { t: 'user' as const, i: spec0.subject.i } : spec0.subject;
        if (subject.t === 'sa') {
          acct = 0;
          subjectType = 'SERVICE_ACCOUNT';
          subjectId = sa.id;
        } else if (subject.t === 'group') {
          subjectType = 'GROUP';
          subjectId = groupIds[acct][subject.i % groupIds[acct].length]!;
        } else {
          const u = subject.i % userIds.length;
          if (!inAccount(u, acct)) acct = acct === 0 ? 1 : 0;
          subjectType = 'USER';
          subjectId = userIds[u]!;
        }
        const accountId = accounts[acct]!;
        const workspaceId = workspaces[acct]!;
        const active = !spec0.revoked;
        if (spec0.kind === 'ROLE') {
          const onWorkspace = spec0.res === 2;
          const row = await tx.roleAssignments.create({
            accountId,
            roleKey: spec0.key!,
            subjectType,
            subjectId,
            resourceType: onWorkspace ? 'workspace' : 'account',
            resourceId: onWorkspace ? workspaceId : accountId,
            createdById: null,
          });
          if (!active) await tx.roleAssignments.revoke(row.id);
          grants.push({ accountId, kind: 'ROLE', key: spec0.key, resourceId: onWorkspace ? workspaceId : null, subjectId, active });
        } else {
          const [resourceType, resourceId] = spec0.kind !== 'CAPABILITY' || spec0.res === 0 ? [null, null] : spec0.res === 1 ? ['account', accountId] : ['workspace', workspaceId];
          const row = await tx.grants.create({ accountId, grantKind: spec0.kind as 'CAPABILITY' | 'ACCOUNT_OWNER' | 'SUPER_ADMIN', subjectType, subjectId, capabilityKey: spec0.key, resourceType, resourceId });
          if (!active) await tx.grants.revoke(row.id);
          grants.push({ accountId, kind: spec0.kind, key: spec0.key, resourceId: resourceType === 'workspace' ? workspaceId : null, subjectId, active });
        }
      }

      const zoneMemberships = new Set<string>();
      for (const z of spec.zoneMembers) {
        const members = userIds.filter((_, u) => inAccount(u, z.acct));
        if (members.length === 0) continue;
        const userId = members[z.member % members.length]!;
        if (zoneMemberships.has(`${z.acct}:${userId}`)) continue;
        zoneMemberships.add(`${z.acct}:${userId}`);
        await tx.zones.members.create({ accountId: accounts[z.acct]!, zoneId: zones[z.acct]!, userId, role: z.role as 'ZONE_MANAGER' });
        grants.push({ accountId: accounts[z.acct]!, kind: 'ZONE_ROLE', key: z.role, resourceId: zones[z.acct]!, subjectId: userId, active: true });
      }
      for (const m of spec.managers) {
        const members = userIds.filter((_, u) => inAccount(u, m.acct));
        if (members.length === 0) continue;
        const accountId = accounts[m.acct]!;
        const subjectId = members[m.member % members.length]!;
        const workspaceId = m.onWorkspace ? workspaces[m.acct]! : null;
        if (m.what.startsWith('role:')) {
          const roleKey = m.what.slice(5);
          await tx.roleAssignments.create({ accountId, roleKey, subjectType: 'USER', subjectId, resourceType: workspaceId ? 'workspace' : 'account', resourceId: workspaceId ?? accountId, createdById: null });
          grants.push({ accountId, kind: 'ROLE', key: roleKey, resourceId: workspaceId, subjectId, active: true });
        } else if (m.what === 'owner') {
          await tx.grants.create({ accountId, grantKind: 'ACCOUNT_OWNER', subjectType: 'USER', subjectId, capabilityKey: null, resourceType: null, resourceId: null });
          grants.push({ accountId, kind: 'ACCOUNT_OWNER', key: null, resourceId: null, subjectId, active: true });
        } else {
          await tx.grants.create({ accountId, grantKind: 'CAPABILITY', subjectType: 'USER', subjectId, capabilityKey: m.what, resourceType: workspaceId ? 'workspace' : null, resourceId: workspaceId });
          grants.push({ accountId, kind: 'CAPABILITY', key: m.what, resourceId: workspaceId, subjectId, active: true });
        }
      }

      // The key is written straight through the repository: its permissions may exceed its creator's.
      const inA = userIds.filter((_, u) => inAccount(u, 0));
      const creatorId = inA[spec.key.creator % inA.length]!;
      const key = await tx.apiKeys.create({
        accountId: accounts[0]!,
        name: `key${n}`,
        description: null,
        token: issueToken('apiKey'),
        permissions: spec.key.permissions,
        createdByType: 'USER',
        createdById: creatorId,
        expiresAt: null,
        ...DEFAULT_MCP_SETTINGS,
      });
      label.set(key.id, 'key');

      return {
        n,
        accountIds: [accounts[0]!, accounts[1]!],
        workspaceIds: [workspaces[0]!, workspaces[1]!],
        userIds,
        emails,
        members,
        groups,
        direct,
        grants,
        sa: { id: sa.id, accountId: accounts[0]!, revoked: false, deleted: false },
        key: { id: key.id, accountId: accounts[0]!, creatorId, permissions: [...spec.key.permissions], revoked: false, active: key.active },
        label,
      };
    });
  }

  /** What the mutations could change, as stored now (read through the repositories). */
  async function snapshot(model: Model): Promise<string> {
    const store = t.app.store;
    const ids = [...model.userIds, model.sa.id];
    const [users, accounts, held, sas, credentials, keys, groups] = await Promise.all([
      store.users.byIds(model.userIds),
      store.users.accountsOf(model.userIds),
      store.grants.heldBy(ids),
      store.serviceAccounts.byIds([model.sa.id]),
      store.serviceAccounts.credentialCounts([model.sa.id]),
      store.apiKeys.byIds([model.key.id]),
      Promise.all(ids.map((id) => store.groups.directGroupIdsOfUser(id))),
    ]);
    return JSON.stringify({
      users,
      accounts: model.userIds.map((id) => [...(accounts.get(id) ?? [])].sort()),
      held: ids.map((id) => {
        const h = held.get(id);
        return h ? { groups: [...h.groupIds].sort(), grants: h.grants.map((g) => g.id).sort() } : null;
      }),
      sas,
      credentials: credentials.get(model.sa.id) ?? 0,
      keys,
      groups: groups.map((g) => [...g].sort()),
    });
  }

  const MUTATION = (name: string, inputType: string) =>
    `mutation M($input: ${inputType}!) { r: ${name}(input: $input) { __typename errors { __typename } } }`;
  const INPUT_TYPE: Record<Op['m'], string> = {
    updateUser: 'UpdateUserInput',
    removeUser: 'RemoveUserInput',
    updateServiceAccount: 'UpdateServiceAccountInput',
    revokeServiceAccount: 'RevokeServiceAccountInput',
    deleteServiceAccount: 'DeleteServiceAccountInput',
    rotateServiceAccountToken: 'RotateServiceAccountTokenInput',
    createServiceAccountCredential: 'CreateServiceAccountCredentialInput',
    updateApiKey: 'UpdateApiKeyInput',
    revokeApiKey: 'RevokeApiKeyInput',
    rotateApiKey: 'RotateApiKeyInput',
    setApiKeyActive: 'SetApiKeyActiveInput',
  };

  function inputOf(model: Model, op: Op): Record<string, unknown> {
    const sa = encodeGlobalID('ServiceAccount', model.sa.id);
    const key = encodeGlobalID('ApiKey', model.key.id);
    switch (op.m) {
      case 'updateUser': {
        const base = { accountId: encodeGlobalID('Account', model.accountIds[op.acct]), userId: encodeGlobalID('User', subjectOf(model, op)) };
        const value = unique();
        if (op.field === 'email') return { ...base, email: `changed-${value}@dominance.test` };
        if (op.field === 'username') return { ...base, username: `user-${value}` };
        return { ...base, [op.field]: `Name ${value}` };
      }
      case 'removeUser':
        return { accountId: encodeGlobalID('Account', model.accountIds[op.acct]), userId: encodeGlobalID('User', subjectOf(model, op)) };
      case 'updateServiceAccount':
        return { id: sa, name: `sa ${unique()}` };
      case 'revokeServiceAccount':
      case 'deleteServiceAccount':
      case 'rotateServiceAccountToken':
        return { id: sa };
      case 'createServiceAccountCredential':
        return { serviceAccountId: sa, name: `credential ${unique()}` };
      case 'updateApiKey':
        return { id: key, name: `key ${unique()}` };
      case 'revokeApiKey':
      case 'rotateApiKey':
        return { id: key };
      case 'setApiKeyActive':
        return { id: key, active: !model.key.active };
    }
  }

  function outcomeOf(result: GraphQLResult<{ r: { errors: { __typename: string }[] } | null }>): string {
    if (result.errors?.length) return `top-level ${result.errors.map((e) => String(e.extensions?.code ?? e.message)).join(',')}`;
    const payload = result.data?.r;
    if (!payload) return 'no payload';
    if (payload.errors.length) return `payload ${payload.errors.map((e) => e.__typename).join(',')}`;
    return 'ok';
  }

  const coverage = new Map<string, number>();
  const tally = (what: string) => coverage.set(what, (coverage.get(what) ?? 0) + 1);

  /** Runs the world's triples; returns the number of checks made. */
  async function run(model: Model, spec: WorldSpec, out: Disagreement[]): Promise<number> {
    let checks = 0;
    // Sessions first (a triple may change an actor's email); a session outlives its user's changes.
    const tokens = new Map<string, string>();
    const session = async (userId: string) => {
      let token = tokens.get(userId);
      if (token === undefined) {
        token = await t.login(model.emails[model.userIds.indexOf(userId)]!, PASSWORD);
        tokens.set(userId, token);
      }
      return token;
    };
    for (const userId of model.userIds) await session(userId);
    let before = await snapshot(model);
    for (const [step, { actor, focus, op }] of spec.triples.entries()) {
      const actorId = actorOf(model, actor, focus, op);
      const expected = oracle(model, actorId, op);
      const result = (await t.as(await session(actorId)).gql(MUTATION(op.m, INPUT_TYPE[op.m]), { input: inputOf(model, op) })) as GraphQLResult<{ r: { errors: { __typename: string }[] } | null }>;
      const actual = outcomeOf(result);
      const after = await snapshot(model);
      const changed = after !== before;
      const record = (what: string, want: string, got: string) => {
        checks++;
        if (want !== got) out.push({ world: model.n, step, actor: model.label.get(actorId)!, op: `${describeOp(model, op)} [${what}; oracle: ${expected.why}]`, expected: want, actual: got });
      };
      record('outcome', `${expected.outcome}`, actual);
      record('store', expected.outcome === 'ok' ? 'changed' : 'unchanged', changed ? 'changed' : 'unchanged');
      tally(`${op.m}: ${expected.outcome === 'ok' ? 'ok' : expected.outcome.replace(/^(top-level|payload) /, '')} (${expected.why})`);
      if (actual === 'ok' && expected.outcome === 'ok') apply(model, op);
      else if (actual === 'ok') return checks; // the model no longer describes the world: stop here (already a disagreement)
      before = after;
    }
    return checks;
  }

  it(`agrees with the dominance oracle on ${RUNS} random worlds`, { timeout: 30 * 60_000 }, async () => {
    const stats = { worlds: 0, triples: 0, checks: 0, disagreements: 0, superAdminWorlds: 0 };
    let failedOnce = false;
    let lastFailure: { description: string; disagreements: Disagreement[] } | null = null;
    const started = Date.now();

    const property = fc.asyncProperty(worldArb, async (spec) => {
      const model = await build(spec);
      const description = describeModel(model);
      const secondSuperAdmin = model.grants.some((g) => g.active && g.kind === 'SUPER_ADMIN');
      const found: Disagreement[] = [];
      let checks = 0;
      let threw = true;
      try {
        checks = await run(model, spec, found);
        threw = false;
      } finally {
        if (!failedOnce) {
          // Counted up to and including the first failing world (later runs are fast-check shrinking).
          stats.worlds++;
          stats.triples += spec.triples.length;
          stats.checks += checks;
          stats.disagreements += found.length;
          if (secondSuperAdmin) stats.superAdminWorlds++;
        }
        if (threw) failedOnce = true;
      }
      if (found.length > 0) {
        failedOnce = true;
        lastFailure = { description, disagreements: found };
      }
      return found.length === 0;
    });

    let failure: unknown = null;
    try {
      await fc.assert(property, { numRuns: RUNS, seed: SEED, endOnFailure: process.env.KEYGRAPH_PROPERTY_SHRINK === '0' });
    } catch (error) {
      failure = error;
    }
    const seconds = ((Date.now() - started) / 1000).toFixed(1);
    console.log(`dominance property (${provider}): seed ${SEED}, ${RUNS} runs asked, ${seconds}s`);
    console.log(`dominance property (${provider}): expected outcomes:\n  ${[...coverage].sort().map(([k, v]) => `${k}: ${v}`).join('\n  ')}`);
    if (lastFailure) {
      const { description, disagreements } = lastFailure as { description: string; disagreements: Disagreement[] };
      console.log(
        `dominance property (${provider}): smallest failing world (seed ${SEED}), as built:\n  ${description}\n` +
          disagreements.map((d) => `  step ${d.step}: ${d.actor} runs ${d.op}: expected ${d.expected}, got ${d.actual}`).join('\n'),
      );
    }
    console.log(
      `dominance property (${provider}): ${stats.worlds} worlds (${stats.superAdminWorlds} with a second super admin), ${stats.triples} (actor, subject, mutation) triples, ${stats.checks} checks, ${stats.disagreements} disagreements`,
    );
    if (failure && !lastFailure) throw failure;
    expect(stats.disagreements).toBe(0);
    expect(failure).toBeNull();
    expect(stats.worlds).toBeGreaterThanOrEqual(RUNS);
  });
});
