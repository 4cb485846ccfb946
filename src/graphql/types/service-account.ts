// Service accounts (references 000, 004): the machine identities of an account, their credentials,
// and the mutations that issue, rotate and revoke their secrets (each shown once, in its payload).
import type { ServiceAccount, ServiceAccountCredential } from '../../domain/model.js';
import { builder } from '../builder.js';
import { SERVICE_ACCOUNT_LISTS } from '../../domain/machine/service-accounts.js';
import { connectionOf, relationConnection } from '../connection.js';
import { AccountRef } from './account.js';
import { contextFor, PermissionContextRef } from './authorization.js';
import { attempt, localId, mutationName, payload } from './errors.js';
import { entityLoadedBy, permissionFields, visibleLoadMany } from './node.js';

export const ServiceAccountRef = builder.objectRef<ServiceAccount>('ServiceAccount');
export const ServiceAccountCredentialRef = builder.objectRef<ServiceAccountCredential>('ServiceAccountCredential');

builder.node(ServiceAccountRef, {
  description: 'A machine identity of an account: a subject of grants, roles and groups like a user. Its token is shown only when issued.',
  id: { resolve: (sa) => sa.id },
  loadMany: visibleLoadMany('ServiceAccount'),
  fields: (t) => ({
    ...permissionFields(t, 'ServiceAccount'),
    name: t.exposeString('name', { description: 'Display name, 1..255 characters.' }),
    description: t.exposeString('description', { nullable: true, description: 'Free text, up to 2048 characters.' }),
    account: t.field({ type: AccountRef, description: 'The account the service account belongs to.', resolve: async (sa, _args, ctx) => (await ctx.loaders.account.load(sa.accountId))! }),
    tokenPrefix: t.exposeString('tokenPrefix', { description: 'The first characters of the current token (its kind and the start of its public id).' }),
    tokenLast4: t.exposeString('tokenLast4', { description: 'The last four characters of the current token.' }),
    tokenPublicId: t.exposeID('tokenPublicId', { description: 'The public part of the current token: names it in logs without revealing it.' }),
    expiresAt: t.expose('expiresAt', { type: 'DateTime', nullable: true, description: 'When its token stops working; null for never.' }),
    lastUsedAt: t.expose('lastUsedAt', { type: 'DateTime', nullable: true, description: 'When it last authenticated (updated at most once a minute).' }),
    revokedAt: t.expose('revokedAt', { type: 'DateTime', nullable: true, description: 'When it was revoked; a revoked service account cannot authenticate.' }),
    createdAt: t.expose('createdAt', { type: 'DateTime', description: 'When it was created.' }),
    updatedAt: t.expose('updatedAt', { type: 'DateTime', description: 'When it last changed.' }),
    permissionContext: t.field({
      type: PermissionContextRef,
      nullable: true,
      description: "The service account's permissions on its account; null unless the caller has auth.read there or is the service account.",
      resolve: (sa, _args, ctx) => contextFor(ctx, { type: 'SERVICE_ACCOUNT', id: sa.id }, sa.accountId),
    }),
  }),
});
entityLoadedBy(ServiceAccountRef, 'ServiceAccount');

builder.node(ServiceAccountCredentialRef, {
  description: 'A client id and secret of a service account (reference 004). The secret is shown only when created.',
  id: { resolve: (c) => c.id },
  loadMany: visibleLoadMany('ServiceAccountCredential'),
  fields: (t) => ({
    ...permissionFields(t, 'ServiceAccountCredential'),
    name: t.exposeString('name', { description: 'Display name, 1..255 characters.' }),
    description: t.exposeString('description', { nullable: true, description: 'Free text, up to 2048 characters.' }),
    clientId: t.exposeID('clientId', { description: 'The client id: send `Authorization: Basic base64(clientId:clientSecret)`.' }),
    serviceAccount: t.field({ type: ServiceAccountRef, description: 'The service account it authenticates as.', resolve: async (c, _args, ctx) => (await ctx.loaders.serviceAccount.load(c.serviceAccountId))! }),
    lastUsedAt: t.expose('lastUsedAt', { type: 'DateTime', nullable: true, description: 'When it was last used (updated at most once a minute).' }),
    createdAt: t.expose('createdAt', { type: 'DateTime', description: 'When it was created.' }),
    updatedAt: t.expose('updatedAt', { type: 'DateTime', description: 'When it last changed.' }),
  }),
});

