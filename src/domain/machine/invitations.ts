// Invitations (reference 000): an email, and assignments (grants, role assignments, group memberships)
// applied in one transaction when the invitee accepts. The token is stored as a digest and travels only in
// the sealed outbox message. Nobody can invite into more than they hold themselves.
import { Authorizer, toFacts } from '../authz/authorizer.js';
import { loadFor, authorizeCreate } from '../authz/access.js';
import { CAPABILITY_KEYS, expand, expandRole, isCapability, roleOf } from '../authz/catalog.js';
import { requireDominatesStored } from '../authz/dominance.js';
import { permissionContext, type PermissionContext } from '../authz/service.js';
import { hashToken, issueToken, parseToken } from '../credentials/token.js';
import { ConflictError, ForbiddenError, NotFoundError, ValidationError } from '../errors.js';
import { invitationStatus, type Invitation, type InvitationAssignment, type User } from '../model.js';
import type { Store, InvitationFilter } from '../store.js';
import { proveEmail } from '../user/claims.js';
import type { PasswordHasher } from '../user/service.js';
import { LIMITS, RESOURCE_TYPES, email as validEmail, optionalText, password as validPassword, requiredText, username as validUsername } from '../validation.js';
import type { OutboxDispatcher } from './outbox.js';
import { apiKeyPrincipal, apiKeyStanding, serviceAccountBar, serviceAccountPrincipal } from './standing.js';
import type { CapabilityKey } from '../authz/catalog.js';
import { defineList } from '../lists.js';

export const INVITATION_TTL_DAYS = 7;
export const MAX_ASSIGNMENTS = 50;

export interface AssignmentInput {
  capabilityKey?: string | null;
  grantKind?: 'CAPABILITY' | 'ACCOUNT_OWNER' | 'SUPER_ADMIN' | null;
  resourceType?: string | null;
  resourceId?: string | null;
  roleKey?: string | null;
  groupId?: string | null;
}

export interface InvitationInput {
  email: string;
  assignments?: AssignmentInput[] | null;
  note?: string | null;
  locale?: string | null;
}

export interface AcceptInput {
  token: string;
  /** For a person without an account: the new user's password and profile. */
  password?: string | null;
  username?: string | null;
  firstName?: string | null;
  lastName?: string | null;
}

export interface AcceptResult {
  invitation: Invitation;
  acceptedUserId: string;
  mode: 'EXISTING_USER' | 'NEW_USER';
  assignmentCount: number;
  grantCount: number;
  roleAssignmentCount: number;
  groupMembershipCount: number;
  permissionContext: PermissionContext;
}

/**
 * A group invitation for someone already in the account is no invitation: they are put in the group at
 * once, and the answer is the membership result of reference 000 (accepted subject, counts, mode).
 */
export interface DirectMembership {
  acceptedUserId: string;
  email: string;
  mode: 'EXISTING_MEMBER';
  assignmentCount: number;
  grantCount: number;
  roleAssignmentCount: number;
  groupMembershipCount: number;
  permissionContext: PermissionContext;
}

export type GroupInvitationResult = { invitation: Invitation; membership: null } | { invitation: null; membership: DirectMembership };


/**
 * What the accept page shows before the invitee decides: only what the message already told them (the
 * account, their own email, the expiry) and who invited them, by display name (never their email). Given
 * for a valid token of a pending, unexpired invitation only; anything else is null, whatever the reason.
 */
export interface InvitationPreview {
  inviterName: string | null;
  accountName: string;
  email: string;
  expiresAt: Date;
}

const LOCALE = /^[A-Za-z]{2,3}([-_][A-Za-z0-9]{2,8})*$/;

/** The lists of invitations (domain list queries: the GraphQL layer pages them through its loaders). */
export const INVITATION_LISTS = {
  byAccount: defineList<InvitationFilter>('account.invitations', (s, ids, args, f) => s.invitations.pagesByAccount(ids, args, f), (s, ids, f) => s.invitations.countsByAccount(ids, f)),
} as const;

