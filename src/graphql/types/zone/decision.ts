// Decisions (issue 14, beyond reference 001; api-map: authorize, authorizeBatch, PolicySet.shadowDiffs):
// keygraph evaluates the policy sets bound in a zone. The rules live in src/domain/zone/decisions.ts.
import { decodeGlobalID, encodeGlobalID } from '@pothos/plugin-relay';
import { createGraphQLError } from 'graphql-yoga';
import { ForbiddenError, NotFoundError, UnauthenticatedError, ValidationError } from '../../../domain/errors.js';
import { MAX_BATCH, type DecisionReason, type DecisionRequest, type PolicyDecision, type ShadowDecision, type ShadowDiffs, type ShadowSample } from '../../../domain/zone/decisions.js';
import { builder } from '../../builder.js';
import type { Context } from '../../context.js';
import { localId } from '../errors.js';
import { PolicySetRef } from './policy-set.js';

const DecisionEnum = builder.enumType('PolicyDecisionValue', {
  description: 'The answer of a decision.',
  values: { ALLOW: { description: 'A permit applied and no forbid did.' }, DENY: { description: 'A forbid applied, nothing permitted, or something failed (closed).' } },
});

const ReasonRef = builder.objectRef<DecisionReason>('PolicyDecisionReason').implement({
  description: 'A policy that determined a decision: a satisfied permit of an ALLOW, a satisfied forbid of a DENY.',
  fields: (t) => ({
    policyId: t.id({ description: 'Global id of the policy.', resolve: (r) => encodeGlobalID('Policy', r.policyId) }),
    policyVersionId: t.id({ description: 'Global id of the policy version.', resolve: (r) => encodeGlobalID('PolicyVersion', r.policyVersionId) }),
    policySetId: t.id({ description: 'Global id of the policy set.', resolve: (r) => encodeGlobalID('PolicySet', r.policySetId) }),
    policySetVersionId: t.id({ description: 'Global id of the policy-set version evaluated.', resolve: (r) => encodeGlobalID('PolicySetVersion', r.policySetVersionId) }),
  }),
});

const ShadowDecisionRef = builder.objectRef<ShadowDecision>('ShadowDecision').implement({
  description: 'What the answer would be if a SHADOW-bound policy-set version were ACTIVE too. It never changes the answer.',
  fields: (t) => ({
    policySetId: t.id({ description: 'Global id of the policy set.', resolve: (s) => encodeGlobalID('PolicySet', s.policySetId) }),
    policySetVersionId: t.id({ description: 'Global id of the shadow version.', resolve: (s) => encodeGlobalID('PolicySetVersion', s.policySetVersionId) }),
    policySetVersion: t.exposeInt('version', { description: 'The number of the shadow version within its set.' }),
    decision: t.field({ type: DecisionEnum, description: 'The answer with the shadow version taking part.', resolve: (s) => s.decision }),
    differs: t.exposeBoolean('differs', { description: 'Whether it differs from the answer.' }),
  }),
});

const PolicyDecisionRef = builder.objectRef<PolicyDecision>('PolicyDecision').implement({
  description:
    'The answer of authorize. Every ACTIVE-bound policy-set version that applies (ZONE scope, and RESOURCE, USER or SESSION scope naming the request) is checked for integrity and evaluated by Cedar: a satisfied forbid anywhere denies, else a satisfied permit anywhere allows, else deny. A version that fails its integrity check or refuses the request denies (fail closed); no applicable version denies.',
  fields: (t) => ({
    decision: t.field({ type: DecisionEnum, description: 'ALLOW or DENY.', resolve: (d) => d.decision }),
    reasons: t.field({ type: [ReasonRef], description: 'The policies that determined it (empty when nothing permitted, or when it failed closed).', resolve: (d) => d.reasons }),
    errors: t.stringList({ description: 'Why something was not evaluated or failed: integrity failures, requests the schema refuses, policies whose evaluation errored, no applicable version.', resolve: (d) => d.errors }),
    shadow: t.field({ type: [ShadowDecisionRef], description: 'The SHADOW-bound versions that apply, and what each would have answered.', resolve: (d) => d.shadow }),
  }),
});

const ShadowSampleRef = builder.objectRef<ShadowSample>('ShadowDiffSample').implement({
  description: 'One request on which a shadow version disagreed with the answer.',
  fields: (t) => ({
    at: t.expose('at', { type: 'DateTime', description: 'When it was answered.' }),
    principalId: t.id({ description: 'Global id of the principal (ZoneUser or Application).', resolve: (s) => encodeGlobalID(s.principal.kind, s.principal.id) }),
    action: t.exposeString('action', { description: 'The action asked.' }),
    resourceId: t.id({ description: 'Global id of the resource.', resolve: (s) => encodeGlobalID('Resource', s.resourceId) }),
    decision: t.field({ type: DecisionEnum, description: 'The answer given.', resolve: (s) => s.decision }),
    shadowDecision: t.field({ type: DecisionEnum, description: 'What the shadow version would have answered.', resolve: (s) => s.shadowDecision }),
  }),
});

