// Invitations (reference 000): created by an account's managers, delivered through the outbox, accepted
// by the invitee with the token from the message. The token never appears in the graph.
import type { AcceptResult, AssignmentInput, DirectMembership, InvitationPreview } from '../../domain/machine/invitations.js';
import { invitationStatus, type Invitation, type InvitationAssignment } from '../../domain/model.js';
import { encodeGlobalID } from '@pothos/plugin-relay';
import { builder } from '../builder.js';
import { INVITATION_LISTS } from '../../domain/machine/invitations.js';
import { connectionOf, relationConnection } from '../connection.js';
import { AccountRef } from './account.js';
import { contextFor, GrantKindEnum, PermissionContextRef, resourceIdIn, resourceIdOut, RoleKeyEnum } from './authorization.js';
import { attempt, localId, mutationName, payload } from './errors.js';
import { GroupRef, ResourceTypeEnum } from './group.js';
import { entityLoadedBy, permissionFields, visibleLoadMany } from './node.js';
import { UserRef } from './user.js';

export const InvitationRef = builder.objectRef<Invitation>('Invitation');

const InvitationStatusEnum = builder.enumType('InvitationStatus', {
  description: 'Where an invitation stands.',
  values: {
    PENDING: { description: 'Sent, waiting for the invitee, not expired.' },
    ACCEPTED: { description: 'Accepted: its assignments were applied.' },
    REVOKED: { description: 'Withdrawn (deleteInvitation): its token no longer works.' },
    EXPIRED: { description: 'Past its expiry without being accepted; resendInvitation renews it.' },
  } as const,
});

const AssignmentKindEnum = builder.enumType('InvitationAssignmentKind', {
  description: 'What an invitation assignment gives.',
  values: {
    GRANT: { description: 'An authorization grant (capability, account owner or super admin).' },
    ROLE: { description: 'A role assignment.' },
    GROUP: { description: 'Membership of a group.' },
  } as const,
});

type PositionedAssignment = InvitationAssignment & { position: number; invitationId: string };

const InvitationAssignmentRef = builder.objectRef<PositionedAssignment>('InvitationAssignment').implement({
  description: 'One thing an invitation gives when accepted.',
  fields: (t) => ({
    assignmentKind: t.field({ type: AssignmentKindEnum, description: 'What it gives.', resolve: (a) => a.kind }),
    id: t.id({
      description: 'Opaque id of the assignment (reference 000 assignment id), made of its invitation and its place (updateInvitation replaces the assignments: the id then names the new one at that place).',
      resolve: (a) => encodeGlobalID('InvitationAssignment', `${a.invitationId}:${a.position}`),
    }),
    position: t.exposeInt('position', { description: 'Its place in the invitation, from 0.' }),
    grantKind: t.field({ type: GrantKindEnum, nullable: true, description: 'The kind of grant, for a grant.', resolve: (a) => (a.kind === 'GRANT' ? a.grantKind : null) }),
    capabilityKey: t.string({ nullable: true, description: 'The capability, for a CAPABILITY grant.', resolve: (a) => (a.kind === 'GRANT' ? a.capabilityKey : null) }),
    roleKey: t.field({ type: RoleKeyEnum, nullable: true, description: 'The role, for a role assignment.', resolve: (a) => (a.kind === 'ROLE' ? a.roleKey : null) }),
    resourceType: t.field({ type: ResourceTypeEnum, nullable: true, description: 'The resource type a grant or role is limited to.', resolve: (a) => (a.kind === 'GROUP' ? null : (a.resourceType as never)) }),
    resourceId: t.id({ nullable: true, description: 'The resource id a grant or role is limited to (a global id for accounts and workspaces).', resolve: (a) => (a.kind === 'GROUP' ? null : resourceIdOut(a.resourceType, a.resourceId)) }),
    group: t.field({ type: GroupRef, nullable: true, description: 'The group, for a membership.', resolve: (a, _args, ctx) => (a.kind === 'GROUP' ? ctx.loaders.group.load(a.groupId) : null) }),
  }),
});

