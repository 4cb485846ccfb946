// The persistence port of the domain. Implemented in src/infra/db; the domain never sees the ORM.
import type {
  Account,
  ActorType,
  ApiKey,
  GrantKind,
  Group,
  GroupMember,
  Invitation,
  InvitationAssignment,
  InvitationStatus,
  LinkedScope,
  McpSettings,
  MembershipStats,
  ServiceAccount,
  ServiceAccountCredential,
  SubjectType,
  User,
  Workspace,
} from './model.js';
import type { ZoneStore } from './zone/store.js';

/** Keyset paging over id order. `after`/`before` are ids (cursors are decoded at the edge). */
export interface PageArgs {
  first?: number;
  last?: number;
  after?: string;
  before?: string;
}

/** A page of ids: each with the cursor key that positions it. Nodes are loaded by id, in one batch. */
export interface Page {
  /**
   * `node`: the node itself, when the page statement read its row along (loaders are primed with it);
   * `related`: other objects the statement read with it (e.g. a member's user), for the loaders of their kind.
   */
  edges: { cursor: string; id: string; node?: unknown; related?: RelatedNode[] }[];
  hasNextPage: boolean;
  hasPreviousPage: boolean;
  /** The parent's whole list (same filters, no cursor), when the page statement counted it along. */
  totalCount?: number;
}

/** An object a page statement read along with a node, by the loader of its kind. */
export interface RelatedNode {
  loader: 'user';
  id: string;
  node: unknown;
  /** An account the same statement found the node in (its AccountUser row), when it checked: see access.ts knownIn. */
  inAccount?: string;
}

/** One page per parent id, fetched for many parents at once (a constant number of statements). */
export type Pages = Map<string, Page>;

export interface NewUser {
  email: string;
  username: string | null;
  firstName: string | null;
  lastName: string | null;
  passwordHash: string | null;
  emailVerifiedAt?: Date | null;
}

/** A single-use link sent to an address (see domain/user/proofs.ts). */
export type EmailProofPurpose = 'VERIFY_EMAIL' | 'RESET_PASSWORD';

export interface EmailProofRecord {
  id: string;
  userId: string;
  email: string;
  purpose: EmailProofPurpose;
  expiresAt: Date;
  usedAt: Date | null;
  createdAt: Date;
}

export interface EmailProofRepo {
  create(input: { userId: string; email: string; purpose: EmailProofPurpose; tokenHash: string; expiresAt: Date }): Promise<EmailProofRecord>;
  findByTokenHash(hash: string): Promise<EmailProofRecord | null>;
  /** Marks an unused proof used; false when it already was (a concurrent use won). */
  use(id: string, at: Date): Promise<boolean>;
}

export interface AccountRepo {
  create(input: { name: string; description: string | null }): Promise<Account>;
  update(id: string, patch: { name?: string; description?: string | null }): Promise<Account>;
  byIds(ids: readonly string[]): Promise<(Account | null)[]>;
  /** Pages over all accounts, or over `only` when given. */
  page(args: PageArgs, only?: readonly string[]): Promise<Page>;
  count(only?: readonly string[]): Promise<number>;
}

export interface WorkspaceRepo {
  create(input: { accountId: string; name: string; description: string | null }): Promise<Workspace>;
  update(id: string, patch: { name?: string; description?: string | null }): Promise<Workspace>;
  delete(id: string): Promise<void>;
  byIds(ids: readonly string[]): Promise<(Workspace | null)[]>;
  findByName(accountId: string, name: string): Promise<Workspace | null>;
  /** Pages of each account's workspaces; `only` restricts them to those ids (an API key's workspaces). */
  pagesByAccount(accountIds: readonly string[], args: PageArgs, only?: readonly string[]): Promise<Pages>;
  countsByAccount(accountIds: readonly string[], only?: readonly string[]): Promise<Map<string, number>>;
}

