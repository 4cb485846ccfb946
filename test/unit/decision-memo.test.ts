// The Cedar engine remembers its answers by a digest of everything it was given. A remembered answer may only
// ever be returned for the very same inputs: each case below changes one input (an entity's attribute, the
// context, the resource's parent, the policy set) between calls that repeat the others, and expects exactly the
// answer of an engine that remembers nothing.
import * as cedar from '@cedar-policy/cedar-wasm/nodejs';
import { describe, expect, it } from 'vitest';
import { LATEST_POLICY_SCHEMA, POLICY_SCHEMAS } from '../../src/domain/zone/policy-schemas.js';
import type { DecisionCall } from '../../src/domain/zone/policy-engine.js';
import { cedarEngine } from '../../src/infra/cedar.js';

const schema = POLICY_SCHEMAS.find((s) => s.version === LATEST_POLICY_SCHEMA)!;

function policyJson(text: string): Record<string, unknown> {
  const answer = cedar.policyToJson(text);
  if (answer.type !== 'success') throw new Error(answer.errors.map((e) => e.message).join('; '));
  return answer.json as unknown as Record<string, unknown>;
}

const SETS = {
  'manifest:verified-readers': {
    p0: policyJson('permit(principal is User, action == Action::"access", resource in Application::"app") when { principal.email_verified && context.scopes.contains("read") };'),
  },
  'manifest:nobody': {
    p0: policyJson('forbid(principal, action, resource);'),
  },
};

function call(change: { verified?: boolean; scopes?: string[]; parent?: string } = {}): DecisionCall {
  return {
    principal: { type: 'User', id: 'u1' },
    action: { type: 'Action', id: 'access' },
    resource: { type: 'Resource', id: 'r1' },
    context: { scopes: change.scopes ?? ['read'] },
    entities: [
      { uid: { type: 'User', id: 'u1' }, attrs: { email: 'u1@example.test', email_verified: change.verified ?? true }, parents: [] },
      { uid: { type: 'Resource', id: 'r1' }, attrs: { identifier: 'https://api.example.test', scopes: ['read'], application_type: 'WEB' }, parents: [{ type: 'Application', id: change.parent ?? 'app' }] },
    ],
  };
}

function prepared(engine: ReturnType<typeof cedarEngine>) {
  expect(engine.prepareSchema(schema.version, schema.cedarSchema)).toEqual([]);
  for (const [id, policies] of Object.entries(SETS)) expect(engine.preparePolicySet(id, policies)).toEqual([]);
  return engine;
}

describe('remembered Cedar decisions', () => {
  const remembering = prepared(cedarEngine());
  const fresh = prepared(cedarEngine(0));

  it('answers every input exactly as an engine that remembers nothing, each change between repeats', () => {
    const cases: [string, DecisionCall][] = [
      ['manifest:verified-readers', call()],
      ['manifest:verified-readers', call({ verified: false })],
      ['manifest:verified-readers', call()],
      ['manifest:verified-readers', call({ scopes: ['write'] })],
      ['manifest:verified-readers', call()],
      ['manifest:verified-readers', call({ parent: 'another-app' })],
      ['manifest:verified-readers', call()],
      ['manifest:nobody', call()],
      ['manifest:verified-readers', call()],
    ];
    const answers = cases.map(([set, c]) => remembering.isAuthorized(set, schema.version, c));
    expect(answers).toEqual(cases.map(([set, c]) => fresh.isAuthorized(set, schema.version, c)));
    // The cases do differ: allowed, then denied by each change.
    expect(answers.map((a) => a.ok && a.allow)).toEqual([true, false, true, false, true, false, true, false, true]);
  });

  it('hands out copies: what one caller adds to an answer is not in the next', () => {
    const first = remembering.isAuthorized('manifest:verified-readers', schema.version, call());
    expect(first.ok).toBe(true);
    first.errors.push('added by a caller');
    if (first.ok) first.reasons.push('p9');
    const again = remembering.isAuthorized('manifest:verified-readers', schema.version, call());
    expect(again).toEqual(fresh.isAuthorized('manifest:verified-readers', schema.version, call()));
    expect(again.errors).toEqual([]);
  });
});
