// Batching proof: the nested account -> groups -> members query costs the same number of database
// statements whatever the page sizes, read from the counter that /metrics exposes.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GroupsWithMembersDocument } from './generated/graphql.js';
import { decodeGlobalID, encodeGlobalID } from '@pothos/plugin-relay';
import { account, nest } from './support/fixtures.js';
import { provider, startTestApp, type TestApp } from './support/harness.js';

const GROUPS = 50;
const MEMBERS = 50;

describe(`statement counts do not grow with page sizes (${provider})`, () => {
  let t: TestApp;
  let accountId: string;

  beforeAll(async () => {
    t = await startTestApp();
    accountId = await account(t, 'Batching');
    const local = decodeGlobalID(accountId).id;
    // 2,500 users, each in one of 50 groups, seeded through the repositories, one transaction per group
    // (the API path for the same writes is covered by groups.test.ts; here it would only be slow).
    const groups: string[] = [];
    for (let g = 0; g < GROUPS; g++) {
      groups.push(
        await t.app.store.transaction(async (tx) => {
          const created = await tx.groups.create({ accountId: local, name: `Group ${g}`, description: null, attributes: {}, linkedScopes: [] });
          for (let m = 0; m < MEMBERS; m++) {
            const member = await tx.users.create({ email: `user${g}-${m}@example.com`, username: null, firstName: `User ${g}-${m}`, lastName: null, passwordHash: null });
            await tx.users.addToAccount(local, member.id);
            await tx.groups.addUser(created.id, member.id);
          }
          return created.id;
        }),
      );
    }
    // Every fifth group also nests the next one, so member lists mix users and groups.
    for (let g = 0; g + 1 < GROUPS; g += 5) await nest(t, encodeGlobalID('Group', groups[g]!), encodeGlobalID('Group', groups[g + 1]!));
  });

  afterAll(() => t.close());

  async function measure(n: number) {
    const before = await t.statements();
    const data = await t.ok(GroupsWithMembersDocument, { id: accountId, n });
    const statements = (await t.statements()) - before;
    return { data, statements };
  }

  it('runs the same statements for N = 1, 10 and 50', async () => {
    const results = new Map<number, Awaited<ReturnType<typeof measure>>>();
    // The first request after the set-up's writes reads the session and grants; on SQLite the next ones do not
    // while nothing changes (test/known-sessions.test.ts). Every count is taken after that first request.
    await measure(1);
    for (const n of [1, 10, 50]) results.set(n, await measure(n));

    for (const [n, { data }] of results) {
      const groups = data.account!.groups;
      expect(groups.totalCount).toBe(GROUPS);
      expect(groups.edges).toHaveLength(n);
      for (const edge of groups.edges) {
        const members = edge.node.members;
        // Nested groups hold one more member (the subgroup) than the others.
        expect(members.totalCount).toBeGreaterThanOrEqual(MEMBERS);
        expect(members.edges).toHaveLength(Math.min(n, members.totalCount));
        for (const member of members.edges) {
          if (member.node.subjectType === 'USER') expect(member.node.user?.email).toMatch(/@example\.com$/);
          else expect(member.node.group?.name).toMatch(/^Group /);
        }
      }
    }
    const counts = [...results.values()].map((r) => r.statements);
    console.log(`statements for N = 1/10/50 on ${provider}: ${counts.join('/')}`);
    expect(counts[0]).toBeGreaterThan(0);
    // Issue 11: a page without a cursor counts its list in the same statement, so totalCount costs nothing more.
    // Session and grants snapshot in one statement; group and member rows (and members' users, with whether they are in
    // the account) read with their pages.
    expect(counts[0]).toBeLessThanOrEqual(7);
    expect(new Set(counts).size).toBe(1);
  });

  it('counts statements on /metrics, by model and operation', async () => {
    await measure(5);
    const text = await (await t.app.fetch('/metrics')).text();
    expect(text).toMatch(/keygraph_db_statements_total\{model="GroupMember",operation="select"\} \d+/);
    expect(text).toMatch(/keygraph_db_statements_total\{model="User",operation="select"\} \d+/);
  });
});
