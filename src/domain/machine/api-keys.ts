// API keys (references 002 and 003). A key acts with at most its own permissions, and never beyond
// what its creator holds at the moment of use (enforced by the Authorizer); it reaches workspace-scoped
// objects only in the workspaces it was given; a read-only key runs no mutation; a paused key is refused.
import type { Authorizer } from '../authz/authorizer.js';
import { loadFor, scopeOf, authorizeCreate } from '../authz/access.js';
import { requireDominatesKey } from '../authz/dominance.js';
import { isCapability } from '../authz/catalog.js';
import { hashToken, issueToken, parseToken } from '../credentials/token.js';
import { ConflictError, ForbiddenError, NotFoundError, ValidationError } from '../errors.js';
import { DEFAULT_MCP_SETTINGS, type ApiKey, type McpSettings } from '../model.js';
import type { ApiKeyPatch, Store } from '../store.js';
import { LIMITS, optionalText, requiredText } from '../validation.js';
import { futureDate, identifierList } from './common.js';
import type { MachineAuthFailure } from './service-accounts.js';
import { apiKeyStanding, dueForTouch } from './standing.js';
import { defineList, type NoFilter, type Search } from '../lists.js';

export const MCP_ALLOWLIST_MODES = ['ALLOW_ALL', 'ALLOWLIST', 'DENYLIST'] as const;
export const MAX_PERMISSIONS = 100;

export interface ApiKeyInput extends Partial<McpSettings> {
  name: string;
  description?: string | null;
  /** Reference 003: what the key is scoped to; set at creation only. */
  scope?: string | null;
  permissions?: string[] | null;
  expiresAt?: Date | null;
}

const NAME = /^[A-Za-z0-9_.:*\-/]+$/;
const SCOPE = /^[A-Za-z0-9_.:-]+$/;

/** The lists of API keys and the workspaces they reach (domain list queries: the GraphQL layer pages them through its loaders). */
export const API_KEY_LISTS = {
  byAccount: defineList<Search>('account.apiKeys', (s, ids, args, f) => s.apiKeys.pagesByAccount(ids, args, f.search), (s, ids, f) => s.apiKeys.countsByAccount(ids, f.search)),
  workspaces: defineList<NoFilter>('apiKey.workspaces', (s, ids, args) => s.apiKeys.workspacePages(ids, args), (s, ids) => s.apiKeys.workspaceCounts(ids)),
} as const;

export class ApiKeyService {
  constructor(private readonly store: Store) {}

  async createApiKey(actor: Authorizer, accountId: string, input: ApiKeyInput): Promise<{ apiKey: ApiKey; key: string }> {
    await authorizeCreate(actor, 'ApiKey', 'Account', { accountId }, 'accountId');
    const creator = actor.subject;
    if (!creator) throw new ForbiddenError('api_key.manage', 'an API key cannot create API keys');
    const name = requiredText('name', input.name);
    const description = optionalText('description', input.description, LIMITS.description);
    const permissions = await this.permissions(actor, accountId, input.permissions ?? []);
    const expiresAt = futureDate('expiresAt', input.expiresAt);
    const scope = optionalText('scope', input.scope, 64);
    if (scope !== null && !SCOPE.test(scope)) throw new ValidationError('scope must be letters, digits and . _ : - (e.g. "organization" or "project:alpha")', 'scope');
    const mcp = mcpSettings(input, null) as McpSettings;
    const issued = issueToken('apiKey');
    const apiKey = await this.store.transaction(async (tx) => {
      if (!(await tx.lockAccount(accountId))) throw new NotFoundError('Account', 'accountId');
      return tx.apiKeys.create({ accountId, name, description, scope, permissions, expiresAt, createdByType: creator.type, createdById: creator.id, token: issued, ...mcp });
    });
    return { apiKey, key: issued.token };
  }

