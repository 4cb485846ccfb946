// Handing out a subject's secret (a service account's token or client secret) hands out everything the
// subject holds. Whoever does it must hold all of that themselves, so that managing service accounts
// never becomes a way to reach more than one's own access.
import { ForbiddenError } from '../errors.js';
import type { Authorizer } from './authorizer.js';
import { grantedBy, type Scope, type SubjectFacts } from './resolve.js';

export async function requireCovers(actor: Authorizer, facts: SubjectFacts, what: string): Promise<void> {
  for (const grant of facts.grants) {
    if (grant.kind === 'SUPER_ADMIN') {
      if (!(await actor.isSuperAdmin())) throw new ForbiddenError('super_admin', `${what} is a super administrator`);
      continue;
    }
    const scoped = grant.resourceType !== null && grant.resourceId !== null && !(grant.resourceType === 'account' && grant.resourceId === grant.accountId);
    const scope: Scope = scoped ? { accountId: grant.accountId, resource: { type: grant.resourceType!, id: grant.resourceId! } } : { accountId: grant.accountId };
    for (const capability of grantedBy(grant)) {
      if (!(await actor.can(capability, scope))) throw new ForbiddenError(capability, `${what} holds ${capability}, which you do not`);
    }
  }
}
