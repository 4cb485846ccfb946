// Applies the checked-in SQL migrations of the configured provider, in name order, each in its own
// transaction, recording them in `_prisma_migrations` with the same columns and checksums as
// `prisma migrate deploy` (so Prisma's own tooling reads the history). No schema-engine binary is needed.
// On PostgreSQL an advisory lock makes concurrent starts of several instances safe.
import { createHash, randomUUID } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import Database from 'better-sqlite3';
import pg from 'pg';
import { providerOf, sqlitePath, type DatabaseProvider } from '../../config.js';
import { migrationsRoot } from './render-schema.js';

export interface Migration {
  name: string;
  sql: string;
  checksum: string;
}

export interface MigrationReport {
  applied: string[];
  alreadyApplied: number;
}

export function migrationsFor(provider: DatabaseProvider): Migration[] {
  const dir = join(migrationsRoot, provider);
  return readdirSync(dir, { withFileTypes: true })
    .filter((entry) => entry.isDirectory() && existsSync(join(dir, entry.name, 'migration.sql')))
    .map((entry) => entry.name)
    .sort()
    .map((name) => {
      const sql = readFileSync(join(dir, name, 'migration.sql'), 'utf8');
      return { name, sql, checksum: createHash('sha256').update(sql).digest('hex') };
    });
}

const TABLE_SQL = `CREATE TABLE IF NOT EXISTS "_prisma_migrations" (
  "id" VARCHAR(36) PRIMARY KEY NOT NULL,
  "checksum" VARCHAR(64) NOT NULL,
  "finished_at" TIMESTAMPTZ,
  "migration_name" VARCHAR(255) NOT NULL,
  "logs" TEXT,
  "rolled_back_at" TIMESTAMPTZ,
  "started_at" TIMESTAMPTZ NOT NULL DEFAULT now(),
  "applied_steps_count" INTEGER NOT NULL DEFAULT 0
)`;
const SQLITE_TABLE_SQL = TABLE_SQL.replace(/TIMESTAMPTZ/g, 'DATETIME').replace('now()', 'current_timestamp');

function verify(applied: Map<string, string>, migrations: Migration[]): void {
  const known = new Set(migrations.map((m) => m.name));
  for (const [name, checksum] of applied) {
    if (!known.has(name)) throw new Error(`the database has migration ${name}, which this version of keygraph does not know: it is newer than this code`);
    const migration = migrations.find((m) => m.name === name)!;
    if (migration.checksum !== checksum) throw new Error(`migration ${name} was changed after it was applied (checksum differs)`);
  }
}

export async function migrate(databaseUrl: string, log: (message: string) => void = () => {}): Promise<MigrationReport> {
  const provider = providerOf(databaseUrl);
  const migrations = migrationsFor(provider);
  return provider === 'sqlite' ? migrateSqlite(databaseUrl, migrations, log) : migratePostgres(databaseUrl, migrations, log);
}

function migrateSqlite(databaseUrl: string, migrations: Migration[], log: (message: string) => void): MigrationReport {
  mkdirSync(dirname(sqlitePath(databaseUrl)), { recursive: true });
  const db = new Database(sqlitePath(databaseUrl));
  try {
    db.pragma('journal_mode = WAL');
    db.pragma('busy_timeout = 5000');
    db.exec(SQLITE_TABLE_SQL);
    const appliedRows = () =>
      new Map(
        (db.prepare('SELECT migration_name, checksum FROM _prisma_migrations WHERE finished_at IS NOT NULL AND rolled_back_at IS NULL').all() as { migration_name: string; checksum: string }[]).map(
          (r) => [r.migration_name, r.checksum],
        ),
      );
    verify(appliedRows(), migrations);
    const report: MigrationReport = { applied: [], alreadyApplied: 0 };
    for (const migration of migrations) {
      // BEGIN IMMEDIATE takes the write lock; re-reading inside it makes concurrent starts safe.
      db.exec('BEGIN IMMEDIATE');
      try {
        if (appliedRows().has(migration.name)) {
          db.exec('ROLLBACK');
          report.alreadyApplied++;
          continue;
        }
        db.exec(migration.sql);
        db.prepare(
          'INSERT INTO _prisma_migrations (id, checksum, migration_name, started_at, finished_at, applied_steps_count) VALUES (?, ?, ?, current_timestamp, current_timestamp, 1)',
        ).run(randomUUID(), migration.checksum, migration.name);
        db.exec('COMMIT');
        report.applied.push(migration.name);
        log(`applied migration ${migration.name}`);
      } catch (error) {
        if (db.inTransaction) db.exec('ROLLBACK');
        throw new Error(`migration ${migration.name} failed and was rolled back: ${(error as Error).message}`);
      }
    }
    return report;
  } finally {
    db.close();
  }
}

const LOCK_KEY = 7_204_118_339; // arbitrary, constant: keygraph's migration lock

async function migratePostgres(databaseUrl: string, migrations: Migration[], log: (message: string) => void): Promise<MigrationReport> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    await client.query('SELECT pg_advisory_lock($1)', [LOCK_KEY]);
    await client.query(TABLE_SQL);
    const { rows } = await client.query<{ migration_name: string; checksum: string }>(
      'SELECT migration_name, checksum FROM _prisma_migrations WHERE finished_at IS NOT NULL AND rolled_back_at IS NULL',
    );
    const applied = new Map(rows.map((r) => [r.migration_name, r.checksum]));
    verify(applied, migrations);
    const report: MigrationReport = { applied: [], alreadyApplied: 0 };
    for (const migration of migrations) {
      if (applied.has(migration.name)) {
        report.alreadyApplied++;
        continue;
      }
      await client.query('BEGIN');
      try {
        await client.query(migration.sql);
        await client.query(
          'INSERT INTO _prisma_migrations (id, checksum, migration_name, started_at, finished_at, applied_steps_count) VALUES ($1, $2, $3, now(), now(), 1)',
          [randomUUID(), migration.checksum, migration.name],
        );
        await client.query('COMMIT');
        report.applied.push(migration.name);
        log(`applied migration ${migration.name}`);
      } catch (error) {
        await client.query('ROLLBACK');
        throw new Error(`migration ${migration.name} failed and was rolled back: ${(error as Error).message}`);
      }
    }
    return report;
  } finally {
    await client.query('SELECT pg_advisory_unlock($1)', [LOCK_KEY]).catch(() => {});
    await client.end();
  }
}

/** Names of migrations this code knows that the database has not applied (for /readyz). */
export function pendingMigrationNames(provider: DatabaseProvider, appliedNames: readonly string[]): string[] {
  const applied = new Set(appliedNames);
  return migrationsFor(provider)
    .map((m) => m.name)
    .filter((name) => !applied.has(name));
}
