// authorize as a property (issue 14): random policy sets of permit and forbid policies (equality on
// principal, action and resource; `is User` with an attribute condition; a context condition) are
// pinned in a policy-set version, bound ACTIVE, and random requests are decided through authorizeBatch.
// Every answer is compared with an oracle written here from the rules: a satisfied forbid denies, else
// a satisfied permit allows, else deny; the reasons are the satisfied forbids of a deny or the
// satisfied permits of an allow. Nothing is imported from src/domain.
//
// KEYGRAPH_DECISION_PROPERTY_RUNS sets the number of worlds (default 200); KEYGRAPH_PROPERTY_SEED replays a run.
import { decodeGlobalID, encodeGlobalID } from '@pothos/plugin-relay';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { account } from './support/fixtures.js';
import { provider as dbProvider, startTestApp, type TestApp } from './support/harness.js';
import { application, must, resource, zone, type Json } from './support/zones.js';

const RUNS = Number(process.env.KEYGRAPH_DECISION_PROPERTY_RUNS ?? 200);
const SEED = Number(process.env.KEYGRAPH_PROPERTY_SEED ?? 20261201);
const local = (id: string) => decodeGlobalID(id).id;

type Principal = { kind: 'User'; id: string; verified: boolean } | { kind: 'Application'; id: string };
interface Rule {
  effect: 'permit' | 'forbid';
  /** null: any principal; 'User': any user; else one principal. */
  principal: null | 'User' | Principal;
  action: null | 'access' | 'delegate';
  resource: null | string;
  /** An attribute condition (users only) and a context condition. */
  verified: boolean;
  write: boolean;
}
interface Request {
  principal: Principal;
  action: 'access' | 'delegate';
  resource: string;
  scopes: string[];
}

function cedar(rule: Rule): string {
  const p = rule.principal === null ? 'principal' : rule.principal === 'User' ? 'principal is User' : `principal == ${rule.principal.kind}::"${rule.principal.id}"`;
  const a = rule.action === null ? 'action' : `action == Action::"${rule.action}"`;
  const r = rule.resource === null ? 'resource' : `resource == Resource::"${rule.resource}"`;
  const conditions = [rule.verified ? 'principal.email_verified' : null, rule.write ? 'context.scopes.contains("write")' : null].filter(Boolean);
  return `${rule.effect}(${p}, ${a}, ${r})${conditions.length ? ` when { ${conditions.join(' && ')} }` : ''};`;
}

function satisfied(rule: Rule, q: Request): boolean {
  if (rule.principal === 'User' && q.principal.kind !== 'User') return false;
  if (rule.principal !== null && rule.principal !== 'User' && (rule.principal.kind !== q.principal.kind || rule.principal.id !== q.principal.id)) return false;
  if (rule.action !== null && rule.action !== q.action) return false;
  if (rule.resource !== null && rule.resource !== q.resource) return false;
  if (rule.verified && !(q.principal.kind === 'User' && q.principal.verified)) return false;
  if (rule.write && !q.scopes.includes('write')) return false;
  return true;
}

/** The oracle: forbid wins, else any permit, else deny; with the policies that decided. */
function oracle(rules: { rule: Rule; id: string }[], q: Request): { decision: 'ALLOW' | 'DENY'; reasons: string[] } {
  const forbids = rules.filter((r) => r.rule.effect === 'forbid' && satisfied(r.rule, q)).map((r) => r.id);
  if (forbids.length) return { decision: 'DENY', reasons: forbids };
  const permits = rules.filter((r) => r.rule.effect === 'permit' && satisfied(r.rule, q)).map((r) => r.id);
  return permits.length ? { decision: 'ALLOW', reasons: permits } : { decision: 'DENY', reasons: [] };
}

