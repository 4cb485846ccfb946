// Loader keys of list queries derive from the filter object the domain list receives: two different
// filters on the same parent in one request get different pages (a forgotten filter in a hand-built key
// used to be able to serve one filter's page for another).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLoaders } from '../src/graphql/context.js';
import { listKey, stableKey, type ListQuery } from '../src/domain/lists.js';
import type { Page, Store } from '../src/domain/store.js';
import { account, user } from './support/fixtures.js';
import { provider, startTestApp, type TestApp } from './support/harness.js';

describe('list loader keys', () => {
  it('are the same for equal filters, whatever their key order, and differ for any other value', () => {
    const query = { name: 'test.list' } as ListQuery<unknown>;
    expect(listKey(query, { a: 1, b: 'x' }, { first: 2 })).toBe(listKey(query, { b: 'x', a: 1 }, { first: 2 }));
    expect(listKey(query, { a: 1, b: 'x' }, { first: 2 })).not.toBe(listKey(query, { a: 1, b: 'y' }, { first: 2 }));
    expect(listKey(query, { a: 1 }, { first: 2 })).not.toBe(listKey(query, { a: 1, extra: null }, { first: 2 }));
    expect(listKey(query, { a: 1 }, { first: 2 })).not.toBe(listKey(query, { a: 1 }, { first: 3 }));
    expect(stableKey({ now: new Date(0) })).not.toBe(stableKey({ now: new Date(1) }));
  });

  it('give two filters on the same parent in one request their own page', async () => {
    const calls: unknown[] = [];
    const query: ListQuery<{ status: string | null }> = {
      name: 'test.byStatus',
      pages: async (_store, parentIds, _args, filter) => {
        calls.push(filter);
        const page: Page = { edges: [{ cursor: `${filter.status}`, id: `row-${filter.status}` }], hasNextPage: false, hasPreviousPage: false };
        return new Map(parentIds.map((id) => [id, page]));
      },
      counts: async (_store, parentIds, filter) => new Map(parentIds.map((id) => [id, filter.status === 'A' ? 1 : 2])),
    };
    // The loaders fetch lazily: a store is never touched by this list.
    const loaders = createLoaders({ zones: {} } as unknown as Store);
    const [a, b, again] = await Promise.all([
      loaders.list(query, { first: 10 }, { status: 'A' }).load('parent'),
      loaders.list(query, { first: 10 }, { status: 'B' }).load('parent'),
      loaders.list(query, { first: 10 }, { status: 'A' }).load('parent'),
    ]);
    expect(a.edges.map((e) => e.id)).toEqual(['row-A']);
    expect(b.edges.map((e) => e.id)).toEqual(['row-B']);
    expect(again).toBe(a);
    expect(calls).toEqual([{ status: 'A' }, { status: 'B' }]);
    expect(await loaders.listCount(query, { status: 'A' }).load('parent')).toBe(1);
    expect(await loaders.listCount(query, { status: 'B' }).load('parent')).toBe(2);
  });
});

describe(`two filters of one list in one request (${provider})`, () => {
  let t: TestApp;
  let accountId: string;

  beforeAll(async () => {
    t = await startTestApp();
    accountId = await account(t, 'Filters');
    await user(t, accountId, 'ada@example.com');
    await user(t, accountId, 'bob@example.com');
  });

  afterAll(() => t.close());

  it('answer each alias with its own filter', async () => {
    const data = await t.ok<{ account: { a: { edges: { node: { email: string } }[]; totalCount: number }; b: { edges: { node: { email: string } }[]; totalCount: number } } }, { id: string }>(
      `query ($id: ID!) { account(id: $id) {
        a: users(first: 10, search: "ada") { totalCount edges { node { email } } }
        b: users(first: 10, search: "bob") { totalCount edges { node { email } } }
      } }`,
      { id: accountId },
    );
    expect(data.account.a.edges.map((e) => e.node.email)).toEqual(['ada@example.com']);
    expect(data.account.b.edges.map((e) => e.node.email)).toEqual(['bob@example.com']);
    expect([data.account.a.totalCount, data.account.b.totalCount]).toEqual([1, 1]);
  });
});
