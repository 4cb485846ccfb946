import type { Account } from '../../domain/model.js';
import { builder } from '../builder.js';
import { connectionOf, pageArgs, toConnection } from '../connection.js';
import { attempt, localId, payload } from './errors.js';
import { loadVisible } from '../visibility.js';
import { entityLoadedBy, permissionFields, visibleLoadMany } from './node.js';

export const AccountRef = builder.objectRef<Account>('Account');

builder.node(AccountRef, {
  description: 'A tenant: the owner of workspaces, users, groups and everything else keygraph holds for it.',
  id: { resolve: (account) => account.id },
  loadMany: visibleLoadMany('Account'),
  fields: (t) => ({
    ...permissionFields(t, 'Account'),
    name: t.exposeString('name', { description: 'Display name, 1..255 characters.' }),
    description: t.exposeString('description', { nullable: true, description: 'Free text, up to 2048 characters.' }),
    createdAt: t.expose('createdAt', { type: 'DateTime', description: 'When the account was created.' }),
    updatedAt: t.expose('updatedAt', { type: 'DateTime', description: 'When the account last changed.' }),
  }),
});
entityLoadedBy(AccountRef, 'Account');

export const AccountConnection = connectionOf(AccountRef, 'Account', 'accounts');

builder.queryFields((t) => ({
  account: t.field({
    type: AccountRef,
    nullable: true,
    description: 'An account by its global id; null when it does not exist.',
    args: { id: t.arg.id({ required: true, description: 'Global id of the account.' }) },
    resolve: (_root, { id }, ctx) => {
      try {
        return loadVisible(ctx, 'Account', localId(id, 'Account', 'id'));
      } catch {
        return null;
      }
    },
  }),
  accounts: t.connection(
    {
      type: AccountRef,
      description: 'The accounts the caller can read (every account, for a super administrator), oldest first.',
      resolve: async (_root, args, ctx) => {
        const { page, count } = await ctx.services.accounts.readable(ctx.authz, pageArgs(args));
        return toConnection(page, (ids) => ctx.loaders.account.loadMany(ids), count);
      },
    },
    AccountConnection,
  ),
}));

const CreateAccountInput = builder.inputType('CreateAccountInput', {
  description: 'A new account.',
  fields: (t) => ({
    name: t.string({ required: true, description: 'Display name, 1..255 characters.' }),
    description: t.string({ description: 'Free text, up to 2048 characters.' }),
  }),
});

const UpdateAccountInput = builder.inputType('UpdateAccountInput', {
  description: 'Changes to an account; omitted fields stay as they are.',
  fields: (t) => ({
    id: t.id({ required: true, description: 'Global id of the account.' }),
    name: t.string({ description: 'New display name, 1..255 characters.' }),
    description: t.string({ description: 'New description; null clears it.' }),
  }),
});

const accountPayload = (name: string, description: string) =>
  payload<{ account: Account }>(name, description, (t) => ({
    account: t.field({ type: AccountRef, nullable: true, description: 'The account, as it is now.', resolve: (p) => p.account ?? null }),
  }));

builder.mutationFields((t) => ({
  createAccount: t.field({
    type: accountPayload('CreateAccountPayload', 'The result of createAccount.'),
    description: 'Creates an account.',
    args: { input: t.arg({ type: CreateAccountInput, required: true, description: 'The account to create.' }) },
    resolve: (_root, { input }, ctx) => attempt(async () => ({ account: await ctx.services.accounts.createAccount(ctx.authz, input) })),
  }),
  updateAccount: t.field({
    type: accountPayload('UpdateAccountPayload', 'The result of updateAccount.'),
    description: "Changes an account's name or description.",
    args: { input: t.arg({ type: UpdateAccountInput, required: true, description: 'The changes.' }) },
    resolve: (_root, { input }, ctx) =>
      attempt(async () => ({
        account: await ctx.services.accounts.updateAccount(ctx.authz, localId(input.id, 'Account', 'id'), { name: input.name ?? undefined, description: input.description }),
      })),
  }),
}));
