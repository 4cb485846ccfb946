// List queries of the domain: every list the graph serves under a parent (an account's users, a zone's
// secrets, ...) is a typed query over the Store, defined next to its kind's service (the zones graph's
// tables share one definition, zoneTableList). A list is fetched for many parents at once (one page
// statement, one count statement), with one typed filter object; whatever batches or caches a list keys it
// by that same filter object (`listKey`), so a page fetched for one filter can never answer another.
import type { PageArgs, Pages, Store } from './store.js';
import type { Column, ListFilter, ZoneStore, ZoneTable } from './zone/store.js';

export interface ListQuery<F> {
  /** Names the list in keys and logs. */
  readonly name: string;
  pages(store: Store, parentIds: readonly string[], args: PageArgs, filter: F): Promise<Pages>;
  counts(store: Store, parentIds: readonly string[], filter: F): Promise<Map<string, number>>;
}

/** A list query: its name (for keys and logs), its pages and its counts over the Store. */
export function defineList<F>(name: string, pages: ListQuery<F>['pages'], counts: ListQuery<F>['counts']): ListQuery<F> {
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

/** The filter of lists searched by one text (null: no filter). */
export type Search = { search: string | null };
/** The filter of lists that take none. */
export type NoFilter = Record<string, never>;

/** The tables of the zones graph that lists are served from. */
export type ZoneListTable = { [K in keyof ZoneStore]: ZoneStore[K] extends ZoneTable<infer _T, infer _N> ? K : never }[keyof ZoneStore];

/** The object a zones-graph table holds. */
export type ZoneRow<K extends ZoneListTable> = ZoneStore[K] extends ZoneTable<infer T, infer _N> ? T : never;

const zoneLists = new Map<string, ListQuery<never>>();

/** The objects of a zones-graph table under their `parent` column (zoneId, applicationId, ...), filtered. */
export function zoneTableList<K extends ZoneListTable>(table: K, parent: Column<ZoneRow<K>>): ListQuery<ListFilter<ZoneRow<K>>> {
  const name = `${table}.${parent}`;
  let query = zoneLists.get(name) as ListQuery<ListFilter<ZoneRow<K>>> | undefined;
  if (!query) {
    const of = (s: Store) => s.zones[table] as unknown as ZoneTable<ZoneRow<K>, never>;
    query = defineList<ListFilter<ZoneRow<K>>>(
      name,
      (s, ids, args, f) => of(s).pages(parent, ids, args, f),
      (s, ids, f) => of(s).counts(parent, ids, f),
    );
    zoneLists.set(name, query as ListQuery<never>);
  }
  return query;
}
