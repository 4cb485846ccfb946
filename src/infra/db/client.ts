// The Prisma client for the configured database. Both providers' generated clients have the same
// model API (the data model is one file), so the rest of infra is written against the SQLite one's types.
import { PrismaBetterSqlite3 } from '@prisma/adapter-better-sqlite3';
import { PrismaPg } from '@prisma/adapter-pg';
import type { ArgType, ColumnType, SqlDriverAdapter, SqlDriverAdapterFactory, SqlResultSet } from '@prisma/driver-adapter-utils';
import { createHash } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { providerOf, sqlitePath, type DatabaseProvider } from '../../config.js';
import { LruMap } from '../../domain/lru.js';
import { PrismaClient as PostgresClient } from './generated/postgresql/client.js';
import { PrismaClient as SqliteClient } from './generated/sqlite/client.js';

export type Db = SqliteClient;
import { Prisma } from './generated/sqlite/client.js';
export { Prisma };

/** Raw reads: `$queryRaw` as a tagged template or with a Prisma.Sql, answering rows as Prisma's would. */
export type RawReader = Pick<Db, '$queryRaw'>;

export interface DbHandle {
  prisma: Db;
  provider: DatabaseProvider;
  /**
   * Reads outside transactions, straight through the driver adapter Prisma uses (see directReader): the
   * same statements, connections and statement counter, without the client's query-interpreter layers.
   */
  reader: RawReader;
  /**
   * A number that stays the same as long as nothing was written to the database, by this process or any other;
   * undefined where that is not tracked (PostgreSQL, where other instances write unseen; SQLite before the
   * client has connected). See SqliteChangeClock.
   */
  changeMark(): number | undefined;
  /** SQLite: `PRAGMA optimize` (refreshes planner statistics where they are stale or missing); a no-op elsewhere. */
  optimize(): Promise<void>;
  close(): Promise<void>;
}

/** How often a long-lived SQLite connection runs `PRAGMA optimize`, as SQLite recommends (and once at close). */
export const SQLITE_OPTIMIZE_EVERY_MS = 60 * 60 * 1000;

// Prisma splits `IN (...)` lists into chunks of the adapter's bind-value limit, and assumes 999 for
// SQLite; the SQLite built into better-sqlite3 allows 32766, as PostgreSQL does. Saying so keeps a
// batched load one statement however large the batch (the statement-count tests depend on it).
const MAX_BIND_VALUES = 32_766;

/** Prepared statements kept per SQLite connection, by SQL text (least recently used dropped first). */
export const PREPARED_STATEMENT_CACHE = 500;

type Queryable = Pick<SqlDriverAdapter, 'queryRaw' | 'executeRaw'>;

/** Reports every statement an adapter (or one of its transactions) runs, before it runs. */
function counting<Q extends Queryable>(queryable: Q, onStatement: (sql: string) => void): Q {
  const queryRaw = queryable.queryRaw.bind(queryable);
  const executeRaw = queryable.executeRaw.bind(queryable);
  queryable.queryRaw = (query) => {
    onStatement(query.sql);
    return queryRaw(query);
  };
  queryable.executeRaw = (query) => {
    onStatement(query.sql);
    return executeRaw(query);
  };
  return queryable;
}

// The parts of a better-sqlite3 statement that @prisma/adapter-better-sqlite3 7.10 uses:
// `db.prepare(sql).bind(args)`, then `reader`, `columns()`, `raw().all()` or `run()`; `db.prepare(sql).run()`.
interface SqliteStatement {
  readonly reader: boolean;
  /** Whether the statement cannot write (better-sqlite3: sqlite3_stmt_readonly; INSERT ... RETURNING is a reader that writes). */
  readonly readonly: boolean;
  bind(args: unknown[]): SqliteStatement;
  columns(): unknown[];
  raw(toggle?: boolean): SqliteStatement;
  all(...args: unknown[]): unknown[];
  run(...args: unknown[]): unknown;
}
interface SqliteDatabase {
  prepare(sql: string): SqliteStatement;
  exec(sql: string): unknown;
}

/**
 * The adapter prepares every statement anew (`db.prepare(sql).bind(args)`, and a better-sqlite3 statement
 * can be bound only once). This keeps each prepared statement by its SQL text and hands the adapter a view
 * that passes the arguments at each call instead of binding them, so SQLite compiles a statement once per
 * connection. Statements run synchronously, so one statement never serves two calls at once.
 */