export interface UserRepo {
  create(input: NewUser): Promise<User>;
  update(id: string, patch: Partial<Omit<NewUser, 'email'>> & { email?: string }): Promise<User>;
  byIds(ids: readonly string[]): Promise<(User | null)[]>;
  findByEmail(email: string): Promise<User | null>;
  findByUsername(username: string): Promise<User | null>;
  /** The stored password hash, for login; never part of the User object. */
  passwordHash(userId: string): Promise<string | null>;
  addToAccount(accountId: string, userId: string): Promise<void>;
  /**
   * Removes the account membership, the user's group memberships in the account, and revokes the user's
   * grants and role assignments on it - except SUPER_ADMIN, which is platform-level and outlives any
   * one account membership.
   */
  removeFromAccount(accountId: string, userId: string): Promise<void>;
  /** For each user id, whether it is a member of the account. */
  inAccount(accountId: string, userIds: readonly string[]): Promise<Set<string>>;
  pagesByAccount(accountIds: readonly string[], args: PageArgs, search: string | null): Promise<Pages>;
  countsByAccount(accountIds: readonly string[], search: string | null): Promise<Map<string, number>>;
  /** The accounts each user belongs to. */
  accountsOf(userIds: readonly string[]): Promise<Map<string, string[]>>;
}

export interface GroupRepo {
  create(input: { accountId: string; name: string; description: string | null; attributes: Record<string, unknown>; linkedScopes: LinkedScope[] }): Promise<Group>;
  update(id: string, patch: { name?: string; description?: string | null; attributes?: Record<string, unknown>; linkedScopes?: LinkedScope[] }): Promise<Group>;
  /** Deletes the group, its member edges and its closure rows; its subgroups become top-level groups. Returns how many were detached. */
  delete(id: string): Promise<number>;
  byIds(ids: readonly string[]): Promise<(Group | null)[]>;
  memberByIds(ids: readonly string[]): Promise<(GroupMember | null)[]>;
  findByName(accountId: string, name: string): Promise<Group | null>;
  pagesByAccount(accountIds: readonly string[], args: PageArgs, search: string | null): Promise<Pages>;
  countsByAccount(accountIds: readonly string[], search: string | null): Promise<Map<string, number>>;
  memberPages(groupIds: readonly string[], args: PageArgs, search: string | null): Promise<Pages>;
  memberCounts(groupIds: readonly string[], search: string | null): Promise<Map<string, number>>;
  subgroupPages(groupIds: readonly string[], args: PageArgs): Promise<Pages>;
  subgroupCounts(groupIds: readonly string[]): Promise<Map<string, number>>;
  /** parent group id of each group that has one. */
  parents(groupIds: readonly string[]): Promise<Map<string, string>>;
  /** ancestors of each group, root first, the group itself last. */
  ancestorPaths(groupIds: readonly string[]): Promise<Map<string, Group[]>>;
  /** Whether `ancestorId` is `descendantId` or one of its ancestors. */
  isAncestorOrSelf(ancestorId: string, descendantId: string): Promise<boolean>;
  addUser(groupId: string, userId: string): Promise<boolean>;
  removeUser(groupId: string, userId: string): Promise<boolean>;
  /** Makes `childId` a subgroup of `parentId`, maintaining the closure table. */
  attachGroup(parentId: string, childId: string): Promise<void>;
  detachGroup(parentId: string, childId: string): Promise<boolean>;
  addServiceAccount(groupId: string, serviceAccountId: string): Promise<boolean>;
  removeServiceAccount(groupId: string, serviceAccountId: string): Promise<boolean>;
  stats(groupId: string): Promise<MembershipStats>;
  /** The groups a user or service account is directly in. */
  directGroupIdsOfUser(userId: string): Promise<string[]>;
  /** Every group the user is in, directly or through nesting, in one account: one indexed query. */
  transitiveGroupIdsOfUser(accountId: string, userId: string): Promise<string[]>;
}

export interface GrantRecord {
  id: string;
  accountId: string;
  grantKind: GrantKind;
  subjectType: SubjectType;
  subjectId: string;
  capabilityKey: string | null;
  resourceType: string | null;
  resourceId: string | null;
  createdById: string | null;
  createdAt: Date;
  revokedAt: Date | null;
}

export interface RoleAssignmentRecord {
  id: string;
  accountId: string;
  roleKey: string;
  subjectType: SubjectType;
  subjectId: string;
  resourceType: string;
  resourceId: string;
  createdById: string | null;
  createdAt: Date;
  revokedAt: Date | null;
}

export interface GrantFilter {
  grantKind?: GrantKind | null;
  capabilityKey?: string | null;
  subjectType?: SubjectType | null;
  subjectId?: string | null;
  includeRevoked?: boolean;
}

