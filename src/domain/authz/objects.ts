// Which capability lets a caller see each kind of object, and the scope a check on it happens in.
import type { Account, Group, GroupMember, Workspace } from '../model.js';
import type { GrantRecord, RoleAssignmentRecord } from '../store.js';
import { ZONE_KINDS, type ZoneKind } from '../zone/access.js';
import type { Scope } from './resolve.js';
import type { CapabilityKey } from './catalog.js';

const ACCOUNT_OBJECTS = {
  Account: 'account.read',
  Workspace: 'workspace.read',
  User: 'user.read',
  Group: 'group.read',
  GroupMember: 'group.read',
  AuthorizationGrant: 'auth.read',
  RoleAssignment: 'auth.read',
  ServiceAccount: 'service_account.read',
  ServiceAccountCredential: 'service_account.read',
  ApiKey: 'api_key.read',
  Invitation: 'invitation.read',
} as const;

/** Objects seen with another: an application's dependency is seen (and scoped) as its application. */
const DEPENDENT_OBJECTS = {
  ApplicationDependency: 'application.read',
} as const;

/** The capability that lets a caller see each kind of object (zone kinds: see zone/access.ts). */
export const READ_CAPABILITY: Record<keyof typeof ACCOUNT_OBJECTS | keyof typeof DEPENDENT_OBJECTS | ZoneKind, CapabilityKey> = {
  ...ACCOUNT_OBJECTS,
  ...DEPENDENT_OBJECTS,
  ...(Object.fromEntries(Object.entries(ZONE_KINDS).map(([kind, { read }]) => [kind, read])) as Record<ZoneKind, CapabilityKey>),
};

export type ObjectKind = keyof typeof READ_CAPABILITY;

export function isZoneKind(kind: ObjectKind): kind is ZoneKind {
  return kind in ZONE_KINDS;
}

export const scopes = {
  account: (a: Pick<Account, 'id'>): Scope => ({ accountId: a.id }),
  /** A workspace is a resource of its account: grants scoped to it apply to it. */
  workspace: (w: Pick<Workspace, 'id' | 'accountId'>): Scope => ({ accountId: w.accountId, resource: { type: 'workspace', id: w.id } }),
  group: (g: Pick<Group, 'accountId'>): Scope => ({ accountId: g.accountId }),
  groupMember: (m: Pick<GroupMember, 'accountId'>): Scope => ({ accountId: m.accountId }),
  grant: (g: Pick<GrantRecord | RoleAssignmentRecord, 'accountId'>): Scope => ({ accountId: g.accountId }),
  /** Service accounts, their credentials, API keys and invitations live account-wide. */
  ofAccount: (o: { accountId: string }): Scope => ({ accountId: o.accountId }),
  /** A user is seen through the accounts it belongs to. */
  user: (accountIds: readonly string[]): Scope[] => accountIds.map((accountId) => ({ accountId })),
};