export function cachePreparedStatements(db: SqliteDatabase, max = PREPARED_STATEMENT_CACHE, onWrite: () => void = () => {}): (sql: string) => SqliteStatement {
  const prepare = db.prepare.bind(db);
  const exec = db.exec.bind(db);
  const cache = new LruMap<string, SqliteStatement>(max);
  // Every statement that can write (INSERT ... RETURNING included) and every statement run for no rows (BEGIN,
  // COMMIT, ROLLBACK among them) is reported to onWrite before it runs.
  const writing = (statement: SqliteStatement) => {
    if (!statement.readonly) onWrite();
  };
  const view = (statement: SqliteStatement, args: unknown[]) => ({
    reader: statement.reader,
    columns: () => statement.columns(),
    raw: () => ({
      all: () => {
        writing(statement);
        return statement.raw(true).all(args);
      },
    }),
    all: () => {
      writing(statement);
      return statement.raw(false).all(args);
    },
    run: () => {
      onWrite();
      return statement.run(args);
    },
    bind: (bound: unknown[]) => view(statement, bound),
  });
  db.exec = (sql: string) => {
    onWrite();
    return exec(sql);
  };
  const cached = (sql: string): SqliteStatement => {
    let statement = cache.get(sql);
    if (!statement) cache.set(sql, (statement = prepare(sql)));
    return statement;
  };
  db.prepare = ((sql: string) => view(cached(sql), [])) as unknown as SqliteDatabase['prepare'];
  return cached;
}

/** Each SQLite connection's prepared statements (cachePreparedStatements), for the direct reader. */
const preparedStatements = new WeakMap<object, (sql: string) => SqliteStatement>();

/** PostgreSQL: statements with at most this many parameters are prepared once per connection, by name. */
export const MAX_NAMED_STATEMENT_PARAMS = 100;

/**
 * The name a PostgreSQL statement is prepared under (pg prepares a named statement once per connection and
 * then only binds and executes it): a digest of its SQL text. Statements with many parameters (long IN lists,
 * whose text changes with the list's length) stay unnamed, so each connection keeps a bounded set.
 */
function preparedName(query: { sql: string; args: unknown[] }): string | undefined {
  if (query.args.length > MAX_NAMED_STATEMENT_PARAMS) return undefined;
  return `kg_${createHash('sha1').update(query.sql).digest('base64url')}`;
}

// The driver adapters' column types that decoding depends on (@prisma/driver-adapter-utils' ColumnTypeEnum, whose
// package is the adapters' dependency, not ours; arrays are 64 + the element's type).
const ColumnTypeEnum = { Int32: 0, Int64: 1, Boolean: 5, Date: 8, Time: 9, DateTime: 10, Json: 11, Bytes: 13, Int32Array: 64 } as const;

/** A value of a raw result as Prisma's `$queryRaw` gives it (its serialisation, then its deserialisation). */
function decoded(value: unknown, type: ColumnType): unknown {
  if (value === null) return null;
  switch (type) {
    case ColumnTypeEnum.Int32:
      return Math.trunc(Number(value));
    case ColumnTypeEnum.Int64:
      return typeof value === 'bigint' ? value : BigInt(typeof value === 'number' ? Math.trunc(value) : (value as string));
    case ColumnTypeEnum.Json:
      return typeof value === 'string' ? JSON.parse(value) : value;
    case ColumnTypeEnum.Boolean:
      return typeof value === 'boolean' ? value : typeof value === 'number' ? value === 1 : value === 'true' || value === '1';
    case ColumnTypeEnum.DateTime:
    case ColumnTypeEnum.Date:
      return new Date(value as string);
    case ColumnTypeEnum.Time:
      return new Date(`1970-01-01T${value as string}Z`);
    case ColumnTypeEnum.Bytes:
      return typeof value === 'string' ? new Uint8Array(Buffer.from(value, 'base64')) : new Uint8Array(value as Uint8Array);
    default:
      if (type >= ColumnTypeEnum.Int32Array && Array.isArray(value)) return value.map((item) => decoded(item, (type - ColumnTypeEnum.Int32Array) as ColumnType));
      return value;
  }
}

function argTypeOf(value: unknown): ArgType {
  const scalarType = typeof value === 'string' ? 'string' : typeof value === 'number' ? (Number.isInteger(value) ? 'int' : 'float') : typeof value === 'bigint' ? 'bigint' : typeof value === 'boolean' ? 'boolean' : value instanceof Date ? 'datetime' : 'unknown';
  return { scalarType, arity: 'scalar' };
}