describe(`authorize against an oracle (${dbProvider})`, () => {
  let t: TestApp;
  let z: string;
  let set: string;
  let principals: Principal[];
  let resources: string[];
  /** Every rule of the pool, as a policy version (its global id) of its own policy. */
  const pool: { rule: Rule; id: string }[] = [];

  beforeAll(async () => {
    t = await startTestApp();
    const acme = await account(t, 'Acme');
    z = await zone(t, acme, 'Oracle');
    const apps = [await application(t, z, 'app-0'), await application(t, z, 'app-1')];
    resources = [await resource(t, z, 'https://r0.example'), await resource(t, z, 'https://r1.example'), await resource(t, z, 'https://r2.example')].map(local);
    const users: Principal[] = [];
    for (const [i, verified] of [true, false, true].entries()) {
      const u = await t.app.services.zones.activity.recordZoneUser(local(z), { email: `u${i}@oracle.example`, emailVerified: verified, issuer: null, subject: null, providerId: null, authenticatedAt: null });
      users.push({ kind: 'User', id: u.id, verified });
    }
    principals = [...users, ...apps.map((a): Principal => ({ kind: 'Application', id: local(a) }))];
    set = (await must(t, 'createPolicySet', { zoneId: z, name: 'oracle', scopeType: 'ZONE' }, 'policySet { id }')).policySet.id;

    // The pool: random rules, each valid in strict mode (delegate only for applications; the attribute condition only on users).
    const rule: fc.Arbitrary<Rule> = fc
      .record({
        effect: fc.constantFrom('permit' as const, 'forbid' as const),
        principal: fc.oneof(fc.constant(null), fc.constant('User' as const), fc.constantFrom(...principals)),
        action: fc.constantFrom(null, 'access' as const, 'delegate' as const),
        resource: fc.option(fc.constantFrom(...resources), { freq: 2 }),
        verified: fc.boolean(),
        write: fc.boolean(),
      })
      .map((r) => {
        const userOnly = r.principal === 'User' || (r.principal !== null && r.principal.kind === 'User');
        return { ...r, action: userOnly && r.action === 'delegate' ? 'access' : r.action, verified: r.verified && userOnly && r.principal === 'User' };
      });
    const rules = fc.sample(rule, { numRuns: 48, seed: SEED });
    for (const [i, r] of rules.entries()) {
      const policy = (await must(t, 'createPolicy', { zoneId: z, name: `rule-${i}` }, 'policy { id }')).policy.id;
      const version = (await must(t, 'createPolicyVersion', { policyId: policy, cedar: cedar(r) }, 'policyVersion { id }')).policyVersion.id;
      pool.push({ rule: r, id: version });
    }
  });
  afterAll(() => t.close());

  it(`${RUNS} worlds: every decision and its reasons are the oracle's`, { timeout: 600_000 }, async () => {
    const request: fc.Arbitrary<Request> = fc
      .record({ principal: fc.constantFrom(...principals), delegate: fc.boolean(), resource: fc.constantFrom(...resources), scopes: fc.subarray(['read', 'write']) })
      .map(({ principal, delegate, resource, scopes }) => ({ principal, action: delegate && principal.kind === 'Application' ? 'delegate' : 'access', resource, scopes }));
    const worlds = fc.record({ picks: fc.uniqueArray(fc.integer({ min: 0, max: pool.length - 1 }), { minLength: 1, maxLength: 6 }), requests: fc.array(request, { minLength: 1, maxLength: 10 }) });
    let decided = 0;
    let allowed = 0;
    await fc.assert(
      fc.asyncProperty(worlds, async ({ picks, requests }) => {
        const chosen = picks.map((i) => pool[i]!);
        const version = (await must(t, 'createPolicySetVersion', { policySetId: set, entries: chosen.map((c) => ({ policyVersionId: c.id })) }, 'policySetVersion { id }')).policySetVersion.id;
        await must(t, 'activatePolicySetVersion', { id: version, mode: 'ACTIVE' }, 'policySet { mode }');
        const inputs = requests.map((q) => ({
          zoneId: z,
          principalId: encodeGlobalID(q.principal.kind === 'User' ? 'ZoneUser' : 'Application', q.principal.id),
          action: q.action,
          resourceId: encodeGlobalID('Resource', q.resource),
          context: q.action === 'delegate' ? { scopes: q.scopes, on_behalf_of: { __entity: { type: 'User', id: principals[0]!.id } } } : { scopes: q.scopes },
        }));
        const data: Json = await t.ok(`query($inputs: [AuthorizeInput!]!) { authorizeBatch(inputs: $inputs) { decision reasons { policyVersionId } errors } }`, { inputs });
        for (const [i, q] of requests.entries()) {
          const expected = oracle(chosen, q);
          const got = data.authorizeBatch[i];
          expect({ decision: got.decision, reasons: got.reasons.map((r: Json) => r.policyVersionId).sort(), errors: got.errors }, `${chosen.map((c) => cedar(c.rule)).join('\n')}\n${JSON.stringify(q)}`).toEqual({
            decision: expected.decision,
            reasons: [...expected.reasons].sort(),
            errors: [],
          });
          decided++;
          if (expected.decision === 'ALLOW') allowed++;
        }
      }),
      { numRuns: RUNS, seed: SEED },
    );
    // The worlds are not degenerate: both answers occur.
    expect(allowed).toBeGreaterThan(decided / 10);
    expect(decided - allowed).toBeGreaterThan(decided / 10);
  });
});
