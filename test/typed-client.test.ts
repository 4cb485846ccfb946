// The README's typed client, run for real against keygraph.
import { describe, expect, it } from 'vitest';
import { AccountGroupsDocument, CreateGroupDocument } from './generated/graphql.js';
import { keygraphClient } from './client/typed-fetch.js';
import { account } from './support/fixtures.js';
import { provider, startTestApp } from './support/harness.js';

describe(`typed client (${provider})`, () => {
  it('runs generated TypedDocumentNodes with fetch, typed end to end', async () => {
    const t = await startTestApp();
    try {
      const acme = await account(t, 'Acme');
      const request = keygraphClient('http://keygraph.local/graphql', { token: t.admin.token, fetch: (url, init) => t.app.fetch(url, init) });
      const created = await request(CreateGroupDocument, { input: { accountId: acme, name: 'Typed' } });
      expect(created.createGroup.group?.path).toBe('/Typed');
      const data = await request(AccountGroupsDocument, { id: acme, first: 5 });
      const names: string[] = data.account?.groups.edges.map((edge) => edge.node.name) ?? [];
      expect(names).toEqual(['Typed']);
      const anonymous = keygraphClient('http://keygraph.local/graphql', { fetch: (url, init) => t.app.fetch(url, init) });
      await expect(anonymous(CreateGroupDocument, { input: { accountId: acme, name: 'Nope' } })).rejects.toThrow('authentication required');
    } finally {
      await t.close();
    }
  });
});