/**
 * Makes a row's object from its values, for one list of column names: an object literal with the columns as
 * its keys, compiled once per list. Adding the columns one by one to `{}` leaves V8 an object in dictionary
 * mode past a dozen properties (a member page with its users: 956 bytes and 0.76 us per row; this: 205 bytes,
 * 0.04 us, and fast property access in everything that reads the row after).
 */
export type RowMaker = (values: readonly unknown[]) => Record<string, unknown>;

function rowMaker(names: readonly string[]): RowMaker {
  if (names.some((name) => name === '__proto__'))
    return (values) => {
      const object: Record<string, unknown> = {};
      for (let i = 0; i < names.length; i++) Object.defineProperty(object, names[i]!, { value: values[i], enumerable: true, writable: true, configurable: true });
      return object;
    };
  // The names are the statement's column names, written as JSON string literals.
  return new Function('v', `return { ${names.map((name, i) => `${JSON.stringify(name)}: v[${i}]`).join(', ')} };`) as RowMaker;
}

/** Row makers by column list (statements with other texts often have the same columns). */
const rowMakers = new LruMap<string, RowMaker>(PREPARED_STATEMENT_CACHE);

export function rowMakerFor(names: readonly string[]): RowMaker {
  const key = names.join('\u0000');
  let make = rowMakers.get(key);
  if (!make) rowMakers.set(key, (make = rowMaker(names)));
  return make;
}

function rowsOf(result: SqlResultSet): Record<string, unknown>[] {
  const { columnNames, columnTypes } = result;
  const make = rowMakerFor(columnNames);
  return result.rows.map((row) => {
    const values = new Array<unknown>(columnNames.length);
    for (let i = 0; i < columnNames.length; i++) values[i] = decoded(row[i], columnTypes[i]!);
    return make(values);
  });
}

/** SQLite declared column types as @prisma/adapter-better-sqlite3 7.10 maps them (mapDeclType); others are inferred. */
const SQLITE_DECLARED: Record<string, ColumnType> = {
  TINYINT: 0, SMALLINT: 0, MEDIUMINT: 0, INT: 0, INTEGER: 0, SERIAL: 0, INT2: 0,
  BIGINT: 1, 'UNSIGNED BIG INT': 1, INT8: 1,
  FLOAT: 2, DOUBLE: 3, 'DOUBLE PRECISION': 3, NUMERIC: 3, REAL: 3, DECIMAL: 4,
  DATETIME: 10, TIMESTAMP: 10, TIME: 9, DATE: 8,
  TEXT: 7, CLOB: 7, CHARACTER: 7, VARCHAR: 7, 'VARYING CHARACTER': 7, NCHAR: 7, 'NATIVE CHARACTER': 7, NVARCHAR: 7,
  BLOB: 13, BOOLEAN: 5, JSONB: 11,
};
const UNKNOWN_NUMBER = 128 as ColumnType;

/** A statement's result columns: names, the types their declarations give (undefined: inferred per result), its row maker. */
interface SqliteColumns {
  names: string[];
  declared: (ColumnType | undefined)[];
  make: RowMaker;
}

/** A value as the adapter's mapRow hands it to Prisma (safe integers as numbers, integer dates as ISO text), decoded. */
function sqliteValue(value: unknown, type: ColumnType): unknown {
  if (value === null) return null;
  if (typeof value === 'bigint') {
    if (type === ColumnTypeEnum.DateTime) value = new Date(Number(value)).toISOString();
    else value = Number.isSafeInteger(Number(value)) ? Number(value) : value.toString();
  } else if (type === ColumnTypeEnum.DateTime && typeof value === 'number') value = new Date(value).toISOString();
  return decoded(value, type);
}

/**
 * A SQLite result read straight from better-sqlite3 (integers as bigint: the adapter turns safe integers on), as
 * the adapter would hand it to Prisma (column types from the declared types, else from the first non-null
 * value; mapRow's conversions), then decoded as `$queryRaw` decodes it.
 */
