// Grants and role assignments of reference 000, the permission context of a subject, and the
// explanation of an access decision. Nobody can grant what they do not hold themselves.
import { ConflictError, ForbiddenError, NotFoundError, ValidationError } from '../errors.js';
import { loadFor, mayReadHoldings } from './access.js';
import type { GrantKind, SubjectType } from '../model.js';
import type { GrantRecord, RoleAssignmentRecord, Store, SubjectGrants, GrantFilter, RoleAssignmentFilter } from '../store.js';
import { RESOURCE_TYPES, requiredText } from '../validation.js';
import { type Authorizer, toFacts } from './authorizer.js';
import { CAPABILITY_KEYS, expand, expandRole, isCapability, roleOf } from './catalog.js';
import { can, capabilitiesOn, grantScope, grantsGiving, type HeldGrant, type Scope, type SubjectFacts } from './resolve.js';
import type { CapabilityKey } from './catalog.js';
import { defineList } from '../lists.js';

export interface Subject {
  type: SubjectType;
  id: string;
}

export interface GrantInput {
  grantKind: GrantKind;
  subject: Subject;
  capabilityKey?: string | null;
  resourceType?: string | null;
  resourceId?: string | null;
}

export interface RoleAssignmentInput {
  roleKey: string;
  subject: Subject;
  resourceType: string;
  resourceId: string;
}

export interface PermissionContext {
  subjectType: SubjectType;
  subjectId: string;
  directCapabilityKeys: string[];
  assignedBundleKeys: string[];
  resolvedCapabilityKeys: string[];
  ownerAssignments: { accountId: string }[];
  status: 'ACTIVE' | 'NO_ACCESS';
}

export interface AccessPath {
  grant: HeldGrant;
  /** The groups the grant reaches the subject through, from the subject's own group up to the holder; empty when direct. */
  viaGroupIds: string[];
}

const AUTH = { see: 'auth.read' as const, entity: 'Account', field: 'accountId' };

/** The permission context of reference 000, for a subject on one account. */
export function permissionContext(facts: SubjectFacts, accountId: string): PermissionContext {
  const direct = facts.grants.filter((g) => g.subjectId === facts.subjectId && g.accountId === accountId);
  const resolved = capabilitiesOn(facts, { accountId });
  return {
    subjectType: facts.subjectType,
    subjectId: facts.subjectId,
    directCapabilityKeys: [...new Set(direct.filter((g) => g.kind === 'CAPABILITY' && g.key).map((g) => g.key!))].sort(),
    assignedBundleKeys: [...new Set(direct.filter((g) => g.kind === 'ROLE' && g.key).map((g) => g.key!))].sort(),
    resolvedCapabilityKeys: resolved,
    ownerAssignments: [...new Set(facts.grants.filter((g) => g.kind === 'ACCOUNT_OWNER').map((g) => g.accountId))].sort().map((id) => ({ accountId: id })),
    status: resolved.length > 0 ? 'ACTIVE' : 'NO_ACCESS',
  };
}

/** The lists of grants and role assignments (domain list queries: the GraphQL layer pages them through its loaders). */
export const AUTHZ_LISTS = {
  grants: defineList<GrantFilter>('account.grants', (s, ids, args, f) => s.grants.pages(ids, args, f), (s, ids, f) => s.grants.counts(ids, f)),
  roleAssignments: defineList<RoleAssignmentFilter>('account.roleAssignments', (s, ids, args, f) => s.roleAssignments.pages(ids, args, f), (s, ids, f) => s.roleAssignments.counts(ids, f)),
} as const;

export class AuthorizationService {
  constructor(private readonly store: Store) {}

