// Shadow-mode disagreements shared by instances (issue 14): each instance aggregates in memory and adds
// its part to the database on flush (count = count + n); PolicySet.shadowDiffs reads the stored
// aggregate plus the instance's unflushed part. Two (or three) instances over one database, flushes
// driven explicitly (the harness turns the periodic flush off).
import { decodeGlobalID, encodeGlobalID } from '@pothos/plugin-relay';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp, type App } from '../src/server/app.js';
import { SHADOW_SAMPLES, ShadowLedger } from '../src/domain/zone/decisions.js';
import type { Store } from '../src/domain/store.js';
import type { ShadowIncrement } from '../src/domain/zone/store.js';
import { account } from './support/fixtures.js';
import { provider as dbProvider, startTestApp, type GraphQLResult, type TestApp } from './support/harness.js';
import { application, must, resource, zone, type Json } from './support/zones.js';

const local = (id: string) => decodeGlobalID(id).id;
const VERIFIED = 'permit(principal is User, action == Action::"access", resource is Resource) when { principal.email_verified };';
const AUTHORIZE = `query($input: AuthorizeInput!) { authorize(input: $input) { decision shadow { differs } } }`;
const DIFFS = `query($id: ID!) { node(id: $id) { ... on PolicySet { shadowDiffs { policySetVersionId version since evaluated differing allowToDeny denyToAllow samples { principalId resourceId decision shadowDecision at } } } } }`;
const SCOPES = { scopes: ['read'] };