export class InvitationService {
  constructor(
    private readonly store: Store,
    private readonly hasher: PasswordHasher,
    private readonly outbox: OutboxDispatcher,
    private readonly acceptUrl: (token: string) => string,
  ) {}

  async createInvitation(actor: Authorizer, accountId: string, input: InvitationInput): Promise<Invitation> {
    await authorizeCreate(actor, 'Invitation', 'Account', { accountId }, 'accountId');
    const assignments = await this.assignments(actor, accountId, input.assignments ?? []);
    return this.create(actor, accountId, null, input, assignments);
  }

  /**
   * An invitation whose one assignment is membership of the group. For a user already in the account, whom
   * the actor may see (user.read), there is nothing to accept: they join the group at once and the answer
   * is the membership result. Anyone else (unknown, or a keygraph user of other accounts) gets an invitation.
   */
  async createGroupInvitation(actor: Authorizer, groupId: string, input: Omit<InvitationInput, 'assignments'>): Promise<GroupInvitationResult> {
    const [group] = await this.store.groups.byIds([groupId]);
    if (!group) throw new NotFoundError('Group', 'groupId');
    const accountId = group.accountId;
    await authorizeCreate(actor, 'Invitation', 'Group', { accountId }, 'groupId');
    await this.requireGroupGrantable(actor, accountId, groupId);
    const to = validEmail('email', input.email);
    this.locale(input.locale);
    const existing = await this.store.users.findByEmail(to);
    if (existing && (await actor.can('user.read', { accountId })) && (await this.store.users.inAccount(accountId, [existing.id])).has(existing.id)) {
      return this.store.transaction(async (tx) => {
        if (!(await tx.lockAccount(accountId))) throw new NotFoundError('Account', 'groupId');
        const [still] = await tx.groups.byIds([groupId]);
        if (!still) throw new NotFoundError('Group', 'groupId');
        const added = await tx.groups.addUser(groupId, existing.id);
        const held = (await tx.grants.heldBy([existing.id])).get(existing.id)!;
        return {
          invitation: null,
          membership: {
            acceptedUserId: existing.id,
            email: to,
            mode: 'EXISTING_MEMBER',
            assignmentCount: 1,
            grantCount: 0,
            roleAssignmentCount: 0,
            groupMembershipCount: added ? 1 : 0,
            permissionContext: permissionContext(toFacts('USER', existing.id, held), accountId),
          },
        };
      });
    }
    return { invitation: await this.create(actor, accountId, groupId, input, [{ kind: 'GROUP', groupId }]), membership: null };
  }

  async updateInvitation(actor: Authorizer, id: string, patch: { assignments?: AssignmentInput[] | null; note?: string | null }): Promise<Invitation> {
    const current = await this.loadPending(this.store, actor, id);
    const assignments = patch.assignments === undefined || patch.assignments === null ? undefined : await this.assignments(actor, current.accountId, patch.assignments);
    const note = patch.note === undefined ? undefined : optionalText('note', patch.note, LIMITS.description);
    return this.store.transaction(async (tx) => {
      await this.loadPending(tx, actor, id);
      return tx.invitations.update(id, { assignments, note });
    });
  }

  /** A new token and a new expiry, sent again; the old token stops working. Works on expired invitations too. */
  async resendInvitation(actor: Authorizer, id: string, locale?: string | null): Promise<Invitation> {
    const issued = issueToken('invitation');
    const checkedLocale = locale === undefined ? undefined : this.locale(locale);
    // Whoever revives an invitation must be able to give what it gives, as if creating it.
    const stored = await this.loadPending(this.store, actor, id, true);
    await this.assignments(actor, stored.accountId, stored.assignments.map(asInput));
    const invitation = await this.store.transaction(async (tx) => {
      const current = await this.loadPending(tx, actor, id, true);
      if (checkedLocale !== undefined) await tx.invitations.update(id, { locale: checkedLocale });
      const renewed = await tx.invitations.renew(id, issued.hash, this.expiry());
      await this.announce(tx, renewed, issued.token, current.note);
      return renewed;
    });
    this.outbox.kick();
    return invitation;
  }

