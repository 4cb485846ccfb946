// npm run operations:manifest -- <out.json> [glob-like dir of .graphql files, default test/operations]
// Writes a persisted-operations manifest: { "<sha256 of the document text>": "<document text>" }, one
// entry per operation, each with the fragments it uses. Serve it with KEYGRAPH_PERSISTED_OPERATIONS.
import { createHash } from 'node:crypto';
import { readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { Kind, parse, print, visit, type DefinitionNode, type FragmentDefinitionNode } from 'graphql';

export function manifestOf(sources: string[]): Record<string, string> {
  const definitions = sources.flatMap((source) => parse(source).definitions as DefinitionNode[]);
  const fragments = new Map(definitions.filter((d): d is FragmentDefinitionNode => d.kind === Kind.FRAGMENT_DEFINITION).map((f) => [f.name.value, f]));
  const manifest: Record<string, string> = {};
  for (const operation of definitions.filter((d) => d.kind === Kind.OPERATION_DEFINITION)) {
    const used = new Map<string, FragmentDefinitionNode>();
    const collect = (node: DefinitionNode) =>
      visit(node, {
        FragmentSpread(spread) {
          const fragment = fragments.get(spread.name.value);
          if (!fragment) throw new Error(`unknown fragment ${spread.name.value}`);
          if (!used.has(fragment.name.value)) {
            used.set(fragment.name.value, fragment);
            collect(fragment);
          }
        },
      });
    collect(operation);
    const text = [operation, ...[...used.values()].sort((a, b) => a.name.value.localeCompare(b.name.value))].map((d) => print(d)).join('\n\n');
    manifest[createHash('sha256').update(text).digest('hex')] = text;
  }
  return manifest;
}

if (process.argv[1] && resolve(process.argv[1]).endsWith('operations-manifest.ts')) {
  const [out, dir = 'test/operations'] = process.argv.slice(2);
  if (!out) {
    console.error('usage: npm run operations:manifest -- <out.json> [directory of .graphql files]');
    process.exit(2);
  }
  const sources = readdirSync(dir).filter((f) => f.endsWith('.graphql')).sort().map((f) => readFileSync(join(dir, f), 'utf8'));
  const manifest = manifestOf(sources);
  writeFileSync(out, `${JSON.stringify(manifest, null, 2)}\n`);
  console.log(`keygraph: wrote ${Object.keys(manifest).length} persisted operations to ${out}`);
}
