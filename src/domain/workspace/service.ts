import type { Authorizer } from '../authz/authorizer.js';
import { loadFor, authorizeCreate } from '../authz/access.js';
import { ConflictError, NotFoundError } from '../errors.js';
import type { Workspace } from '../model.js';
import type { Store } from '../store.js';
import { LIMITS, optionalText, requiredText } from '../validation.js';
import { defineList } from '../lists.js';

export interface WorkspaceInput {
  name: string;
  description?: string | null;
}

/** The lists of workspaces (domain list queries: the GraphQL layer pages them through its loaders). */
export const WORKSPACE_LISTS = {
  byAccount: defineList<{ only: readonly string[] | null }>(
    'account.workspaces',
    (s, ids, args, f) => s.workspaces.pagesByAccount(ids, args, f.only ?? undefined),
    (s, ids, f) => s.workspaces.countsByAccount(ids, f.only ?? undefined),
  ),
} as const;

export class WorkspaceService {
  constructor(private readonly store: Store) {}

  async createWorkspace(actor: Authorizer, accountId: string, input: WorkspaceInput): Promise<Workspace> {
    await authorizeCreate(actor, 'Workspace', 'Account', { accountId }, 'accountId');
    const name = requiredText('name', input.name);
    const description = optionalText('description', input.description, LIMITS.description);
    return this.store.transaction(async (tx) => {
      if (!(await tx.lockAccount(accountId))) throw new NotFoundError('Account', 'accountId');
      if (await tx.workspaces.findByName(accountId, name)) throw new ConflictError('a workspace with this name already exists in the account', 'name');
      return tx.workspaces.create({ accountId, name, description });
    });
  }

  updateWorkspace(actor: Authorizer, workspaceId: string, patch: Partial<WorkspaceInput>): Promise<Workspace> {
    const name = patch.name === undefined || patch.name === null ? undefined : requiredText('name', patch.name);
    const description = patch.description === undefined ? undefined : optionalText('description', patch.description, LIMITS.description);
    return this.store.transaction(async (tx) => {
      const workspace = await loadFor(tx, actor, 'Workspace', workspaceId, 'manage');
      await tx.lockAccount(workspace.accountId);
      if (name !== undefined && name !== workspace.name && (await tx.workspaces.findByName(workspace.accountId, name))) {
        throw new ConflictError('a workspace with this name already exists in the account', 'name');
      }
      return tx.workspaces.update(workspaceId, { name, description });
    });
  }

  deleteWorkspace(actor: Authorizer, workspaceId: string): Promise<Workspace> {
    return this.store.transaction(async (tx) => {
      const workspace = await loadFor(tx, actor, 'Workspace', workspaceId, 'manage');
      await tx.workspaces.delete(workspaceId);
      return workspace;
    });
  }
}
