// Batching proof for machine identities: account -> serviceAccounts(first: N) -> credentials(first: N)
// and account -> apiKeys(first: N) -> workspaces(first: N), with creators, previews and totals, cost the
// same number of database statements whatever N.
import { decodeGlobalID } from '@pothos/plugin-relay';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { issueToken, newClientId } from '../src/domain/credentials/token.js';
import { account } from './support/fixtures.js';
import { provider, startTestApp, type TestApp } from './support/harness.js';

const PARENTS = 30;
const CHILDREN = 30;

const QUERY = `query($id: ID!, $n: Int!) {
  account(id: $id) {
    serviceAccounts(first: $n) {
      totalCount
      edges { node { id name tokenLast4 createdBy { __typename } viewerCan(capability: "service_account.manage")
        credentials(first: $n) { totalCount edges { node { id clientId name } } } } }
    }
    apiKeys(first: $n) {
      totalCount
      edges { node { id name permissions workspacesTotal workspacesPreview { id name } createdBy { __typename ... on User { email } }
        workspaces(first: $n) { totalCount edges { node { id name } } } } }
    }
  }
}`;

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Json = any;

describe(`machine identities: statement counts do not grow with page sizes (${provider})`, () => {
  let t: TestApp;
  let accountId: string;

  beforeAll(async () => {
    t = await startTestApp();
    accountId = await account(t, 'Machines');
    const local = decodeGlobalID(accountId).id;
    await t.app.store.transaction(async (tx) => {
      const workspaces: string[] = [];
      for (let w = 0; w < CHILDREN; w++) workspaces.push((await tx.workspaces.create({ accountId: local, name: `ws ${w}`, description: null })).id);
      for (let p = 0; p < PARENTS; p++) {
        const sa = await tx.serviceAccounts.create({ accountId: local, name: `robot ${p}`, description: null, token: issueToken('serviceAccount'), createdById: t.admin.userId, expiresAt: null });
        for (let c = 0; c < CHILDREN; c++) {
          await tx.serviceAccounts.createCredential({ serviceAccountId: sa.id, accountId: local, name: `client ${c}`, description: null, clientId: newClientId(), secretHash: issueToken('clientSecret').hash });
        }
        const key = await tx.apiKeys.create({
          accountId: local,
          name: `key ${p}`,
          description: null,
          token: issueToken('apiKey'),
          permissions: ['workspace.read'],
          createdByType: p % 2 === 0 ? 'USER' : 'SERVICE_ACCOUNT',
          createdById: p % 2 === 0 ? t.admin.userId : sa.id,
          expiresAt: null,
          mcpActive: false,
          mcpAllowlistMode: null,
          mcpToolAllowlist: [],
          mcpReadOnly: false,
          mcpProjectIds: [],
          mcpInstanceIds: [],
          mcpPreset: null,
          mcpPermissions: [],
        });
        for (const w of workspaces) await tx.apiKeys.grantWorkspace(key.id, w);
      }
    });
  });

  afterAll(() => t.close());

  async function measure(n: number) {
    const before = await t.statements();
    const data = await t.ok<Json, { id: string; n: number }>(QUERY, { id: accountId, n });
    return { data, statements: (await t.statements()) - before };
  }

  it('runs the same statements for N = 1, 10 and 30', async () => {
    const results = new Map<number, Awaited<ReturnType<typeof measure>>>();
    for (const n of [1, 10, 30]) results.set(n, await measure(n));
    for (const [n, { data }] of results) {
      const { serviceAccounts, apiKeys } = data.account;
      expect([serviceAccounts.totalCount, apiKeys.totalCount]).toEqual([PARENTS, PARENTS]);
      expect([serviceAccounts.edges.length, apiKeys.edges.length]).toEqual([n, n]);
      for (const { node } of serviceAccounts.edges) {
        expect(node.credentials.totalCount).toBe(CHILDREN);
        expect(node.credentials.edges).toHaveLength(n);
        expect(node.createdBy.__typename).toBe('User');
      }
      for (const [i, { node }] of apiKeys.edges.entries()) {
        expect([node.workspaces.totalCount, node.workspacesTotal, node.workspacesPreview.length, node.workspaces.edges.length]).toEqual([CHILDREN, CHILDREN, 5, n]);
        expect(node.createdBy.__typename).toBe(i % 2 === 0 ? 'User' : 'ServiceAccount');
      }
    }
    const counts = [...results.values()].map((r) => r.statements);
    console.log(`machine identities nested query (${provider}): statements for N = 1/10/30: ${counts.join('/')}`);
    expect(counts[0]).toBeGreaterThan(0);
    expect(new Set(counts).size).toBe(1);
  });
});
