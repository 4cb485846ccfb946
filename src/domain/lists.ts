// The list queries of the domain: every list the graph serves under a parent (an account's users, a zone's
// secrets, ...), as a typed query over the Store. A list is fetched for many parents at once (one page
// statement, one count statement), with one typed filter object; whatever batches or caches a list keys it
// by that same filter object (`listKey`), so a page fetched for one filter can never answer another.
import type { GrantFilter, InvitationFilter, PageArgs, Pages, RoleAssignmentFilter, Store } from './store.js';
import type { ListFilter, ZoneStore } from './zone/store.js';

export interface ListQuery<F> {
  /** Names the list in keys and logs. */
  readonly name: string;
  pages(store: Store, parentIds: readonly string[], args: PageArgs, filter: F): Promise<Pages>;
  counts(store: Store, parentIds: readonly string[], filter: F): Promise<Map<string, number>>;
}

function list<F>(name: string, pages: ListQuery<F>['pages'], counts: ListQuery<F>['counts']): ListQuery<F> {
  return { name, pages, counts };
}

/** A stable text for a filter or page-arguments object: key order does not matter, every value does. */
export function stableKey(value: unknown): string {
  if (value === undefined) return 'u';
  if (value === null || typeof value !== 'object') return JSON.stringify(value);
  if (value instanceof Date) return `d${value.toISOString()}`;
  if (Array.isArray(value)) return `[${value.map(stableKey).join(',')}]`;
  const entries = Object.entries(value as Record<string, unknown>)
    .filter(([, v]) => v !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${stableKey(v)}`).join(',')}}`;
}

/** The key of a list's pages (with `args`) or counts (without) for a filter. */
export function listKey<F>(query: ListQuery<F>, filter: F, args?: PageArgs): string {
  return `${query.name} ${stableKey(filter)}${args === undefined ? '' : ` ${stableKey(args)}`}`;
}

type Search = { search: string | null };
type None = Record<string, never>;

export const LISTS = {
  accountWorkspaces: list<{ only: readonly string[] | null }>(
    'account.workspaces',
    (s, ids, args, f) => s.workspaces.pagesByAccount(ids, args, f.only ?? undefined),
    (s, ids, f) => s.workspaces.countsByAccount(ids, f.only ?? undefined),
  ),
  accountUsers: list<Search>('account.users', (s, ids, args, f) => s.users.pagesByAccount(ids, args, f.search), (s, ids, f) => s.users.countsByAccount(ids, f.search)),
  accountGroups: list<Search>('account.groups', (s, ids, args, f) => s.groups.pagesByAccount(ids, args, f.search), (s, ids, f) => s.groups.countsByAccount(ids, f.search)),
  groupMembers: list<Search>('group.members', (s, ids, args, f) => s.groups.memberPages(ids, args, f.search), (s, ids, f) => s.groups.memberCounts(ids, f.search)),
  groupSubgroups: list<None>('group.subgroups', (s, ids, args) => s.groups.subgroupPages(ids, args), (s, ids) => s.groups.subgroupCounts(ids)),
  accountGrants: list<GrantFilter>('account.grants', (s, ids, args, f) => s.grants.pages(ids, args, f), (s, ids, f) => s.grants.counts(ids, f)),
  accountRoleAssignments: list<RoleAssignmentFilter>('account.roleAssignments', (s, ids, args, f) => s.roleAssignments.pages(ids, args, f), (s, ids, f) => s.roleAssignments.counts(ids, f)),
  accountServiceAccounts: list<{ includeRevoked: boolean }>(
    'account.serviceAccounts',
    (s, ids, args, f) => s.serviceAccounts.pagesByAccount(ids, args, f.includeRevoked),
    (s, ids, f) => s.serviceAccounts.countsByAccount(ids, f.includeRevoked),
  ),
  serviceAccountCredentials: list<None>('serviceAccount.credentials', (s, ids, args) => s.serviceAccounts.credentialPages(ids, args), (s, ids) => s.serviceAccounts.credentialCounts(ids)),
  accountApiKeys: list<Search>('account.apiKeys', (s, ids, args, f) => s.apiKeys.pagesByAccount(ids, args, f.search), (s, ids, f) => s.apiKeys.countsByAccount(ids, f.search)),
  apiKeyWorkspaces: list<None>('apiKey.workspaces', (s, ids, args) => s.apiKeys.workspacePages(ids, args), (s, ids) => s.apiKeys.workspaceCounts(ids)),
  accountInvitations: list<InvitationFilter>('account.invitations', (s, ids, args, f) => s.invitations.pagesByAccount(ids, args, f), (s, ids, f) => s.invitations.countsByAccount(ids, f)),
} as const;

/** The tables of the zones graph that lists are served from. */
export type ZoneListTable = {
  [K in keyof ZoneStore]: ZoneStore[K] extends { pages(parent: string, parentIds: readonly string[], args: PageArgs, filter?: ListFilter): Promise<Pages> } ? K : never;
}[keyof ZoneStore];

const zoneLists = new Map<string, ListQuery<ListFilter>>();

/** The objects of a zones-graph table under their `parent` column (zoneId, applicationId, ...), filtered. */
export function zoneTableList(table: ZoneListTable, parent: string): ListQuery<ListFilter> {
  const name = `${table}.${parent}`;
  let query = zoneLists.get(name);
  if (!query) {
    query = list<ListFilter>(
      name,
      (s, ids, args, f) => s.zones[table].pages(parent, ids, args, f),
      (s, ids, f) => s.zones[table].counts(parent, ids, f),
    );
    zoneLists.set(name, query);
  }
  return query;
}