describe(`shadow diffs shared by instances (${dbProvider})`, () => {
  let t: TestApp;
  let acme: string;
  const others: App[] = [];

  beforeAll(async () => {
    t = await startTestApp();
    acme = await account(t, 'Acme');
  });
  afterAll(async () => {
    for (const other of others) await other.close().catch(() => {});
    await t.close();
  });

  /** Another instance over the same database, data directory (keys) and configuration. */
  async function instance(): Promise<App> {
    const app = await createApp(t.app.config, { log: pino({ level: 'silent' }), passwordHashCost: 10 });
    others.push(app);
    return app;
  }
  async function gql(app: App, query: string, variables: Json): Promise<Json> {
    const response = await app.fetch('/graphql', {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json', authorization: `Bearer ${t.admin.token}` },
      body: JSON.stringify({ query, variables }),
    });
    const body = (await response.json()) as GraphQLResult<Json>;
    if (body.errors?.length) throw new Error(`GraphQL errors: ${JSON.stringify(body.errors)}`);
    return body.data;
  }
  const diffs = async (app: App, set: string): Promise<Json[]> => (await gql(app, DIFFS, { id: set })).node.shadowDiffs;
  const ask = async (app: App, input: Json): Promise<Json> => (await gql(app, AUTHORIZE, { input })).authorize;

  /** A zone with an ACTIVE set permitting verified users and a SHADOW set forbidding the API. */
  async function world(name: string) {
    const z = await zone(t, acme, name);
    const app = await application(t, z, `${name.toLowerCase()}-app`);
    const api = await resource(t, z, `https://${name.toLowerCase()}.example/api`, { applicationId: app });
    const other = await resource(t, z, `https://${name.toLowerCase()}.example/other`);
    const activity = t.app.services.zones.activity;
    const ada = encodeGlobalID('ZoneUser', (await activity.recordZoneUser(local(z), { email: `ada@${name.toLowerCase()}.example`, emailVerified: true, issuer: null, subject: null, providerId: null, authenticatedAt: null })).id);
    const policy = async (pname: string, cedar: string) => {
      const id = (await must(t, 'createPolicy', { zoneId: z, name: pname }, 'policy { id }')).policy.id;
      return (await must(t, 'createPolicyVersion', { policyId: id, cedar }, 'policyVersion { id }')).policyVersion.id as string;
    };
    const bind = async (sname: string, policyVersionId: string, mode: 'ACTIVE' | 'SHADOW') => {
      const set = (await must(t, 'createPolicySet', { zoneId: z, name: sname, scopeType: 'ZONE' }, 'policySet { id }')).policySet.id as string;
      const version = (await must(t, 'createPolicySetVersion', { policySetId: set, entries: [{ policyVersionId }] }, 'policySetVersion { id }')).policySetVersion.id as string;
      await must(t, 'activatePolicySetVersion', { id: version, mode }, 'policySet { mode }');
      return { set, version };
    };
    await bind('live', await policy('verified', VERIFIED), 'ACTIVE');
    const shadow = await bind('candidate', await policy('candidate', `forbid(principal, action, resource == Resource::"${local(api)}");`), 'SHADOW');
    const differing = { zoneId: z, principalId: ada, action: 'access', resourceId: api, context: SCOPES };
    const agreeing = { ...differing, resourceId: other };
    const ref = { id: local(shadow.version), zoneId: local(z), policySetId: local(shadow.set), version: 1 };
    return { z, ada, api, other, shadow, differing, agreeing, ref };
  }
  const sample = (w: Awaited<ReturnType<typeof world>>) => ({ principal: { kind: 'ZoneUser' as const, id: local(w.ada) }, action: 'access', resourceId: local(w.api), decision: 'ALLOW' as const, shadowDecision: 'DENY' as const });
  const prisma = () => t.app.db.prisma as Json;
  /**
   * Flushes of several instances at once. On PostgreSQL truly concurrent (a connection and transaction
   * each). On SQLite one after another: better-sqlite3 waits for a lock synchronously, so two instances in
   * one process would block the very event loop that must finish the other's transaction (separate
   * processes wait for each other through SQLite's busy timeout instead).
   */
  async function flushAll(apps: App[]): Promise<void> {
    if (dbProvider === 'postgresql') await Promise.all(apps.map((app) => app.services.zones.decisions.shadow.flush()));
    else for (const app of apps) await app.services.zones.decisions.shadow.flush();
  }

  it("decisions answered by instance A are read by instance B once A flushes; each adds its unflushed part; close flushes", async () => {
    const w = await world('Shared');
    const b = await instance();
    expect((await ask(t.app, w.differing)).shadow).toEqual([{ differs: true }]);
    await ask(t.app, w.agreeing);
    await ask(t.app, w.differing);
    // Not flushed yet: A counts its own, B has nothing stored to read.
    expect(await diffs(t.app, w.shadow.set)).toMatchObject([{ evaluated: 3, differing: 2, allowToDeny: 2, denyToAllow: 0 }]);
    expect(await diffs(b, w.shadow.set)).toEqual([]);

    await t.app.services.zones.decisions.shadow.flush();
    const afterA = await diffs(b, w.shadow.set);
    expect(afterA).toEqual([
      {
        policySetVersionId: w.shadow.version,
        version: 1,
        since: expect.any(String),
        evaluated: 3,
        differing: 2,
        allowToDeny: 2,
        denyToAllow: 0,
        samples: [
          { principalId: w.ada, resourceId: w.api, decision: 'ALLOW', shadowDecision: 'DENY', at: expect.any(String) },
          { principalId: w.ada, resourceId: w.api, decision: 'ALLOW', shadowDecision: 'DENY', at: expect.any(String) },
        ],
      },
    ]);
    expect(await diffs(t.app, w.shadow.set)).toEqual(afterA);

    // B answers too: it reads the stored part plus its own; A reads B's once B flushes.
    await ask(b, w.differing);
    await ask(b, w.agreeing);
    expect(await diffs(b, w.shadow.set)).toMatchObject([{ evaluated: 5, differing: 3, since: afterA[0].since }]);
    expect(await diffs(t.app, w.shadow.set)).toMatchObject([{ evaluated: 3, differing: 2 }]);
    await b.services.zones.decisions.shadow.flush();
    const both = await diffs(t.app, w.shadow.set);
    expect(both).toMatchObject([{ evaluated: 5, differing: 3, allowToDeny: 3, since: afterA[0].since }]);
    expect(both[0].samples).toHaveLength(3);
    expect(await diffs(b, w.shadow.set)).toEqual(both);

    // A graceful close flushes what the instance holds (a restart loses nothing flushed).
    const c = await instance();
    await ask(c, w.differing);
    await c.close();
    others.splice(others.indexOf(c), 1);
    expect(await diffs(t.app, w.shadow.set)).toMatchObject([{ evaluated: 6, differing: 4 }]);
    // A flush with nothing new writes nothing.
    const before = await t.app.metrics.statementTotal();
    await t.app.services.zones.decisions.shadow.flush();
    expect(await t.app.metrics.statementTotal()).toBe(before);
  });

  it('authorize writes nothing per request: the only writes are the flush', async () => {
    const w = await world('NoWrites');
    const writes = async (app: App) => {
      const metric = await app.metrics.dbStatements.get();
      return metric.values.filter((v) => ['insert', 'update', 'delete'].includes(String(v.labels.operation))).reduce((sum, v) => sum + v.value, 0);
    };
    const reads = await writes(t.app);
    for (let i = 0; i < 10; i++) await ask(t.app, i % 2 ? w.differing : w.agreeing);
    expect(await writes(t.app)).toBe(reads);
    await t.app.services.zones.decisions.shadow.flush();
    const flushed = (await writes(t.app)) - reads;
    expect(flushed).toBeGreaterThan(0);
    // The flush is a handful of statements, whatever the number of requests it aggregates.
    expect(flushed).toBeLessThanOrEqual(5);
    expect(await diffs(t.app, w.shadow.set)).toMatchObject([{ evaluated: 10, differing: 5 }]);
  });

  it('concurrent flushes from several instances lose no increment (count = count + n)', async () => {
    const w = await world('Concurrent');
    const apps = [t.app, await instance(), await instance()];
    let expected = 0;
    let expectedDiffering = 0;
    for (let round = 0; round < 8; round++) {
      apps.forEach((app, i) => {
        const n = 3 + ((round * 7 + i * 5) % 11);
        for (let k = 0; k < n; k++) {
          const differs = k % 3 === 0;
          app.services.zones.decisions.shadow.record(w.ref, { ...sample(w), ...(differs ? {} : { shadowDecision: 'ALLOW' as const }) });
          expected++;
          if (differs) expectedDiffering++;
        }
      });
      // Every instance flushes at once (each its own connection and transaction).
      await flushAll(apps);
    }
    const stored = await prisma().policyShadowDiff.findUnique({ where: { policySetVersionId: w.ref.id } });
    expect(Number(stored.evaluated)).toBe(expected);
    expect(Number(stored.differing)).toBe(expectedDiffering);
    expect(Number(stored.allowToDeny)).toBe(expectedDiffering);
    for (const app of apps) expect(await diffs(app, w.shadow.set)).toMatchObject([{ evaluated: expected, differing: expectedDiffering }]);
  });

  it(`the stored sample stays bounded: the latest ${SHADOW_SAMPLES} per version`, async () => {
    const w = await world('Bounded');
    const b = await instance();
    const count = () => prisma().policyShadowSample.count({ where: { policySetVersionId: w.ref.id } });
    for (let i = 0; i < 15; i++) t.app.services.zones.decisions.shadow.record(w.ref, sample(w));
    for (let i = 0; i < 15; i++) b.services.zones.decisions.shadow.record(w.ref, sample(w));
    await t.app.services.zones.decisions.shadow.flush();
    expect(await count()).toBe(15);
    await b.services.zones.decisions.shadow.flush();
    expect(await count()).toBe(SHADOW_SAMPLES);
    // Newer disagreements on both instances, flushed at once: only the latest 20 stay, all of them newer.
    const t0 = Date.now();
    for (let i = 0; i < 30; i++) t.app.services.zones.decisions.shadow.record(w.ref, sample(w));
    for (let i = 0; i < 30; i++) b.services.zones.decisions.shadow.record(w.ref, sample(w));
    await flushAll([t.app, b]);
    expect(await count()).toBe(SHADOW_SAMPLES);
    const rows = await prisma().policyShadowSample.findMany({ where: { policySetVersionId: w.ref.id } });
    expect(rows.every((r: Json) => r.at.getTime() >= t0)).toBe(true);
    const read = (await diffs(b, w.shadow.set))[0];
    expect(read).toMatchObject({ evaluated: 90, differing: 90 });
    expect(read.samples).toHaveLength(SHADOW_SAMPLES);
    const times = read.samples.map((s: Json) => Date.parse(s.at));
    expect(times).toEqual([...times].sort((x, y) => y - x));
  });

  it('archiving the set keeps its diffs readable; deleting the zone deletes them (and a later flush does not bring them back)', async () => {
    const w = await world('Lifecycle');
    const b = await instance();
    await ask(t.app, w.differing);
    await t.app.services.zones.decisions.shadow.flush();
    await must(t, 'archivePolicySet', { id: w.shadow.set }, 'policySet { archivedAt }');
    expect(await diffs(t.app, w.shadow.set)).toMatchObject([{ evaluated: 1, differing: 1 }]);

    b.services.zones.decisions.shadow.record(w.ref, sample(w));
    await must(t, 'deleteZone', { id: w.z }, 'deletedZoneId');
    expect(await prisma().policyShadowDiff.count({ where: { zoneId: w.ref.zoneId } })).toBe(0);
    expect(await prisma().policyShadowSample.count({ where: { zoneId: w.ref.zoneId } })).toBe(0);
    await b.services.zones.decisions.shadow.flush();
    expect(await prisma().policyShadowDiff.count({ where: { zoneId: w.ref.zoneId } })).toBe(0);
    expect(await prisma().policyShadowSample.count({ where: { zoneId: w.ref.zoneId } })).toBe(0);
  });

  it('a failed flush keeps its increments for the next one (merged with what came meanwhile)', async () => {
    const written: ShadowIncrement[][] = [];
    let fail = true;
    const shadowDiffs = {
      add: async (increments: readonly ShadowIncrement[]) => {
        if (fail) throw new Error('database unavailable');
        written.push(increments.map((i) => ({ ...i, samples: [...i.samples] })));
      },
      ofSet: async () => [],
    };
    const store = { zones: { shadowDiffs }, transaction: (fn: (tx: unknown) => Promise<unknown>) => fn({ zones: { shadowDiffs } }) } as unknown as Store;
    const ledger = new ShadowLedger(store);
    const version = { id: 'v1', zoneId: 'z1', policySetId: 's1', version: 1 };
    const one = { principal: { kind: 'ZoneUser' as const, id: 'u1' }, action: 'access', resourceId: 'r1', decision: 'ALLOW' as const, shadowDecision: 'DENY' as const };
    ledger.record(version, one);
    ledger.record(version, { ...one, shadowDecision: 'ALLOW' });
    await expect(ledger.flush()).rejects.toThrow('database unavailable');
    expect(await ledger.ofSet('s1')).toMatchObject([{ evaluated: 2, differing: 1 }]);
    ledger.record(version, { ...one, decision: 'DENY', shadowDecision: 'ALLOW' });
    fail = false;
    await ledger.flush();
    expect(written).toHaveLength(1);
    expect(written[0]).toMatchObject([{ policySetVersionId: 'v1', zoneId: 'z1', evaluated: 3, differing: 2, allowToDeny: 1, denyToAllow: 1 }]);
    expect(written[0]![0]!.samples).toHaveLength(2);
    // Nothing left: the next flush writes nothing.
    await ledger.flush();
    expect(written).toHaveLength(1);
    expect(await ledger.ofSet('s1')).toEqual([]);
  });
});
