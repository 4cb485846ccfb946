// Renders the one data model (prisma/schema.prisma) for a given provider.
import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { DatabaseProvider } from '../../config.js';

export const projectRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
export const providers: readonly DatabaseProvider[] = ['sqlite', 'postgresql'];
export const schemaPath = join(projectRoot, 'prisma/schema.prisma');
export const migrationsRoot = join(projectRoot, 'prisma/migrations');
/** The data model as of the newest migration; `db:migration:new` diffs the schema against it. */
export const snapshotPath = join(migrationsRoot, 'datamodel.snapshot.prisma');

export function readDataModel(): string {
  return readFileSync(schemaPath, 'utf8');
}

export function renderSchema(source: string, provider: DatabaseProvider): string {
  const output = join(projectRoot, 'src/infra/db/generated', provider);
  const rendered = source
    .replace(/(datasource db \{[^}]*provider\s*=\s*)"[a-z]+"/, `$1"${provider}"`)
    .replace(/(generator client \{[^}]*output\s*=\s*)"[^"]+"/, `$1${JSON.stringify(output)}`);
  if (!rendered.includes(`provider = "${provider}"`)) throw new Error(`could not set the datasource provider to ${provider}`);
  return rendered;
}
