// The grants snapshot (store.grants.heldBy, one statement per request) must be driven from the subject's own
// rows whatever the planner's statistics say. With ANALYZE statistics and 100,000 members it once scanned all of
// AccountUser (0.27 ms -> 42 ms). This test builds that world on SQLite, runs ANALYZE, and checks the plan:
// every base table is reached through an index SEARCH, none is SCANned. No timing is asserted.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDb, type DbHandle } from '../src/infra/db/client.js';
import { heldByStatement, PrismaStore, sessionWithGrantsStatement } from '../src/infra/db/store.js';
import { provider } from './support/harness.js';
import { rawSqlite, type RawSqlite } from './support/raw-sqlite.js';

const MEMBERS = 100_000;
const GROUPS = 200;
const ZONE_MEMBERS = 5_000;
// The base tables of the statement and the aliases it gives them (CTEs such as s, m, h may be scanned: they hold
// the subject's own rows).
const BASE_TABLES = new Set(['AccountUser', 'GroupMember', 'GroupClosure', 'AuthorizationGrant', 'RoleAssignment', 'ZoneMember', 'Session', 'au', 'gm', 'c', 'g', 'r', 'zm', 'ses']);

const id = (prefix: string, n: number) => `${prefix}${String(n).padStart(8, '0')}`;

describe.skipIf(provider !== 'sqlite')('grants snapshot plan with statistics (sqlite)', () => {
  let file: RawSqlite;
  let db: DbHandle;

  beforeAll(async () => {
    file = await rawSqlite('keygraph-plan-', 'Big');
    const { raw, now, insert: { user, accountUser, group, member } } = file;
    raw.transaction(() => {
      raw.prepare(`INSERT INTO "Zone" ("id", "accountId", "name", "slug", "updatedAt") VALUES ('zone', 'acct', 'Z', 'z', ?)`).run(now);
      const closure = raw.prepare(`INSERT INTO "GroupClosure" ("ancestorId", "descendantId", "depth", "accountId") VALUES (?, ?, 0, 'acct')`);
      const grant = raw.prepare(`INSERT INTO "AuthorizationGrant" ("id", "accountId", "grantKind", "capabilityKey", "subjectType", "subjectId") VALUES (?, 'acct', 'CAPABILITY', 'group.read', 'GROUP', ?)`);
      const role = raw.prepare(`INSERT INTO "RoleAssignment" ("id", "accountId", "roleKey", "subjectType", "subjectId", "resourceType", "resourceId") VALUES (?, 'acct', 'VIEWER', 'GROUP', ?, 'account', 'acct')`);
      for (let g = 0; g < GROUPS; g++) {
        group.run(id('g', g), `group ${g}`, `group ${g}`, now);
        closure.run(id('g', g), id('g', g));
        grant.run(id('ag', g), id('g', g));
        role.run(id('ra', g), id('g', g));
      }
      const zoneMember = raw.prepare(`INSERT INTO "ZoneMember" ("id", "accountId", "zoneId", "userId", "role", "updatedAt") VALUES (?, 'acct', 'zone', ?, 'ZONE_VIEWER', ?)`);
      // One session when the statistics are taken (so they say the table is tiny), as after a first login.
      raw.prepare(`INSERT INTO "Session" ("id", "userId", "expiresAt") VALUES ('ses', ?, ?)`).run(id('u', 7), now);
      for (let u = 0; u < MEMBERS; u++) {
        const userId = id('u', u);
        user.run(userId, `${userId}@big.test`, userId, now);
        accountUser.run(id('au', u), userId);
        member.run(id('gm', u), id('g', u % GROUPS), userId);
        if (u < ZONE_MEMBERS) zoneMember.run(id('zm', u), userId, now);
      }
    })();
    raw.exec('ANALYZE');
    raw.close();
    db = createDb(file.url);
  }, 120_000);

  afterAll(async () => {
    await db?.close();
    file?.remove();
  });

  it('reaches every table through an index from the subject, never by a scan', async () => {
    for (const subjects of [[id('u', 7)], [id('u', 7), id('g', 3)]]) {
      const statement = heldByStatement(subjects, 'sqlite');
      const plan = await db.prisma.$queryRawUnsafe<{ detail: string }[]>(`EXPLAIN QUERY PLAN ${statement.sql}`, ...statement.values);
      const details = plan.map((row) => row.detail);
      if (process.env.PLAN_DEBUG) console.log(details.join('\n'));
      const scans = details.filter((detail) => BASE_TABLES.has(/^SCAN (\w+)/.exec(detail)?.[1] ?? ''));
      expect(scans, details.join('\n')).toEqual([]);
      for (const table of ['AccountUser', 'ZoneMember', 'GroupMember']) expect(details.join('\n'), `${table} in:\n${details.join('\n')}`).toMatch(new RegExp(`^SEARCH .*INDEX ${table}_`, 'm'));
    }
  });

  it("reads the request's session and grants snapshot (one statement) through indexes too", async () => {
    const statement = sessionWithGrantsStatement('ses', id('u', 7), 'sqlite');
    const plan = await db.prisma.$queryRawUnsafe<{ detail: string }[]>(`EXPLAIN QUERY PLAN ${statement.sql}`, ...statement.values);
    const details = plan.map((row) => row.detail);
    expect(details.filter((detail) => BASE_TABLES.has(/^SCAN (\w+)/.exec(detail)?.[1] ?? '')), details.join('\n')).toEqual([]);
    expect(details.join('\n')).toMatch(/^SEARCH ses USING INDEX sqlite_autoindex_Session_1/m);
    const store = PrismaStore.of(db.prisma, 'sqlite');
    const { session, held } = await store.sessions.byIdWithGrants('ses', id('u', 7));
    expect(session?.userId).toBe(id('u', 7));
    expect(held?.groupIds).toEqual([id('g', 7)]);
    expect(await store.sessions.byIdWithGrants('none', id('u', 7))).toEqual({ session: null, held: null });
  });

  it('still answers right: the groups, their grants and role assignments, and the zone role', async () => {
    const store = PrismaStore.of(db.prisma, 'sqlite');
    const held = await store.grants.heldBy([id('u', 7), id('u', 99_999)]);
    if (process.env.PLAN_DEBUG) {
      const started = performance.now();
      for (let i = 0; i < 100; i++) await store.grants.heldBy([id('u', i)]);
      console.log(`heldBy: ${((performance.now() - started) / 100).toFixed(3)} ms per call`);
    }
    const seven = held.get(id('u', 7))!;
    expect(seven.groupIds).toEqual([id('g', 7)]);
    expect(seven.grants.map((g) => [g.kind, g.id]).sort()).toEqual([
      ['CAPABILITY', id('ag', 7)],
      ['ROLE', id('ra', 7)],
      ['ZONE_ROLE', id('zm', 7)],
    ]);
    // Beyond the zone members: no zone role.
    expect(held.get(id('u', 99_999))!.grants.map((g) => g.kind).sort()).toEqual(['CAPABILITY', 'ROLE']);
  });
});
