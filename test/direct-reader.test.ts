// DbHandle.reader runs the store's raw reads on the driver adapter, skipping the Prisma client's own layers.
// Its answers must be what `$queryRaw` gives, value for value and type for type, on both databases: dates,
// JSON, booleans, 64-bit integers, counts, NULLs, and parameters of every kind the store sends.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDb, Prisma, type DbHandle } from '../src/infra/db/client.js';
import { migrate } from '../src/infra/db/migrate.js';
import { freshDatabase, provider, type TestDatabase } from './support/harness.js';

describe(`direct raw reads (${provider})`, () => {
  let database: TestDatabase;
  let db: DbHandle;
  const statements: string[] = [];

  beforeAll(async () => {
    database = await freshDatabase();
    await migrate(database.url);
    db = createDb(database.url, (sql) => statements.push(sql));
    const at = new Date('2026-03-04T05:06:07.089Z');
    await db.prisma.account.create({ data: { id: 'acct', name: 'Acme', updatedAt: at, createdAt: at } });
    await db.prisma.zone.create({ data: { id: 'zone', accountId: 'acct', name: 'Z', slug: 'z', requiresInvitation: true, encryptionKey: { type: 'aws', arn: 'arn:x', nested: [1, 2.5, null] }, updatedAt: at } });
    await db.prisma.zone.create({ data: { id: 'zone2', accountId: 'acct', name: 'Y', slug: 'y', updatedAt: at } });
    await db.prisma.policyShadowDiff.create({
      data: { policySetVersionId: 'v', zoneId: 'zone', policySetId: 's', version: 3, evaluated: 9_007_199_254_740_993n, differing: 2n, allowToDeny: 1n, denyToAllow: 1n, since: at, updatedAt: at },
    });
  });

  afterAll(async () => {
    await db?.close();
    await database?.drop();
  });

  const both = async (query: Prisma.Sql) => {
    const viaClient = await db.prisma.$queryRaw<Record<string, unknown>[]>(query);
    statements.length = 0;
    const direct = await db.reader.$queryRaw<Record<string, unknown>[]>(query);
    return { viaClient, direct };
  };

  it('gives what $queryRaw gives for every column type the store reads', async () => {
    const { viaClient, direct } = await both(Prisma.sql`
      SELECT z."id", z."requiresInvitation", z."encryptionKey", z."description", z."createdAt", z."updatedAt",
             d."evaluated", d."version", COUNT(*) OVER () AS "n"
      FROM "Zone" z LEFT JOIN "PolicyShadowDiff" d ON d."zoneId" = z."id"
      WHERE z."accountId" = ${'acct'} ORDER BY z."id"`);
    expect(direct).toEqual(viaClient);
    // And the types themselves, not only equal-looking values.
    const [zone, other] = direct;
    expect(zone!.createdAt).toBeInstanceOf(Date);
    expect(zone!.encryptionKey).toEqual({ type: 'aws', arn: 'arn:x', nested: [1, 2.5, null] });
    expect(zone!.requiresInvitation).toBe(true);
    expect(other!.requiresInvitation).toBe(false);
    expect(zone!.evaluated).toBe(9_007_199_254_740_993n);
    expect(typeof zone!.n).toBe(typeof viaClient[0]!.n);
    expect(other!.description).toBeNull();
  });

  it('sends parameters as $queryRaw does: strings, numbers, dates, booleans, lists, NULL', async () => {
    const { viaClient, direct } = await both(Prisma.sql`
      SELECT z."id" FROM "Zone" z
      WHERE z."id" IN (${Prisma.join(['zone', 'zone2', 'none'])}) AND z."updatedAt" <= ${new Date('2030-01-01T00:00:00Z')}
        AND z."requiresInvitation" = ${true} AND CAST(${null} AS TEXT) IS NULL
      ORDER BY z."id" LIMIT ${5}`);
    expect(direct).toEqual([{ id: 'zone' }]);
    expect(direct).toEqual(viaClient);
  });

  it('runs on the adapter, counted like every statement', async () => {
    const { direct } = await both(Prisma.sql`SELECT ${'x'} AS "v"`);
    expect(direct).toEqual([{ v: 'x' }]);
    expect(statements).toHaveLength(1);
  });

  it('is a tagged template too, as the store calls it', async () => {
    const name = 'Acme';
    expect(await db.reader.$queryRaw`SELECT "id" FROM "Account" WHERE "name" = ${name}`).toEqual([{ id: 'acct' }]);
  });
});
