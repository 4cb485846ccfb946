// package.json's `engines` against the lockfile: every package the lockfile installs accepts the oldest
// Node.js keygraph says it runs on (package.json `overrides` pin codegen's fetch helpers, sync-fetch and
// listr2 to releases that still support Node 20), except the ones named here, each with its reason. The
// suite itself runs on Node 20 (these machines and CI), which is what proves the exceptions harmless.
import { readFileSync } from 'node:fs';
import { createSchema, createYoga } from 'graphql-yoga';
import semver from 'semver';
import { describe, expect, it } from 'vitest';

const root = new URL('../../', import.meta.url);
const manifest = JSON.parse(readFileSync(new URL('package.json', root), 'utf8')) as { engines: { node: string } };
const lock = JSON.parse(readFileSync(new URL('package-lock.json', root), 'utf8')) as {
  packages: Record<string, { version?: string; dev?: boolean; optional?: boolean; engines?: { node?: string } | string[] }>;
};

/** Packages (by name) that declare a newer Node than engines, with why they stay. */
const EXCEPTIONS: Record<string, string> = {
  // prisma (the CLI, needed for `prisma generate` at install) -> @prisma/dev, which only `prisma dev` runs.
  '@prisma/streams-local': 'installed with the prisma CLI, loaded only by `prisma dev`, which keygraph never runs',
  // graphql-yoga -> @graphql-tools/executor 2.1.0 (and @graphql-tools/utils 12.1). The 2.0.x executor, whose
  // dependencies accept Node 20, returns a response's fields in the order they resolve, not the query's
  // (fixed in 2.1.0; the test below holds it). Both declare Node >= 22.15 but feature-detect what Node 22
  // added (Promise.withResolvers, SuppressedError, Symbol.asyncDispose) and fall back on Node 20.
  '@whatwg-node/promise-helpers': "graphql-yoga's executor 2.1.0 needs 2.x; it feature-detects Node 22 APIs",
  '@whatwg-node/disposablestack': "graphql-yoga's executor 2.1.0 needs 0.1; a ponyfill that feature-detects Node 22 APIs",
};

const nameOf = (path: string) => path.slice(path.lastIndexOf('node_modules/') + 'node_modules/'.length);

describe('engines', () => {
  const minimum = semver.minVersion(manifest.engines.node)!.version;

  it('names the Node.js these machines and CI run', () => {
    expect(manifest.engines.node).toBe('>=20.19');
    expect(semver.satisfies(process.versions.node, manifest.engines.node)).toBe(true);
  });

  it(`every package in the lockfile accepts Node ${minimum}, runtime and development alike`, () => {
    const refusing = Object.entries(lock.packages)
      .filter(([path, entry]) => path !== '' && !entry.optional && entry.engines && !Array.isArray(entry.engines) && entry.engines.node)
      .filter(([path, entry]) => !(nameOf(path) in EXCEPTIONS) && !semver.satisfies(minimum, (entry.engines as { node: string }).node))
      .map(([path, entry]) => `${path}@${entry.version} wants ${(entry.engines as { node: string }).node}${entry.dev ? ' (dev)' : ''}`);
    expect(refusing).toEqual([]);
  });

  it('each exception is still in the lockfile and still refuses Node 20 (drop it when it goes)', () => {
    for (const name of Object.keys(EXCEPTIONS)) {
      const entries = Object.entries(lock.packages).filter(([path]) => nameOf(path) === name);
      expect(entries.length, name).toBeGreaterThan(0);
      expect(entries.some(([, entry]) => !semver.satisfies(minimum, (entry.engines as { node?: string } | undefined)?.node ?? '*')), name).toBe(true);
    }
  });

  it("graphql-yoga's executor answers fields in the query's order, whatever order they resolve in (why executor 2.1.0 stays)", async () => {
    const yoga = createYoga({
      schema: createSchema({
        typeDefs: 'type Query { slow: Int fast: Int }',
        resolvers: { Query: { slow: () => new Promise((resolve) => setTimeout(() => resolve(1), 20)), fast: () => Promise.resolve(2) } },
      }),
      logging: false,
    });
    const response = await yoga.fetch('http://localhost/graphql', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query: '{ slow fast }' }) });
    expect(await response.text()).toBe('{"data":{"slow":1,"fast":2}}');
  });
});