  async updateApiKey(actor: Authorizer, id: string, patch: Partial<ApiKeyInput>): Promise<ApiKey> {
    return this.store.transaction(async (tx) => {
      const current = await this.load(tx, actor, id);
      const changes: ApiKeyPatch = { ...mcpSettings(patch, current) };
      if (patch.name !== undefined && patch.name !== null) changes.name = requiredText('name', patch.name);
      if (patch.description !== undefined) changes.description = optionalText('description', patch.description, LIMITS.description);
      // Whoever changes the permissions must hold them: a key is never widened beyond its editor.
      if (patch.permissions !== undefined && patch.permissions !== null) changes.permissions = await this.permissions(actor, current.accountId, patch.permissions);
      if (patch.expiresAt !== undefined) changes.expiresAt = futureDate('expiresAt', patch.expiresAt);
      return tx.apiKeys.update(id, changes);
    });
  }

  async rotateApiKey(actor: Authorizer, id: string): Promise<{ apiKey: ApiKey; key: string }> {
    const issued = issueToken('apiKey');
    const apiKey = await this.store.transaction(async (tx) => {
      // The new key is handed to whoever rotates: load() requires they dominate it.
      const current = await this.load(tx, actor, id);
      await tx.lockAccount(current.accountId);
      return tx.apiKeys.rotate(id, issued);
    });
    return { apiKey, key: issued.token };
  }

  revokeApiKey(actor: Authorizer, id: string): Promise<ApiKey> {
    return this.store.transaction(async (tx) => {
      await this.load(tx, actor, id);
      return tx.apiKeys.revoke(id, actor.actorId);
    });
  }

  /** Pause (false) or resume (true). */
  setApiKeyActive(actor: Authorizer, id: string, active: boolean): Promise<ApiKey> {
    return this.store.transaction(async (tx) => {
      await this.load(tx, actor, id);
      return tx.apiKeys.update(id, { active });
    });
  }

  grantApiKeyWorkspaceAccess(actor: Authorizer, apiKeyId: string, workspaceId: string): Promise<{ apiKey: ApiKey; changed: boolean }> {
    return this.store.transaction(async (tx) => {
      const apiKey = await this.load(tx, actor, apiKeyId, 'apiKeyId');
      await this.workspace(tx, actor, apiKey, workspaceId);
      return { apiKey, changed: await tx.apiKeys.grantWorkspace(apiKeyId, workspaceId) };
    });
  }

  revokeApiKeyWorkspaceAccess(actor: Authorizer, apiKeyId: string, workspaceId: string): Promise<{ apiKey: ApiKey; changed: boolean }> {
    return this.store.transaction(async (tx) => {
      const apiKey = await this.load(tx, actor, apiKeyId, 'apiKeyId');
      await this.workspace(tx, actor, apiKey, workspaceId);
      if (!(await tx.apiKeys.revokeWorkspace(apiKeyId, workspaceId))) throw new NotFoundError('ApiKeyWorkspace', 'workspaceId');
      return { apiKey, changed: true };
    });
  }

  /** The key a bearer names, with its workspaces, if it may act now; 'paused' for a paused key. */
  async authenticate(token: string, now = new Date()): Promise<{ apiKey: ApiKey; workspaceIds: string[] } | MachineAuthFailure | 'paused' | 'creator revoked'> {
    if (parseToken(token)?.kind !== 'apiKey') return 'malformed';
    const apiKey = await this.store.apiKeys.findByKeyHash(hashToken(token));
    if (!apiKey) return 'unknown';
    const bar = await apiKeyStanding(this.store, apiKey, now);
    if (bar) return bar;
    const workspaceIds = (await this.store.apiKeys.workspaceIdsOf([apiKey.id])).get(apiKey.id) ?? [];
    if (dueForTouch(apiKey.lastUsedAt, now)) await this.store.apiKeys.touch(apiKey.id, now);
    return { apiKey, workspaceIds };
  }

