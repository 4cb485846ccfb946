// Per-parent pages (src/infra/db/paging.ts) check that each parent's rows came in key order and sort them as
// SQLite's BINARY collation orders text (UTF-8 bytes) where they did not. SQLite does return them in order, so
// test/paging-forms.test.ts never reaches the sort: here rows are handed over shuffled.
import { describe, expect, it } from 'vitest';
import { inKeyOrder } from '../../src/infra/db/paging.js';

const binary = (a: string, b: string) => Buffer.compare(Buffer.from(a), Buffer.from(b));
// In UTF-8 'ﬀ' (U+FB00, EF AC 80) sorts before '𝔸' (U+1D538, F0 9D 94 B8); in UTF-16 code units after it (0xFB00 > 0xD835).
const KEYS = ['A1', 'a1', 'Z', 'é', 'ﬀ', '𝔸', '0', 'A', 'ﬀa', '𝔸a'];

describe('inKeyOrder', () => {
  for (const backward of [false, true]) {
    it(`sorts each parent's shuffled rows in BINARY order${backward ? ', descending' : ''}`, () => {
      let seed = 7;
      const random = () => ((seed = (seed * 48271) % 2147483647) / 2147483647);
      for (let round = 0; round < 50; round++) {
        const rows = ['g1', 'g2'].flatMap((p) => KEYS.map((k) => ({ p, k })));
        for (let i = rows.length - 1; i > 0; i--) {
          const j = Math.floor(random() * (i + 1));
          [rows[i], rows[j]] = [rows[j]!, rows[i]!];
        }
        inKeyOrder(rows, backward);
        for (const p of ['g1', 'g2']) {
          const expected = [...KEYS].sort(binary);
          if (backward) expected.reverse();
          expect(rows.filter((r) => r.p === p).map((r) => r.k)).toEqual(expected);
        }
      }
    });
  }

  it("sorts a parent's rows out of order even when other parents' rows stand between them", () => {
    const rows = [
      { p: 'g1', k: 'B' },
      { p: 'g2', k: 'A' },
      { p: 'g1', k: 'A' },
    ];
    inKeyOrder(rows, false);
    expect(rows.filter((r) => r.p === 'g1').map((r) => r.k)).toEqual(['A', 'B']);
  });

  it('leaves rows already in order as they are', () => {
    const rows = [...KEYS].sort(binary).map((k) => ({ p: 'g', k }));
    const same = [...rows];
    inKeyOrder(rows, false);
    rows.forEach((row, i) => expect(row).toBe(same[i]));
  });
});