function sqliteRows(columns: SqliteColumns, rows: unknown[][]): Record<string, unknown>[] {
  const { names, declared } = columns;
  const types = declared.map((type, i): ColumnType => {
    if (type !== undefined) return type;
    const sample = rows.find((row) => row[i] !== null)?.[i];
    return sample === undefined ? ColumnTypeEnum.Int32 : typeof sample === 'string' ? (7 as ColumnType) : typeof sample === 'bigint' ? ColumnTypeEnum.Int64 : typeof sample === 'number' ? UNKNOWN_NUMBER : ColumnTypeEnum.Bytes;
  });
  // Text needs no decoding: most columns are ids and names. The raw rows are this read's own: decoded in place.
  const plain = types.map((type) => type === 7);
  const result = new Array<Record<string, unknown>>(rows.length);
  for (let r = 0; r < rows.length; r++) {
    const row = rows[r]!;
    for (let i = 0; i < names.length; i++) {
      const value = row[i];
      if (!(plain[i] && typeof value === 'string')) row[i] = sqliteValue(value, types[i]!);
    }
    result[r] = columns.make(row);
  }
  return result;
}

/** Each statement's columns, by SQL text (as many as the connection keeps prepared statements). */
function sqliteColumnsCache(): (sql: string, statement: { columns(): unknown[] }) => SqliteColumns {
  const cache = new LruMap<string, SqliteColumns>(PREPARED_STATEMENT_CACHE);
  return (sql, statement) => {
    let columns = cache.get(sql);
    if (!columns) {
      const list = statement.columns() as { name: string; type: string | null }[];
      const names = list.map((c) => c.name);
      columns = { names, declared: list.map((c) => (c.type === null ? undefined : SQLITE_DECLARED[c.type.toUpperCase()])), make: rowMakerFor(names) };
      cache.set(sql, columns);
    }
    return columns;
  };
}

/** An argument as the better-sqlite3 adapter binds it (mapArg: booleans as 0/1, dates as ISO 8601 text). */
function sqliteArg(value: unknown): unknown {
  if (typeof value === 'boolean') return value ? 1 : 0;
  if (value instanceof Date) return value.toISOString().replace('Z', '+00:00');
  return value;
}

/**
 * `$queryRaw` for reads outside transactions, without the Prisma client's layers (its query interpreter
 * serialises every value twice: a quarter of the CPU of a one-statement request). SQLite: on the connection
 * the adapter opened, through its prepared-statement cache; PostgreSQL: on the adapter's pool. Values come
 * back as `$queryRaw` gives them, arguments go as the adapters bind them, every statement is counted.
 * Before the client has connected it is Prisma's own `$queryRaw`.
 */
function directReader(prisma: Db, provider: DatabaseProvider, adapter: () => SqlDriverAdapter | undefined, onStatement?: (sql: string) => void, onWrite?: () => void): RawReader {
  const columnsOf = sqliteColumnsCache();
  const read = async (query: Prisma.Sql) => {
    const connected = adapter();
    if (!connected) return prisma.$queryRaw(query);
    const client = provider === 'sqlite' ? (connected as unknown as { client?: SqliteDatabase }).client : undefined;
    const prepared = client && preparedStatements.get(client);
    if (!prepared) {
      const args = query.values;
      return rowsOf(await connected.queryRaw({ sql: query.text, args, argTypes: args.map(argTypeOf) }));
    }
    const sql = query.sql;
    onStatement?.(sql);
    // The connection's own prepared statement, with no per-call view: it runs synchronously, so no other call
    // binds it meanwhile.
    const statement = prepared(sql);
    if (!statement.reader) throw new Error('the direct reader only reads');
    if (!statement.readonly) onWrite?.();
    return sqliteRows(columnsOf(sql, statement), statement.raw(true).all(query.values.map(sqliteArg)) as unknown[][]);
  };
  const $queryRaw = (first: TemplateStringsArray | Prisma.Sql, ...values: unknown[]) => read(first instanceof Prisma.Sql ? first : Prisma.sql(first, ...values));
  return { $queryRaw } as unknown as RawReader;
}

/**
 * SQLite's change mark (DbHandle.changeMark): a counter advanced before every statement of this process's
 * connection that can write or that runs for no rows (BEGIN, COMMIT, ROLLBACK: a read between a write and its
 * ROLLBACK may have seen rows that never were), and whenever `PRAGMA data_version` says another connection (another
 * process) committed since the last look. One mark therefore means one state of the database.
 */
class SqliteChangeClock {
  private mark = 0;
  private version: (() => unknown) | undefined;
  private seen: unknown;
  readonly wrote = (): void => {
    this.mark++;
  };
  /** A connection's `PRAGMA data_version`, read through a statement of its own (not a write). */
  attach(version: () => unknown): void {
    this.version = version;
    this.seen = version();
    this.mark++;
  }
  detach(): void {
    this.version = undefined;
  }
  now(): number | undefined {
    if (!this.version) return undefined;
    const version = this.version();
    if (version !== this.seen) {
      this.seen = version;
      this.mark++;
    }
    return this.mark;
  }
}

