// The access table: for every kind of object keygraph serves, how it is loaded, the scope(s) a check on it
// happens in, the capabilities that read and manage it, whether a principal sees itself, which of its
// relations and fields need more than seeing it, and its platform guard. Every authorization decision on an
// object is made from this table: reads (access/reader.ts, once per object and request), writes
// (`loadFor`, below) and the shield rules (src/graphql/permissions, generated from it).
//
// Adding a kind: an entry here, its service, and its GraphQL type file (whose Node type has the kind's name,
// or implements an interface of that name). test/access-table.test.ts checks the table and the schema agree.
import type { Account, ApiKey, Group, GroupMember, Invitation, ServiceAccount, ServiceAccountCredential, User, Workspace } from '../model.js';
import type {
  Application,
  ApplicationCredential,
  ApplicationDependency,
  DelegatedGrant,
  Policy,
  PolicySet,
  PolicySetVersion,
  PolicyVersion,
  Provider,
  Resource,
  Secret,
  UserAgent,
  Zone,
  ZoneMember,
  ZoneSession,
  ZoneSigningKey,
  ZoneUser,
} from '../zone/model.js';
import type { GrantRecord, RoleAssignmentRecord, Store } from '../store.js';
import { NotFoundError, ForbiddenError, PlatformOwnedError } from '../errors.js';
import type { CapabilityKey } from './catalog.js';
import type { Scope } from './resolve.js';
import type { Authorizer, Principal } from './authorizer.js';

/** The object of each kind, as the domain models it. */
export interface Objects {
  Account: Account;
  Workspace: Workspace;
  User: User;
  Group: Group;
  GroupMember: GroupMember;
  AuthorizationGrant: GrantRecord;
  RoleAssignment: RoleAssignmentRecord;
  ServiceAccount: ServiceAccount;
  ServiceAccountCredential: ServiceAccountCredential;
  ApiKey: ApiKey;
  Invitation: Invitation;
  Zone: Zone;
  ZoneMember: ZoneMember;
  Application: Application;
  ApplicationDependency: ApplicationDependency;
  ApplicationCredential: ApplicationCredential;
  Provider: Provider;
  Resource: Resource;
  ZoneUser: ZoneUser;
  UserAgent: UserAgent;
  DelegatedGrant: DelegatedGrant;
  ZoneSession: ZoneSession;
  Secret: Secret;
  ZoneSigningKey: ZoneSigningKey;
  Policy: Policy;
  PolicyVersion: PolicyVersion;
  PolicySet: PolicySet;
  PolicySetVersion: PolicySetVersion;
}

export type ObjectKind = keyof Objects;

/** What computing an object's scopes may need besides the object: loads, batched by the caller. */
export interface ScopeDeps {
  /** The accounts a user belongs to. */
  accountsOfUser(userId: string): Promise<string[]>;
  /** An object of another kind by id (no visibility check): an application for its dependency. */
  load<K extends ObjectKind>(kind: K, id: string): Promise<Objects[K] | null>;
}

export interface AccessEntry<T> {
  /** Loads objects of the kind by id, in order (null for a missing one). */
  fetch(store: Store, ids: readonly string[]): Promise<(T | null)[]>;
  /** The scopes the object lives in: a check holds when it holds in any of them. */
  scopes(object: T, deps: ScopeDeps): Scope[] | Promise<Scope[]>;
  /** The capability that lets a caller see the object (and learn that it exists). */
  read: CapabilityKey;
  /** The capability that lets a caller change or delete it. */
  manage: CapabilityKey;
  /** Whether the principal is this object (it sees itself whatever it holds). */
  self?: (object: T, principal: Principal) => boolean;
  /**
   * Relations and sensitive fields of the object that need a capability of their own, held in the
   * object's scope (an account's lists, a zone's lists, a secret's value). Other fields need only seeing it.
   */
  fields?: Readonly<Record<string, CapabilityKey>>;
  /** Objects the platform owns: no caller changes them (`name` is how the refusal names the kind). */
  platform?: { owned: (object: T) => boolean; name: string };
  /** The name the kind is published under when it is not the kind's own (sessions are `Session`s). */
  publicName?: string;
}