  /** Revokes a pending invitation: it stays listed as REVOKED, and its token stops working. */
  deleteInvitation(actor: Authorizer, id: string): Promise<Invitation> {
    return this.store.transaction(async (tx) => {
      await this.loadPending(tx, actor, id, true);
      return tx.invitations.revoke(id);
    });
  }

  /** The preview of a pending invitation by its token, for whoever holds the token; null otherwise. */
  async previewInvitation(token: string): Promise<InvitationPreview | null> {
    if (parseToken(token)?.kind !== 'invitation') return null;
    const found = await this.store.invitations.findByTokenHash(hashToken(token));
    if (!found || invitationStatus(found) !== 'PENDING') return null;
    const [account] = await this.store.accounts.byIds([found.accountId]);
    if (!account) return null;
    return { inviterName: found.createdById ? await this.displayName(found.createdById) : null, accountName: account.name, email: found.email, expiresAt: found.expiresAt };
  }

  /** A person's first and last name (or username); a service account's or API key's name. Never an email. */
  private async displayName(id: string): Promise<string | null> {
    const [user] = await this.store.users.byIds([id]);
    if (user) return [user.firstName, user.lastName].filter(Boolean).join(' ') || user.username;
    const [serviceAccount] = await this.store.serviceAccounts.byIds([id]);
    if (serviceAccount) return serviceAccount.name;
    const [key] = await this.store.apiKeys.byIds([id]);
    return key?.name ?? null;
  }

  /**
   * Accepts an invitation as the signed-in user (whose email must be the invitation's), or, for someone
   * without a keygraph user, creates the user with `password`. Every assignment is applied in one
   * transaction; an expired, revoked or used invitation is a typed error and changes nothing.
   */
  async acceptInvitation(actor: Authorizer, input: AcceptInput): Promise<AcceptResult> {
    if (actor.authenticated && actor.userId === null) throw new ForbiddenError('invitation.accept', 'only a person can accept an invitation');
    if (parseToken(input.token)?.kind !== 'invitation') throw new ValidationError('token is not an invitation token', 'token');
    const found = await this.store.invitations.findByTokenHash(hashToken(input.token));
    if (!found) throw new NotFoundError('Invitation', 'token');
    this.requireAcceptable(found);

    // The token reached its holder through the invited address: accepting proves the address is theirs.
    let userId = actor.userId;
    let passwordHash: string | null = null;
    /** An existing user whose email nobody had proven, claimed by the address's owner (see user/claims.ts). */
    let claimed: User | null = null;
    if (userId !== null) {
      const [user] = await this.store.users.byIds([userId]);
      if (!user || user.email !== found.email) throw new ValidationError('this invitation is addressed to another email address', 'token');
      if (input.password) throw new ValidationError('you are signed in: no password is needed', 'password');
    } else {
      const existing = await this.store.users.findByEmail(found.email);
      if (existing && existing.emailVerifiedAt !== null) throw new ConflictError('a user with this email exists: sign in as them, then accept', 'token');
      if (!input.password) throw new ValidationError(existing ? 'a password is needed to claim your user' : 'a password is needed to create your user', 'password');
      passwordHash = await this.hasher.hash(validPassword('password', input.password));
      claimed = existing;
    }
    await this.requireInviterStillCovers(found);
    const profile = {
      username: validUsername('username', input.username),
      firstName: optionalText('firstName', input.firstName, LIMITS.personName),
      lastName: optionalText('lastName', input.lastName, LIMITS.personName),
    };

    const result = await this.store.transaction(async (tx) => {
      let mode: AcceptResult['mode'] = 'EXISTING_USER';
      if (claimed !== null) {
        const [now] = await tx.users.byIds([claimed.id]);
        if (!now || now.email !== found.email || now.emailVerifiedAt !== null) throw new ConflictError('a user with this email exists: sign in as them, then accept', 'token');
        await proveEmail(tx, this.outbox, now, { how: 'accepted an invitation sent to it' });
        await tx.users.update(now.id, { passwordHash });
        userId = now.id;
      } else if (userId === null) {
        if (profile.username && (await tx.users.findByUsername(profile.username))) throw new ConflictError('this username is taken', 'username');
        userId = (await tx.users.create({ email: found.email, passwordHash, ...profile, emailVerifiedAt: new Date() })).id;
        mode = 'NEW_USER';
      }
      // The conditional update is the guard against a concurrent acceptance: only one wins.
      if (!(await tx.invitations.accept(found.id, userId, new Date()))) {
        const [now] = await tx.invitations.byIds([found.id]);
        this.requireAcceptable(now ?? found);
        throw new ConflictError('the invitation changed meanwhile; try again', 'token');
      }
      const accountId = found.accountId;
      const [accepting] = await tx.users.byIds([userId]);
      if (accepting && accepting.emailVerifiedAt === null) await tx.users.update(userId, { emailVerifiedAt: new Date() });
      await tx.lockAccount(accountId);
      if (!(await tx.users.inAccount(accountId, [userId])).has(userId)) await tx.users.addToAccount(accountId, userId);
      const counts = { grantCount: 0, roleAssignmentCount: 0, groupMembershipCount: 0 };
      for (const a of found.assignments) {
        if (a.kind === 'GRANT') {
          await tx.grants.create({ accountId, grantKind: a.grantKind, subjectType: 'USER', subjectId: userId, capabilityKey: a.capabilityKey, resourceType: a.resourceType, resourceId: a.resourceId, createdById: found.createdById });
          counts.grantCount++;
        } else if (a.kind === 'ROLE') {
          await tx.roleAssignments.create({ accountId, roleKey: a.roleKey, subjectType: 'USER', subjectId: userId, resourceType: a.resourceType, resourceId: a.resourceId, createdById: found.createdById });
          counts.roleAssignmentCount++;
        } else {
          const [group] = await tx.groups.byIds([a.groupId]);
          if (!group || group.accountId !== accountId) throw new ConflictError('a group of this invitation no longer exists; ask for a new invitation', 'token');
          if (await tx.groups.addUser(a.groupId, userId)) counts.groupMembershipCount++;
        }
      }
      const [invitation] = await tx.invitations.byIds([found.id]);
      const held = (await tx.grants.heldBy([userId])).get(userId)!;
      return {
        invitation: invitation!,
        acceptedUserId: userId,
        mode,
        assignmentCount: found.assignments.length,
        ...counts,
        permissionContext: permissionContext(toFacts('USER', userId, held), accountId),
      };
    });
    // A claimed user's accounts are told (user/claims.ts).
    if (claimed !== null) this.outbox.kick();
    return result;
  }

