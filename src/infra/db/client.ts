// The Prisma client for the configured database. Both providers' generated clients have the same
// model API (the data model is one file), so the rest of infra is written against the SQLite one's types.
import { PrismaBetterSqlite3 } from '@prisma/adapter-better-sqlite3';
import { PrismaPg } from '@prisma/adapter-pg';
import type { SqlDriverAdapter, SqlDriverAdapterFactory } from '@prisma/driver-adapter-utils';
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

function withBindLimit(factory: SqlDriverAdapterFactory): SqlDriverAdapterFactory {
  return {
    provider: factory.provider,
    adapterName: factory.adapterName,
    async connect(): Promise<SqlDriverAdapter> {
      const adapter = await factory.connect();
      const info = adapter.getConnectionInfo?.() ?? { supportsRelationJoins: false };
      adapter.getConnectionInfo = () => ({ ...info, maxBindValues: MAX_BIND_VALUES });
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
  const log = onStatement ? [{ emit: 'event' as const, level: 'query' as const }] : [];
  let prisma: Db;
  if (provider === 'sqlite') {
    const file = sqlitePath(databaseUrl);
    mkdirSync(dirname(file), { recursive: true });
    prisma = new SqliteClient({ adapter: withBindLimit(new PrismaBetterSqlite3({ url: `file:${file}`, timeout: 5000 })), log });
  } else {
    // Each pooled connection starts with these session settings (pg sends them as startup options).
    const timeouts = { ...(options.statementTimeoutMs ? { statement_timeout: options.statementTimeoutMs } : {}), ...(options.lockTimeoutMs ? { lock_timeout: options.lockTimeoutMs } : {}) };
    prisma = new PostgresClient({ adapter: withBindLimit(new PrismaPg({ connectionString: databaseUrl, ...timeouts })), log }) as unknown as Db;
  }
  if (onStatement) (prisma as unknown as { $on(event: 'query', cb: (e: { query: string }) => void): void }).$on('query', (e) => onStatement(e.query));
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