export type AccessTable = { readonly [K in ObjectKind]: AccessEntry<Objects[K]> };

const ofAccount = (o: { accountId: string }): Scope[] => [{ accountId: o.accountId }];

/** A zone object's scope is the object itself inside its zone: grants on the account, the zone or the object apply. */
function inZone(type: string) {
  return (o: { id: string; accountId: string; zoneId: string }): Scope[] => [{ accountId: o.accountId, resource: { type, id: o.id }, containers: [{ type: 'zone', id: o.zoneId }] }];
}

export function zoneScope(zone: Pick<Zone, 'id' | 'accountId'>): Scope {
  return { accountId: zone.accountId, resource: { type: 'zone', id: zone.id } };
}

/** The capability that reads who holds what: grants, role assignments, permission contexts. */
const HOLDINGS_READ: CapabilityKey = 'auth.read';

const platform = (name: string) => ({ owned: (o: { ownerType: string }) => o.ownerType === 'PLATFORM', name });

export const ACCESS: AccessTable = {
  Account: {
    fetch: (s, ids) => s.accounts.byIds(ids),
    scopes: (a) => [{ accountId: a.id }],
    read: 'account.read',
    manage: 'account.manage',
    // Seeing an account shows its name; each of its lists needs the capability that reads what it lists.
    fields: {
      workspaces: 'workspace.read',
      users: 'user.read',
      groups: 'group.read',
      authorizationGrants: HOLDINGS_READ,
      roleAssignments: HOLDINGS_READ,
      zones: 'zone.read',
      serviceAccounts: 'service_account.read',
      apiKeys: 'api_key.read',
      invitations: 'invitation.read',
    },
  },
  // A workspace is a resource of its account: grants scoped to it apply to it.
  Workspace: {
    fetch: (s, ids) => s.workspaces.byIds(ids),
    scopes: (w) => [{ accountId: w.accountId, resource: { type: 'workspace', id: w.id } }],
    read: 'workspace.read',
    manage: 'workspace.manage',
  },
  // A user is seen through the accounts it belongs to, and always by itself.
  User: {
    fetch: (s, ids) => s.users.byIds(ids),
    scopes: async (u, deps) => (await deps.accountsOfUser(u.id)).map((accountId) => ({ accountId })),
    read: 'user.read',
    manage: 'user.manage',
    self: (u, p) => p.kind === 'user' && p.userId === u.id,
  },
  Group: { fetch: (s, ids) => s.groups.byIds(ids), scopes: ofAccount, read: 'group.read', manage: 'group.manage' },
  GroupMember: { fetch: (s, ids) => s.groups.memberByIds(ids), scopes: ofAccount, read: 'group.read', manage: 'group.manage' },
  AuthorizationGrant: { fetch: (s, ids) => s.grants.byIds(ids), scopes: ofAccount, read: HOLDINGS_READ, manage: 'auth.manage' },
  RoleAssignment: { fetch: (s, ids) => s.roleAssignments.byIds(ids), scopes: ofAccount, read: HOLDINGS_READ, manage: 'auth.manage' },
  ServiceAccount: {
    fetch: (s, ids) => s.serviceAccounts.byIds(ids),
    scopes: ofAccount,
    read: 'service_account.read',
    manage: 'service_account.manage',
    self: (sa, p) => p.kind === 'service_account' && p.serviceAccountId === sa.id,
  },
  ServiceAccountCredential: { fetch: (s, ids) => s.serviceAccounts.credentialByIds(ids), scopes: ofAccount, read: 'service_account.read', manage: 'service_account.manage' },
  ApiKey: {
    fetch: (s, ids) => s.apiKeys.byIds(ids),
    scopes: ofAccount,
    read: 'api_key.read',
    manage: 'api_key.manage',
    self: (k, p) => p.kind === 'api_key' && p.apiKeyId === k.id,
  },
  Invitation: { fetch: (s, ids) => s.invitations.byIds(ids), scopes: ofAccount, read: 'invitation.read', manage: 'invitation.manage' },
  Zone: {
    fetch: (s, ids) => s.zones.zones.byIds(ids),
    scopes: (z) => [zoneScope(z)],
    read: 'zone.read',
    manage: 'zone.manage',
    fields: {
      applications: 'application.read',
      resources: 'application.read',
      applicationCredentials: 'credential.read',
      providers: 'credential.read',
      secrets: 'secret.read',
      policySchemas: 'policy.read',
      policySchema: 'policy.read',
      policies: 'policy.read',
      policySets: 'policy.read',
    },
  },
  ZoneMember: { fetch: (s, ids) => s.zones.members.byIds(ids), scopes: inZone('zone_member'), read: 'zone.read', manage: 'zone.manage' },
  Application: {
    fetch: (s, ids) => s.zones.applications.byIds(ids),
    scopes: inZone('application'),
    read: 'application.read',
    manage: 'application.manage',
    fields: { credentials: 'credential.read' },
    platform: platform('application'),
  },
  // Seen, and held, exactly as its application.
  ApplicationDependency: {
    fetch: (s, ids) => s.zones.dependencies.byIds(ids),
    scopes: async (d, deps) => {
      const application = await deps.load('Application', d.applicationId);
      return application ? inZone('application')(application) : [];
    },
    read: 'application.read',
    manage: 'application.manage',
  },
  ApplicationCredential: { fetch: (s, ids) => s.zones.credentials.byIds(ids), scopes: inZone('application_credential'), read: 'credential.read', manage: 'credential.manage' },
  Provider: { fetch: (s, ids) => s.zones.providers.byIds(ids), scopes: inZone('provider'), read: 'credential.read', manage: 'credential.manage', platform: platform('provider') },
  Resource: { fetch: (s, ids) => s.zones.resources.byIds(ids), scopes: inZone('resource'), read: 'application.read', manage: 'application.manage', platform: platform('resource') },
  ZoneUser: { fetch: (s, ids) => s.zones.zoneUsers.byIds(ids), scopes: inZone('zone_user'), read: 'zone.read', manage: 'zone.manage' },
  UserAgent: { fetch: (s, ids) => s.zones.userAgents.byIds(ids), scopes: inZone('user_agent'), read: 'zone.read', manage: 'zone.manage' },
  DelegatedGrant: { fetch: (s, ids) => s.zones.delegatedGrants.byIds(ids), scopes: inZone('delegated_grant'), read: 'zone.read', manage: 'zone.manage' },
  ZoneSession: { fetch: (s, ids) => s.zones.sessions.byIds(ids), scopes: inZone('zone_session'), read: 'zone.read', manage: 'zone.manage', publicName: 'Session' },
  Secret: {
    fetch: (s, ids) => s.zones.secrets.byIds(ids),
    scopes: inZone('secret'),
    read: 'secret.read',
    manage: 'secret.manage',
    // The decrypted value is its own capability.
    fields: { value: 'secret.value.read' },
  },
  ZoneSigningKey: { fetch: (s, ids) => s.zones.signingKeys.byIds(ids), scopes: inZone('zone_signing_key'), read: 'zone.read', manage: 'zone.manage' },
  Policy: { fetch: (s, ids) => s.zones.policies.byIds(ids), scopes: inZone('policy'), read: 'policy.read', manage: 'policy.manage', platform: platform('policy') },
  PolicyVersion: { fetch: (s, ids) => s.zones.policyVersions.byIds(ids), scopes: inZone('policy_version'), read: 'policy.read', manage: 'policy.manage' },
  PolicySet: { fetch: (s, ids) => s.zones.policySets.byIds(ids), scopes: inZone('policy_set'), read: 'policy.read', manage: 'policy.manage', platform: platform('policy set') },
  PolicySetVersion: { fetch: (s, ids) => s.zones.policySetVersions.byIds(ids), scopes: inZone('policy_set_version'), read: 'policy.read', manage: 'policy.manage' },
};

