// API keys (references 002, 003): issued, rotated, paused and revoked per account; given access to
// workspaces one by one; with the MCP settings of reference 003. The key itself is shown only in the
// payloads of createApiKey and rotateApiKey.
import type { ApiKey, Workspace } from '../../domain/model.js';
import { MCP_ALLOWLIST_MODES } from '../../domain/machine/api-keys.js';
import { builder } from '../builder.js';
import { API_KEY_LISTS } from '../../domain/machine/api-keys.js';
import { connectionOf, relationConnection, searchTerm } from '../connection.js';
import { AccountRef } from './account.js';
import { attempt, localId, mutationName, payload } from './errors.js';
import { entityLoadedBy, permissionFields, visibleLoadMany } from './node.js';
import { WorkspaceConnection, WorkspaceRef } from './workspace.js';

export const ApiKeyRef = builder.objectRef<ApiKey>('ApiKey');

const McpAllowlistModeEnum = builder.enumType('McpAllowlistMode', {
  description: 'How the MCP tool list of a key is read.',
  values: {
    ALLOW_ALL: { description: 'Every tool is allowed; the list is ignored.' },
    ALLOWLIST: { description: 'Only the listed tools are allowed.' },
    DENYLIST: { description: 'Every tool but the listed ones is allowed.' },
  } as const,
});

export const WORKSPACES_PREVIEW = 5;

builder.node(ApiKeyRef, {
  description: 'An account API key. It acts with at most its permissions, never beyond its creator, only in its workspaces.',
  id: { resolve: (k) => k.id },
  loadMany: visibleLoadMany('ApiKey'),
  fields: (t) => ({
    ...permissionFields(t, 'ApiKey'),
    name: t.exposeString('name', { description: 'Display name, 1..255 characters.' }),
    description: t.exposeString('description', { nullable: true, description: 'Free text, up to 2048 characters.' }),
    account: t.field({ type: AccountRef, description: 'The account the key belongs to.', resolve: async (k, _args, ctx) => (await ctx.loaders.account.load(k.accountId))! }),
    keyPrefix: t.exposeString('keyPrefix', { description: 'The first characters of the key (its kind and the start of its public id).' }),
    keyLast4: t.exposeString('keyLast4', { description: 'The last four characters of the key.' }),
    keyPublicId: t.exposeID('keyPublicId', { description: 'The public part of the key: names it in logs without revealing it.' }),
    permissions: t.exposeStringList('permissions', { description: 'Capability keys the key may use (each also needed by its creator at the time of use).' }),
    active: t.exposeBoolean('active', { description: 'False while the key is paused (setApiKeyActive).' }),
    expiresAt: t.expose('expiresAt', { type: 'DateTime', nullable: true, description: 'When the key stops working; null for never.' }),
    lastUsedAt: t.expose('lastUsedAt', { type: 'DateTime', nullable: true, description: 'When it last authenticated (updated at most once a minute).' }),
    revokedAt: t.expose('revokedAt', { type: 'DateTime', nullable: true, description: 'When it was revoked.' }),
    mcpActive: t.exposeBoolean('mcpActive', { description: 'Whether the key may be used for MCP access.' }),
    mcpAllowlistMode: t.field({ type: McpAllowlistModeEnum, nullable: true, description: 'How mcpToolAllowlist is read.', resolve: (k) => k.mcpAllowlistMode as (typeof MCP_ALLOWLIST_MODES)[number] | null }),
    mcpToolAllowlist: t.exposeStringList('mcpToolAllowlist', { description: 'MCP tool names the allowlist mode applies to.' }),
    mcpReadOnly: t.exposeBoolean('mcpReadOnly', { description: 'A read-only key runs no mutation.' }),
    mcpProjectIds: t.exposeIDList('mcpProjectIds', { description: 'Projects the key is limited to for MCP.' }),
    mcpInstanceIds: t.exposeIDList('mcpInstanceIds', { description: 'Instances the key is limited to for MCP.' }),
    mcpPreset: t.exposeString('mcpPreset', { nullable: true, description: 'A named preset of MCP settings.' }),
    mcpPermissions: t.exposeStringList('mcpPermissions', { description: 'Granular MCP permissions.' }),
    system: t.exposeBoolean('system', { description: 'Made by the platform itself (reference 002 system); keys made through the API never are.' }),
    scope: t.exposeString('scope', { nullable: true, description: 'What the key is scoped to (reference 003 scope, e.g. "organization"), as given at creation; null when not given.' }),
    workspacesPreview: t.field({
      type: [WorkspaceRef],
      description: `Up to ${WORKSPACES_PREVIEW} of the workspaces the key can reach (the reference's preview; use workspaces for all).`,
      resolve: async (k, _args, ctx) => {
        const page = await ctx.loaders.list(API_KEY_LISTS.workspaces, { first: WORKSPACES_PREVIEW }, {}).load(k.id);
        const loaded = await ctx.loaders.workspace.loadMany(page.edges.map((e) => e.id));
        return loaded.filter((w): w is Workspace => w !== null && !(w instanceof Error));
      },
    }),
    workspacesTotal: t.int({
      description: 'How many workspaces the key can reach.',
      resolve: (k, _args, ctx) => ctx.loaders.listCount(API_KEY_LISTS.workspaces, {}).load(k.id),
    }),
    createdAt: t.expose('createdAt', { type: 'DateTime', description: 'When the key was created.' }),
    updatedAt: t.expose('updatedAt', { type: 'DateTime', description: 'When the key last changed.' }),
  }),
});
entityLoadedBy(ApiKeyRef, 'ApiKey');