export interface RoleAssignmentFilter {
  roleKey?: string | null;
  subjectType?: SubjectType | null;
  subjectId?: string | null;
  includeRevoked?: boolean;
}

/** A login session of a user or (after login with its token) a service account. */
export interface SessionRecord {
  id: string;
  userId: string | null;
  serviceAccountId: string | null;
  createdAt: Date;
  expiresAt: Date;
  revokedAt: Date | null;
}

/**
 * What a store was like when it was looked at: equal marks (of one store) mean that nothing has changed between
 * the two looks. SQLite's is a counter (Store.changeMark); PostgreSQL's a snapshot read with a session.
 */
export type ChangeMark = number | string;

export interface SessionRepo {
  create(input: { userId?: string | null; serviceAccountId?: string | null; expiresAt: Date }): Promise<SessionRecord>;
  byId(id: string): Promise<SessionRecord | null>;
  /**
   * A session and, read with it in one statement, the grants snapshot of `subjectId` (the subject its token
   * names; the caller checks that the session belongs to it). `held` is null when the session does not exist.
   * Where Store.changeMark cannot tell (PostgreSQL), `mark` is a change mark read in the same statement: the
   * statement's snapshot (which transactions it sees), so an equal mark later means that no commit has become
   * visible since (any commit of the cluster changes it: more often than needed, never less). Outside
   * transactions only, as Store.changeMark.
   */
  byIdWithGrants(id: string, subjectId: string): Promise<{ session: SessionRecord; held: SubjectGrants; mark?: ChangeMark } | { session: null; held: null }>;
  revoke(id: string): Promise<boolean>;
  /** Ends every open session of a service account. */
  revokeAllOfServiceAccount(serviceAccountId: string): Promise<number>;
  /** Ends every open session of a user, but `except` (the caller's own, when it keeps it). */
  revokeAllOfUser(userId: string, except?: string | null): Promise<number>;
}

export interface IdentityRepo {
  userFor(issuer: string, subject: string): Promise<string | null>;
  link(issuer: string, subject: string, userId: string): Promise<void>;
  /** Drops every external identity linked to the user but `keep`; returns how many went. */
  unlinkAllOf(userId: string, keep?: { issuer: string; subject: string } | null): Promise<number>;
}

export interface RoleAssignmentRepo {
  create(input: Omit<RoleAssignmentRecord, 'id' | 'createdAt' | 'revokedAt'>): Promise<RoleAssignmentRecord>;
  byIds(ids: readonly string[]): Promise<(RoleAssignmentRecord | null)[]>;
  revoke(id: string): Promise<RoleAssignmentRecord>;
  pages(accountIds: readonly string[], args: PageArgs, filter: RoleAssignmentFilter): Promise<Pages>;
  counts(accountIds: readonly string[], filter: RoleAssignmentFilter): Promise<Map<string, number>>;
}

/** A subject's active grants and role assignments, direct or through its groups, and those groups. */
export interface SubjectGrants {
  groupIds: string[];
  grants: { id: string; accountId: string; kind: GrantKind | 'ROLE' | 'ZONE_ROLE'; key: string | null; resourceType: string | null; resourceId: string | null; subjectType: SubjectType; subjectId: string }[];
}

export interface GrantRepo {
  create(input: {
    accountId: string;
    grantKind: GrantKind;
    subjectType: SubjectType;
    subjectId: string;
    capabilityKey?: string | null;
    resourceType?: string | null;
    resourceId?: string | null;
    createdById?: string | null;
  }): Promise<GrantRecord>;
  byIds(ids: readonly string[]): Promise<(GrantRecord | null)[]>;
  revoke(id: string): Promise<GrantRecord>;
  pages(accountIds: readonly string[], args: PageArgs, filter: GrantFilter): Promise<Pages>;
  counts(accountIds: readonly string[], filter: GrantFilter): Promise<Map<string, number>>;
  /** Active grants and role assignments of many users or groups at once: one statement. */
  heldBy(subjectIds: readonly string[]): Promise<Map<string, SubjectGrants>>;
  hasActive(accountId: string, grantKind: GrantKind, subjectType: SubjectType, subjectId: string): Promise<boolean>;
  /** Subject ids holding an unrevoked grant of this kind on any account, oldest grant first. */
  activeSubjectsOfKind(grantKind: GrantKind): Promise<{ subjectType: SubjectType; subjectId: string; accountId: string }[]>;
}