export const ServiceAccountConnection = connectionOf(ServiceAccountRef, 'ServiceAccount', 'service accounts');
const ServiceAccountCredentialConnection = connectionOf(ServiceAccountCredentialRef, 'ServiceAccountCredential', 'service account credentials');

builder.objectField(AccountRef, 'serviceAccounts', (t) =>
  t.connection(
    {
      type: ServiceAccountRef,
      description: "The account's service accounts, oldest first.",
      args: { includeRevoked: t.arg.boolean({ description: 'Include revoked service accounts (default false).' }) },
      resolve: (account, args, ctx) => {
        const includeRevoked = args.includeRevoked ?? false;
        return relationConnection(ctx, {
          list: SERVICE_ACCOUNT_LISTS.byAccount,
          filter: { includeRevoked },
          parentId: account.id,
          args,
          load: ctx.loaders.serviceAccount,
        });
      },
    },
    ServiceAccountConnection,
  ),
);

builder.objectField(ServiceAccountRef, 'credentials', (t) =>
  t.connection(
    {
      type: ServiceAccountCredentialRef,
      description: "The service account's client credentials, oldest first.",
      resolve: (sa, args, ctx) =>
        relationConnection(ctx, {
          list: SERVICE_ACCOUNT_LISTS.credentials,
          filter: {},
          parentId: sa.id,
          args,
          load: ctx.loaders.serviceAccountCredential,
        }),
    },
    ServiceAccountCredentialConnection,
  ),
);

// Mutations

const idInput = (name: string, description: string, what: string) =>
  builder.inputType(name, { description, fields: (t) => ({ id: t.id({ required: true, description: `Global id of the ${what}.` }) }) });

const CreateServiceAccountInput = builder.inputType('CreateServiceAccountInput', {
  description: 'A new service account.',
  fields: (t) => ({
    accountId: t.id({ required: true, description: 'Global id of the account.' }),
    name: t.string({ required: true, description: 'Display name, 1..255 characters.' }),
    description: t.string({ description: 'Free text, up to 2048 characters.' }),
    expiresAt: t.field({ type: 'DateTime', description: 'When its token stops working (in the future); omit for never.' }),
  }),
});

const UpdateServiceAccountInput = builder.inputType('UpdateServiceAccountInput', {
  description: 'Changes to a service account; omitted fields stay as they are.',
  fields: (t) => ({
    id: t.id({ required: true, description: 'Global id of the service account.' }),
    name: t.string({ description: 'New name.' }),
    description: t.string({ description: 'New description; null clears it.' }),
    expiresAt: t.field({ type: 'DateTime', description: 'New expiry (in the future); null removes it.' }),
  }),
});

const RotateServiceAccountTokenInput = builder.inputType('RotateServiceAccountTokenInput', {
  description: 'The service account whose token to replace.',
  fields: (t) => ({
    id: t.id({ required: true, description: 'Global id of the service account.' }),
    gracePeriodSeconds: t.int({ description: 'How long the old token keeps working, 0..604800 seconds (default 0: it stops at once).' }),
  }),
});

const RevokeServiceAccountInput = idInput('RevokeServiceAccountInput', 'The service account to revoke.', 'service account');
const DeleteServiceAccountInput = idInput('DeleteServiceAccountInput', 'The service account to delete.', 'service account');

