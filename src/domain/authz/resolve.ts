// Resolution of a subject's capabilities, as pure functions over the grants that name the subject or
// any group it is in (transitively). Table-tested in test/unit/authz.test.ts and compared with an
// independent evaluator by the property test.
//
// Rules
// - SUPER_ADMIN (a grant on any account) holds every capability on every account.
// - ACCOUNT_OWNER holds every capability on the account of the grant.
// - A CAPABILITY grant or a ROLE assignment applies on its account when it is account-wide (no resource,
//   or the resource is the account itself), and on one resource when it names that resource or a
//   resource containing it (Scope.containers: e.g. a zone for its applications).
// - A ZONE_ROLE (a zone membership: ZONE_MANAGER or ZONE_VIEWER) names one zone: it applies to that zone
//   and to what the zone contains, never to the account or to other zones.
// - Capabilities expand through the catalog's implications; roles expand to their capability keys.
import { CAPABILITY_KEYS, expand, expandRole, expandZoneRole, type CapabilityKey } from './catalog.js';

export type GrantSource = 'CAPABILITY' | 'ACCOUNT_OWNER' | 'SUPER_ADMIN' | 'ROLE' | 'ZONE_ROLE';

/** One active grant or role assignment held by the subject directly or through a group. */
export interface HeldGrant {
  id: string;
  accountId: string;
  kind: GrantSource;
  /** The capability key (CAPABILITY) or role key (ROLE). */
  key: string | null;
  resourceType: string | null;
  resourceId: string | null;
  /** Who the grant names: the subject itself or one of its groups. */
  subjectType: string;
  subjectId: string;
}

export interface SubjectFacts {
  subjectType: 'USER' | 'GROUP' | 'SERVICE_ACCOUNT';
  subjectId: string;
  /** Every group the subject is in, transitively (for a group: its ancestors, itself included). */
  groupIds: ReadonlySet<string>;
  grants: readonly HeldGrant[];
}

export interface ResourceRef {
  type: string;
  id: string;
}

/** Where a check happens: an account, or one resource of it (with the resources that contain it). */
export interface Scope {
  accountId: string;
  resource?: ResourceRef;
  containers?: readonly ResourceRef[];
}

export function isSuperAdmin(facts: SubjectFacts): boolean {
  return facts.grants.some((g) => g.kind === 'SUPER_ADMIN');
}

function isAccountWide(grant: HeldGrant): boolean {
  return grant.resourceType === null || (grant.resourceType === 'account' && grant.resourceId === grant.accountId);
}

/** Where a grant applies, as a scope: its account, or the one resource it names. */
export function grantScope(grant: Pick<HeldGrant, 'accountId' | 'resourceType' | 'resourceId'>): Scope {
  const accountWide = grant.resourceType === null || grant.resourceId === null || (grant.resourceType === 'account' && grant.resourceId === grant.accountId);
  return accountWide ? { accountId: grant.accountId } : { accountId: grant.accountId, resource: { type: grant.resourceType!, id: grant.resourceId! } };
}

/** Whether `grant` applies to `scope`. */
export function applies(grant: HeldGrant, scope: Scope): boolean {
  if (grant.kind === 'SUPER_ADMIN') return true;
  if (grant.accountId !== scope.accountId) return false;
  if (grant.kind === 'ACCOUNT_OWNER' || isAccountWide(grant)) return true;
  const targets = [...(scope.resource ? [scope.resource] : []), ...(scope.containers ?? [])];
  return targets.some((r) => r.type === grant.resourceType && r.id === grant.resourceId);
}

/** What one grant contributes. */
export function grantedBy(grant: HeldGrant): CapabilityKey[] {
  switch (grant.kind) {
    case 'SUPER_ADMIN':
    case 'ACCOUNT_OWNER':
      return [...CAPABILITY_KEYS];
    case 'ROLE':
      return expandRole(grant.key ?? '');
    case 'ZONE_ROLE':
      return expandZoneRole(grant.key ?? '');
    case 'CAPABILITY':
      return expand(grant.key ? [grant.key] : []);
  }
}

/** Every capability the subject holds on `scope`, in catalog order. */
export function capabilitiesOn(facts: SubjectFacts, scope: Scope): CapabilityKey[] {
  const keys = new Set<string>();
  for (const grant of facts.grants) if (applies(grant, scope)) for (const key of grantedBy(grant)) keys.add(key);
  return CAPABILITY_KEYS.filter((key) => keys.has(key));
}

export function can(facts: SubjectFacts, capability: CapabilityKey, scope: Scope): boolean {
  return facts.grants.some((grant) => applies(grant, scope) && grantedBy(grant).includes(capability));
}

/** Accounts on which the subject holds anything; 'all' for a super admin. */
export function accountsWithGrants(facts: SubjectFacts): string[] | 'all' {
  if (isSuperAdmin(facts)) return 'all';
  return [...new Set(facts.grants.map((g) => g.accountId))].sort();
}

/** The grants that give `capability` on `scope`: the answer to "why can they?". */
export function grantsGiving(facts: SubjectFacts, capability: CapabilityKey, scope: Scope): HeldGrant[] {
  return facts.grants.filter((grant) => applies(grant, scope) && grantedBy(grant).includes(capability));
}
