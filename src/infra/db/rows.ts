// Small helpers for turning rows into what the repositories promise.
import { Prisma } from './client.js';

/** Rows for `ids`, in the order of `ids`, null where absent: the contract of a DataLoader batch. */
export function inOrder<T extends { id: string }, R>(ids: readonly string[], rows: T[], map: (row: T) => R): (R | null)[] {
  const byId = new Map(rows.map((row) => [row.id, row]));
  return ids.map((id) => {
    const row = byId.get(id);
    return row ? map(row) : null;
  });
}

/**
 * The rows of `table` with these ids (one statement, any order), as a raw read: the loaders' hottest reads skip
 * the client's query layers when the store reads through DbHandle.reader.
 */
export function rowsByIds<T>(db: Pick<Prisma.TransactionClient, '$queryRaw'>, table: string, columns: Prisma.Sql, ids: readonly string[], alias = table): Promise<T[]> {
  if (ids.length === 0) return Promise.resolve([]);
  return db.$queryRaw<T[]>`SELECT ${columns} FROM ${Prisma.raw(`"${table}" ${alias === table ? '' : alias}`)} WHERE ${Prisma.raw(`"${alias}"."id"`)} IN (${Prisma.join(ids)})`;
}
