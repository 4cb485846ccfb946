// Batching proof for the zones graph: zone { applications(first: N) { credentials(first: N)
// dependencies(first: N) } } costs the same number of database statements for N = 1, 10 and 50,
// read from the counter that /metrics exposes.
import { decodeGlobalID } from '@pothos/plugin-relay';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { account } from './support/fixtures.js';
import { provider, startTestApp, type TestApp } from './support/harness.js';
import { zone, type Json } from './support/zones.js';

const APPS = 50;
const PER_APP = 50;
const RESOURCES = 50;

const QUERY = `query($id: ID!, $n: Int!) {
  zone(id: $id) {
    name
    applications(first: $n) {
      totalCount
      edges { node {
        name dependenciesCount viewerCan(capability: "application.manage")
        credentials(first: $n) { totalCount edges { node { __typename identifier ... on TokenCredential { provider { name } } } } }
        dependencies(first: $n) { totalCount edges { node { whenAccessing resource { name scopes } } } }
      } }
    }
  }
}`;

describe(`zones statement counts do not grow with page sizes (${provider})`, () => {
  let t: TestApp;
  let zoneId: string;

  beforeAll(async () => {
    t = await startTestApp();
    const acme = await account(t, 'Batching');
    zoneId = await zone(t, acme, 'Batching');
    const accountId = decodeGlobalID(acme).id;
    const z = decodeGlobalID(zoneId).id;
    // 50 applications, each with 50 credentials (token ones naming a provider) and 50 dependencies,
    // seeded through the repositories (the API path is covered by zones-applications.test.ts).
    const { resources, providerId } = await t.app.store.transaction(async (tx) => {
      const p = await tx.zones.providers.create({ accountId, zoneId: z, identifier: 'idp', slug: 'idp', name: 'IdP', description: null, type: 'EXTERNAL', ownerType: 'CUSTOMER', clientId: null, clientSecretCipher: null, metadata: null, protocols: { oauth2: { issuer: 'https://idp.example' } as never, openid: null } });
      const list = [];
      for (let r = 0; r < RESOURCES; r++) {
        list.push(await tx.zones.resources.create({ accountId, zoneId: z, identifier: `https://r${r}.example`, slug: `r${r}`, name: `Resource ${r}`, description: null, docsUrl: null, applicationType: 'WEB', ownerType: 'CUSTOMER', scopes: ['read'], credentialProviderId: null, applicationId: null }));
      }
      return { resources: list, providerId: p.id };
    });
    for (let a = 0; a < APPS; a++) {
      await t.app.store.transaction(async (tx) => {
        const app = await tx.zones.applications.create({ accountId, zoneId: z, identifier: `app-${a}`, slug: `app-${a}`, name: `App ${a}`, description: null, docsUrl: null, redirectUris: [], postLogoutRedirectUris: [], traits: [], ownerType: 'CUSTOMER' });
        for (let c = 0; c < PER_APP; c++) {
          const token = c % 2 === 0;
          await tx.zones.credentials.create({ accountId, zoneId: z, applicationId: app.id, type: token ? 'TOKEN' : 'PUBLIC', slug: `app-${a}-c${c}`, identifier: token ? `subject-${c}` : `client-${a}-${c}`, providerId: token ? providerId : null, subject: token ? `subject-${c}` : null, jwksUri: null, secretHash: null });
          await tx.zones.dependencies.create({ zoneId: z, applicationId: app.id, resourceId: resources[c]!.id, whenAccessing: c > 0 ? [resources[c - 1]!.id] : [] });
        }
      });
    }
  });

  afterAll(() => t.close());

  async function measure(n: number) {
    const before = await t.statements();
    const data: Json = await t.ok(QUERY, { id: zoneId, n });
    return { data, statements: (await t.statements()) - before };
  }

  it('runs the same statements for N = 1, 10 and 50', async () => {
    const results = new Map<number, Awaited<ReturnType<typeof measure>>>();
    // The first request after the set-up's writes reads the session and grants; on SQLite the next ones do not
    // while nothing changes (test/known-sessions.test.ts). Every count is taken after that first request.
    await measure(1);
    for (const n of [1, 10, 50]) results.set(n, await measure(n));
    for (const [n, { data }] of results) {
      const apps = data.zone.applications;
      expect(apps.totalCount).toBe(APPS);
      expect(apps.edges).toHaveLength(n);
      for (const { node } of apps.edges) {
        expect(node.dependenciesCount).toBe(PER_APP);
        expect(node.viewerCan).toBe(true);
        expect(node.credentials.totalCount).toBe(PER_APP);
        expect(node.credentials.edges).toHaveLength(n);
        for (const c of node.credentials.edges) if (c.node.__typename === 'TokenCredential') expect(c.node.provider.name).toBe('IdP');
        expect(node.dependencies.totalCount).toBe(PER_APP);
        expect(node.dependencies.edges).toHaveLength(n);
        for (const d of node.dependencies.edges) expect(d.node.resource.name).toMatch(/^Resource \d+$/);
      }
    }
    const counts = [...results.values()].map((r) => r.statements);
    console.log(`zones statements for N = 1/10/50 on ${provider}: ${counts.join('/')}`);
    expect(counts[0]).toBeGreaterThan(0);
    // Issue 11: the session and the grants snapshot are one statement; today's count on both databases.
    expect(counts[0]).toBeLessThanOrEqual(11);
    expect(new Set(counts).size).toBe(1);
  });
});