export const OBJECT_KINDS = Object.keys(ACCESS) as ObjectKind[];

export function isObjectKind(name: string): name is ObjectKind {
  return Object.prototype.hasOwnProperty.call(ACCESS, name);
}

export function entityOf(kind: ObjectKind): string {
  return kind;
}

/** The scopes an object of `kind` lives in. */
export function scopesOf<K extends ObjectKind>(kind: K, object: Objects[K], deps: ScopeDeps): Scope[] | Promise<Scope[]> {
  return (ACCESS[kind] as AccessEntry<Objects[K]>).scopes(object, deps);
}

/** The one scope of an object whose kind has exactly one and needs no load (every kind but User and ApplicationDependency). */
export function scopeOf<K extends Exclude<ObjectKind, 'User' | 'ApplicationDependency'>>(kind: K, object: Objects[K]): Scope {
  const scopes = (ACCESS[kind] as AccessEntry<Objects[K]>).scopes(object, NO_LOADS) as Scope[];
  return scopes[0]!;
}

/** For kinds scoped by the object alone (every kind but User and ApplicationDependency): no load is needed to decide. */
export const NO_LOADS: ScopeDeps = {
  accountsOfUser: () => Promise.reject(new Error('this kind needs no load to be scoped')),
  load: () => Promise.reject(new Error('this kind needs no load to be scoped')),
};