const ShadowDiffsRef = builder.objectRef<ShadowDiffs>('PolicySetShadowDiffs').implement({
  description: 'What the keygraph instances have seen of one shadow version: counts and the latest disagreements, stored in the database (each instance adds its part every few seconds and when it stops) plus what the instance answering has not stored yet.',
  fields: (t) => ({
    policySetVersionId: t.id({ description: 'Global id of the shadow version.', resolve: (d) => encodeGlobalID('PolicySetVersion', d.policySetVersionId) }),
    version: t.exposeInt('version', { description: 'Its number within the set.' }),
    since: t.expose('since', { type: 'DateTime', description: 'When an instance first evaluated it.' }),
    evaluated: t.exposeInt('evaluated', { description: 'Requests it was evaluated for.' }),
    differing: t.exposeInt('differing', { description: 'Requests on which it disagreed with the answer.' }),
    allowToDeny: t.exposeInt('allowToDeny', { description: 'Disagreements where the answer was ALLOW and it said DENY.' }),
    denyToAllow: t.exposeInt('denyToAllow', { description: 'Disagreements where the answer was DENY and it said ALLOW.' }),
    samples: t.field({ type: [ShadowSampleRef], description: 'The latest disagreements, newest first (at most 20).', resolve: (d) => d.samples }),
  }),
});

builder.objectField(PolicySetRef, 'shadowDiffs', (t) =>
  t.field({
    type: [ShadowDiffsRef],
    description: "Disagreements of the set's SHADOW-bound versions with the answers given, by every instance (stored aggregate plus this instance's unflushed part); newest version first. Kept when the set or version is archived; deleted with the zone.",
    resolve: (s, _a, ctx) => ctx.services.zones.decisions.shadow.ofSet(s.id),
  }),
);

const AuthorizeInput = builder.inputType('AuthorizeInput', {
  description: 'One decision request.',
  fields: (t) => ({
    zoneId: t.id({ required: true, description: 'Global id of the zone.' }),
    principalId: t.id({ required: true, description: 'Global id of a ZoneUser or an Application of the zone.' }),
    action: t.string({ required: true, description: 'An action of the pinned schema, e.g. "access" (Action::"access").' }),
    resourceId: t.id({ required: true, description: 'Global id of a Resource of the zone.' }),
    sessionId: t.id({ description: "Global id of the principal's session (UserSession or ApplicationSession): SESSION-scope sets naming it apply." }),
    context: t.field({ type: 'JSONObject', description: 'The Cedar context, validated against the schema (2025-11-01: { scopes: [...] } at least). Empty when omitted.' }),
  }),
});

type AuthorizeArgs = { zoneId: string | number; principalId: string | number; action: string; resourceId: string | number; sessionId?: string | number | null; context?: Record<string, unknown> | null };

function badInput(message: string, field: string) {
  return createGraphQLError(message, { extensions: { code: 'BAD_USER_INPUT', field } });
}

/** The local id of a global id of one of `types`; anything else is BAD_USER_INPUT on `field`. */
function idOf(value: string | number, types: string | string[], field: string): string {
  try {
    return localId(String(value), types, field);
  } catch {
    throw badInput(`${field} must be the global id of a ${[types].flat().join(' or ')}`, field);
  }
}

function toRequest(input: AuthorizeArgs): DecisionRequest {
  let principal: DecisionRequest['principal'];
  try {
    const decoded = decodeGlobalID(String(input.principalId));
    if ((decoded.typename !== 'ZoneUser' && decoded.typename !== 'Application') || !decoded.id) throw new Error();
    principal = { kind: decoded.typename, id: decoded.id };
  } catch {
    throw badInput('principalId must be the global id of a ZoneUser or an Application', 'principalId');
  }
  if (!/^[A-Za-z_][A-Za-z0-9_]{0,99}$/.test(input.action)) throw badInput('action must be the name of an action of the schema, e.g. "access"', 'action');
  return {
    zoneId: idOf(input.zoneId, 'Zone', 'zoneId'),
    principal,
    action: input.action,
    resourceId: idOf(input.resourceId, 'Resource', 'resourceId'),
    sessionId: input.sessionId ? idOf(input.sessionId, ['UserSession', 'ApplicationSession'], 'sessionId') : null,
    context: input.context ?? null,
  };
}

async function decide(ctx: Context, inputs: readonly AuthorizeArgs[]): Promise<PolicyDecision[]> {
  try {
    return await ctx.services.zones.decisions.authorize(ctx.authz, inputs.map(toRequest));
  } catch (error) {
    if (error instanceof UnauthenticatedError) throw createGraphQLError('authentication required', { extensions: { code: 'UNAUTHENTICATED' } });
    if (error instanceof ForbiddenError) throw createGraphQLError(`not allowed: ${error.capability}`, { extensions: { code: 'FORBIDDEN' } });
    // A zone that is missing and one the caller may not see are the same answer.
    if (error instanceof NotFoundError) throw createGraphQLError('zone not found', { extensions: { code: 'NOT_FOUND', field: 'zoneId' } });
    if (error instanceof ValidationError) throw badInput(error.message, error.field ?? 'inputs');
    throw error;
  }
}

builder.queryFields((t) => ({
  authorize: t.field({
    type: PolicyDecisionRef,
    description: "Decides one request with the zone's bound policy sets (policy.evaluate on the zone). See PolicyDecision for the rules.",
    args: { input: t.arg({ type: AuthorizeInput, required: true, description: 'The request.' }) },
    resolve: async (_root, { input }, ctx) => (await decide(ctx, [input]))[0]!,
  }),
  authorizeBatch: t.field({
    type: [PolicyDecisionRef],
    description: `Decides up to ${MAX_BATCH} requests at once (policy.evaluate on every zone named), answers in request order; more is refused (BAD_USER_INPUT) before anything is read.`,
    args: { inputs: t.arg({ type: [AuthorizeInput], required: true, description: `The requests (at most ${MAX_BATCH}).` }) },
    resolve: (_root, { inputs }, ctx) => {
      if (inputs.length > MAX_BATCH) throw badInput(`authorizeBatch takes at most ${MAX_BATCH} requests; this one has ${inputs.length}`, 'inputs');
      return decide(ctx, inputs);
    },
  }),
}));
