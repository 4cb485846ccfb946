// Readiness: the database answers and every migration this code knows has been applied.
import type { DbHandle } from './client.js';
import { pendingMigrationNames } from './migrate.js';

export interface Readiness {
  ready: boolean;
  database: 'up' | 'down';
  pendingMigrations: string[];
}

export async function checkReadiness(db: DbHandle): Promise<Readiness> {
  try {
    const rows = await db.prisma.$queryRaw<{ migration_name: string }[]>`
      SELECT "migration_name" FROM "_prisma_migrations" WHERE "finished_at" IS NOT NULL AND "rolled_back_at" IS NULL`;
    const pendingMigrations = pendingMigrationNames(
      db.provider,
      rows.map((r) => r.migration_name),
    );
    return { ready: pendingMigrations.length === 0, database: 'up', pendingMigrations };
  } catch {
    return { ready: false, database: 'down', pendingMigrations: [] };
  }
}
