// npm run db:migration:new -- <name>
// Writes a new migration for every provider: the SQL that takes the data model of the newest
// migration (prisma/migrations/datamodel.snapshot.prisma) to prisma/schema.prisma, computed offline
// by Prisma's schema engine (WebAssembly). The PostgreSQL diff connects once to read the server
// version (MIGRATION_POSTGRES_URL, default the local server); nothing is written to it.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { diffDatamodels } from '../infra/db/schema-engine.js';
import { migrationsRoot, providers, readDataModel, renderSchema, snapshotPath } from '../infra/db/render-schema.js';

const name = process.argv[2];
if (!name || !/^[a-z0-9_]+$/.test(name)) {
  console.error('usage: npm run db:migration:new -- <name>   (lower-case letters, digits and _)');
  process.exit(2);
}
const current = readDataModel();
const previous = existsSync(snapshotPath) ? readFileSync(snapshotPath, 'utf8') : null;
const stamp = new Date().toISOString().replace(/[-:T]/g, '').slice(0, 14);
let changed = false;
for (const provider of providers) {
  const sql = await diffDatamodels(
    provider,
    previous === null ? null : renderSchema(previous, provider),
    renderSchema(current, provider),
    process.env.MIGRATION_POSTGRES_URL,
  );
  if (!/\b(CREATE|ALTER|DROP|INSERT|UPDATE|DELETE)\b/i.test(sql)) {
    console.log(`${provider}: the data model has not changed; no migration written`);
    continue;
  }
  const dir = join(migrationsRoot, provider, `${stamp}_${name}`);
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'migration.sql'), sql);
  console.log(`${provider}: wrote ${dir}/migration.sql`);
  changed = true;
}
if (changed) writeFileSync(snapshotPath, current);