const CreateServiceAccountCredentialInput = builder.inputType('CreateServiceAccountCredentialInput', {
  description: 'A new client credential for a service account.',
  fields: (t) => ({
    serviceAccountId: t.id({ required: true, description: 'Global id of the service account.' }),
    name: t.string({ required: true, description: 'Display name, 1..255 characters.' }),
    description: t.string({ description: 'Free text, up to 2048 characters.' }),
  }),
});

const UpdateServiceAccountCredentialInput = builder.inputType('UpdateServiceAccountCredentialInput', {
  description: 'Changes to a credential; omitted fields stay as they are.',
  fields: (t) => ({
    id: t.id({ required: true, description: 'Global id of the credential.' }),
    name: t.string({ description: 'New name.' }),
    description: t.string({ description: 'New description; null clears it.' }),
  }),
});

const DeleteServiceAccountCredentialInput = idInput('DeleteServiceAccountCredentialInput', 'The credential to delete.', 'credential');

const serviceAccountPayload = (name: string) =>
  payload<{ serviceAccount: ServiceAccount }>(name, `The result of ${mutationName(name)}.`, (t) => ({
    serviceAccount: t.field({ type: ServiceAccountRef, nullable: true, description: 'The service account, as it is now.', resolve: (p) => p.serviceAccount ?? null }),
  }));

const tokenPayload = (name: string) =>
  payload<{ serviceAccount: ServiceAccount; token: string }>(name, `The result of ${mutationName(name)}.`, (t) => ({
    serviceAccount: t.field({ type: ServiceAccountRef, nullable: true, description: 'The service account, as it is now.', resolve: (p) => p.serviceAccount ?? null }),
    token: t.string({ nullable: true, description: 'The bearer token. Store it now: it is never shown again.', resolve: (p) => p.token ?? null }),
  }));

const credentialPayload = (name: string) =>
  payload<{ credential: ServiceAccountCredential }>(name, `The result of ${mutationName(name)}.`, (t) => ({
    credential: t.field({ type: ServiceAccountCredentialRef, nullable: true, description: 'The credential, as it is now.', resolve: (p) => p.credential ?? null }),
  }));

const CreateServiceAccountCredentialPayload = payload<{ credential: ServiceAccountCredential; clientSecret: string }>(
  'CreateServiceAccountCredentialPayload',
  'The result of createServiceAccountCredential.',
  (t) => ({
    credential: t.field({ type: ServiceAccountCredentialRef, nullable: true, description: 'The credential.', resolve: (p) => p.credential ?? null }),
    clientSecret: t.string({ nullable: true, description: 'The client secret. Store it now: it is never shown again.', resolve: (p) => p.clientSecret ?? null }),
  }),
);

const DeleteServiceAccountPayload = payload<{ deletedServiceAccountId: string }>('DeleteServiceAccountPayload', 'The result of deleteServiceAccount.', (t) => ({
  deletedServiceAccountId: t.id({ nullable: true, description: 'Global id of the deleted service account.', resolve: (p) => p.deletedServiceAccountId ?? null }),
}));

const DeleteServiceAccountCredentialPayload = payload<{ deletedCredentialId: string }>('DeleteServiceAccountCredentialPayload', 'The result of deleteServiceAccountCredential.', (t) => ({
  deletedCredentialId: t.id({ nullable: true, description: 'Global id of the deleted credential.', resolve: (p) => p.deletedCredentialId ?? null }),
}));

