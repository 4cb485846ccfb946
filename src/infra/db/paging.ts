// Keyset pages for many parents in one statement. Keys are ULIDs, so key order is creation order.
// - SQLite, up to PER_PARENT_MAX parents: one `ORDER BY key LIMIT limit + 1` per parent, joined by UNION ALL,
//   each read through the (parent, key) index and stopping at its page; the count, when wanted, is a
//   COUNT(*) of the parent's index entries. The nested bench query's member pages: 4.6 -> about 3 ms for 20 x 51
//   rows, and a parent with 100k children no longer reads them all for one page.
// - Otherwise (PostgreSQL, or many parents): ROW_NUMBER() OVER (PARTITION BY parent ORDER BY key) keeps the
//   first `limit + 1` rows of every parent, and COUNT(*) OVER the same partition counts them.
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
   * primed with it instead of reading it again (one statement less per level). The row toNode gets also
   * holds p (the parent) and k (the key), which it may use instead of reading the same columns twice.
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

/** SQLite: the most parents read with a LIMIT each (a compound SELECT has at most 500 terms; more use the window). */
export const PER_PARENT_MAX = 100;

export async function pagesByParent(db: Tx, spec: PageSpec, parentIds: readonly string[], args: PageArgs, provider: DatabaseProvider): Promise<Pages> {
  const result: Pages = new Map(parentIds.map((id) => [id, { edges: [], hasNextPage: false, hasPreviousPage: false }]));
  if (parentIds.length === 0) return result;
  const backward = args.last !== undefined;
  const limit = (backward ? args.last : args.first) ?? DEFAULT_PAGE_SIZE;
  const cursor: Prisma.Sql[] = [];
  if (args.after !== undefined) cursor.push(Prisma.sql`${spec.key} > ${args.after}`);
  if (args.before !== undefined) cursor.push(Prisma.sql`${spec.key} < ${args.before}`);
  const filter = spec.where ? [spec.where] : [];
  const direction = backward ? Prisma.raw('DESC') : Prisma.raw('ASC');
  // Without a cursor the page's conditions are the count's: the same statement counts each parent's list, so a
  // connection asking for totalCount needs no second statement.
  const counted = cursor.length === 0;
  // The node's id is read once when it is the key (as for most lists): n is then k.
  const nodeIsKey = spec.node.sql === spec.key.sql && spec.node.values.length === 0 && spec.key.values.length === 0;
  const columns = Prisma.sql`${spec.parent} AS "p", ${spec.key} AS "k",${nodeIsKey ? Prisma.empty : Prisma.sql` ${spec.node} AS "n",`}${spec.row ? Prisma.sql` ${spec.row.columns},` : Prisma.empty}`;
  const selected = Prisma.sql`${spec.row ? Prisma.sql`s.*` : Prisma.sql`s."p", s."k",${nodeIsKey ? Prisma.empty : Prisma.sql` s."n",`} s."t"`}${spec.row?.joined ? Prisma.sql`, ${spec.row.joined.columns}` : Prisma.empty}`;
  const joined = spec.row?.joined ? Prisma.sql` ${spec.row.joined.join}` : Prisma.empty;
  const perParent = provider === 'sqlite' && parentIds.length <= PER_PARENT_MAX;
  let rows: { p: string; k: string; n?: string; t: number | bigint | null }[];
  if (perParent) {
    const term = (parentId: string) => {
      const own = Prisma.sql`${spec.parent} = ${parentId}`;
      const count = counted ? Prisma.sql`(SELECT COUNT(*) FROM ${spec.from} WHERE ${Prisma.join([own, ...filter], ' AND ')})` : Prisma.sql`NULL`;
      return Prisma.sql`SELECT * FROM (SELECT ${columns} ${count} AS "t" FROM ${spec.from} WHERE ${Prisma.join([own, ...cursor, ...filter], ' AND ')} ORDER BY ${spec.key} ${direction} LIMIT ${limit + 1})`;
    };
    rows = await db.$queryRaw`SELECT ${selected} FROM (${Prisma.join(parentIds.map(term), ' UNION ALL ')}) s${joined}`;
    // Each term is in key order; nothing in SQL promises that the compound and its joins keep it (SQLite does).
    // Checked, and sorted as SQLite orders text (BINARY: by UTF-8 bytes) where it did not.
    inKeyOrder(rows, backward);
  } else {
    rows = await db.$queryRaw`
    SELECT ${selected} FROM (
      SELECT ${columns}
             ROW_NUMBER() OVER (PARTITION BY ${spec.parent} ORDER BY ${spec.key} ${direction}) AS "rn",
             COUNT(*) OVER (PARTITION BY ${spec.parent}) AS "t"
      FROM ${spec.from}
      WHERE ${Prisma.join([Prisma.sql`${spec.parent} IN (${Prisma.join(parentIds)})`, ...cursor, ...filter], ' AND ')}
    ) s${joined}
    WHERE s."rn" <= ${limit + 1}
    ORDER BY s."p", s."rn"`;
  }
  if (counted) for (const page of result.values()) page.totalCount = 0;
  const toNode = spec.row?.toNode ?? ((row: Record<string, unknown>) => row);
  const relatedOf = spec.row?.related;
  const withNode = (cursor: string, id: string, row: Record<string, unknown>): Page['edges'][number] => {
    const related = relatedOf?.(row);
    return related ? { cursor, id, node: toNode(row), related } : { cursor, id, node: toNode(row) };
  };
  const grouped = new Map<string, { k: string; n?: string; t: number | bigint | null }[]>();
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
      edges: spec.row ? kept.map((r) => withNode(r.k, r.n ?? r.k, r as unknown as Record<string, unknown>)) : kept.map((r) => ({ cursor: r.k, id: r.n ?? r.k })),
      hasNextPage: backward ? args.before !== undefined : more,
      hasPreviousPage: backward ? more : args.after !== undefined,
      ...(counted ? { totalCount: Number(list[0]!.t) } : {}),
    });
  }
  return result;
}

/** Compares text as SQLite's BINARY collation does (UTF-8 bytes; UTF-16 code units agree except where both are >= U+D800). */
function binaryOrder(a: string, b: string): number {
  if (a === b) return 0;
  const n = Math.min(a.length, b.length);
  let i = 0;
  while (i < n && a.charCodeAt(i) === b.charCodeAt(i)) i++;
  if (i === n) return a.length - b.length;
  const [x, y] = [a.charCodeAt(i), b.charCodeAt(i)];
  return x >= 0xd800 && y >= 0xd800 ? Buffer.compare(Buffer.from(a), Buffer.from(b)) : x - y;
}

/** Puts each parent's rows in key order (ascending, or descending when `backward`) if they are not already. */
export function inKeyOrder(rows: { p: string; k: string }[], backward: boolean): void {
  const sign = backward ? -1 : 1;
  const last = new Map<string, string>();
  for (const row of rows) {
    const previous = last.get(row.p);
    if (previous !== undefined && sign * binaryOrder(previous, row.k) >= 0) {
      rows.sort((a, b) => binaryOrder(a.p, b.p) || sign * binaryOrder(a.k, b.k));
      return;
    }
    last.set(row.p, row.k);
  }
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