builder.node(InvitationRef, {
  description: 'An invitation to join an account, with what the invitee gets on acceptance.',
  id: { resolve: (i) => i.id },
  loadMany: visibleLoadMany('Invitation'),
  fields: (t) => ({
    ...permissionFields(t, 'Invitation'),
    email: t.exposeString('email', { description: 'Who is invited (lower-cased).' }),
    status: t.field({ type: InvitationStatusEnum, description: 'PENDING, ACCEPTED, REVOKED or EXPIRED (computed from expiresAt).', resolve: (i) => invitationStatus(i) }),
    account: t.field({ type: AccountRef, description: 'The account the invitation is to.', resolve: async (i, _args, ctx) => (await ctx.loaders.account.load(i.accountId))! }),
    group: t.field({ type: GroupRef, nullable: true, description: 'The group, for a group invitation.', resolve: (i, _args, ctx) => (i.groupId ? ctx.loaders.group.load(i.groupId) : null) }),
    assignments: t.field({
      type: [InvitationAssignmentRef],
      description: 'What acceptance gives, in order (at most 50).',
      resolve: (i) => i.assignments.map((a, position) => ({ ...a, position, invitationId: i.id })),
    }),
    note: t.exposeString('note', { nullable: true, description: 'A note for the invitee, up to 2048 characters.' }),
    locale: t.exposeString('locale', { nullable: true, description: 'The language of the message, e.g. "en" or "pt-BR".' }),
    expiresAt: t.expose('expiresAt', { type: 'DateTime', description: 'When the token stops working (7 days after sending).' }),
    acceptedAt: t.expose('acceptedAt', { type: 'DateTime', nullable: true, description: 'When it was accepted.' }),
    acceptedUser: t.field({ type: UserRef, nullable: true, description: 'Who accepted it.', resolve: (i, _args, ctx) => (i.acceptedUserId ? ctx.loaders.user.load(i.acceptedUserId) : null) }),
    permissionContext: t.field({
      type: PermissionContextRef,
      nullable: true,
      description:
        "Reference 000 permission_context: for an accepted invitation, the permissions its invitee holds on the account now (null unless the caller has auth.read there or is the invitee). Null until then: nobody holds anything through an invitation that is not accepted; `assignments` list what acceptance gives.",
      resolve: (i, _args, ctx) => (i.acceptedUserId ? contextFor(ctx, { type: 'USER', id: i.acceptedUserId }, i.accountId) : null),
    }),
    createdAt: t.expose('createdAt', { type: 'DateTime', description: 'When it was created.' }),
    updatedAt: t.expose('updatedAt', { type: 'DateTime', description: 'When it last changed.' }),
  }),
});
entityLoadedBy(InvitationRef, 'Invitation');

const InvitationConnection = connectionOf(InvitationRef, 'Invitation', 'invitations');

builder.objectField(AccountRef, 'invitations', (t) =>
  t.connection(
    {
      type: InvitationRef,
      description: "The account's invitations, oldest first.",
      args: {
        email: t.arg.string({ description: 'Only invitations to this email address (case-insensitive).' }),
        status: t.arg({ type: InvitationStatusEnum, description: 'Only invitations in this status.' }),
      },
      resolve: (account, args, ctx) => {
        const filter = { email: args.email?.trim() || null, status: args.status ?? null };
        return relationConnection(ctx, {
          list: INVITATION_LISTS.byAccount,
          filter: filter,
          parentId: account.id,
          args,
          load: ctx.loaders.invitation,
        });
      },
    },
    InvitationConnection,
  ),
);

// Mutations

const AssignmentInputRef = builder.inputType('InvitationAssignmentInput', {
  description: 'One assignment: exactly one of a grant (grantKind and/or capabilityKey), a role (roleKey) or a group (groupId).',
  fields: (t) => ({
    grantKind: t.field({ type: GrantKindEnum, description: 'The kind of grant (default CAPABILITY when capabilityKey is given).' }),
    capabilityKey: t.string({ description: 'A capability of the catalog, for a CAPABILITY grant.' }),
    roleKey: t.field({ type: RoleKeyEnum, description: 'A role, for a role assignment (on the account unless a resource is given).' }),
    resourceType: t.field({ type: ResourceTypeEnum, description: 'Limits a grant or role to one resource: its type.' }),
    resourceId: t.id({ description: 'Limits a grant or role to one resource: its id (a global id for accounts and workspaces).' }),
    groupId: t.id({ description: 'Global id of a group of the account, for a membership.' }),
  }),
});

function assignmentsIn(list: readonly { grantKind?: string | null; capabilityKey?: string | null; roleKey?: string | null; resourceType?: string | null; resourceId?: string | null; groupId?: string | null }[] | null | undefined): AssignmentInput[] | null {
  if (!list) return null;
  return list.map((a, i) => ({
    ...a,
    grantKind: a.grantKind as AssignmentInput['grantKind'],
    resourceId: resourceIdIn(a.resourceType, a.resourceId, `assignments[${i}].resourceId`),
    groupId: a.groupId ? localId(a.groupId, 'Group', `assignments[${i}].groupId`) : null,
  }));
}

