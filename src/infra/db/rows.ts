// Small helpers for turning rows into what the repositories promise.
import { LruMap } from '../../domain/lru.js';
import { Prisma, rowMakerFor, type RowMaker } from './client.js';

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

/** What rowsByIdsAcross reads of one table: its columns (column names of the model) and ids. */
export interface TableRead {
  table: string;
  columns: readonly string[];
  ids: readonly string[];
}

const COLUMN_NAME = /^[A-Za-z][A-Za-z0-9]*$/;

/**
 * The rows of several tables by id, in one statement: each table's rows (as rowsByIds would give them, any order),
 * in the order of `reads`, with the columns each names. One UNION ALL term per table, each with every table's columns (NULL for the others'),
 * after a first term that reads none (WHERE 1 = 0) and names every column from its table, so that each column
 * keeps its table's type (a compound's columns take their declared types from its first term on SQLite; on
 * PostgreSQL the NULLs take the first term's types) and decodes as it does alone. (FULL JOIN ... ON 1 = 0 does
 * the same in one term, but SQLite ran it 7x slower than the two reads.) One table, or none, is read as
 * rowsByIds reads it.
 */
export async function rowsByIdsAcross(db: Pick<Prisma.TransactionClient, '$queryRaw'>, reads: readonly TableRead[]): Promise<Record<string, unknown>[][]> {
  const wanted = reads.flatMap((read, index) => (read.ids.length > 0 ? [index] : []));
  if (wanted.length <= 1) return Promise.all(reads.map((read) => (read.ids.length === 0 ? [] : rowsByIds<Record<string, unknown>>(db, checked(read).table, Prisma.raw(read.columns.map((column) => `"${column}"`).join(', ')), read.ids))));
  const shape = shapeOf(reads, wanted);
  const rows = await db.$queryRaw<Record<string, unknown>[]>(new FixedSql(shape.texts, shape.strings, wanted.flatMap((i) => reads[i]!.ids)));
  const result = reads.map((): Record<string, unknown>[] => []);
  for (const row of rows) {
    const n = shape.ids.findIndex((id) => row[id] !== null && row[id] !== undefined);
    if (n < 0) continue;
    const { aliases, make } = shape.columns[n]!;
    result[wanted[n]!]!.push(make(aliases.map((alias) => row[alias])));
  }
  return result;
}

/**
 * A statement whose text was built once. Prisma.Sql joins its strings again at every read of `sql` or `text`, and
 * each cache the new string is then looked up in (prepared statements, result columns, the statement counter)
 * hashes it again: about 4 us for one decision's 1.6 KB statement. This one's text is the same string every time.
 */
class FixedSql extends Prisma.Sql {
  constructor(
    private readonly texts: { sql: string; text: string },
    strings: readonly string[],
    values: readonly unknown[],
  ) {
    super(strings, values);
  }

  override get sql(): string {
    return this.texts.sql;
  }

  override get text(): string {
    return this.texts.text;
  }
}

/** The texts of a statement around `strings` (SQLite's `?` and PostgreSQL's `$n` placeholders), for FixedSql. */
function textsOf(strings: readonly string[]): { sql: string; text: string } {
  const sql = new Prisma.Sql(strings, new Array<null>(strings.length - 1).fill(null));
  return { sql: sql.sql, text: sql.text };
}

/** The read, once its table and column names are checked to be plain names (they are written into the statement). */
function checked(read: TableRead): TableRead {
  if (![read.table, ...read.columns].every((name) => COLUMN_NAME.test(name))) throw new Error(`not a table or column name in ${read.table}`);
  return read;
}

interface Shape {
  /** The statement's text around its values (the ids, table after table). */
  strings: string[];
  texts: { sql: string; text: string };
  /** Per table read: its id column's name in the result. */
  ids: string[];
  /** Per table read: its columns' names in the result, and the maker of its own rows (rowMakerFor). */
  columns: { aliases: string[]; make: RowMaker }[];
}

/** Statements of rowsByIdsAcross by the tables they read and how many ids of each: built once each. */
const shapes = new LruMap<string, Shape>(200);

function shapeOf(reads: readonly TableRead[], wanted: readonly number[]): Shape {
  const key = wanted.map((i) => `${reads[i]!.table}:${reads[i]!.ids.length}`).join(' ');
  let shape = shapes.get(key);
  if (shape) return shape;
  for (const i of wanted) checked(reads[i]!);
  const typed = wanted.flatMap((i) => reads[i]!.columns.map((column) => `t${i}."${column}" AS "${i}.${column}"`)).join(', ');
  const strings = [`SELECT ${typed} FROM ${wanted.map((i) => `"${reads[i]!.table}" t${i}`).join(', ')} WHERE 1 = 0`];
  for (const i of wanted) {
    const columns = wanted.flatMap((j) => reads[j]!.columns.map((column) => (j === i ? `"${column}"` : 'NULL'))).join(', ');
    strings[strings.length - 1] += ` UNION ALL SELECT ${columns} FROM "${reads[i]!.table}" WHERE "id" IN (`;
    for (let v = 1; v < reads[i]!.ids.length; v++) strings.push(', ');
    strings.push(')');
  }
  shape = {
    strings,
    texts: textsOf(strings),
    ids: wanted.map((i) => `${i}.id`),
    columns: wanted.map((i) => ({ aliases: reads[i]!.columns.map((column) => `${i}.${column}`), make: rowMakerFor(reads[i]!.columns) })),
  };
  shapes.set(key, shape);
  return shape;
}