  async grantAuthorization(actor: Authorizer, accountId: string, input: GrantInput): Promise<GrantRecord> {
    await actor.authorize('auth.manage', { accountId }, AUTH);
    const resource = this.resource(accountId, input.resourceType ?? null, input.resourceId ?? null, false);
    let capabilityKey: string | null = null;
    if (input.grantKind === 'CAPABILITY') {
      if (!input.capabilityKey || !isCapability(input.capabilityKey)) throw new ValidationError('capabilityKey must be a capability of the catalog', 'capabilityKey');
      capabilityKey = input.capabilityKey;
      await this.requireHeld(actor, [input.capabilityKey], resource ? { accountId, resource } : { accountId });
    } else {
      if (input.capabilityKey) throw new ValidationError('capabilityKey is only for CAPABILITY grants', 'capabilityKey');
      if (resource) throw new ValidationError(`${input.grantKind} grants cover a whole account; they take no resource`, 'resourceType');
      if (input.grantKind === 'SUPER_ADMIN') await actor.requireSuperAdmin();
      else await this.requireHeld(actor, CAPABILITY_KEYS, { accountId });
    }
    return this.store.transaction(async (tx) => {
      await this.requireSubject(tx, accountId, input.subject);
      if (resource?.type === 'workspace') await this.requireWorkspace(tx, accountId, resource.id);
      return tx.grants.create({
        accountId,
        grantKind: input.grantKind,
        subjectType: input.subject.type,
        subjectId: input.subject.id,
        capabilityKey,
        resourceType: resource?.type ?? null,
        resourceId: resource?.id ?? null,
        createdById: actor.actorId,
      });
    });
  }

  async revokeAuthorization(actor: Authorizer, grantId: string): Promise<GrantRecord> {
    return this.store.transaction(async (tx) => {
      const grant = await loadFor(tx, actor, 'AuthorizationGrant', grantId, 'manage');
      if (grant.revokedAt) throw new ConflictError('the grant is already revoked', 'id');
      if (grant.grantKind === 'SUPER_ADMIN') {
        await actor.requireSuperAdmin();
        // Serialised platform-wide, so that concurrent revocations cannot each see another one left.
        await tx.lockPlatform();
        const [now] = await tx.grants.byIds([grantId]);
        if (now!.revokedAt) throw new ConflictError('the grant is already revoked', 'id');
        const people = (await tx.grants.activeSubjectsOfKind('SUPER_ADMIN')).filter((g) => g.subjectType === 'USER' && !(g.subjectType === grant.subjectType && g.subjectId === grant.subjectId));
        if (grant.subjectType === 'USER' && people.length === 0) throw new ConflictError('this is the last super administrator; make someone else one first', 'id');
      } else {
        // Nobody removes more than they hold: revoking needs what the grant gives, where it gives it.
        await this.requireHeld(actor, grant.grantKind === 'ACCOUNT_OWNER' ? CAPABILITY_KEYS : expand([grant.capabilityKey!]), grantScope(grant));
      }
      return tx.grants.revoke(grantId);
    });
  }

  async createRoleAssignment(actor: Authorizer, accountId: string, input: RoleAssignmentInput): Promise<RoleAssignmentRecord> {
    await actor.authorize('auth.manage', { accountId }, AUTH);
    if (!roleOf(input.roleKey)) throw new ValidationError('roleKey is not a role', 'roleKey');
    const resource = this.resource(accountId, input.resourceType, input.resourceId, true)!;
    await this.requireHeld(actor, expandRole(input.roleKey), { accountId, resource });
    return this.store.transaction(async (tx) => {
      await this.requireSubject(tx, accountId, input.subject);
      if (resource.type === 'workspace') await this.requireWorkspace(tx, accountId, resource.id);
      return tx.roleAssignments.create({
        accountId,
        roleKey: input.roleKey,
        subjectType: input.subject.type,
        subjectId: input.subject.id,
        resourceType: resource.type,
        resourceId: resource.id,
        createdById: actor.actorId,
      });
    });
  }

  /** Revokes a role assignment; the row stays, with revokedAt, as history. */
  async deleteRoleAssignment(actor: Authorizer, assignmentId: string): Promise<RoleAssignmentRecord> {
    return this.store.transaction(async (tx) => {
      const assignment = await loadFor(tx, actor, 'RoleAssignment', assignmentId, 'manage');
      if (assignment.revokedAt) throw new ConflictError('the role assignment is already revoked', 'id');
      await this.requireHeld(actor, expandRole(assignment.roleKey), grantScope(assignment));
      return tx.roleAssignments.revoke(assignmentId);
    });
  }

