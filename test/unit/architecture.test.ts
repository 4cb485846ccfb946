// The domain core stays free of GraphQL and Prisma: it is the part every other layer depends on.
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const domain = new URL('../../src/domain/', import.meta.url).pathname;

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory() ? sources(join(dir, entry.name)) : entry.name.endsWith('.ts') ? [join(dir, entry.name)] : [],
  );
}

describe('architecture', () => {
  it('src/domain imports no GraphQL, Pothos, Yoga, shield, Prisma, infra or graphql layer', () => {
    const files = sources(domain);
    expect(files.length).toBeGreaterThan(5);
    const forbidden = /from ['"](graphql|graphql-yoga|graphql-shield|@pothos\/[^'"]+|@prisma\/[^'"]+|prisma|pg|better-sqlite3|[./]+\/(infra|graphql|server)\/[^'"]*)['"]/;
    const offenders = files.filter((file) => forbidden.test(readFileSync(file, 'utf8')));
    expect(offenders).toEqual([]);
  });
});