/** The stored parts of an issued token (see domain/credentials/token.ts); never the plaintext. */
export interface StoredToken {
  hash: string;
  prefix: string;
  last4: string;
  publicId: string;
}

/** A service account found by a token digest, with whether the digest is its current token or the previous one. */
export interface ServiceAccountMatch {
  serviceAccount: ServiceAccount;
  current: boolean;
  previousExpiresAt: Date | null;
}

export interface ServiceAccountRepo {
  create(input: { accountId: string; name: string; description: string | null; token: StoredToken; createdById: string | null; expiresAt: Date | null }): Promise<ServiceAccount>;
  update(id: string, patch: { name?: string; description?: string | null; expiresAt?: Date | null }): Promise<ServiceAccount>;
  /** Replaces the token; the old one stays valid until `graceUntil` when given, else it dies now. */
  rotate(id: string, token: StoredToken, graceUntil: Date | null): Promise<ServiceAccount>;
  revoke(id: string, revokedById: string | null): Promise<ServiceAccount>;
  /** Deletes the service account, its credentials and group memberships, and its grants and role assignments. */
  delete(id: string): Promise<void>;
  byIds(ids: readonly string[]): Promise<(ServiceAccount | null)[]>;
  findByTokenHash(hash: string): Promise<ServiceAccountMatch | null>;
  touch(id: string, at: Date): Promise<void>;
  pagesByAccount(accountIds: readonly string[], args: PageArgs, includeRevoked: boolean): Promise<Pages>;
  countsByAccount(accountIds: readonly string[], includeRevoked: boolean): Promise<Map<string, number>>;
  /** For each id, whether it is a service account of the account. */
  inAccount(accountId: string, ids: readonly string[]): Promise<Set<string>>;

  createCredential(input: { serviceAccountId: string; accountId: string; name: string; description: string | null; clientId: string; secretHash: string }): Promise<ServiceAccountCredential>;
  updateCredential(id: string, patch: { name?: string; description?: string | null }): Promise<ServiceAccountCredential>;
  deleteCredential(id: string): Promise<void>;
  credentialByIds(ids: readonly string[]): Promise<(ServiceAccountCredential | null)[]>;
  findCredentialByClientId(clientId: string): Promise<{ credential: ServiceAccountCredential; secretHash: string } | null>;
  touchCredential(id: string, at: Date): Promise<void>;
  credentialPages(serviceAccountIds: readonly string[], args: PageArgs): Promise<Pages>;
  credentialCounts(serviceAccountIds: readonly string[]): Promise<Map<string, number>>;
}

export interface NewApiKey extends McpSettings {
  accountId: string;
  name: string;
  description: string | null;
  scope?: string | null;
  token: StoredToken;
  permissions: string[];
  createdByType: ActorType;
  createdById: string;
  expiresAt: Date | null;
}

export type ApiKeyPatch = Partial<Pick<ApiKey, 'name' | 'description' | 'permissions' | 'expiresAt' | 'active' | keyof McpSettings>>;

export interface ApiKeyRepo {
  create(input: NewApiKey): Promise<ApiKey>;
  update(id: string, patch: ApiKeyPatch): Promise<ApiKey>;
  rotate(id: string, token: StoredToken): Promise<ApiKey>;
  revoke(id: string, revokedById: string | null): Promise<ApiKey>;
  /** Revokes every unrevoked key the user or service account created; returns how many. */
  revokeAllCreatedBy(creatorId: string, at: Date): Promise<number>;
  byIds(ids: readonly string[]): Promise<(ApiKey | null)[]>;
  findByKeyHash(hash: string): Promise<ApiKey | null>;
  touch(id: string, at: Date): Promise<void>;
  pagesByAccount(accountIds: readonly string[], args: PageArgs, search: string | null): Promise<Pages>;
  countsByAccount(accountIds: readonly string[], search: string | null): Promise<Map<string, number>>;
  /** Gives the key access to a workspace; false when it already had it. */
  grantWorkspace(apiKeyId: string, workspaceId: string): Promise<boolean>;
  revokeWorkspace(apiKeyId: string, workspaceId: string): Promise<boolean>;
  workspaceIdsOf(apiKeyIds: readonly string[]): Promise<Map<string, string[]>>;
  workspacePages(apiKeyIds: readonly string[], args: PageArgs): Promise<Pages>;
  workspaceCounts(apiKeyIds: readonly string[]): Promise<Map<string, number>>;
}