const ApiKeyConnection = connectionOf(ApiKeyRef, 'ApiKey', 'API keys');

builder.objectField(AccountRef, 'apiKeys', (t) =>
  t.connection(
    {
      type: ApiKeyRef,
      description: "The account's API keys, oldest first (revoked ones included: see revokedAt).",
      args: { search: t.arg.string({ description: "Case-insensitive text matched against the key's name and description." }) },
      resolve: (account, args, ctx) =>
        relationConnection(ctx, {
          list: API_KEY_LISTS.byAccount,
          filter: { search: searchTerm(args.search) },
          parentId: account.id,
          args,
          load: ctx.loaders.apiKey,
        }),
    },
    ApiKeyConnection,
  ),
);

builder.objectField(ApiKeyRef, 'workspaces', (t) =>
  t.connection(
    {
      type: WorkspaceRef,
      description: 'The workspaces the key can reach, in the order of their ids.',
      resolve: (k, args, ctx) =>
        relationConnection(ctx, {
          list: API_KEY_LISTS.workspaces,
          filter: {},
          parentId: k.id,
          args,
          load: ctx.loaders.workspace,
        }),
    },
    WorkspaceConnection,
  ),
);

// Mutations

const mcpFields = (t: PothosSchemaTypes.InputFieldBuilder<PothosSchemaTypes.ExtendDefaultTypes<never>, 'InputObject'>) => ({
  mcpActive: t.boolean({ description: 'Whether the key may be used for MCP access.' }),
  mcpAllowlistMode: t.field({ type: McpAllowlistModeEnum, description: 'How mcpToolAllowlist is read (ALLOWLIST needs at least one tool).' }),
  mcpToolAllowlist: t.stringList({ description: 'MCP tool names (at most 200, each 1..128 of letters, digits and _.:*-/).' }),
  mcpReadOnly: t.boolean({ description: 'A read-only key runs no mutation.' }),
  mcpProjectIds: t.idList({ description: 'Projects the key is limited to (at most 100).' }),
  mcpInstanceIds: t.idList({ description: 'Instances the key is limited to (at most 100).' }),
  mcpPreset: t.string({ description: 'A named preset, up to 64 characters.' }),
  mcpPermissions: t.stringList({ description: 'Granular MCP permissions (at most 100).' }),
});

const CreateApiKeyInput = builder.inputType('CreateApiKeyInput', {
  description: 'A new API key.',
  fields: (t) => ({
    accountId: t.id({ required: true, description: 'Global id of the account.' }),
    name: t.string({ required: true, description: 'Display name, 1..255 characters.' }),
    description: t.string({ description: 'Free text, up to 2048 characters.' }),
    scope: t.string({ description: 'What the key is scoped to (reference 003 scope), up to 64 letters, digits and . _ : -; set at creation only.' }),
    permissions: t.stringList({ description: 'Capability keys of the catalog; you must hold each one account-wide.' }),
    expiresAt: t.field({ type: 'DateTime', description: 'When the key stops working (in the future); omit for never.' }),
    ...mcpFields(t as never),
  }),
});

