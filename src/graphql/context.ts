// The per-request context: services, and DataLoaders built fresh for every request so that fields,
// node(id:), nodes(ids:) and federation _entities share one batch per type and never share a cache
// across requests.
import DataLoader from 'dataloader';
import type { Logger } from 'pino';
import type { Account, ApiKey, Group, GroupMember, Invitation, ServiceAccount, ServiceAccountCredential, User, Workspace } from '../domain/model.js';
import type { GrantRecord, Page, PageArgs, RelatedNode, RoleAssignmentRecord, Store, SubjectGrants } from '../domain/store.js';
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
  /** Primes `loader` with an object a page statement read along, and remembers it for `readAlong`. */
  primeRead(loader: RelatedNode['loader'], id: string, node: unknown): void;
  /** The object of `loader` a page statement of this request read along, without waiting; undefined if none. */
  readAlong<T>(loader: RelatedNode['loader'], id: string): T | undefined;
}

/**
 * How each loader is made for a request. Loaders are made on first read and kept for the request (getters on
 * a shared prototype): a request builds only the loaders it uses, a trivial query none.
 */
const MAKERS: { [K in Exclude<keyof Loaders, 'object' | 'list' | 'listCount' | 'primeRead' | 'readAlong'>]: (loaders: RequestLoaders) => Loaders[K] } = {
  account: (l) => l.object('Account'),
  workspace: (l) => l.object('Workspace'),
  user: (l) => l.object('User'),
  group: (l) => l.object('Group'),
  groupMember: (l) => l.object('GroupMember'),
  grant: (l) => l.object('AuthorizationGrant'),
  roleAssignment: (l) => l.object('RoleAssignment'),
  serviceAccount: (l) => l.object('ServiceAccount'),
  serviceAccountCredential: (l) => l.object('ServiceAccountCredential'),
  apiKey: (l) => l.object('ApiKey'),
  invitation: (l) => l.object('Invitation'),
  actor: ({ store }) =>
    new DataLoader(async (ids) => {
      const [users, serviceAccounts, apiKeys] = await Promise.all([store.users.byIds(ids), store.serviceAccounts.byIds(ids), store.apiKeys.byIds(ids)]);
      return ids.map((_, i): Actor | null => {
        if (users[i]) return { kind: 'User', value: users[i]! };
        if (serviceAccounts[i]) return { kind: 'ServiceAccount', value: serviceAccounts[i]! };
        return apiKeys[i] ? { kind: 'ApiKey', value: apiKeys[i]! } : null;
      });
    }),
  groupParent: ({ store }) =>
    new DataLoader(async (ids) => {
      const parents = await store.groups.parents(ids);
      return ids.map((id) => parents.get(id) ?? null);
    }),
  heldBy: ({ store }) =>
    new DataLoader(async (ids) => {
      const held = await store.grants.heldBy(ids);
      return ids.map((id) => held.get(id)!);
    }),
  accountsOfUser: ({ store }) =>
    new DataLoader(async (ids) => {
      const accounts = await store.users.accountsOf(ids);
      return ids.map((id) => accounts.get(id) ?? []);
    }),
  groupPath: ({ store }) =>
    new DataLoader(async (ids) => {
      const paths = await store.groups.ancestorPaths(ids);
      return ids.map((id) => paths.get(id) ?? []);
    }),
  zones: (l) => createZoneLoaders(l.store, (kind) => l.object(kind)),
};

class RequestLoaders implements Pick<Loaders, 'object' | 'list' | 'listCount' | 'primeRead' | 'readAlong'> {
  private readonly keyed = new Map<string, DataLoader<string, unknown>>();
  private readonly along = new Map<string, Map<string, unknown>>();
  private readonly objects = new Map<ObjectKind, DataLoader<string, unknown>>();
  constructor(readonly store: Store) {}

  private memo<V>(key: string, make: () => DataLoader<string, V>): DataLoader<string, V> {
    let loader = this.keyed.get(key) as DataLoader<string, V> | undefined;
    if (!loader) {
      loader = make();
      this.keyed.set(key, loader as DataLoader<string, unknown>);
    }
    return loader;
  }

  object<K extends ObjectKind>(kind: K): DataLoader<string, Objects[K] | null> {
    let loader = this.objects.get(kind) as DataLoader<string, Objects[K] | null> | undefined;
    if (!loader) {
      const fetch = ACCESS[kind].fetch as (store: Store, ids: readonly string[]) => Promise<(Objects[K] | null)[]>;
      loader = new DataLoader<string, Objects[K] | null>((ids) => fetch(this.store, ids));
      this.objects.set(kind, loader as DataLoader<string, unknown>);
    }
    return loader;
  }

  primeRead(loader: RelatedNode['loader'], id: string, node: unknown): void {
    (this as unknown as Loaders)[loader].prime(id, node as never);
    let read = this.along.get(loader);
    if (!read) this.along.set(loader, (read = new Map()));
    if (!read.has(id)) read.set(id, node);
  }

  readAlong<T>(loader: RelatedNode['loader'], id: string): T | undefined {
    return this.along.get(loader)?.get(id) as T | undefined;
  }

  list<F>(query: ListQuery<F>, args: PageArgs, filter: F): DataLoader<string, Page> {
    return this.memo(`page ${listKey(query, filter, args)}`, () =>
      new DataLoader<string, Page>(async (parentIds) => {
        const pages = await query.pages(this.store, parentIds, args, filter);
        return parentIds.map((id) => pages.get(id) ?? { edges: [], hasNextPage: false, hasPreviousPage: false });
      }),
    );
  }

  listCount<F>(query: ListQuery<F>, filter: F): DataLoader<string, number> {
    return this.memo(`count ${listKey(query, filter)}`, () =>
      new DataLoader<string, number>(async (parentIds) => {
        const counts = await query.counts(this.store, parentIds, filter);
        return parentIds.map((id) => counts.get(id) ?? 0);
      }),
    );
  }
}

for (const key of Object.keys(MAKERS) as (keyof typeof MAKERS)[]) {
  Object.defineProperty(RequestLoaders.prototype, key, {
    configurable: true,
    get(this: RequestLoaders) {
      const value = MAKERS[key](this);
      Object.defineProperty(this, key, { value, enumerable: true, writable: true, configurable: true });
      return value;
    },
  });
}

export function createLoaders(store: Store): Loaders {
  return new RequestLoaders(store) as unknown as Loaders;
}