  /**
   * What an invitation gives is checked again against whoever created it, as they are now: someone who
   * has since lost a capability (or left, or was revoked) no longer passes it on.
   */
  private async requireInviterStillCovers(invitation: Invitation): Promise<void> {
    const inviter = invitation.createdById ? await this.actorAsNow(invitation.createdById) : null;
    try {
      if (!inviter) throw new ForbiddenError('invitation.manage');
      await this.assignments(inviter, invitation.accountId, invitation.assignments.map(asInput));
    } catch (error) {
      if (error instanceof ForbiddenError) throw new ConflictError('whoever invited you can no longer give what this invitation gives; ask for a new invitation', 'token');
      if (error instanceof NotFoundError) throw new ConflictError('something this invitation gives no longer exists; ask for a new invitation', 'token');
      throw error;
    }
  }

  /** An Authorizer for a user, service account or API key as they stand now; null when gone or revoked. */
  private async actorAsNow(id: string): Promise<Authorizer | null> {
    const load = async (subjectId: string) => (await this.store.grants.heldBy([subjectId])).get(subjectId)!;
    const later = new Date(Date.now() + 60_000);
    const [user] = await this.store.users.byIds([id]);
    if (user) return new Authorizer({ kind: 'user', userId: user.id, sessionId: null, expiresAt: later }, load);
    const [serviceAccount] = await this.store.serviceAccounts.byIds([id]);
    if (serviceAccount) return serviceAccountBar(serviceAccount) ? null : new Authorizer(serviceAccountPrincipal(serviceAccount, null), load);
    const [key] = await this.store.apiKeys.byIds([id]);
    if (!key || (await apiKeyStanding(this.store, key))) return null;
    return new Authorizer(apiKeyPrincipal(key, (await this.store.apiKeys.workspaceIdsOf([id])).get(id) ?? []), load);
  }