/** Whether the principal is this object (it sees itself). */
export function isSelf<K extends ObjectKind>(kind: K, object: Objects[K], principal: Principal): boolean {
  const self = (ACCESS[kind] as AccessEntry<Objects[K]>).self;
  return self !== undefined && self(object, principal);
}

/** Whether the caller holds `capability` in any of `scopes`. */
export async function holdsIn(authz: Authorizer, capability: CapabilityKey, scopes: readonly Scope[]): Promise<boolean> {
  for (const scope of scopes) if (await authz.can(capability, scope)) return true;
  return false;
}

/** Whether the caller may see the object: itself, or the kind's read capability in one of its scopes. */
export async function decideVisible<K extends ObjectKind>(authz: Authorizer, kind: K, object: Objects[K], deps: ScopeDeps): Promise<boolean> {
  if (!authz.authenticated) return false;
  if (isSelf(kind, object, authz.principal)) return true;
  const scopes = await scopesOf(kind, object, deps);
  return holdsNow(authz, ACCESS[kind].read, scopes) ?? holdsIn(authz, ACCESS[kind].read, scopes);
}

/** holdsIn's answer without waiting when the caller's grants are loaded; undefined otherwise. */
function holdsNow(authz: Authorizer, capability: CapabilityKey, scopes: readonly Scope[]): boolean | undefined {
  let undecided = false;
  for (const scope of scopes) {
    const held = authz.canNow(capability, scope);
    if (held === true) return true;
    if (held === undefined) undecided = true;
  }
  return undecided ? undefined : false;
}

/**
 * Who may read what a subject (a user, a service account, a group) holds on an account (its permission
 * context, an explanation of its access): the subject itself, or a caller with auth.read there.
 */
export async function mayReadHoldings(authz: Authorizer, subject: { type: string; id: string }, accountId: string): Promise<boolean> {
  const self = (subject.type === 'USER' && subject.id === authz.userId) || (subject.type === 'SERVICE_ACCOUNT' && subject.id === authz.serviceAccountId);
  return self || (authz.authenticated && (await authz.can(HOLDINGS_READ, { accountId })));
}

export type Mode = 'read' | 'manage';

