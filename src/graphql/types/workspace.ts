import type { Workspace } from '../../domain/model.js';
import { builder } from '../builder.js';
import { WORKSPACE_LISTS } from '../../domain/workspace/service.js';
import { connectionOf, relationConnection } from '../connection.js';
import { AccountRef } from './account.js';
import { attempt, localId, payload } from './errors.js';
import { entityLoadedBy, permissionFields, visibleLoadMany } from './node.js';

export const WorkspaceRef = builder.objectRef<Workspace>('Workspace');

builder.node(WorkspaceRef, {
  description: 'A workspace of an account: the unit that API keys are given access to.',
  id: { resolve: (workspace) => workspace.id },
  loadMany: visibleLoadMany('Workspace'),
  fields: (t) => ({
    ...permissionFields(t, 'Workspace'),
    name: t.exposeString('name', { description: 'Name, unique within the account, 1..255 characters.' }),
    description: t.exposeString('description', { nullable: true, description: 'Free text, up to 2048 characters.' }),
    account: t.field({ type: AccountRef, description: 'The account the workspace belongs to.', resolve: async (w, _args, ctx) => (await ctx.loaders.account.load(w.accountId))! }),
    createdAt: t.expose('createdAt', { type: 'DateTime', description: 'When the workspace was created.' }),
    updatedAt: t.expose('updatedAt', { type: 'DateTime', description: 'When the workspace last changed.' }),
  }),
});
entityLoadedBy(WorkspaceRef, 'Workspace');

export const WorkspaceConnection = connectionOf(WorkspaceRef, 'Workspace', 'workspaces');

builder.objectField(AccountRef, 'workspaces', (t) =>
  t.connection(
    {
      type: WorkspaceRef,
      description: "The account's workspaces, oldest first (for an API key: only those it was given).",
      resolve: (account, args, ctx) =>
        relationConnection(ctx, {
          list: WORKSPACE_LISTS.byAccount,
          filter: { only: ctx.authz.workspaceLimit },
          parentId: account.id,
          args,
          // An API key sees only the workspaces it was given.
          load: ctx.loaders.workspace,
        }),
    },
    WorkspaceConnection,
  ),
);

const CreateWorkspaceInput = builder.inputType('CreateWorkspaceInput', {
  description: 'A new workspace.',
  fields: (t) => ({
    accountId: t.id({ required: true, description: 'Global id of the account.' }),
    name: t.string({ required: true, description: 'Name, unique within the account, 1..255 characters.' }),
    description: t.string({ description: 'Free text, up to 2048 characters.' }),
  }),
});

const UpdateWorkspaceInput = builder.inputType('UpdateWorkspaceInput', {
  description: 'Changes to a workspace; omitted fields stay as they are.',
  fields: (t) => ({
    id: t.id({ required: true, description: 'Global id of the workspace.' }),
    name: t.string({ description: 'New name.' }),
    description: t.string({ description: 'New description; null clears it.' }),
  }),
});

const DeleteWorkspaceInput = builder.inputType('DeleteWorkspaceInput', {
  description: 'The workspace to delete.',
  fields: (t) => ({ id: t.id({ required: true, description: 'Global id of the workspace.' }) }),
});

const workspacePayload = (name: string) =>
  payload<{ workspace: Workspace }>(name, `The result of ${name.replace('Payload', '').replace(/^./, (c) => c.toLowerCase())}.`, (t) => ({
    workspace: t.field({ type: WorkspaceRef, nullable: true, description: 'The workspace, as it is now.', resolve: (p) => p.workspace ?? null }),
  }));

const DeleteWorkspacePayload = payload<{ deletedWorkspaceId: string }>('DeleteWorkspacePayload', 'The result of deleteWorkspace.', (t) => ({
  deletedWorkspaceId: t.id({ nullable: true, description: 'Global id of the deleted workspace.', resolve: (p) => p.deletedWorkspaceId ?? null }),
}));

builder.mutationFields((t) => ({
  createWorkspace: t.field({
    type: workspacePayload('CreateWorkspacePayload'),
    description: 'Creates a workspace in an account.',
    args: { input: t.arg({ type: CreateWorkspaceInput, required: true, description: 'The workspace to create.' }) },
    resolve: (_root, { input }, ctx) =>
      attempt(async () => ({ workspace: await ctx.services.workspaces.createWorkspace(ctx.authz, localId(input.accountId, 'Account', 'accountId'), input) })),
  }),
  updateWorkspace: t.field({
    type: workspacePayload('UpdateWorkspacePayload'),
    description: 'Renames or re-describes a workspace.',
    args: { input: t.arg({ type: UpdateWorkspaceInput, required: true, description: 'The changes.' }) },
    resolve: (_root, { input }, ctx) =>
      attempt(async () => ({
        workspace: await ctx.services.workspaces.updateWorkspace(ctx.authz, localId(input.id, 'Workspace', 'id'), { name: input.name ?? undefined, description: input.description }),
      })),
  }),
  deleteWorkspace: t.field({
    type: DeleteWorkspacePayload,
    description: 'Deletes a workspace.',
    args: { input: t.arg({ type: DeleteWorkspaceInput, required: true, description: 'The workspace to delete.' }) },
    resolve: (_root, { input }, ctx) =>
      attempt(async () => {
        await ctx.services.workspaces.deleteWorkspace(ctx.authz, localId(input.id, 'Workspace', 'id'));
        return { deletedWorkspaceId: input.id };
      }),
  }),
}));
