// The Prisma client for the configured database. Both providers' generated clients have the same
// model API (the data model is one file), so the rest of infra is written against the SQLite one's types.
import { PrismaBetterSqlite3 } from '@prisma/adapter-better-sqlite3';
import { PrismaPg } from '@prisma/adapter-pg';
import type { SqlDriverAdapter, SqlDriverAdapterFactory } from '@prisma/driver-adapter-utils';
import { createHash } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { providerOf, sqlitePath, type DatabaseProvider } from '../../config.js';
import { PrismaClient as PostgresClient } from './generated/postgresql/client.js';
import { PrismaClient as SqliteClient } from './generated/sqlite/client.js';

export type Db = SqliteClient;
export { Prisma } from './generated/sqlite/client.js';

export interface DbHandle {
  prisma: Db;
  provider: DatabaseProvider;
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
  columns(): unknown[];
  raw(toggle?: boolean): SqliteStatement;
  all(...args: unknown[]): unknown[];
  run(...args: unknown[]): unknown;
}
interface SqliteDatabase {
  prepare(sql: string): SqliteStatement;
}

/**
 * The adapter prepares every statement anew (`db.prepare(sql).bind(args)`, and a better-sqlite3 statement
 * can be bound only once). This keeps each prepared statement by its SQL text and hands the adapter a view
 * that passes the arguments at each call instead of binding them, so SQLite compiles a statement once per
 * connection. Statements run synchronously, so one statement never serves two calls at once.
 */
export function cachePreparedStatements(db: SqliteDatabase, max = PREPARED_STATEMENT_CACHE): void {
  const prepare = db.prepare.bind(db);
  const cache = new Map<string, SqliteStatement>();
  const view = (statement: SqliteStatement, args: unknown[]) => ({
    reader: statement.reader,
    columns: () => statement.columns(),
    raw: () => ({ all: () => statement.raw(true).all(args) }),
    all: () => statement.raw(false).all(args),
    run: () => statement.run(args),
    bind: (bound: unknown[]) => view(statement, bound),
  });
  db.prepare = ((sql: string) => {
    let statement = cache.get(sql);
    if (statement) {
      cache.delete(sql);
    } else {
      statement = prepare(sql);
      if (cache.size >= max) cache.delete(cache.keys().next().value!);
    }
    cache.set(sql, statement);
    return view(statement, []);
  }) as unknown as SqliteDatabase['prepare'];
}

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

function tuned(factory: SqlDriverAdapterFactory, onStatement?: (sql: string) => void): SqlDriverAdapterFactory {
  return {
    provider: factory.provider,
    adapterName: factory.adapterName,
    async connect(): Promise<SqlDriverAdapter> {
      const adapter = await factory.connect();
      const info = adapter.getConnectionInfo?.() ?? { supportsRelationJoins: false };
      adapter.getConnectionInfo = () => ({ ...info, maxBindValues: MAX_BIND_VALUES });
      const client = (adapter as unknown as { client?: SqliteDatabase }).client;
      if (factory.provider === 'sqlite' && typeof client?.prepare === 'function') cachePreparedStatements(client);
      if (onStatement) {
        counting(adapter, onStatement);
        const startTransaction = adapter.startTransaction.bind(adapter);
        adapter.startTransaction = async (isolationLevel) => counting(await startTransaction(isolationLevel), onStatement);
      }
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
  if (provider === 'sqlite') {
    const file = sqlitePath(databaseUrl);
    mkdirSync(dirname(file), { recursive: true });
    prisma = new SqliteClient({ adapter: tuned(new PrismaBetterSqlite3({ url: `file:${file}`, timeout: 5000 }), onStatement) });
  } else {
    // Each pooled connection starts with these session settings (pg sends them as startup options).
    const timeouts = { ...(options.statementTimeoutMs ? { statement_timeout: options.statementTimeoutMs } : {}), ...(options.lockTimeoutMs ? { lock_timeout: options.lockTimeoutMs } : {}) };
    prisma = new PostgresClient({ adapter: tuned(new PrismaPg({ connectionString: databaseUrl, ...timeouts }, { statementNameGenerator: preparedName as (query: { sql: string; args: unknown[] }) => string }), onStatement) }) as unknown as Db;
  }
  if (provider !== 'sqlite') return { prisma, provider, optimize: async () => {}, close: () => prisma.$disconnect() };
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
    optimize,
    close: async () => {
      clearInterval(timer);
      await optimize().catch(() => {});
      await prisma.$disconnect();
    },
  };
}