export interface InvitationFilter {
  email?: string | null;
  status?: InvitationStatus | null;
}

export interface InvitationRepo {
  create(input: { accountId: string; email: string; groupId: string | null; tokenHash: string; assignments: InvitationAssignment[]; note: string | null; locale: string | null; expiresAt: Date; createdById: string | null }): Promise<Invitation>;
  update(id: string, patch: { assignments?: InvitationAssignment[]; note?: string | null; locale?: string | null }): Promise<Invitation>;
  /** A new token and expiry for a pending invitation. */
  renew(id: string, tokenHash: string, expiresAt: Date): Promise<Invitation>;
  revoke(id: string): Promise<Invitation>;
  byIds(ids: readonly string[]): Promise<(Invitation | null)[]>;
  findByTokenHash(hash: string): Promise<Invitation | null>;
  /** Marks a pending, unexpired invitation accepted; false when it no longer is (a concurrent acceptance won). */
  accept(id: string, userId: string, at: Date): Promise<boolean>;
  pagesByAccount(accountIds: readonly string[], args: PageArgs, filter: InvitationFilter): Promise<Pages>;
  countsByAccount(accountIds: readonly string[], filter: InvitationFilter): Promise<Map<string, number>>;
}

export interface OutboxMessage {
  id: string;
  kind: string;
  recipient: string;
  /** Sealed (encrypted) by the outbox: plaintext secrets in messages never reach the database in clear. */
  payload: string;
  attempts: number;
  createdAt: Date;
}

export interface OutboxRepo {
  enqueue(input: { kind: string; recipient: string; payload: string }): Promise<OutboxMessage>;
  /** Undelivered messages that are due at `now` (not backing off after a failure, not claimed by a sender), oldest first. */
  pending(limit: number, now: Date): Promise<OutboxMessage[]>;
  /**
   * Claims a message for sending until `until`, atomically: false when it was delivered or another
   * sender holds an unexpired claim (several instances share one outbox; each message is sent once).
   */
  claim(id: string, now: Date, until: Date): Promise<boolean>;
  markDelivered(id: string, at: Date): Promise<void>;
  /** Records a failed attempt; the message is due again at `retryAt`. */
  markFailed(id: string, error: string, retryAt: Date): Promise<void>;
}

export interface Store {
  serviceAccounts: ServiceAccountRepo;
  apiKeys: ApiKeyRepo;
  invitations: InvitationRepo;
  outbox: OutboxRepo;
  accounts: AccountRepo;
  workspaces: WorkspaceRepo;
  users: UserRepo;
  groups: GroupRepo;
  grants: GrantRepo;
  roleAssignments: RoleAssignmentRepo;
  sessions: SessionRepo;
  identities: IdentityRepo;
  emailProofs: EmailProofRepo;
  /**
   * A number that stays the same as long as nothing in the store has changed (by this process or another; a
   * ChangeMark);
   * undefined where the store cannot tell (then nothing may be kept from one read to the next). Outside
   * transactions only.
   */
  changeMark(): number | undefined;
  /**
   * Serialises changes that guard a platform-wide invariant (the last super administrator): on
   * PostgreSQL a transaction-scoped advisory lock; SQLite serialises write transactions already.
   * Call inside transaction().
   */
  lockPlatform(): Promise<void>;
  /**
   * Serialises changes to one account's group graph: on PostgreSQL a row lock on the account (held to
   * the end of the transaction); SQLite serialises write transactions already. Call inside transaction().
   * Returns false when the account does not exist.
   */
  lockAccount(accountId: string): Promise<boolean>;
  /**
   * Runs `fn` in one database transaction: all of it is written, or none of it. A unique constraint
   * broken by a concurrent change surfaces as a ConflictError.
   */
  transaction<T>(fn: (tx: Store) => Promise<T>): Promise<T>;
  /** The zones graph (reference 001): zones and everything they hold. */
  zones: ZoneStore;
}