const CreateInvitationInput = builder.inputType('CreateInvitationInput', {
  description: 'An invitation to an account.',
  fields: (t) => ({
    accountId: t.id({ required: true, description: 'Global id of the account.' }),
    email: t.string({ required: true, description: 'Who to invite.' }),
    assignments: t.field({ type: [AssignmentInputRef], description: 'What acceptance gives (at most 50); you must be able to give each yourself.' }),
    note: t.string({ description: 'A note for the invitee, up to 2048 characters.' }),
    locale: t.string({ description: 'The language of the message, e.g. "en" or "pt-BR".' }),
  }),
});

const CreateGroupInvitationInput = builder.inputType('CreateGroupInvitationInput', {
  description: 'An invitation to join a group (and its account).',
  fields: (t) => ({
    groupId: t.id({ required: true, description: 'Global id of the group.' }),
    email: t.string({ required: true, description: 'Who to invite.' }),
    note: t.string({ description: 'A note for the invitee, up to 2048 characters.' }),
    locale: t.string({ description: 'The language of the message.' }),
  }),
});

const UpdateInvitationInput = builder.inputType('UpdateInvitationInput', {
  description: 'Changes to a pending invitation; omitted fields stay as they are.',
  fields: (t) => ({
    id: t.id({ required: true, description: 'Global id of the invitation.' }),
    assignments: t.field({ type: [AssignmentInputRef], description: 'The new assignments (replace the old ones).' }),
    note: t.string({ description: 'The new note; null clears it.' }),
  }),
});

const ResendInvitationInput = builder.inputType('ResendInvitationInput', {
  description: 'The invitation to send again, with a new token and expiry.',
  fields: (t) => ({
    id: t.id({ required: true, description: 'Global id of the invitation.' }),
    locale: t.string({ description: 'A new language for the message.' }),
  }),
});

const DeleteInvitationInput = builder.inputType('DeleteInvitationInput', {
  description: 'The invitation to withdraw.',
  fields: (t) => ({ id: t.id({ required: true, description: 'Global id of the invitation.' }) }),
});

const AcceptInvitationInput = builder.inputType('AcceptInvitationInput', {
  description: 'The token from the invitation message; signed in as the invitee, or with a password to create the user.',
  fields: (t) => ({
    token: t.string({ required: true, description: 'The invitation token (kgi_...).' }),
    password: t.string({ description: 'For someone without a keygraph user: the new password (at least 8 characters).' }),
    username: t.string({ description: 'For a new user: an optional username.' }),
    firstName: t.string({ description: 'For a new user: an optional first name.' }),
    lastName: t.string({ description: 'For a new user: an optional last name.' }),
  }),
});

const invitationPayload = (name: string) =>
  payload<{ invitation: Invitation }>(name, `The result of ${mutationName(name)}.`, (t) => ({
    invitation: t.field({ type: InvitationRef, nullable: true, description: 'The invitation, as it is now.', resolve: (p) => p.invitation ?? null }),
  }));

const AcceptModeEnum = builder.enumType('InvitationAcceptMode', {
  description: 'How an invitation was accepted.',
  values: {
    EXISTING_USER: { description: 'By a signed-in user.' },
    NEW_USER: { description: 'By creating a new user.' },
    EXISTING_MEMBER: { description: 'Nothing to accept: a group invitation for a user already in the account put them in the group at once.' },
  } as const,
});

