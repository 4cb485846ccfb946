// Dominance: nobody acts above themselves. Whoever changes a principal's profile, email or password,
// removes it from an account, hands out or ends its credentials, or deletes it, must hold - in that
// account - everything the principal holds there; only a super administrator acts on a super
// administrator. The same rule guards granting through groups: adding a member to a group gives it
// everything the group holds.
//
// This is the one place the rule is written; every service that acts on a principal calls it.
import { ForbiddenError } from '../errors.js';
import type { Store } from '../store.js';
import { toFacts, type Authorizer } from './authorizer.js';
import { grantedBy, grantScope, type SubjectFacts } from './resolve.js';
import { isCapability } from './catalog.js';

/**
 * Refuses (ForbiddenError, nothing changed) unless `actor` holds everything `subject` holds in
 * `accountId` - or in every account when `accountId` is null (a service account or a group lives in
 * one account; its grants are all there). A SUPER_ADMIN grant counts wherever it is recorded: it is
 * platform-level, and only a super administrator dominates it.
 */
export async function requireDominates(actor: Authorizer, subject: SubjectFacts, accountId: string | null, what: string): Promise<void> {
  for (const grant of subject.grants) {
    if (grant.kind === 'SUPER_ADMIN') {
      if (!(await actor.isSuperAdmin())) throw new ForbiddenError('super_admin', `${what} is a super administrator; only a super administrator can do this`);
      continue;
    }
    if (accountId !== null && grant.accountId !== accountId) continue;
    const scope = grantScope(grant);
    for (const capability of grantedBy(grant)) {
      if (!(await actor.can(capability, scope))) throw new ForbiddenError(capability, `${what} holds ${capability}, which you do not`);
    }
  }
}

/** requireDominates over a subject's grants as they are stored now (read through `store`, a transaction or not). */
export async function requireDominatesStored(store: Pick<Store, 'grants'>, actor: Authorizer, subject: { type: SubjectFacts['subjectType']; id: string }, accountId: string | null, what: string): Promise<void> {
  const held = (await store.grants.heldBy([subject.id])).get(subject.id)!;
  await requireDominates(actor, toFacts(subject.type, subject.id, held), accountId, what);
}

/**
 * An API key holds at most its permissions (account-wide, never beyond its creator): acting on a key
 * someone else created needs every one of them. Its creator acts on it freely - they hold at least
 * what it can use.
 */
export async function requireDominatesKey(actor: Authorizer, key: { accountId: string; permissions: readonly string[]; createdById: string }): Promise<void> {
  if (actor.subject?.id === key.createdById) return;
  for (const permission of key.permissions) {
    if (!isCapability(permission) || !(await actor.can(permission, { accountId: key.accountId }))) throw new ForbiddenError(permission, `this API key holds ${permission}, which you do not`);
  }
}
