// Pages for many parents are read in one of two forms (src/infra/db/paging.ts): on SQLite, for up to
// PER_PARENT_MAX parents, one `ORDER BY key LIMIT n` per parent joined by UNION ALL; otherwise one window
// (ROW_NUMBER() OVER (PARTITION BY parent ...)). Both are valid SQLite, so a store told it is on PostgreSQL reads
// the same file with the window. Over random groups (0 to 80 members, keys of mixed case, digits, punctuation and
// a few non-ASCII letters, one beyond U+FFFF) and random page arguments - first or last, after or before a key, with or without a
// search - the two forms must give the same pages: edges in the same order, the same nodes and users read along,
// the same hasNextPage, hasPreviousPage and totalCount.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PageArgs } from '../src/domain/store.js';
import { createDb, type DbHandle } from '../src/infra/db/client.js';
import { PER_PARENT_MAX } from '../src/infra/db/paging.js';
import { PrismaStore } from '../src/infra/db/store.js';
import { provider } from './support/harness.js';
import { rawSqlite, type RawSqlite } from './support/raw-sqlite.js';

const GROUPS = 40;
let seed = 20261201;
const random = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
const pick = <T,>(list: readonly T[]): T => list[Math.floor(random() * list.length)]!;
const ALPHABET = 'AbZz09-_.~éÉﬀ𝔸';
const key = () => Array.from({ length: 6 + Math.floor(random() * 6) }, () => pick([...ALPHABET])).join('');

describe.skipIf(provider !== 'sqlite')('page forms agree (sqlite)', () => {
  let file: RawSqlite;
  let db: DbHandle;
  const keysByGroup = new Map<string, string[]>();

  beforeAll(async () => {
    file = await rawSqlite('keygraph-paging-forms-', 'Forms');
    const { raw, now, insert: { user, accountUser, group, member } } = file;
    raw.transaction(() => {
      const used = new Set<string>();
      for (let g = 0; g < GROUPS; g++) {
        const groupId = `g${g}`;
        group.run(groupId, `group ${g}`, `group ${g}`, now);
        const keys: string[] = [];
        for (let m = Math.floor(random() * 81); m > 0; m--) {
          let k = key();
          while (used.has(k)) k = key();
          used.add(k);
          const userId = `u-${k}`;
          user.run(userId, `${k}@forms.test`, `${k.toLowerCase()} ${random() < 0.5 ? 'blue' : 'green'}`, now);
          // Some users are not in the account (the page reads whether each is).
          if (random() < 0.8) accountUser.run(`au-${k}`, userId);
          member.run(k, groupId, userId);
          keys.push(k);
        }
        keysByGroup.set(groupId, keys);
      }
    })();
    raw.close();
    db = createDb(file.url);
  }, 120_000);

  afterAll(async () => {
    await db?.close();
    file?.remove();
  });

  it('per-parent pages and window pages are the same, over 300 random reads', async () => {
    const perParent = PrismaStore.of(db.prisma, 'sqlite', db.reader);
    const window = PrismaStore.of(db.prisma, 'postgresql', db.reader);
    const groupIds = [...keysByGroup.keys()];
    let edges = 0;
    let cursors = 0;
    for (let round = 0; round < 300; round++) {
      const parents = groupIds.filter(() => random() < 0.4);
      const allKeys = parents.flatMap((g) => keysByGroup.get(g)!);
      const size = 1 + Math.floor(random() * 30);
      const args: PageArgs = random() < 0.7 ? { first: size } : { last: size };
      const cursor = allKeys.length && random() < 0.5 ? pick(allKeys) : undefined;
      if (cursor !== undefined) {
        cursors++;
        if (random() < 0.5) args.after = cursor;
        else args.before = cursor;
      }
      const search = random() < 0.25 ? pick(['blue', 'green', 'a', 'é']) : null;
      const [a, b] = [await perParent.groups.memberPages(parents, args, search), await window.groups.memberPages(parents, args, search)];
      expect([...a], JSON.stringify({ parents, args, search })).toEqual([...b]);
      for (const page of a.values()) edges += page.edges.length;
    }
    // The comparison covered pages with rows and with cursors.
    expect(edges).toBeGreaterThan(3000);
    expect(cursors).toBeGreaterThan(100);
  });

  it(`more than ${PER_PARENT_MAX} parents are read with the window, in one statement`, async () => {
    const parents = Array.from({ length: PER_PARENT_MAX + 1 }, (_, i) => `g${i % GROUPS}-${i}`).concat(['g0']);
    const pages = await PrismaStore.of(db.prisma, 'sqlite', db.reader).groups.memberPages(parents, { first: 5 }, null);
    expect(pages.get('g0')!.edges.map((e) => e.id)).toEqual([...keysByGroup.get('g0')!].sort((x, y) => Buffer.compare(Buffer.from(x), Buffer.from(y))).slice(0, 5));
  });
});
