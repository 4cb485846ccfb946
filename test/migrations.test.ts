// Migrations: applied on a fresh database, idempotent, recorded like Prisma records them, refused when
// tampered with; and the checked-in migrations follow the data model.
import { readFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { createDb } from '../src/infra/db/client.js';
import { migrate, migrationsFor } from '../src/infra/db/migrate.js';
import { providers, readDataModel, snapshotPath } from '../src/infra/db/render-schema.js';
import { checkReadiness } from '../src/infra/db/health.js';
import { freshDatabase, provider, type TestDatabase } from './support/harness.js';

describe(`migrations (${provider})`, () => {
  let database: TestDatabase | undefined;
  afterEach(async () => {
    await database?.drop();
    database = undefined;
  });

  it('apply once, then find nothing to do; readiness follows', async () => {
    database = await freshDatabase();
    const expected = migrationsFor(provider).map((m) => m.name);
    expect(expected.length).toBeGreaterThan(0);
    const first = await migrate(database.url);
    expect(first).toEqual({ applied: expected, alreadyApplied: 0 });
    const second = await migrate(database.url);
    expect(second).toEqual({ applied: [], alreadyApplied: expected.length });

    const db = createDb(database.url);
    try {
      expect(await checkReadiness(db)).toEqual({ ready: true, database: 'up', pendingMigrations: [] });
      const rows = await db.prisma.$queryRaw<{ migration_name: string; checksum: string }[]>`SELECT "migration_name", "checksum" FROM "_prisma_migrations"`;
      expect(rows.map((r) => r.migration_name)).toEqual(expected);
      expect(rows.every((r) => /^[0-9a-f]{64}$/.test(r.checksum))).toBe(true);
      // Forget the newest migration: the database is now behind this code, and not ready.
      await db.prisma.$executeRawUnsafe(`DELETE FROM "_prisma_migrations" WHERE "migration_name" = '${expected.at(-1)}'`);
      expect(await checkReadiness(db)).toEqual({ ready: false, database: 'up', pendingMigrations: [expected.at(-1)] });
    } finally {
      await db.close();
    }
  });

  it('refuses a database whose applied migration was changed afterwards', async () => {
    database = await freshDatabase();
    await migrate(database.url);
    const db = createDb(database.url);
    try {
      await db.prisma.$executeRawUnsafe(`UPDATE "_prisma_migrations" SET "checksum" = '${'0'.repeat(64)}'`);
    } finally {
      await db.close();
    }
    await expect(migrate(database.url)).rejects.toThrow(/was changed after it was applied/);
  });

  it('reports an unreachable database as not ready', async () => {
    const db = createDb(provider === 'sqlite' ? 'file:/nonexistent-dir/kg.db' : 'postgresql://nobody@127.0.0.1:1/none');
    expect((await checkReadiness(db).finally(() => db.close().catch(() => {}))).database).toBe('down');
  });

  it('has a migration for every change of the data model (run `npm run db:migration:new -- <name>` after editing prisma/schema.prisma)', () => {
    expect(readFileSync(snapshotPath, 'utf8')).toBe(readDataModel());
    for (const p of providers) expect(migrationsFor(p).map((m) => m.name)).toEqual(migrationsFor(providers[0]!).map((m) => m.name));
  });
});