const UpdateApiKeyInput = builder.inputType('UpdateApiKeyInput', {
  description: 'Changes to an API key; omitted fields stay as they are.',
  fields: (t) => ({
    id: t.id({ required: true, description: 'Global id of the key.' }),
    name: t.string({ description: 'New name.' }),
    description: t.string({ description: 'New description; null clears it.' }),
    permissions: t.stringList({ description: 'New permissions; you must hold each one account-wide.' }),
    expiresAt: t.field({ type: 'DateTime', description: 'New expiry (in the future); null removes it.' }),
    ...mcpFields(t as never),
  }),
});

const RotateApiKeyInput = builder.inputType('RotateApiKeyInput', { description: 'The key to replace.', fields: (t) => ({ id: t.id({ required: true, description: 'Global id of the key.' }) }) });
const RevokeApiKeyInput = builder.inputType('RevokeApiKeyInput', { description: 'The key to revoke.', fields: (t) => ({ id: t.id({ required: true, description: 'Global id of the key.' }) }) });

const SetApiKeyActiveInput = builder.inputType('SetApiKeyActiveInput', {
  description: 'Pause or resume a key.',
  fields: (t) => ({
    id: t.id({ required: true, description: 'Global id of the key.' }),
    active: t.boolean({ required: true, description: 'false pauses the key (it is refused with API_KEY_PAUSED); true resumes it.' }),
  }),
});

const workspaceAccessInput = (name: string, description: string) =>
  builder.inputType(name, {
    description,
    fields: (t) => ({
      apiKeyId: t.id({ required: true, description: 'Global id of the key.' }),
      workspaceId: t.id({ required: true, description: 'Global id of a workspace of the same account.' }),
    }),
  });

const GrantApiKeyWorkspaceAccessInput = workspaceAccessInput('GrantApiKeyWorkspaceAccessInput', 'A workspace to give a key access to.');
const RevokeApiKeyWorkspaceAccessInput = workspaceAccessInput('RevokeApiKeyWorkspaceAccessInput', 'A workspace to take away from a key.');

const apiKeyPayload = (name: string) =>
  payload<{ apiKey: ApiKey }>(name, `The result of ${mutationName(name)}.`, (t) => ({
    apiKey: t.field({ type: ApiKeyRef, nullable: true, description: 'The key, as it is now.', resolve: (p) => p.apiKey ?? null }),
  }));

const keyPayload = (name: string) =>
  payload<{ apiKey: ApiKey; key: string }>(name, `The result of ${mutationName(name)}.`, (t) => ({
    apiKey: t.field({ type: ApiKeyRef, nullable: true, description: 'The key, as it is now.', resolve: (p) => p.apiKey ?? null }),
    key: t.string({ nullable: true, description: 'The key: send it as `Authorization: Bearer <key>`. Store it now: it is never shown again.', resolve: (p) => p.key ?? null }),
  }));

const workspaceAccessPayload = (name: string) =>
  payload<{ apiKey: ApiKey; changed: boolean }>(name, `The result of ${mutationName(name)}.`, (t) => ({
    apiKey: t.field({ type: ApiKeyRef, nullable: true, description: 'The key.', resolve: (p) => p.apiKey ?? null }),
    changed: t.boolean({ nullable: true, description: 'False when the key already had (grant) the access.', resolve: (p) => p.changed ?? null }),
  }));

function mcpPatch(input: Record<string, unknown>) {
  const out: Record<string, unknown> = {};
  for (const key of ['mcpActive', 'mcpAllowlistMode', 'mcpToolAllowlist', 'mcpReadOnly', 'mcpProjectIds', 'mcpInstanceIds', 'mcpPreset', 'mcpPermissions']) {
    if (input[key] !== undefined) out[key] = input[key];
  }
  return out;
}

