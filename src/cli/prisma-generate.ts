// Generates one Prisma client per provider from the single data model in prisma/schema.prisma.
// Runs on `npm install` (postinstall) and as `npm run db:generate`. Works offline: `prisma generate`
// never runs the schema engine, but Prisma 7 tries to download one unless PRISMA_SCHEMA_ENGINE_BINARY
// names an existing executable, so it is pointed at node itself.
import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { projectRoot, providers, readDataModel, renderSchema } from '../infra/db/render-schema.js';

const prismaCli = join(projectRoot, 'node_modules/prisma/build/index.js');
const source = readDataModel();
for (const provider of providers) {
  const dir = join(projectRoot, 'node_modules/.cache/keygraph/prisma', provider);
  mkdirSync(dir, { recursive: true });
  const schemaFile = join(dir, 'schema.prisma');
  writeFileSync(schemaFile, renderSchema(source, provider));
  process.stdout.write(`keygraph: generating the Prisma client for ${provider}... `);
  const started = Date.now();
  const result = spawnSync(process.execPath, [prismaCli, 'generate', '--schema', schemaFile], {
    cwd: dir,
    encoding: 'utf8',
    env: {
      ...process.env,
      PRISMA_SCHEMA_ENGINE_BINARY: process.env.PRISMA_SCHEMA_ENGINE_BINARY ?? process.execPath,
      PRISMA_HIDE_UPDATE_MESSAGE: '1',
      CHECKPOINT_DISABLE: '1',
    },
  });
  if (result.status !== 0) {
    process.stdout.write('failed\n');
    process.stderr.write(`${result.stdout}${result.stderr}`);
    process.exit(result.status ?? 1);
  }
  process.stdout.write(`done in ${Date.now() - started} ms\n`);
}