function tuned(factory: SqlDriverAdapterFactory, onStatement?: (sql: string) => void, onConnect?: (adapter: SqlDriverAdapter) => void, clock?: SqliteChangeClock): SqlDriverAdapterFactory {
  return {
    provider: factory.provider,
    adapterName: factory.adapterName,
    async connect(): Promise<SqlDriverAdapter> {
      const adapter = await factory.connect();
      const info = adapter.getConnectionInfo?.() ?? { supportsRelationJoins: false };
      adapter.getConnectionInfo = () => ({ ...info, maxBindValues: MAX_BIND_VALUES });
      const client = (adapter as unknown as { client?: SqliteDatabase }).client;
      if (factory.provider === 'sqlite' && typeof client?.prepare === 'function') {
        const dataVersion = (client.prepare('PRAGMA data_version') as SqliteStatement & { pluck(): { get(): unknown } }).pluck();
        preparedStatements.set(client, cachePreparedStatements(client, PREPARED_STATEMENT_CACHE, clock?.wrote));
        clock?.attach(() => dataVersion.get());
        // Temporary tables (a compound's materialised rows, UNION's de-duplication) in memory, not in temporary
        // files: the grants snapshot builds several per request (67 -> 16 us for it, measured alone).
        client.prepare('PRAGMA temp_store = MEMORY').run();
      }
      if (onStatement) {
        counting(adapter, onStatement);
        const startTransaction = adapter.startTransaction.bind(adapter);
        adapter.startTransaction = async (isolationLevel) => counting(await startTransaction(isolationLevel), onStatement);
      }
      onConnect?.(adapter);
      return adapter;
    },
  };
}

export interface DbOptions {
  /** PostgreSQL: the longest a statement may run, in ms (0: no limit). */
  statementTimeoutMs?: number;
  /** PostgreSQL: the longest a statement may wait for a lock, in ms (0: no limit). */
  lockTimeoutMs?: number;
}

export function createDb(databaseUrl: string, onStatement?: (sql: string) => void, options: DbOptions = {}): DbHandle {
  const provider = providerOf(databaseUrl);
  let prisma: Db;
  let connected: SqlDriverAdapter | undefined;
  const onConnect = (adapter: SqlDriverAdapter) => {
    connected = adapter;
  };
  const clock = provider === 'sqlite' ? new SqliteChangeClock() : undefined;
  if (provider === 'sqlite') {
    const file = sqlitePath(databaseUrl);
    mkdirSync(dirname(file), { recursive: true });
    prisma = new SqliteClient({ adapter: tuned(new PrismaBetterSqlite3({ url: `file:${file}`, timeout: 5000 }), onStatement, onConnect, clock) });
  } else {
    // Each pooled connection starts with these session settings (pg sends them as startup options).
    const timeouts = { ...(options.statementTimeoutMs ? { statement_timeout: options.statementTimeoutMs } : {}), ...(options.lockTimeoutMs ? { lock_timeout: options.lockTimeoutMs } : {}) };
    prisma = new PostgresClient({ adapter: tuned(new PrismaPg({ connectionString: databaseUrl, ...timeouts }, { statementNameGenerator: preparedName as (query: { sql: string; args: unknown[] }) => string }), onStatement, onConnect) }) as unknown as Db;
  }
  const reader = directReader(prisma, provider, () => connected, onStatement, clock?.wrote);
  if (!clock)
    return {
      prisma,
      provider,
      reader,
      changeMark: () => undefined,
      optimize: async () => {},
      close: async () => {
        connected = undefined;
        await prisma.$disconnect();
      },
    };
  // SQLite's advice for long-lived connections: PRAGMA optimize now and then, and before closing. It runs
  // ANALYZE only on tables whose statistics are missing or stale, with a bounded effort (analysis_limit).
  const optimize = async () => {
    await prisma.$executeRawUnsafe('PRAGMA analysis_limit = 400');
    await prisma.$executeRawUnsafe('PRAGMA optimize');
  };
  const timer = setInterval(() => void optimize().catch(() => {}), SQLITE_OPTIMIZE_EVERY_MS);
  timer.unref();
  return {
    prisma,
    provider,
    reader,
    changeMark: () => (connected ? clock.now() : undefined),
    optimize,
    close: async () => {
      clearInterval(timer);
      await optimize().catch(() => {});
      connected = undefined;
      clock.detach();
      await prisma.$disconnect();
    },
  };
}