  private async create(actor: Authorizer, accountId: string, groupId: string | null, input: Omit<InvitationInput, 'assignments'>, assignments: InvitationAssignment[]): Promise<Invitation> {
    const to = validEmail('email', input.email);
    const note = optionalText('note', input.note, LIMITS.description);
    const locale = this.locale(input.locale);
    const issued = issueToken('invitation');
    const invitation = await this.store.transaction(async (tx) => {
      if (!(await tx.lockAccount(accountId))) throw new NotFoundError('Account', 'accountId');
      const created = await tx.invitations.create({ accountId, email: to, groupId, tokenHash: issued.hash, assignments, note, locale, expiresAt: this.expiry(), createdById: actor.actorId });
      await this.announce(tx, created, issued.token, note);
      return created;
    });
    this.outbox.kick();
    return invitation;
  }

  private async announce(tx: Store, invitation: Invitation, token: string, note: string | null): Promise<void> {
    const [account] = await tx.accounts.byIds([invitation.accountId]);
    const link = this.acceptUrl(token);
    await this.outbox.enqueue(tx, {
      kind: 'invitation',
      to: invitation.email,
      subject: `You are invited to ${account?.name ?? 'a keygraph account'}`,
      text: [`You are invited to join ${account?.name ?? 'a keygraph account'} on keygraph.`, note ? `Note: ${note}` : null, `Accept before ${invitation.expiresAt.toISOString()}: ${link}`].filter(Boolean).join('\n'),
      link,
      locale: invitation.locale,
    });
  }

  /** Validates assignments and refuses any the actor could not grant directly. */
  private async assignments(actor: Authorizer, accountId: string, input: readonly AssignmentInput[]): Promise<InvitationAssignment[]> {
    if (input.length > MAX_ASSIGNMENTS) throw new ValidationError(`assignments may hold at most ${MAX_ASSIGNMENTS} entries`, 'assignments');
    const out: InvitationAssignment[] = [];
    for (const [i, a] of input.entries()) {
      const field = `assignments[${i}]`;
      const kinds = [a.roleKey ? 'role' : null, a.groupId ? 'group' : null, a.capabilityKey || a.grantKind ? 'grant' : null].filter(Boolean);
      if (kinds.length !== 1) throw new ValidationError(`${field} must be exactly one of a grant (grantKind/capabilityKey), a role (roleKey) or a group (groupId)`, field);
      const resource = this.resource(field, accountId, a.resourceType ?? null, a.resourceId ?? null);
      if (a.groupId) {
        if (resource) throw new ValidationError(`${field}: a group membership takes no resource`, field);
        const [group] = await this.store.groups.byIds([a.groupId]);
        if (!group || group.accountId !== accountId) throw new NotFoundError('Group', `${field}.groupId`);
        await this.requireGroupGrantable(actor, accountId, a.groupId);
        out.push({ kind: 'GROUP', groupId: a.groupId });
      } else if (a.roleKey) {
        if (!roleOf(a.roleKey)) throw new ValidationError(`${field}: roleKey is not a role`, field);
        const scope = resource ?? { type: 'account', id: accountId };
        await this.requireHeld(actor, expandRole(a.roleKey), { accountId, resource: scope });
        await this.requireWorkspace(field, accountId, resource);
        out.push({ kind: 'ROLE', roleKey: a.roleKey, resourceType: scope.type, resourceId: scope.id });
      } else {
        const grantKind = a.grantKind ?? 'CAPABILITY';
        if (grantKind === 'CAPABILITY') {
          if (!a.capabilityKey || !isCapability(a.capabilityKey)) throw new ValidationError(`${field}: capabilityKey must be a capability of the catalog`, field);
          await this.requireHeld(actor, expand([a.capabilityKey]), resource ? { accountId, resource } : { accountId });
          await this.requireWorkspace(field, accountId, resource);
        } else {
          if (a.capabilityKey || resource) throw new ValidationError(`${field}: ${grantKind} covers the whole account; it takes no capability or resource`, field);
          if (grantKind === 'SUPER_ADMIN') await actor.requireSuperAdmin();
          else await this.requireHeld(actor, CAPABILITY_KEYS, { accountId });
        }
        out.push({ kind: 'GRANT', grantKind, capabilityKey: grantKind === 'CAPABILITY' ? a.capabilityKey! : null, resourceType: resource?.type ?? null, resourceId: resource?.id ?? null });
      }
    }
    return out;
  }