export interface LoadOptions {
  /** The input field that named the object (errors name it). Default: 'id'. */
  field?: string;
  /** The capability a write needs instead of the kind's manage capability. */
  capability?: CapabilityKey;
  /** Refuse objects the platform owns (for changes and deletions of kinds the platform can own). */
  platformGuard?: boolean;
}

/**
 * The one load-and-authorize path of the domain: the object `id` of `kind` from `store` (a transaction's
 * store for writes), failing exactly like a missing one (NotFoundError naming the field) when the caller
 * may not see it. For 'read' that is all; for 'manage' a read-only API key is refused, and so is a caller
 * without the kind's manage capability (or `options.capability`) in the object's scope (Forbidden), and a
 * change to an object the platform owns (PlatformOwnedError).
 *
 * Seeing, for a write, is holding the read capability: a principal's sight of itself does not open its
 * own record to changes through this path.
 */
export async function loadFor<K extends ObjectKind>(store: Store, authz: Authorizer, kind: K, id: string, mode: Mode, options: LoadOptions = {}): Promise<Objects[K]> {
  const field = options.field ?? 'id';
  authz.requireAuthenticated();
  const entry = ACCESS[kind] as AccessEntry<Objects[K]>;
  const [object] = await entry.fetch(store, [id]);
  if (!object) throw new NotFoundError(entityOf(kind), field);
  await authorizeOn(authz, kind, object, mode, { ...options, field }, storeDeps(store));
  return object;
}

/**
 * Creating an object of `kind` in a container the caller names (an account, a group), before anything is
 * loaded: the container must be visible (the container kind's read capability in `scope`; else
 * NotFoundError naming `field`), then the kind's manage capability in `scope`. Read-only API keys are refused.
 */
export function authorizeCreate(authz: Authorizer, kind: ObjectKind, container: ObjectKind, scope: Scope, field: string): Promise<void> {
  return authz.authorize(ACCESS[kind].manage, scope, { see: ACCESS[container].read, entity: entityOf(container), field });
}

/**
 * Changing an object of `kind` the caller names inside `scope` (a user of one account, an account itself):
 * the kind's read capability there to learn it exists (else NotFoundError naming `field`), then its manage capability.
 */
export function authorizeInScope(authz: Authorizer, kind: ObjectKind, scope: Scope, field: string): Promise<void> {
  return authz.authorize(ACCESS[kind].manage, scope, { see: ACCESS[kind].read, entity: entityOf(kind), field });
}

/** The checks of `loadFor` on an object already loaded. */
export async function authorizeOn<K extends ObjectKind>(authz: Authorizer, kind: K, object: Objects[K], mode: Mode, options: LoadOptions, deps: ScopeDeps): Promise<void> {
  const field = options.field ?? 'id';
  authz.requireAuthenticated();
  const entry = ACCESS[kind] as AccessEntry<Objects[K]>;
  const scopes = await entry.scopes(object, deps);
  const visible = mode === 'read' ? await decideVisible(authz, kind, object, deps) : await holdsIn(authz, entry.read, scopes);
  if (!visible) throw new NotFoundError(entityOf(kind), field);
  if (mode === 'read') return;
  authz.requireWritable();
  const capability = options.capability ?? entry.manage;
  if (!(await holdsIn(authz, capability, scopes))) throw new ForbiddenError(capability);
  if (options.platformGuard && entry.platform?.owned(object)) throw new PlatformOwnedError(entry.platform.name, field);
}

/** Scope dependencies answered from a store (a transaction's, for writes). */
export function storeDeps(store: Store): ScopeDeps {
  return {
    accountsOfUser: async (userId) => (await store.users.accountsOf([userId])).get(userId) ?? [],
    load: async (kind, id) => ((await ACCESS[kind].fetch(store, [id]))[0] ?? null) as never,
  };
}

