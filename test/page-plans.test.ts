// The statements behind the nested query (members of groups with their users, users of an account, the
// accounts of users) must reach every table through an index whatever statistics SQLite holds. Statistics
// taken while a table was small - one user, right after bootstrap - once made the members page scan all of
// User for each member (150 ms per request with 1,000 members, against 7 ms through the primary key). This
// test stores statistics at bootstrap size, then grows the tables without refreshing them, as a deployment
// between two `PRAGMA optimize` runs does, and checks the plans. No timing is asserted.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDb, type DbHandle } from '../src/infra/db/client.js';
import { PrismaStore } from '../src/infra/db/store.js';
import { provider } from './support/harness.js';
import { rawSqlite, type RawSqlite } from './support/raw-sqlite.js';

const USERS = 2_000;
const GROUPS = 20;
const id = (prefix: string, n: number) => `${prefix}${String(n).padStart(8, '0')}`;
// Base tables and the aliases the statements give them; subqueries (s, subquery-N) may be scanned.
const BASE_TABLES = new Set(['User', 'AccountUser', 'GroupMember', 'Group', 'ServiceAccount', 'u', 'au', 'm', 'g', 'mg', 'sa']);

describe.skipIf(provider !== 'sqlite')('page plans with statistics taken at bootstrap (sqlite)', () => {
  let file: RawSqlite;
  let db: DbHandle;
  const statements: string[] = [];

  beforeAll(async () => {
    // Bootstrap: one account, one user, one group with one member; then statistics, as `PRAGMA optimize` stores them.
    file = await rawSqlite('keygraph-page-plans-', 'Big');
    const { raw, now, insert: { user, accountUser, group, member } } = file;
    user.run(id('u', 0), 'u0@big.test', 'u0', now);
    accountUser.run(id('au', 0), id('u', 0));
    group.run(id('g', 0), 'group 0', 'group 0', now);
    member.run(id('gm', 0), id('g', 0), id('u', 0));
    raw.exec('ANALYZE');
    // Then the tables grow, and the statistics are not refreshed.
    raw.transaction(() => {
      for (let g = 1; g < GROUPS; g++) group.run(id('g', g), `group ${g}`, `group ${g}`, now);
      for (let u = 1; u < USERS; u++) {
        user.run(id('u', u), `u${u}@big.test`, `u${u}`, now);
        accountUser.run(id('au', u), id('u', u));
        member.run(id('gm', u), id('g', u % GROUPS), id('u', u));
      }
    })();
    raw.close();
    db = createDb(file.url, (sql) => statements.push(sql));
  }, 120_000);

  afterAll(async () => {
    await db?.close();
    file?.remove();
  });

  /** Runs `read`, then the query plan of each statement it ran: the base tables it scans. */
  async function scansOf(read: (store: PrismaStore) => Promise<unknown>): Promise<{ scans: string[]; plan: string }> {
    statements.length = 0;
    await read(PrismaStore.of(db.prisma, 'sqlite'));
    expect(statements.length).toBeGreaterThan(0);
    const details: string[] = [];
    for (const sql of statements.splice(0)) {
      // The plan does not depend on the values; any value of the right count will do.
      const values = Array.from({ length: (sql.match(/\?/g) ?? []).length }, () => 'x');
      const plan = await db.prisma.$queryRawUnsafe<{ detail: string }[]>(`EXPLAIN QUERY PLAN ${sql}`, ...values);
      details.push(...plan.map((row) => row.detail));
    }
    return { scans: details.filter((d) => BASE_TABLES.has(/^SCAN (?:main\.)?"?(\w+)/.exec(d)?.[1] ?? '')), plan: details.join('\n') };
  }

  const groupIds = Array.from({ length: GROUPS }, (_, g) => id('g', g));
  const userIds = Array.from({ length: 1_000 }, (_, u) => id('u', u));

  it('reads members of groups, with their users, through indexes', async () => {
    const { scans, plan } = await scansOf((store) => store.groups.memberPages(groupIds, { first: 50 }, null));
    expect(scans, plan).toEqual([]);
    expect(plan).toMatch(/SEARCH u USING INDEX sqlite_autoindex_User_1/);
  });

  it('reads members found by a search through indexes', async () => {
    const { scans, plan } = await scansOf((store) => store.groups.memberPages(groupIds, { first: 50 }, 'u1'));
    expect(scans, plan).toEqual([]);
  });

  it("reads an account's users through indexes", async () => {
    const { scans, plan } = await scansOf((store) => store.users.pagesByAccount(['acct'], { first: 50 }, null));
    expect(scans, plan).toEqual([]);
  });

  it('reads the accounts of many users through the userId index', async () => {
    const { scans, plan } = await scansOf((store) => store.users.accountsOf(userIds));
    expect(scans, plan).toEqual([]);
  });

  it('still answers right', async () => {
    const store = PrismaStore.of(db.prisma, 'sqlite');
    const pages = await store.groups.memberPages([id('g', 1)], { first: 3 }, null);
    const page = pages.get(id('g', 1))!;
    expect(page.totalCount).toBe(USERS / GROUPS);
    expect(page.edges.map((e) => e.id)).toEqual([id('gm', 1), id('gm', 21), id('gm', 41)]);
    expect(page.edges.map((e) => e.related?.[0]?.id)).toEqual([id('u', 1), id('u', 21), id('u', 41)]);
    expect(page.hasNextPage).toBe(true);
    const accounts = await store.users.accountsOf([id('u', 5), 'nobody']);
    expect([...accounts]).toEqual([
      [id('u', 5), ['acct']],
      ['nobody', []],
    ]);
  });
});