  /** Catalog capabilities the actor holds account-wide: a key can never be given more than that. */
  private async permissions(actor: Authorizer, accountId: string, requested: readonly string[]): Promise<string[]> {
    const permissions = [...new Set(requested.map((p) => p.trim()))];
    if (permissions.length > MAX_PERMISSIONS) throw new ValidationError(`permissions may hold at most ${MAX_PERMISSIONS} entries`, 'permissions');
    const unknown = permissions.find((p) => !isCapability(p));
    if (unknown !== undefined) throw new ValidationError(`permissions: ${JSON.stringify(unknown.slice(0, 64))} is not a capability of the catalog`, 'permissions');
    for (const permission of permissions.filter(isCapability)) {
      if (!(await actor.can(permission, { accountId }))) throw new ForbiddenError(permission, `you do not hold ${permission}, so no key of yours can`);
    }
    return permissions;
  }

  private async workspace(tx: Store, actor: Authorizer, apiKey: ApiKey, workspaceId: string): Promise<void> {
    const [workspace] = await tx.workspaces.byIds([workspaceId]);
    if (!workspace || workspace.accountId !== apiKey.accountId || !(await actor.can('workspace.read', scopeOf('Workspace', workspace)))) {
      throw new NotFoundError('Workspace', 'workspaceId');
    }
  }

  private async load(tx: Store, actor: Authorizer, id: string, field = 'id'): Promise<ApiKey> {
    const apiKey = await loadFor(tx, actor, 'ApiKey', id, 'manage', { field });
    if (apiKey.revokedAt) throw new ConflictError('the API key is revoked', field);
    await requireDominatesKey(actor, apiKey);
    return apiKey;
  }
}

/** The MCP settings of an input, validated; fields not given keep `current` (or the defaults). */
function mcpSettings(input: Partial<McpSettings>, current: McpSettings | null): Partial<McpSettings> {
  const out: Partial<McpSettings> = {};
  const given = <K extends keyof McpSettings>(key: K) => input[key] !== undefined && input[key] !== null;
  if (given('mcpActive')) out.mcpActive = input.mcpActive!;
  if (given('mcpReadOnly')) out.mcpReadOnly = input.mcpReadOnly!;
  if (input.mcpAllowlistMode !== undefined) {
    if (input.mcpAllowlistMode !== null && !(MCP_ALLOWLIST_MODES as readonly string[]).includes(input.mcpAllowlistMode)) {
      throw new ValidationError(`mcpAllowlistMode must be one of ${MCP_ALLOWLIST_MODES.join(', ')}`, 'mcpAllowlistMode');
    }
    out.mcpAllowlistMode = input.mcpAllowlistMode;
  }
  if (input.mcpPreset !== undefined) out.mcpPreset = optionalText('mcpPreset', input.mcpPreset, 64);
  if (given('mcpToolAllowlist')) out.mcpToolAllowlist = identifierList('mcpToolAllowlist', input.mcpToolAllowlist, { maxItems: 200, maxLength: 128, pattern: NAME });
  if (given('mcpProjectIds')) out.mcpProjectIds = identifierList('mcpProjectIds', input.mcpProjectIds, { maxItems: 100, maxLength: 255, pattern: NAME });
  if (given('mcpInstanceIds')) out.mcpInstanceIds = identifierList('mcpInstanceIds', input.mcpInstanceIds, { maxItems: 100, maxLength: 255, pattern: NAME });
  if (given('mcpPermissions')) out.mcpPermissions = identifierList('mcpPermissions', input.mcpPermissions, { maxItems: 100, maxLength: 128, pattern: NAME });
  const mode = out.mcpAllowlistMode !== undefined ? out.mcpAllowlistMode : (current?.mcpAllowlistMode ?? null);
  const tools = out.mcpToolAllowlist ?? current?.mcpToolAllowlist ?? [];
  if (mode === 'ALLOWLIST' && tools.length === 0) throw new ValidationError('mcpAllowlistMode ALLOWLIST needs at least one tool in mcpToolAllowlist', 'mcpToolAllowlist');
  return current === null ? { ...DEFAULT_MCP_SETTINGS, ...out } : out;
}
