// The per-request context: services, and DataLoaders built fresh for every request so that fields,
// node(id:), nodes(ids:) and federation _entities share one batch per type and never share a cache
// across requests.
import DataLoader from 'dataloader';
import type { Logger } from 'pino';
import type { Account, ApiKey, Group, GroupMember, Invitation, ServiceAccount, ServiceAccountCredential, User, Workspace } from '../domain/model.js';
import type { GrantRecord, Page, PageArgs, RoleAssignmentRecord, Store, SubjectGrants } from '../domain/store.js';
import type { Services } from '../domain/services.js';
import type { Authorizer } from '../domain/authz/authorizer.js';
import { createZoneLoaders, type ZoneLoaders } from './zone-loaders.js';

export interface Context {
  /** The caller's authorization: who it is, and what it may do (one snapshot per request). */
  authz: Authorizer;
  store: Store;
  services: Services;
  loaders: Loaders;
  log: Logger;
}

export type Actor = { kind: 'User'; value: User } | { kind: 'ServiceAccount'; value: ServiceAccount } | { kind: 'ApiKey'; value: ApiKey };

export interface Loaders {
  account: DataLoader<string, Account | null>;
  workspace: DataLoader<string, Workspace | null>;
  user: DataLoader<string, User | null>;
  group: DataLoader<string, Group | null>;
  groupMember: DataLoader<string, GroupMember | null>;
  grant: DataLoader<string, GrantRecord | null>;
  roleAssignment: DataLoader<string, RoleAssignmentRecord | null>;
  serviceAccount: DataLoader<string, ServiceAccount | null>;
  serviceAccountCredential: DataLoader<string, ServiceAccountCredential | null>;
  apiKey: DataLoader<string, ApiKey | null>;
  invitation: DataLoader<string, Invitation | null>;
  /** Whoever an id names among users, service accounts and API keys (createdBy fields): one batch, three statements. */
  actor: DataLoader<string, Actor | null>;
  groupParent: DataLoader<string, string | null>;
  groupPath: DataLoader<string, Group[]>;
  /** Active grants of users or groups (directly or through groups): one statement per batch. */
  heldBy: DataLoader<string, SubjectGrants>;
  /** Accounts of users (a user is visible through the accounts it belongs to). */
  accountsOfUser: DataLoader<string, string[]>;
  /** A batched page of `kind` for one parent; parents asking with equal arguments share one statement. */
  page(kind: string, args: PageArgs & { search?: string | null }, fetch: (parentIds: readonly string[]) => Promise<Map<string, Page>>): DataLoader<string, Page>;
  /** A batched count of `kind` for one parent. */
  count(kind: string, search: string | null, fetch: (parentIds: readonly string[]) => Promise<Map<string, number>>): DataLoader<string, number>;
  /** The zones graph's loaders. */
  zones: ZoneLoaders;
}

function byIds<T>(fetch: (ids: readonly string[]) => Promise<(T | null)[]>): DataLoader<string, T | null> {
  return new DataLoader(fetch);
}

/**
 * How each loader is made, from the store and the request's keyed loaders (pages and counts). Loaders are made on
 * first read and kept for the request (getters on a shared prototype): a request builds only the loaders it uses,
 * a trivial query none of the thirty or so.
 */
type Keyed = <V>(key: string, make: () => DataLoader<string, V>) => DataLoader<string, V>;
const MAKERS: { [K in keyof Loaders]: (store: Store, memo: Keyed) => Loaders[K] } = {
  account: (store) => byIds((ids) => store.accounts.byIds(ids)),
  workspace: (store) => byIds((ids) => store.workspaces.byIds(ids)),
  user: (store) => byIds((ids) => store.users.byIds(ids)),
  group: (store) => byIds((ids) => store.groups.byIds(ids)),
  groupMember: (store) => byIds((ids) => store.groups.memberByIds(ids)),
  grant: (store) => byIds((ids) => store.grants.byIds(ids)),
  roleAssignment: (store) => byIds((ids) => store.roleAssignments.byIds(ids)),
  serviceAccount: (store) => byIds((ids) => store.serviceAccounts.byIds(ids)),
  serviceAccountCredential: (store) => byIds((ids) => store.serviceAccounts.credentialByIds(ids)),
  apiKey: (store) => byIds((ids) => store.apiKeys.byIds(ids)),
  invitation: (store) => byIds((ids) => store.invitations.byIds(ids)),
  actor: (store) => new DataLoader(async (ids) => {
    const [users, serviceAccounts, apiKeys] = await Promise.all([store.users.byIds(ids), store.serviceAccounts.byIds(ids), store.apiKeys.byIds(ids)]);
    return ids.map((_, i): Actor | null => {
      if (users[i]) return { kind: 'User', value: users[i]! };
      if (serviceAccounts[i]) return { kind: 'ServiceAccount', value: serviceAccounts[i]! };
      return apiKeys[i] ? { kind: 'ApiKey', value: apiKeys[i]! } : null;
    });
  }),
  groupParent: (store) => new DataLoader(async (ids) => {
    const parents = await store.groups.parents(ids);
    return ids.map((id) => parents.get(id) ?? null);
  }),
  heldBy: (store) => new DataLoader(async (ids) => {
    const held = await store.grants.heldBy(ids);
    return ids.map((id) => held.get(id)!);
  }),
  accountsOfUser: (store) => new DataLoader(async (ids) => {
    const accounts = await store.users.accountsOf(ids);
    return ids.map((id) => accounts.get(id) ?? []);
  }),
  groupPath: (store) => new DataLoader(async (ids) => {
    const paths = await store.groups.ancestorPaths(ids);
    return ids.map((id) => paths.get(id) ?? []);
  }),
  page: (_store, memo) => (kind, args, fetch) =>
    memo(`page:${kind}:${JSON.stringify(args)}`, () =>
      new DataLoader<string, Page>(async (parentIds) => {
        const pages = await fetch(parentIds);
        return parentIds.map((id) => pages.get(id) ?? { edges: [], hasNextPage: false, hasPreviousPage: false });
      }),
    ),
  count: (_store, memo) => (kind, search, fetch) =>
    memo(`count:${kind}:${search ?? ''}`, () =>
      new DataLoader<string, number>(async (parentIds) => {
        const counts = await fetch(parentIds);
        return parentIds.map((id) => counts.get(id) ?? 0);
      }),
    ),
  zones: (store) => createZoneLoaders(store),
};

class RequestLoaders {
  private readonly keyed = new Map<string, DataLoader<string, unknown>>();
  constructor(readonly store: Store) {}
  memo<V>(key: string, make: () => DataLoader<string, V>): DataLoader<string, V> {
    let loader = this.keyed.get(key) as DataLoader<string, V> | undefined;
    if (!loader) {
      loader = make();
      this.keyed.set(key, loader as DataLoader<string, unknown>);
    }
    return loader;
  }
}

for (const key of Object.keys(MAKERS) as (keyof Loaders)[]) {
  Object.defineProperty(RequestLoaders.prototype, key, {
    configurable: true,
    get(this: RequestLoaders) {
      const value = MAKERS[key](this.store, (k, make) => this.memo(k, make));
      Object.defineProperty(this, key, { value, enumerable: true, writable: true, configurable: true });
      return value;
    },
  });
}

export function createLoaders(store: Store): Loaders {
  return new RequestLoaders(store) as unknown as Loaders;
}
