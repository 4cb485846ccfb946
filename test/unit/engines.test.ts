// package.json's `engines` is true for the lockfile: every package the lockfile installs accepts the oldest
// Node.js keygraph says it runs on (package.json `overrides` pin graphql-yoga's @graphql-tools and codegen's
// helpers to releases that still support Node 20). The exceptions are named here, each with its reason.
import { readFileSync } from 'node:fs';
import semver from 'semver';
import { describe, expect, it } from 'vitest';

const root = new URL('../../', import.meta.url);
const manifest = JSON.parse(readFileSync(new URL('package.json', root), 'utf8')) as { engines: { node: string } };
const lock = JSON.parse(readFileSync(new URL('package-lock.json', root), 'utf8')) as {
  packages: Record<string, { version?: string; dev?: boolean; optional?: boolean; engines?: { node?: string } | string[] }>;
};

/** Installed, never loaded by keygraph or its tests. */
const EXCEPTIONS: Record<string, string> = {
  // prisma (the CLI, needed for `prisma generate` at install) -> @prisma/dev, which only `prisma dev` runs.
  'node_modules/@prisma/streams-local': 'only the `prisma dev` command loads it',
  // @graphql-codegen/cli's URL and GitHub schema loaders; codegen.ts reads local files.
  'node_modules/@whatwg-node/promise-helpers': "only codegen's URL and GitHub loaders use it",
};

describe('engines', () => {
  const minimum = semver.minVersion(manifest.engines.node)!.version;

  it('names the Node.js these machines and CI run', () => {
    expect(manifest.engines.node).toBe('>=20.19');
    expect(semver.satisfies(process.versions.node, manifest.engines.node)).toBe(true);
  });

  it(`every package in the lockfile accepts Node ${minimum}, runtime and development alike`, () => {
    const refusing = Object.entries(lock.packages)
      .filter(([path, entry]) => path !== '' && !entry.optional && entry.engines && !Array.isArray(entry.engines) && entry.engines.node)
      .filter(([path, entry]) => !(path in EXCEPTIONS) && !semver.satisfies(minimum, (entry.engines as { node: string }).node))
      .map(([path, entry]) => `${path}@${entry.version} wants ${(entry.engines as { node: string }).node}${entry.dev ? ' (dev)' : ''}`);
    expect(refusing).toEqual([]);
  });

  it('each exception is still in the lockfile (drop it when it goes)', () => {
    for (const path of Object.keys(EXCEPTIONS)) expect(lock.packages[path], path).toBeDefined();
  });
});