  private resource(field: string, accountId: string, type: string | null, id: string | null): { type: string; id: string } | null {
    if (type === null && id === null) return null;
    if (type === null || !(RESOURCE_TYPES as readonly string[]).includes(type)) throw new ValidationError(`${field}: resourceType must be one of the resource types`, field);
    const resourceId = requiredText(field, id ?? '', LIMITS.resourceId);
    if (type === 'account' && resourceId !== accountId) throw new ValidationError(`${field}: an account resource must be the invitation's account`, field);
    return { type, id: resourceId };
  }

  /** A workspace resource must be a workspace of the account, as for grantAuthorization and createRoleAssignment. */
  private async requireWorkspace(field: string, accountId: string, resource: { type: string; id: string } | null): Promise<void> {
    if (resource?.type !== 'workspace') return;
    const [workspace] = await this.store.workspaces.byIds([resource.id]);
    if (!workspace || workspace.accountId !== accountId) throw new NotFoundError('Workspace', `${field}.resourceId`);
  }

  private async requireHeld(actor: Authorizer, capabilities: readonly CapabilityKey[], scope: Parameters<Authorizer['can']>[1]): Promise<void> {
    for (const capability of capabilities) if (!(await actor.can(capability, scope))) throw new ForbiddenError(capability);
  }

  /** A group membership gives everything the group holds: the actor manages groups and holds all of it (dominance). */
  private async requireGroupGrantable(actor: Authorizer, accountId: string, groupId: string): Promise<void> {
    if (!(await actor.can('group.manage', { accountId }))) throw new ForbiddenError('group.manage');
    await requireDominatesStored(this.store, actor, { type: 'GROUP', id: groupId }, accountId, 'this group');
  }

  private requireAcceptable(invitation: Invitation): void {
    const status = invitationStatus(invitation);
    if (status === 'ACCEPTED') throw new ConflictError('this invitation was already accepted', 'token');
    if (status === 'REVOKED') throw new ConflictError('this invitation was revoked', 'token');
    if (status === 'EXPIRED') throw new ConflictError('this invitation has expired; ask for it to be resent', 'token');
  }

  /** A pending invitation the actor may manage; `orExpired` also admits expired ones (resend, revoke). */
  private async loadPending(tx: Store, actor: Authorizer, id: string, orExpired = false): Promise<Invitation> {
    const invitation = await loadFor(tx, actor, 'Invitation', id, 'manage');
    const status = invitationStatus(invitation);
    if (status !== 'PENDING' && !(orExpired && status === 'EXPIRED')) throw new ConflictError(`the invitation is ${status.toLowerCase()}`, 'id');
    return invitation;
  }

  private locale(value: string | null | undefined): string | null {
    const locale = optionalText('locale', value, 35);
    if (locale !== null && !LOCALE.test(locale)) throw new ValidationError('locale must be a language tag such as "en" or "pt-BR"', 'locale');
    return locale;
  }

  private expiry(): Date {
    return new Date(Date.now() + INVITATION_TTL_DAYS * 24 * 3600 * 1000);
  }
}

/** A stored assignment in the shape of an input (to check it again against another actor). */
function asInput(a: InvitationAssignment): AssignmentInput {
  if (a.kind === 'GROUP') return { groupId: a.groupId };
  if (a.kind === 'ROLE') return { roleKey: a.roleKey, resourceType: a.resourceType, resourceId: a.resourceId };
  return { grantKind: a.grantKind, capabilityKey: a.capabilityKey, resourceType: a.resourceType, resourceId: a.resourceId };
}
