import type { User } from '../../domain/model.js';
import { builder } from '../builder.js';
import { USER_LISTS } from '../../domain/user/service.js';
import { connectionOf, relationConnection, searchTerm } from '../connection.js';
import { AccountRef } from './account.js';
import { attempt, localId, payload } from './errors.js';
import { entityLoadedBy, permissionFields, visibleLoadMany } from './node.js';

export const UserRef = builder.objectRef<User>('User');

builder.node(UserRef, {
  description: 'A person. One user can belong to several accounts.',
  id: { resolve: (user) => user.id },
  loadMany: visibleLoadMany('User'),
  fields: (t) => ({
    ...permissionFields(t, 'User'),
    email: t.exposeString('email', { description: 'Email address, lower-cased; unique across keygraph.' }),
    username: t.exposeString('username', { nullable: true, description: 'Login name, lower-cased; unique across keygraph.' }),
    firstName: t.exposeString('firstName', { nullable: true, description: 'Given name.' }),
    lastName: t.exposeString('lastName', { nullable: true, description: 'Family name.' }),
    emailVerified: t.boolean({
      description: 'Whether the person proved they own the email (an invitation accepted, an emailed link followed, or a trusted issuer saying so). An address typed by an administrator is a claim until then.',
      resolve: (user) => user.emailVerifiedAt !== null,
    }),
    emailVerifiedAt: t.expose('emailVerifiedAt', { type: 'DateTime', nullable: true, description: 'When the email was proven; null while it is not.' }),
    createdAt: t.expose('createdAt', { type: 'DateTime', description: 'When the user was created.' }),
    updatedAt: t.expose('updatedAt', { type: 'DateTime', description: 'When the user last changed.' }),
  }),
});
entityLoadedBy(UserRef, 'User');

export const UserConnection = connectionOf(UserRef, 'User', 'users');

builder.objectField(AccountRef, 'users', (t) =>
  t.connection(
    {
      type: UserRef,
      description: 'The users of the account, in the order they joined it.',
      args: { search: t.arg.string({ description: 'Case-insensitive text matched against email, username, first and last name.' }) },
      resolve: (account, args, ctx) =>
        relationConnection(ctx, {
          list: USER_LISTS.byAccount,
          filter: { search: searchTerm(args.search) },
          parentId: account.id,
          args,
          load: ctx.loaders.user,
        }),
    },
    UserConnection,
  ),
);

const CreateUserInput = builder.inputType('CreateUserInput', {
  description: 'A new user, added to an account. People who already have a keygraph user join through invitations.',
  fields: (t) => ({
    accountId: t.id({ required: true, description: 'Global id of the account the user joins.' }),
    email: t.string({ required: true, description: 'Email address; must not be registered yet.' }),
    username: t.string({ description: 'Login name: 3..64 letters, digits, ".", "_" or "-".' }),
    firstName: t.string({ description: 'Given name.' }),
    lastName: t.string({ description: 'Family name.' }),
    password: t.string({ description: 'Initial password, 8..1024 characters; without one the user cannot log in with a password.' }),
  }),
});

const UpdateUserInput = builder.inputType('UpdateUserInput', {
  description: 'Changes to the profile of a user of an account; omitted fields stay as they are.',
  fields: (t) => ({
    accountId: t.id({ required: true, description: 'Global id of the account the user belongs to.' }),
    userId: t.id({ required: true, description: 'Global id of the user.' }),
    email: t.string({ description: 'New email address.' }),
    username: t.string({ description: 'New login name; null clears it.' }),
    firstName: t.string({ description: 'New given name; null clears it.' }),
    lastName: t.string({ description: 'New family name; null clears it.' }),
  }),
});

const RemoveUserInput = builder.inputType('RemoveUserInput', {
  description: 'The user to remove from an account.',
  fields: (t) => ({
    accountId: t.id({ required: true, description: 'Global id of the account.' }),
    userId: t.id({ required: true, description: 'Global id of the user.' }),
  }),
});

const userPayload = (name: string, mutation: string) =>
  payload<{ user: User }>(name, `The result of ${mutation}.`, (t) => ({
    user: t.field({ type: UserRef, nullable: true, description: 'The user, as it is now.', resolve: (p) => p.user ?? null }),
  }));

const RemoveUserPayload = payload<{ removedUserId: string }>('RemoveUserPayload', 'The result of removeUser.', (t) => ({
  removedUserId: t.id({ nullable: true, description: 'Global id of the user removed from the account.', resolve: (p) => p.removedUserId ?? null }),
}));

builder.mutationFields((t) => ({
  createUser: t.field({
    type: userPayload('CreateUserPayload', 'createUser'),
    description: 'Creates a user and adds it to an account.',
    args: { input: t.arg({ type: CreateUserInput, required: true, description: 'The user to create.' }) },
    resolve: (_root, { input }, ctx) =>
      attempt(async () => ({ user: await ctx.services.users.createUser(ctx.authz, localId(input.accountId, 'Account', 'accountId'), input) })),
  }),
  updateUser: t.field({
    type: userPayload('UpdateUserPayload', 'updateUser'),
    description: "Changes a user's profile.",
    args: { input: t.arg({ type: UpdateUserInput, required: true, description: 'The changes.' }) },
    resolve: (_root, { input }, ctx) =>
      attempt(async () => {
        const { accountId, userId, ...patch } = input;
        return { user: await ctx.services.users.updateUser(ctx.authz, localId(accountId, 'Account', 'accountId'), localId(userId, 'User', 'userId'), patch) };
      }),
  }),
  removeUser: t.field({
    type: RemoveUserPayload,
    description: 'Removes a user from an account: its group memberships there go and its grants there are revoked. The user itself stays.',
    args: { input: t.arg({ type: RemoveUserInput, required: true, description: 'The user and the account.' }) },
    resolve: (_root, { input }, ctx) =>
      attempt(async () => {
        await ctx.services.users.removeUser(ctx.authz, localId(input.accountId, 'Account', 'accountId'), localId(input.userId, 'User', 'userId'));
        return { removedUserId: input.userId };
      }),
  }),
}));