  /**
   * Why `subject` holds (or not) `capability` on `scope`: every grant that gives it, with the chain of
   * groups it comes through. The caller needs auth.read on the account, or to be asking about itself.
   */
  async explainAccess(actor: Authorizer, subject: Subject, capability: string, scope: Scope, held: SubjectGrants): Promise<{ allowed: boolean; paths: AccessPath[] }> {
    actor.requireAuthenticated();
    if (!(await mayReadHoldings(actor, subject, scope.accountId))) {
      throw new NotFoundError('Account', 'accountId');
    }
    if (!isCapability(capability)) throw new ValidationError('capability is not a capability of the catalog', 'capability');
    const facts = toFacts(subject.type, subject.id, held);
    const giving = grantsGiving(facts, capability, scope);
    const chains = await this.groupChains(subject, facts);
    return {
      allowed: can(facts, capability, scope),
      paths: giving.map((grant) => ({ grant, viaGroupIds: grant.subjectId === subject.id ? [] : (chains.get(grant.subjectId) ?? [grant.subjectId]) })),
    };
  }

  /** For every group the subject is in: the chain from the subject's nearest group up to it. */
  private async groupChains(subject: Subject, facts: SubjectFacts): Promise<Map<string, string[]>> {
    const starts = subject.type === 'GROUP' ? [subject.id] : await this.store.groups.directGroupIdsOfUser(subject.id);
    const paths = await this.store.groups.ancestorPaths(starts);
    const chains = new Map<string, string[]>();
    for (const start of starts) {
      const rootToStart = (paths.get(start) ?? []).map((g) => g.id);
      const upward = [...rootToStart].reverse();
      upward.forEach((groupId, i) => {
        const chain = upward.slice(0, i + 1).filter((id) => !(subject.type === 'GROUP' && id === subject.id));
        const known = chains.get(groupId);
        if (facts.groupIds.has(groupId) && (!known || chain.length < known.length)) chains.set(groupId, chain);
      });
    }
    return chains;
  }

  private resource(accountId: string, type: string | null, id: string | null, required: boolean): { type: string; id: string } | null {
    if (type === null && id === null && !required) return null;
    if (type === null || !(RESOURCE_TYPES as readonly string[]).includes(type)) throw new ValidationError('resourceType must be one of the resource types', 'resourceType');
    const resourceId = requiredText('resourceId', id ?? '', 255);
    if (type === 'account' && resourceId !== accountId) throw new ValidationError('an account resource must be the account of the grant', 'resourceId');
    return { type, id: resourceId };
  }

  private async requireHeld(actor: Authorizer, capabilities: readonly CapabilityKey[], scope: Scope): Promise<void> {
    for (const capability of capabilities) if (!(await actor.can(capability, scope))) throw new ForbiddenError(capability);
  }

  private async requireSubject(tx: Store, accountId: string, subject: Subject): Promise<void> {
    if (subject.type === 'USER') {
      if (!(await tx.users.inAccount(accountId, [subject.id])).has(subject.id)) throw new NotFoundError('User', 'subjectId');
    } else if (subject.type === 'GROUP') {
      const [group] = await tx.groups.byIds([subject.id]);
      if (!group || group.accountId !== accountId) throw new NotFoundError('Group', 'subjectId');
    } else {
      if (!(await tx.serviceAccounts.inAccount(accountId, [subject.id])).has(subject.id)) throw new NotFoundError('ServiceAccount', 'subjectId');
    }
  }

  private async requireWorkspace(tx: Store, accountId: string, workspaceId: string): Promise<void> {
    const [workspace] = await tx.workspaces.byIds([workspaceId]);
    if (!workspace || workspace.accountId !== accountId) throw new NotFoundError('Workspace', 'resourceId');
  }
}

