// Keyset pages for many parents in one statement: ROW_NUMBER() OVER (PARTITION BY parent ORDER BY key)
// keeps the first `limit + 1` rows of every parent, whatever the number of parents or the page size.
// Works unchanged on SQLite (3.25+) and PostgreSQL. Keys are ULIDs, so key order is creation order.
import type { DatabaseProvider } from '../../config.js';
import type { Page, PageArgs, Pages, RelatedNode } from '../../domain/store.js';
import { Prisma, type Db } from './client.js';

/**
 * SQLite: ` INDEXED BY "index"`, pinning a table of a hot statement to the index it must be read through.
 * SQLite plans from the statistics ANALYZE (or `PRAGMA optimize`) last stored, and statistics taken while a
 * table was small (say one user, at bootstrap) make it scan that table inside a join once it holds thousands
 * of rows. PostgreSQL keeps its statistics current by itself (autovacuum) and needs no hint.
 */
export function indexedBy(provider: DatabaseProvider, index: string): Prisma.Sql {
  return provider === 'sqlite' ? Prisma.raw(` INDEXED BY "${index}"`) : Prisma.empty;
}

type Tx = Pick<Db, '$queryRaw'>;

export interface PageSpec {
  /** FROM clause, with joins. */
  from: Prisma.Sql;
  /** The parent column (partition). */
  parent: Prisma.Sql;
  /** The ordering key, also the cursor: unique within a parent. */
  key: Prisma.Sql;
  /** The id of the node each row stands for (often the key itself). */
  node: Prisma.Sql;
  /** Extra filter, ANDed. */
  where?: Prisma.Sql;
  /**
   * The node's own row, when the page can read it along (e.g. g.*, without columns named p, k, n, t or rn),
   * and how to turn it into the domain object: the page then carries each node, and the request's loader is
   * primed with it instead of reading it again (one statement less per level).
   */
  row?: {
    columns: Prisma.Sql;
    /**
     * Columns of other tables read along, joined after the window so that only the kept rows are joined
     * (`join` refers to the windowed row as s, e.g. `LEFT JOIN "User" u ON u."id" = s."userId"`).
     */
    joined?: { columns: Prisma.Sql; join: Prisma.Sql };
    toNode: (row: Record<string, unknown>) => unknown;
    related?: (row: Record<string, unknown>) => RelatedNode[] | undefined;
  };
}

export const DEFAULT_PAGE_SIZE = 20;

export async function pagesByParent(db: Tx, spec: PageSpec, parentIds: readonly string[], args: PageArgs): Promise<Pages> {
  const result: Pages = new Map(parentIds.map((id) => [id, { edges: [], hasNextPage: false, hasPreviousPage: false }]));
  if (parentIds.length === 0) return result;
  const backward = args.last !== undefined;
  const limit = (backward ? args.last : args.first) ?? DEFAULT_PAGE_SIZE;
  const conditions: Prisma.Sql[] = [Prisma.sql`${spec.parent} IN (${Prisma.join(parentIds)})`];
  if (args.after !== undefined) conditions.push(Prisma.sql`${spec.key} > ${args.after}`);
  if (args.before !== undefined) conditions.push(Prisma.sql`${spec.key} < ${args.before}`);
  if (spec.where) conditions.push(spec.where);
  const direction = backward ? Prisma.raw('DESC') : Prisma.raw('ASC');
  // Without a cursor the page's conditions are the count's: the same statement counts each parent's list
  // (a window over the rows it reads anyway), so a connection asking for totalCount needs no second statement.
  const counted = args.after === undefined && args.before === undefined;
  const rows = await db.$queryRaw<{ p: string; k: string; n: string; t: number | bigint }[]>`
    SELECT ${spec.row ? Prisma.sql`s.*` : Prisma.sql`s."p", s."k", s."n", s."t"`}${spec.row?.joined ? Prisma.sql`, ${spec.row.joined.columns}` : Prisma.empty} FROM (
      SELECT ${spec.parent} AS "p", ${spec.key} AS "k", ${spec.node} AS "n",${spec.row ? Prisma.sql` ${spec.row.columns},` : Prisma.empty}
             ROW_NUMBER() OVER (PARTITION BY ${spec.parent} ORDER BY ${spec.key} ${direction}) AS "rn",
             COUNT(*) OVER (PARTITION BY ${spec.parent}) AS "t"
      FROM ${spec.from}
      WHERE ${Prisma.join(conditions, ' AND ')}
    ) s${spec.row?.joined ? Prisma.sql` ${spec.row.joined.join}` : Prisma.empty}
    WHERE s."rn" <= ${limit + 1}
    ORDER BY s."p", s."rn"`;
  if (counted) for (const page of result.values()) page.totalCount = 0;
  const toNode = spec.row?.toNode ?? ((row: Record<string, unknown>) => row);
  const relatedOf = spec.row?.related;
  const withNode = (cursor: string, id: string, row: Record<string, unknown>): Page['edges'][number] => {
    const related = relatedOf?.(row);
    return related ? { cursor, id, node: toNode(row), related } : { cursor, id, node: toNode(row) };
  };
  const grouped = new Map<string, { k: string; n: string; t: number | bigint }[]>();
  for (const row of rows) {
    const list = grouped.get(row.p) ?? [];
    list.push(row);
    grouped.set(row.p, list);
  }
  for (const [parent, list] of grouped) {
    const more = list.length > limit;
    const kept = list.slice(0, limit);
    if (backward) kept.reverse();
    result.set(parent, {
      edges: spec.row ? kept.map((r) => withNode(r.k, r.n, r as unknown as Record<string, unknown>)) : kept.map((r) => ({ cursor: r.k, id: r.n })),
      hasNextPage: backward ? args.before !== undefined : more,
      hasPreviousPage: backward ? more : args.after !== undefined,
      ...(counted ? { totalCount: Number(list[0]!.t) } : {}),
    });
  }
  return result;
}

/** Counts per parent in one statement (GROUP BY), zero for parents without rows. */
export async function countsByParent(db: Tx, spec: Omit<PageSpec, 'key' | 'node'>, parentIds: readonly string[]): Promise<Map<string, number>> {
  const counts = new Map(parentIds.map((id) => [id, 0]));
  if (parentIds.length === 0) return counts;
  const conditions: Prisma.Sql[] = [Prisma.sql`${spec.parent} IN (${Prisma.join(parentIds)})`];
  if (spec.where) conditions.push(spec.where);
  const rows = await db.$queryRaw<{ p: string; c: number | bigint }[]>`
    SELECT ${spec.parent} AS "p", COUNT(*) AS "c" FROM ${spec.from} WHERE ${Prisma.join(conditions, ' AND ')} GROUP BY ${spec.parent}`;
  for (const row of rows) counts.set(row.p, Number(row.c));
  return counts;
}

/** A LIKE pattern matching `term` anywhere, with LIKE's wildcards escaped (use with ESCAPE '\'). */
export function containsPattern(term: string): string {
  return `%${term.toLowerCase().replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
}

export function searchCondition(column: Prisma.Sql, term: string | null): Prisma.Sql | undefined {
  if (term === null) return undefined;
  return Prisma.sql`${column} LIKE ${containsPattern(term)} ESCAPE '\\'`;
}
