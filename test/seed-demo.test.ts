// npm run seed:demo's data: created once through the domain, explorable through the API by the demo
// owner and, within their zones, by the demo zone members; a second run changes nothing.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_OWNER_EMAIL, seedDemo } from '../src/domain/demo.js';
import { DECISION_FIELDS } from '../src/domain/zone/store.js';
import { ScryptHasher } from '../src/infra/crypto/password.js';
import { provider, startTestApp, type TestApp } from './support/harness.js';
import type { Json } from './support/zones.js';
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { createDb, Prisma } from '../src/infra/db/client.js';
import { PrismaStore } from '../src/infra/db/store.js';
import { freshDatabase, type TestDatabase } from './support/harness.js';

const PASSWORD = 'demo password for tests';

describe(`seed:demo (${provider})`, () => {
  let t: TestApp;
  let result: Awaited<ReturnType<typeof seedDemo>>;

  beforeAll(async () => {
    t = await startTestApp();
    result = await seedDemo(t.app.store, t.app.services, new ScryptHasher(10), PASSWORD);
  });
  afterAll(() => t.close());

  it('creates an explorable account and zones', async () => {
    expect(result.created).toBe(true);
    expect(result.credentialPassword).toMatch(/^[\w-]{43}$/);
    const owner = t.as(await t.login(DEMO_OWNER_EMAIL, PASSWORD));
    const data: Json = await owner.ok(
      `{ accounts { edges { node { name users { totalCount } groups { totalCount } zones { totalCount edges { node { name
          applications { totalCount } resources { totalCount } providers { totalCount } applicationCredentials { totalCount }
          secrets { totalCount edges { node { value { __typename } } } } delegatedGrants { edges { node { status } } }
          sessions { totalCount } users { totalCount } userAgents { totalCount } members { totalCount } defaultMcpGatewayApplication { ownerType } } } } } } } }`,
    );
    const account = data.accounts.edges[0].node;
    expect(account).toMatchObject({ name: 'Acme Demo', users: { totalCount: 5 }, groups: { totalCount: 3 }, zones: { totalCount: 2 } });
    const production = account.zones.edges[0].node;
    expect(production).toMatchObject({
      name: 'Production',
      applications: { totalCount: 4 },
      resources: { totalCount: 4 },
      providers: { totalCount: 3 },
      applicationCredentials: { totalCount: 5 },
      secrets: { totalCount: 2 },
      sessions: { totalCount: 5 },
      users: { totalCount: 3 },
      userAgents: { totalCount: 2 },
      members: { totalCount: 2 },
      defaultMcpGatewayApplication: { ownerType: 'PLATFORM' },
    });
    expect(production.delegatedGrants.edges.map((e: Json) => e.node.status)).toEqual(['ACTIVE', 'EXPIRED', 'REVOKED']);
    expect(production.secrets.edges.map((e: Json) => e.node.value.__typename)).toEqual(['TokenSecretValue', 'PasswordSecretValue']);
  });

  it('includes a service account, a read-only API key limited to one workspace, and a pending invitation', async () => {
    expect(result.machineSecrets?.serviceAccountToken).toMatch(/^kgs_/);
    expect(result.machineSecrets?.apiKey).toMatch(/^kgk_/);
    const owner = t.as(await t.login(DEMO_OWNER_EMAIL, PASSWORD));
    const data: Json = await owner.ok(
      `{ accounts { edges { node { workspaces { totalCount } serviceAccounts { edges { node { name credentials { totalCount } } } }
          apiKeys { edges { node { name mcpReadOnly workspacesTotal } } } invitations { edges { node { email status } } } } } } }`,
    );
    const account = data.accounts.edges[0].node;
    expect(account.serviceAccounts.edges.map((e: Json) => e.node)).toEqual([{ name: 'CI deployer', credentials: { totalCount: 1 } }]);
    expect(account.apiKeys.edges.map((e: Json) => e.node)).toEqual([{ name: 'Reporting', mcpReadOnly: true, workspacesTotal: 1 }]);
    expect(account.invitations.edges.map((e: Json) => e.node)).toEqual([{ email: 'newhire@acme-demo.example', status: 'PENDING' }]);
    // The printed key sees one of the two workspaces, and writes nothing.
    const key = t.as(result.machineSecrets!.apiKey);
    const seen: Json = await key.ok(`{ accounts { edges { node { workspaces { edges { node { name } } } } } } }`);
    expect(seen.accounts.edges[0].node.workspaces.edges.map((e: Json) => e.node.name)).toEqual(['Analytics']);
    const write = await key.gql(`mutation($a: ID!) { createGroup(input: { accountId: $a, name: "nope" }) { errors { message } } }`, { a: Buffer.from(`Account:${result.accountId}`).toString('base64') });
    expect(write.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    // The deployer acts through its group (Platform) and its own grant.
    const deployer: Json = await t.as(result.machineSecrets!.serviceAccountToken).ok(`{ viewer { principalType serviceAccount { name permissionContext { resolvedCapabilityKeys } } } }`);
    expect(deployer.viewer.principalType).toBe('SERVICE_ACCOUNT');
    expect(deployer.viewer.serviceAccount.permissionContext.resolvedCapabilityKeys).toContain('application.manage');
  });

  it("lets the demo zone manager into Production and not Staging", async () => {
    const grace = t.as(await t.login('grace@acme-demo.example', PASSWORD));
    const [production, staging] = result.zoneIds.map((id) => Buffer.from(`Zone:${id}`).toString('base64'));
    const data: Json = await grace.ok(`query($p: ID!, $s: ID!) { p: zone(id: $p) { name viewerCan(capability: "application.manage") } s: zone(id: $s) { name } }`, { p: production, s: staging });
    expect(data).toEqual({ p: { name: 'Production', viewerCan: true }, s: null });
  });

  it('has a policy set bound ACTIVE and one bound SHADOW in Production, and a starter authorize request that they answer', async () => {
    const { encodeGlobalID } = await import('@pothos/plugin-relay');
    const owner = t.as(await t.login(DEMO_OWNER_EMAIL, PASSWORD));
    const e = result.authorizeExample!;
    const input = { zoneId: encodeGlobalID('Zone', e.zoneId), principalId: encodeGlobalID('ZoneUser', e.zoneUserId), action: 'access', resourceId: encodeGlobalID('Resource', e.resourceId), context: { scopes: e.scopes } };
    const answer: Json = await owner.ok(`query($input: AuthorizeInput!) { authorize(input: $input) { decision reasons { policyId } errors shadow { decision differs } } }`, { input });
    expect(answer.authorize).toMatchObject({ decision: 'ALLOW', errors: [], shadow: [{ decision: 'DENY', differs: true }] });
    expect(answer.authorize.reasons).toHaveLength(1);
    const sets: Json = await owner.ok(`query($id: ID!) { zone(id: $id) { policySets { edges { node { name mode activeVersion shadowDiffs { evaluated differing } } } } } }`, { id: input.zoneId });
    expect(sets.zone.policySets.edges.map((x: Json) => x.node)).toEqual([
      { name: 'production-baseline', mode: 'ACTIVE', activeVersion: 1, shadowDiffs: [] },
      { name: 'candidate-no-file-writes', mode: 'SHADOW', activeVersion: 1, shadowDiffs: [{ evaluated: 1, differing: 1 }] },
    ]);
  });

  it('every zone table, and the account tables read raw by id, read the same through the direct reader as through the client', async () => {
    // The zone store's loaders read by id with a raw SELECT * (DbHandle.reader); its rows must be the client's.
    const source = readFileSync(fileURLToPath(new URL('../src/infra/db/zone-store.ts', import.meta.url)), 'utf8');
    const zoneModels = [...source.matchAll(/model: '(\w+)'/g)].map((m) => m[1]!);
    expect(zoneModels.length).toBeGreaterThan(15);
    const prisma = t.app.db.prisma as Json;
    const sorted = (rows: Record<string, unknown>[]) => [...rows].sort((a, b) => (String(a.id) < String(b.id) ? -1 : 1));
    let compared = 0;
    for (const model of [...zoneModels, 'Account', 'Group']) {
      const delegate = model[0]!.toLowerCase() + model.slice(1);
      const viaClient = sorted(await prisma[delegate].findMany());
      const direct = sorted(await t.app.db.reader.$queryRaw<Record<string, unknown>[]>(Prisma.raw(`SELECT * FROM "${model}"`)));
      expect(direct, model).toEqual(viaClient);
      compared += direct.length;
    }
    expect(compared).toBeGreaterThan(50);
  });

  it("a decision's users, applications, resources and sessions, read in one statement, are the objects each table reads alone (their decision fields)", async () => {
    const prisma = t.app.db.prisma as Json;
    const ids = async (delegate: string) => [...(await prisma[delegate].findMany({ select: { id: true } })).map((row: { id: string }) => row.id), 'absent'];
    const reads = { zoneUsers: await ids('zoneUser'), applications: await ids('application'), resources: await ids('resource'), sessions: await ids('zoneSession') };
    for (const list of Object.values(reads)) expect(list.length).toBeGreaterThan(1);
    const z = t.app.store.zones;
    const before = await t.app.metrics.statementTotal();
    const together = await z.entitiesByIds(reads);
    expect((await t.app.metrics.statementTotal()) - before).toBe(1);
    // Each object as its table reads it, cut to the fields a decision uses.
    const cut = (objects: (object | null)[], fields: readonly string[]) => objects.map((o) => (o ? Object.fromEntries(fields.map((f) => [f, (o as Record<string, unknown>)[f]])) : null));
    expect(together).toEqual({
      zoneUsers: cut(await z.zoneUsers.byIds(reads.zoneUsers), DECISION_FIELDS.zoneUsers),
      applications: cut(await z.applications.byIds(reads.applications), DECISION_FIELDS.applications),
      resources: cut(await z.resources.byIds(reads.resources), DECISION_FIELDS.resources),
      sessions: cut(await z.sessions.byIds(reads.sessions), DECISION_FIELDS.sessions),
    });
    expect(together.applications.at(-1)).toBeNull();
    // One table alone is read without the compound, with the same fields.
    const alone = await z.entitiesByIds({ zoneUsers: [], applications: [], resources: reads.resources, sessions: [] });
    expect(alone.resources).toEqual(together.resources);
  });

  it('a second run changes nothing', async () => {
    const again = await seedDemo(t.app.store, t.app.services, new ScryptHasher(10), 'another password');
    expect(again).toMatchObject({ created: false, accountId: result.accountId, zoneIds: result.zoneIds, credentialPassword: null, machineSecrets: null });
  });
});

describe(`npm run seed:demo, the command (${provider})`, () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await freshDatabase();
  });
  afterAll(() => db.drop());

  it('prints the URL of the port it is given, and the invitation message with its accept link; nothing stays queued', { timeout: 120_000 }, async () => {
    const root = fileURLToPath(new URL('..', import.meta.url));
    const { stdout } = await promisify(execFile)(process.execPath, ['--import', 'tsx', 'src/cli/seed-demo.ts', '--password', PASSWORD], {
      cwd: root,
      env: { ...process.env, PORT: '4567', DATABASE_URL: db.url, KEYGRAPH_DATA_DIR: db.dataDir, KEYGRAPH_PUBLIC_URL: '' },
    });
    expect(stdout).toContain('Open http://localhost:4567/graphql (PORT=4567 npm start)');
    expect(stdout).not.toContain('4000');
    expect(stdout).toContain('outgoing message (invitation) to newhire@acme-demo.example: You are invited to Acme Demo');
    expect(stdout).toMatch(/authorize\(input: \$input\)[\s\S]*with variables \{"input": \{"zoneId":"[^"]+","principalId":"[^"]+","action":"access"/);
    expect(stdout).toMatch(/http:\/\/localhost:4567\/accept-invitation#token=kgi_\w+/);
    // Printed, so delivered: the server will not send it again, and it is not lost.
    const handle = createDb(db.url);
    try {
      expect(await PrismaStore.of(handle.prisma, handle.provider).outbox.pending(10, new Date(Date.now() + 365 * 86400_000))).toEqual([]);
    } finally {
      await handle.close();
    }
  });
});