const CreateGroupInvitationPayload = payload<{ invitation: Invitation | null; membership: DirectMembership | null }>(
  'CreateGroupInvitationPayload',
  'The result of createGroupInvitation: a pending invitation, or, for a user already in the account, the membership result of reference 000 (invitation null).',
  (t) => ({
    invitation: t.field({ type: InvitationRef, nullable: true, description: 'The invitation sent; null when the user was already in the account (see mode).', resolve: (p) => p.invitation ?? null }),
    mode: t.field({ type: AcceptModeEnum, nullable: true, description: 'EXISTING_MEMBER when the user was already in the account and joined the group at once; null when an invitation was sent.', resolve: (p) => p.membership?.mode ?? null }),
    acceptedSubjectId: t.id({ nullable: true, description: 'For EXISTING_MEMBER: global id of the user put in the group (reference accepted_subject_id).', resolve: (p) => (p.membership ? encodeGlobalID('User', p.membership.acceptedUserId) : null) }),
    acceptedUser: t.field({ type: UserRef, nullable: true, description: 'For EXISTING_MEMBER: the user put in the group.', resolve: (p, _args, ctx) => (p.membership ? ctx.loaders.user.load(p.membership.acceptedUserId) : null) }),
    email: t.string({ nullable: true, description: 'For EXISTING_MEMBER: the email invited.', resolve: (p) => p.membership?.email ?? null }),
    assignmentCount: t.int({ nullable: true, description: 'For EXISTING_MEMBER: how many assignments the invitation held (1, the group).', resolve: (p) => p.membership?.assignmentCount ?? null }),
    grantCount: t.int({ nullable: true, description: 'For EXISTING_MEMBER: grants created (0).', resolve: (p) => p.membership?.grantCount ?? null }),
    roleAssignmentCount: t.int({ nullable: true, description: 'For EXISTING_MEMBER: role assignments created (0).', resolve: (p) => p.membership?.roleAssignmentCount ?? null }),
    groupMembershipCount: t.int({ nullable: true, description: 'For EXISTING_MEMBER: group memberships added (0 when already a member).', resolve: (p) => p.membership?.groupMembershipCount ?? null }),
    permissionContext: t.field({ type: PermissionContextRef, nullable: true, description: "For EXISTING_MEMBER: the user's permissions on the account afterwards.", resolve: (p) => p.membership?.permissionContext ?? null }),
  }),
);

const AcceptInvitationPayload = payload<AcceptResult & { token: string | null; expiresAt: Date | null }>('AcceptInvitationPayload', 'The result of acceptInvitation (the counts of reference 000).', (t) => ({
  token: t.string({ nullable: true, description: 'For whoever accepted signed out (a new user, or one claiming their address): a session token (as from login). Shown only here.', resolve: (p) => p.token ?? null }),
  expiresAt: t.field({ type: 'DateTime', nullable: true, description: "When the new user's session ends.", resolve: (p) => p.expiresAt ?? null }),
  acceptedUser: t.field({ type: UserRef, nullable: true, description: 'The user who accepted (created when mode is NEW_USER).', resolve: (p, _args, ctx) => (p.acceptedUserId ? ctx.loaders.user.load(p.acceptedUserId) : null) }),
  account: t.field({ type: AccountRef, nullable: true, description: 'The account joined.', resolve: (p, _args, ctx) => (p.invitation ? ctx.loaders.account.load(p.invitation.accountId) : null) }),
  mode: t.field({ type: AcceptModeEnum, nullable: true, description: 'Whether an existing user accepted or a new one was created.', resolve: (p) => p.mode ?? null }),
  status: t.field({ type: InvitationStatusEnum, nullable: true, description: 'The invitation status after acceptance.', resolve: (p) => (p.invitation ? invitationStatus(p.invitation) : null) }),
  assignmentCount: t.int({ nullable: true, description: 'How many assignments the invitation held.', resolve: (p) => p.assignmentCount ?? null }),
  grantCount: t.int({ nullable: true, description: 'Grants created.', resolve: (p) => p.grantCount ?? null }),
  roleAssignmentCount: t.int({ nullable: true, description: 'Role assignments created.', resolve: (p) => p.roleAssignmentCount ?? null }),
  groupMembershipCount: t.int({ nullable: true, description: 'Group memberships added.', resolve: (p) => p.groupMembershipCount ?? null }),
  permissionContext: t.field({ type: PermissionContextRef, nullable: true, description: "The user's permissions on the account afterwards.", resolve: (p) => p.permissionContext ?? null }),
}));