const UpdateViewerProfileInput = builder.inputType('UpdateViewerProfileInput', {
  description: 'Changes to your own profile; omitted fields stay as they are.',
  fields: (t) => ({
    email: t.string({ description: 'New email address; unverified until you follow the link sendEmailVerification sends to it.' }),
    username: t.string({ description: 'New login name; null clears it.' }),
    firstName: t.string({ description: 'New given name; null clears it.' }),
    lastName: t.string({ description: 'New family name; null clears it.' }),
  }),
});

const ChangeViewerPasswordInput = builder.inputType('ChangeViewerPasswordInput', {
  description: 'Your current password and the new one.',
  fields: (t) => ({
    currentPassword: t.string({ required: true, description: 'The password you log in with now.' }),
    newPassword: t.string({ required: true, description: 'The new password, 8..1024 characters.' }),
  }),
});

const SendEmailVerificationInput = builder.inputType('SendEmailVerificationInput', {
  description: 'Options of the verification message.',
  fields: (t) => ({ locale: t.string({ description: 'Language of the message, e.g. "en" (for the sender).' }) }),
});

const VerifyEmailInput = builder.inputType('VerifyEmailInput', {
  description: 'The token of a verification link.',
  fields: (t) => ({ token: t.string({ required: true, description: 'The token from the link (kge_...).' }) }),
});

const RequestPasswordResetInput = builder.inputType('RequestPasswordResetInput', {
  description: 'Where to send a password-reset link.',
  fields: (t) => ({ email: t.string({ required: true, description: 'The email address of the user.' }) }),
});

const ResetPasswordInput = builder.inputType('ResetPasswordInput', {
  description: 'The token of a password-reset link and the new password.',
  fields: (t) => ({
    token: t.string({ required: true, description: 'The token from the link (kge_...).' }),
    password: t.string({ required: true, description: 'The new password, 8..1024 characters.' }),
  }),
});

const RequestPasswordResetPayload = payload<{ requested: boolean }>('RequestPasswordResetPayload', 'The result of requestPasswordReset.', (t) => ({
  requested: t.boolean({ nullable: true, description: 'Always true when the input is valid: whether the address is registered is not told.', resolve: (p) => p.requested ?? null }),
}));

builder.mutationFields((t) => ({
  updateViewerProfile: t.field({
    type: userPayload('UpdateViewerProfilePayload', 'updateViewerProfile'),
    description: 'Changes your own profile (a person signed in as themselves). A new email is unverified until proven.',
    args: { input: t.arg({ type: UpdateViewerProfileInput, required: true, description: 'The changes.' }) },
    resolve: (_root, { input }, ctx) => attempt(async () => ({ user: await ctx.services.users.updateViewerProfile(ctx.authz, input) })),
  }),
  changeViewerPassword: t.field({
    type: userPayload('ChangeViewerPasswordPayload', 'changeViewerPassword'),
    description: 'Changes your own password; your other sessions end.',
    args: { input: t.arg({ type: ChangeViewerPasswordInput, required: true, description: 'The passwords.' }) },
    resolve: (_root, { input }, ctx) => attempt(async () => ({ user: await ctx.services.users.changeViewerPassword(ctx.authz, input.currentPassword, input.newPassword) })),
  }),
  sendEmailVerification: t.field({
    type: userPayload('SendEmailVerificationPayload', 'sendEmailVerification'),
    description: 'Sends a link to your email address; following it while signed in proves the address is yours.',
    args: { input: t.arg({ type: SendEmailVerificationInput, required: true, description: 'Options of the message.' }) },
    resolve: (_root, { input }, ctx) => attempt(async () => ({ user: await ctx.services.users.sendEmailVerification(ctx.authz, input.locale ?? null) })),
  }),
  verifyEmail: t.field({
    type: userPayload('VerifyEmailPayload', 'verifyEmail'),
    description: 'Follows a verification link, signed in as the user it was sent to: the email becomes verified.',
    args: { input: t.arg({ type: VerifyEmailInput, required: true, description: 'The token.' }) },
    resolve: (_root, { input }, ctx) => attempt(async () => ({ user: await ctx.services.users.verifyEmail(ctx.authz, input.token) })),
  }),
  requestPasswordReset: t.field({
    type: RequestPasswordResetPayload,
    description: 'Sends a password-reset link to the address if a user has it; answers the same either way.',
    args: { input: t.arg({ type: RequestPasswordResetInput, required: true, description: 'The address.' }) },
    resolve: (_root, { input }, ctx) =>
      attempt(async () => {
        await ctx.services.users.requestPasswordReset(input.email);
        return { requested: true };
      }),
  }),
  resetPassword: t.field({
    type: userPayload('ResetPasswordPayload', 'resetPassword'),
    description: "Follows a password-reset link: proves the address, sets the password and ends every session. On a user whose email nobody had proven, the address's owner takes it over (see the README).",
    args: { input: t.arg({ type: ResetPasswordInput, required: true, description: 'The token and the new password.' }) },
    resolve: (_root, { input }, ctx) => attempt(async () => ({ user: await ctx.services.users.resetPassword(input.token, input.password) })),
  }),
}));