builder.mutationFields((t) => ({
  createApiKey: t.field({
    type: keyPayload('CreateApiKeyPayload'),
    description: 'Creates an API key and returns it, once. Its permissions cannot exceed yours.',
    args: { input: t.arg({ type: CreateApiKeyInput, required: true, description: 'The key to create.' }) },
    resolve: (_root, { input }, ctx) =>
      attempt(() =>
        ctx.services.apiKeys.createApiKey(ctx.authz, localId(input.accountId, 'Account', 'accountId'), {
          name: input.name,
          description: input.description,
          scope: input.scope,
          permissions: input.permissions,
          expiresAt: input.expiresAt,
          ...mcpPatch(input),
        }),
      ),
  }),
  updateApiKey: t.field({
    type: apiKeyPayload('UpdateApiKeyPayload'),
    description: 'Changes the name, description, permissions, expiry or MCP settings of a key.',
    args: { input: t.arg({ type: UpdateApiKeyInput, required: true, description: 'The changes.' }) },
    resolve: (_root, { input }, ctx) =>
      attempt(async () => ({
        apiKey: await ctx.services.apiKeys.updateApiKey(ctx.authz, localId(input.id, 'ApiKey', 'id'), {
          name: input.name ?? undefined,
          description: input.description,
          permissions: input.permissions,
          expiresAt: input.expiresAt,
          ...mcpPatch(input),
        }),
      })),
  }),
  rotateApiKey: t.field({
    type: keyPayload('RotateApiKeyPayload'),
    description: 'Issues a new key, returned once; the old one stops working at once.',
    args: { input: t.arg({ type: RotateApiKeyInput, required: true, description: 'The key.' }) },
    resolve: (_root, { input }, ctx) => attempt(() => ctx.services.apiKeys.rotateApiKey(ctx.authz, localId(input.id, 'ApiKey', 'id'))),
  }),
  revokeApiKey: t.field({
    type: apiKeyPayload('RevokeApiKeyPayload'),
    description: 'Revokes a key: it stops working at once, for good.',
    args: { input: t.arg({ type: RevokeApiKeyInput, required: true, description: 'The key.' }) },
    resolve: (_root, { input }, ctx) => attempt(async () => ({ apiKey: await ctx.services.apiKeys.revokeApiKey(ctx.authz, localId(input.id, 'ApiKey', 'id')) })),
  }),
  setApiKeyActive: t.field({
    type: apiKeyPayload('SetApiKeyActivePayload'),
    description: 'Pauses (active: false) or resumes (active: true) a key.',
    args: { input: t.arg({ type: SetApiKeyActiveInput, required: true, description: 'The key and its new state.' }) },
    resolve: (_root, { input }, ctx) => attempt(async () => ({ apiKey: await ctx.services.apiKeys.setApiKeyActive(ctx.authz, localId(input.id, 'ApiKey', 'id'), input.active) })),
  }),
  grantApiKeyWorkspaceAccess: t.field({
    type: workspaceAccessPayload('GrantApiKeyWorkspaceAccessPayload'),
    description: 'Gives a key access to a workspace of its account.',
    args: { input: t.arg({ type: GrantApiKeyWorkspaceAccessInput, required: true, description: 'The key and the workspace.' }) },
    resolve: (_root, { input }, ctx) =>
      attempt(() =>
        ctx.services.apiKeys.grantApiKeyWorkspaceAccess(ctx.authz, localId(input.apiKeyId, 'ApiKey', 'apiKeyId'), localId(input.workspaceId, 'Workspace', 'workspaceId')),
      ),
  }),
  revokeApiKeyWorkspaceAccess: t.field({
    type: workspaceAccessPayload('RevokeApiKeyWorkspaceAccessPayload'),
    description: "Takes away a key's access to a workspace.",
    args: { input: t.arg({ type: RevokeApiKeyWorkspaceAccessInput, required: true, description: 'The key and the workspace.' }) },
    resolve: (_root, { input }, ctx) =>
      attempt(() =>
        ctx.services.apiKeys.revokeApiKeyWorkspaceAccess(ctx.authz, localId(input.apiKeyId, 'ApiKey', 'apiKeyId'), localId(input.workspaceId, 'Workspace', 'workspaceId')),
      ),
  }),
}));
