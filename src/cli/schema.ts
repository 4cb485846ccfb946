// npm run schema:print  writes the subgraph SDL (what `_service { sdl }` serves) to schema.graphql.
// npm run schema:check  exits 1 when schema.graphql differs from it.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { projectRoot } from '../infra/db/render-schema.js';
import { printSubgraph } from '../graphql/schema.js';

const file = join(projectRoot, 'schema.graphql');
const mode = process.argv[2];
const printed = printSubgraph();
if (mode === 'print') {
  writeFileSync(file, printed);
  console.log(`keygraph: wrote ${file} (${printed.split('\n').length} lines)`);
} else if (mode === 'check') {
  let current = '';
  try {
    current = readFileSync(file, 'utf8');
  } catch {
    // a missing file differs
  }
  if (current !== printed) {
    console.error('keygraph: schema.graphql is not the printed schema; run `npm run schema:print` and commit the result');
    process.exit(1);
  }
  console.log('keygraph: schema.graphql is up to date');
} else {
  console.error('usage: tsx src/cli/schema.ts print|check');
  process.exit(2);
}
