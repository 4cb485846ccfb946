// npm run db:migrate: applies pending migrations to DATABASE_URL (default: the SQLite file in the data directory).
import { loadConfig } from '../config.js';
import { migrate } from '../infra/db/migrate.js';

try {
  const config = loadConfig();
  console.log(`keygraph: migrating the ${config.databaseProvider} database...`);
  const report = await migrate(config.databaseUrl, (message) => console.log(`  ${message}`));
  console.log(
    report.applied.length === 0
      ? `keygraph: nothing to apply (${report.alreadyApplied} migrations already applied)`
      : `keygraph: applied ${report.applied.length} migration(s); ${report.alreadyApplied} were already applied`,
  );
} catch (error) {
  console.error(`keygraph: migration failed: ${(error as Error).message}`);
  process.exit(1);
}