builder.mutationFields((t) => ({
  createServiceAccount: t.field({
    type: tokenPayload('CreateServiceAccountPayload'),
    description: 'Creates a service account and returns its token, once.',
    args: { input: t.arg({ type: CreateServiceAccountInput, required: true, description: 'The service account to create.' }) },
    resolve: (_root, { input }, ctx) => attempt(() => ctx.services.serviceAccounts.createServiceAccount(ctx.authz, localId(input.accountId, 'Account', 'accountId'), input)),
  }),
  updateServiceAccount: t.field({
    type: serviceAccountPayload('UpdateServiceAccountPayload'),
    description: 'Renames, re-describes or changes the expiry of a service account.',
    args: { input: t.arg({ type: UpdateServiceAccountInput, required: true, description: 'The changes.' }) },
    resolve: (_root, { input }, ctx) =>
      attempt(async () => {
        const { id, ...patch } = input;
        return { serviceAccount: await ctx.services.serviceAccounts.updateServiceAccount(ctx.authz, localId(id, 'ServiceAccount', 'id'), { ...patch, name: patch.name ?? undefined }) };
      }),
  }),
  rotateServiceAccountToken: t.field({
    type: tokenPayload('RotateServiceAccountTokenPayload'),
    description: 'Issues a new token, returned once; the old one stops working (after the grace period, if any).',
    args: { input: t.arg({ type: RotateServiceAccountTokenInput, required: true, description: 'The service account.' }) },
    resolve: (_root, { input }, ctx) =>
      attempt(() => ctx.services.serviceAccounts.rotateServiceAccountToken(ctx.authz, localId(input.id, 'ServiceAccount', 'id'), input.gracePeriodSeconds ?? 0)),
  }),
  revokeServiceAccount: t.field({
    type: serviceAccountPayload('RevokeServiceAccountPayload'),
    description: 'Revokes a service account: its token, credentials and sessions stop working at once. It stays listed (includeRevoked).',
    args: { input: t.arg({ type: RevokeServiceAccountInput, required: true, description: 'The service account.' }) },
    resolve: (_root, { input }, ctx) => attempt(async () => ({ serviceAccount: await ctx.services.serviceAccounts.revokeServiceAccount(ctx.authz, localId(input.id, 'ServiceAccount', 'id')) })),
  }),
  deleteServiceAccount: t.field({
    type: DeleteServiceAccountPayload,
    description: 'Deletes a service account with its credentials, group memberships, grants and role assignments.',
    args: { input: t.arg({ type: DeleteServiceAccountInput, required: true, description: 'The service account.' }) },
    resolve: (_root, { input }, ctx) =>
      attempt(async () => {
        await ctx.services.serviceAccounts.deleteServiceAccount(ctx.authz, localId(input.id, 'ServiceAccount', 'id'));
        return { deletedServiceAccountId: input.id };
      }),
  }),
  createServiceAccountCredential: t.field({
    type: CreateServiceAccountCredentialPayload,
    description: 'Creates a client credential; the client secret is returned once.',
    args: { input: t.arg({ type: CreateServiceAccountCredentialInput, required: true, description: 'The credential to create.' }) },
    resolve: (_root, { input }, ctx) =>
      attempt(() => ctx.services.serviceAccounts.createServiceAccountCredential(ctx.authz, localId(input.serviceAccountId, 'ServiceAccount', 'serviceAccountId'), input)),
  }),
  updateServiceAccountCredential: t.field({
    type: credentialPayload('UpdateServiceAccountCredentialPayload'),
    description: 'Renames or re-describes a credential (its secret never changes; create a new credential instead).',
    args: { input: t.arg({ type: UpdateServiceAccountCredentialInput, required: true, description: 'The changes.' }) },
    resolve: (_root, { input }, ctx) =>
      attempt(async () => {
        const { id, ...patch } = input;
        return { credential: await ctx.services.serviceAccounts.updateServiceAccountCredential(ctx.authz, localId(id, 'ServiceAccountCredential', 'id'), { ...patch, name: patch.name ?? undefined }) };
      }),
  }),
  deleteServiceAccountCredential: t.field({
    type: DeleteServiceAccountCredentialPayload,
    description: 'Deletes a credential: its secret stops working at once.',
    args: { input: t.arg({ type: DeleteServiceAccountCredentialInput, required: true, description: 'The credential.' }) },
    resolve: (_root, { input }, ctx) =>
      attempt(async () => {
        await ctx.services.serviceAccounts.deleteServiceAccountCredential(ctx.authz, localId(input.id, 'ServiceAccountCredential', 'id'));
        return { deletedCredentialId: input.id };
      }),
  }),
}));