// --- Reads: one decision per object, caller and request ---------------------------------------------------
// Keyed by the Authorizer (one per request and principal: a login answers the rest of its request as its
// new session), then by the object as loaded (the request's loaders hand out one instance per id).
const decided = new WeakMap<Authorizer, WeakMap<object, Promise<boolean>>>();
const settled = new WeakMap<Authorizer, WeakMap<object, boolean>>();

const YES = Promise.resolve(true);
const NO = Promise.resolve(false);

/** Whether the caller may see `object`: decided once per caller and object, then remembered. */
export function visible<K extends ObjectKind>(authz: Authorizer, kind: K, object: Objects[K], deps: ScopeDeps): Promise<boolean> {
  let perObject = decided.get(authz);
  if (!perObject) decided.set(authz, (perObject = new WeakMap()));
  let answer = perObject.get(object);
  if (!answer) {
    const now = settled.get(authz)?.get(object);
    if (now !== undefined) return now ? YES : NO;
    answer = decideVisible(authz, kind, object, deps).then((seen) => {
      let known = settled.get(authz);
      if (!known) settled.set(authz, (known = new WeakMap()));
      known.set(object, seen);
      return seen;
    });
    perObject.set(object, answer);
  }
  return answer;
}

/**
 * `visible`'s answer when it can be given without waiting: already decided for this caller and object, or
 * decidable now (the caller's grants are loaded and the object's scopes need no load); undefined otherwise.
 * The decision is decideVisible's, made synchronously, and remembered like visible's.
 */
export function visibleNow<K extends ObjectKind>(authz: Authorizer, kind: K, object: Objects[K]): boolean | undefined {
  let known = settled.get(authz);
  const answer = known?.get(object);
  if (answer !== undefined) return answer;
  const seen = decideVisibleNow(authz, kind, object);
  if (seen === undefined) return undefined;
  if (!known) settled.set(authz, (known = new WeakMap()));
  known.set(object, seen);
  return seen;
}

/**
 * Scopes an object is known to live in, among others, noted by whoever read it along with the proof (a
 * member's user read with its AccountUser row in the group's account). An object is visible when the read
 * capability holds in any of its scopes, so one known scope decides a yes without loading the others; a no
 * still needs them all.
 */
const knownScopes = new WeakMap<object, Scope[]>();

export function knownIn(object: object, scope: Scope): void {
  const scopes = knownScopes.get(object);
  if (scopes) scopes.push(scope);
  else knownScopes.set(object, [scope]);
}

function decideVisibleNow<K extends ObjectKind>(authz: Authorizer, kind: K, object: Objects[K]): boolean | undefined {
  if (!authz.authenticated) return false;
  if (isSelf(kind, object, authz.principal)) return true;
  if (kind === 'User' || kind === 'ApplicationDependency') {
    const known = knownScopes.get(object);
    return known && holdsNow(authz, ACCESS[kind].read, known) === true ? true : undefined;
  }
  const scopes = (ACCESS[kind] as AccessEntry<Objects[K]>).scopes(object, NO_LOADS);
  if (!Array.isArray(scopes)) return undefined;
  return holdsNow(authz, ACCESS[kind].read, scopes);
}

/** A source of objects by kind and id for reads (the request's batching loaders). */
export interface ObjectSource extends ScopeDeps {
  load<K extends ObjectKind>(kind: K, id: string): Promise<Objects[K] | null>;
}

/** Reads: the object `id` of `kind`, or null when there is none or the caller may not see it (the same answer). */
export async function readVisible<K extends ObjectKind>(authz: Authorizer, source: ObjectSource, kind: K, id: string | null | undefined): Promise<Objects[K] | null> {
  if (!id) return null;
  const object = await source.load(kind, id);
  return object && (await visible(authz, kind, object, source)) ? object : null;
}

/** The capabilities the caller holds on an object, over all the scopes it lives in. */
export async function permissionsOn<K extends ObjectKind>(authz: Authorizer, kind: K, object: Objects[K], deps: ScopeDeps): Promise<string[]> {
  return authz.permissionsOn(await scopesOf(kind, object, deps));
}
