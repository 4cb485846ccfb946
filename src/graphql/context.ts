// The per-request context: services, and DataLoaders built fresh for every request so that fields,
// node(id:), nodes(ids:) and federation _entities share one batch per type and never share a cache
// across requests.
import DataLoader from 'dataloader';
import type { Logger } from 'pino';
import type { Account, ApiKey, Group, GroupMember, Invitation, ServiceAccount, ServiceAccountCredential, User, Workspace } from '../domain/model.js';
import type { GrantRecord, Page, PageArgs, RoleAssignmentRecord, Store, SubjectGrants } from '../domain/store.js';
import type { Services } from '../domain/services.js';
import { listKey, type ListQuery } from '../domain/lists.js';
import type { Authorizer } from '../domain/authz/authorizer.js';
import { ACCESS, type ObjectKind, type Objects } from '../domain/authz/access.js';
import { createZoneLoaders, type ZoneLoaders } from './zone-loaders.js';

export interface Context {
  /** The caller's authorization: who it is, and what it may do (one snapshot per request). */
  authz: Authorizer;
  services: Services;
  loaders: Loaders;
  log: Logger;
}

export type Actor = { kind: 'User'; value: User } | { kind: 'ServiceAccount'; value: ServiceAccount } | { kind: 'ApiKey'; value: ApiKey };

export interface Loaders {
  /** The loader of each kind of the access table (the named loaders below are the same instances). */
  object<K extends ObjectKind>(kind: K): DataLoader<string, Objects[K] | null>;
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
  /**
   * A batched page of a domain list for one parent: parents asking with equal arguments and filter share
   * one statement. Keyed by the list, the arguments and the filter object the list query receives.
   */
  list<F>(query: ListQuery<F>, args: PageArgs, filter: F): DataLoader<string, Page>;
  /** A batched count of a domain list for one parent, keyed by the list and its filter. */
  listCount<F>(query: ListQuery<F>, filter: F): DataLoader<string, number>;
  /** The zones graph's loaders. */
  zones: ZoneLoaders;
}

export function createLoaders(store: Store): Loaders {
  const keyed = new Map<string, DataLoader<string, unknown>>();
  function memo<V>(key: string, make: () => DataLoader<string, V>): DataLoader<string, V> {
    let loader = keyed.get(key) as DataLoader<string, V> | undefined;
    if (!loader) {
      loader = make();
      keyed.set(key, loader as DataLoader<string, unknown>);
    }
    return loader;
  }
  const objects = new Map<ObjectKind, DataLoader<string, unknown>>();
  function object<K extends ObjectKind>(kind: K): DataLoader<string, Objects[K] | null> {
    let loader = objects.get(kind) as DataLoader<string, Objects[K] | null> | undefined;
    if (!loader) {
      const fetch = ACCESS[kind].fetch as (store: Store, ids: readonly string[]) => Promise<(Objects[K] | null)[]>;
      loader = new DataLoader<string, Objects[K] | null>((ids) => fetch(store, ids));
      objects.set(kind, loader as DataLoader<string, unknown>);
    }
    return loader;
  }
  return {
    object,
    account: object('Account'),
    workspace: object('Workspace'),
    user: object('User'),
    group: object('Group'),
    groupMember: object('GroupMember'),
    grant: object('AuthorizationGrant'),
    roleAssignment: object('RoleAssignment'),
    serviceAccount: object('ServiceAccount'),
    serviceAccountCredential: object('ServiceAccountCredential'),
    apiKey: object('ApiKey'),
    invitation: object('Invitation'),
    actor: new DataLoader(async (ids) => {
      const [users, serviceAccounts, apiKeys] = await Promise.all([store.users.byIds(ids), store.serviceAccounts.byIds(ids), store.apiKeys.byIds(ids)]);
      return ids.map((_, i): Actor | null => {
        if (users[i]) return { kind: 'User', value: users[i]! };
        if (serviceAccounts[i]) return { kind: 'ServiceAccount', value: serviceAccounts[i]! };
        return apiKeys[i] ? { kind: 'ApiKey', value: apiKeys[i]! } : null;
      });
    }),
    groupParent: new DataLoader(async (ids) => {
      const parents = await store.groups.parents(ids);
      return ids.map((id) => parents.get(id) ?? null);
    }),
    heldBy: new DataLoader(async (ids) => {
      const held = await store.grants.heldBy(ids);
      return ids.map((id) => held.get(id)!);
    }),
    accountsOfUser: new DataLoader(async (ids) => {
      const accounts = await store.users.accountsOf(ids);
      return ids.map((id) => accounts.get(id) ?? []);
    }),
    groupPath: new DataLoader(async (ids) => {
      const paths = await store.groups.ancestorPaths(ids);
      return ids.map((id) => paths.get(id) ?? []);
    }),
    list: (query, args, filter) =>
      memo(`page ${listKey(query, filter, args)}`, () =>
        new DataLoader<string, Page>(async (parentIds) => {
          const pages = await query.pages(store, parentIds, args, filter);
          return parentIds.map((id) => pages.get(id) ?? { edges: [], hasNextPage: false, hasPreviousPage: false });
        }),
      ),
    listCount: (query, filter) =>
      memo(`count ${listKey(query, filter)}`, () =>
        new DataLoader<string, number>(async (parentIds) => {
          const counts = await query.counts(store, parentIds, filter);
          return parentIds.map((id) => counts.get(id) ?? 0);
        }),
      ),
    zones: createZoneLoaders(store, object),
  };
}