builder.mutationFields((t) => ({
  createInvitation: t.field({
    type: invitationPayload('CreateInvitationPayload'),
    description: 'Invites someone to an account; the message with the accept link goes out through the outbox.',
    args: { input: t.arg({ type: CreateInvitationInput, required: true, description: 'The invitation.' }) },
    resolve: (_root, { input }, ctx) =>
      attempt(async () => ({
        invitation: await ctx.services.invitations.createInvitation(ctx.authz, localId(input.accountId, 'Account', 'accountId'), { ...input, assignments: assignmentsIn(input.assignments) }),
      })),
  }),
  createGroupInvitation: t.field({
    type: CreateGroupInvitationPayload,
    description: 'Invites someone to a group (and its account). Someone already in the account is put in the group at once (mode EXISTING_MEMBER, no invitation), as reference 000 answers.',
    args: { input: t.arg({ type: CreateGroupInvitationInput, required: true, description: 'The invitation.' }) },
    resolve: (_root, { input }, ctx) =>
      attempt(async () => {
        const result = await ctx.services.invitations.createGroupInvitation(ctx.authz, localId(input.groupId, 'Group', 'groupId'), input);
        if (result.membership) ctx.loaders.heldBy.clear(result.membership.acceptedUserId);
        return result;
      }),
  }),
  updateInvitation: t.field({
    type: invitationPayload('UpdateInvitationPayload'),
    description: 'Changes the assignments or note of a pending invitation.',
    args: { input: t.arg({ type: UpdateInvitationInput, required: true, description: 'The changes.' }) },
    resolve: (_root, { input }, ctx) =>
      attempt(async () => ({
        invitation: await ctx.services.invitations.updateInvitation(ctx.authz, localId(input.id, 'Invitation', 'id'), { assignments: assignmentsIn(input.assignments), note: input.note }),
      })),
  }),
  resendInvitation: t.field({
    type: invitationPayload('ResendInvitationPayload'),
    description: 'Sends a pending or expired invitation again with a new token and expiry; the old token stops working.',
    args: { input: t.arg({ type: ResendInvitationInput, required: true, description: 'The invitation.' }) },
    resolve: (_root, { input }, ctx) => attempt(async () => ({ invitation: await ctx.services.invitations.resendInvitation(ctx.authz, localId(input.id, 'Invitation', 'id'), input.locale) })),
  }),
  deleteInvitation: t.field({
    type: invitationPayload('DeleteInvitationPayload'),
    description: 'Withdraws a pending or expired invitation: it stays listed as REVOKED and its token stops working.',
    args: { input: t.arg({ type: DeleteInvitationInput, required: true, description: 'The invitation.' }) },
    resolve: (_root, { input }, ctx) => attempt(async () => ({ invitation: await ctx.services.invitations.deleteInvitation(ctx.authz, localId(input.id, 'Invitation', 'id')) })),
  }),
  acceptInvitation: t.field({
    type: AcceptInvitationPayload,
    description: 'Accepts an invitation: every assignment is applied in one transaction. Expired, revoked or used invitations are typed errors.',
    args: { input: t.arg({ type: AcceptInvitationInput, required: true, description: 'The token (and, for a new user, a password).' }) },
    resolve: (_root, { input }, ctx) =>
      attempt(async () => {
        const anonymous = !ctx.authz.authenticated;
        const result = await ctx.services.invitations.acceptInvitation(ctx.authz, input);
        // The rest of the response reads with the new access: someone who accepted signed out (a new
        // user, or one who claimed their address) gets a session, a signed-in user a fresh snapshot.
        ctx.loaders.heldBy.clear(result.acceptedUserId);
        if (anonymous) {
          const session = await ctx.services.auth.startSession(result.acceptedUserId);
          ctx.authz = ctx.authz.as(session.principal);
          return { ...result, token: session.token, expiresAt: session.expiresAt };
        }
        ctx.authz = ctx.authz.as(ctx.authz.principal);
        return { ...result, token: null, expiresAt: null };
      }),
  }),
}));

const InvitationPreviewRef = builder.objectRef<InvitationPreview>('InvitationPreview').implement({
  description: 'What the holder of an invitation token may know before accepting: who invites them, by display name, into which account, at which email, until when.',
  fields: (t) => ({
    inviterName: t.exposeString('inviterName', { nullable: true, description: "The inviter's display name (a person's first and last name or username, a service account's or API key's name); never an email." }),
    accountName: t.exposeString('accountName', { description: 'The name of the account the invitation is to.' }),
    email: t.exposeString('email', { description: 'The email address the invitation is addressed to.' }),
    expiresAt: t.expose('expiresAt', { type: 'DateTime', description: 'Until when it can be accepted.' }),
  }),
});

builder.queryField('invitationPreview', (t) =>
  t.field({
    type: InvitationPreviewRef,
    nullable: true,
    description: 'The invitation a token names, as the accept page shows it; needs no credentials (the token is the secret). Null for any token that is not one of a pending, unexpired invitation.',
    args: { token: t.arg.string({ required: true, description: 'The kgi_ token from the accept link.' }) },
    resolve: (_root, { token }, ctx) => ctx.services.invitations.previewInvitation(token),
  }),
);
