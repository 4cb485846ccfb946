// The PolicyEngine port (src/domain/zone/policy-engine.ts) over Cedar compiled to WebAssembly
// (@cedar-policy/cedar-wasm, the Node.js entry). Every answer of the library is a tagged union: its
// `type` is checked before anything else is read. Schema conversions are cached: keygraph ships a
// handful of schema versions and converts each once per process.
import { hash } from 'node:crypto';
import { setFlagsFromString } from 'node:v8';
import * as cedar from '@cedar-policy/cedar-wasm/nodejs';
import { LruMap } from '../domain/lru.js';
import type { CedarDiagnostic, DecisionEngine, EngineDecision, ParsedPolicy, PolicyEngine } from '../domain/zone/policy-engine.js';

/** Cedar answers kept, by a digest of everything Cedar was given (least recently used dropped first). */
export const REMEMBERED_DECISIONS = 10_000;

/** The longest call (as JSON) that keys its remembered answer itself: 10,000 such keys hold at most 20 MB. */
const OWN_KEY_CHARS = 1024;

/** A remembered answer, copied: callers may add to what they are given. */
function copied(answer: EngineDecision): EngineDecision {
  return answer.ok ? { ok: true, allow: answer.allow, reasons: [...answer.reasons], errors: [...answer.errors] } : { ok: false, errors: [...answer.errors] };
}

// Node 20's V8 inlines JavaScript-to-WebAssembly calls in optimized code, and deoptimizing such a call can abort
// the whole process ("Fatal error ... unreachable code" in Deoptimizer::DoComputeBuiltinContinuation): the bench
// hit it twice under sustained authorize load, after about a minute of mixed traffic. Cedar is called this way on
// every decision, so the inlining is turned off before any of it is optimized (a compile-time flag of the optimizer;
// calls into Cedar stay calls).
setFlagsFromString('--no-turbo-inline-js-wasm-calls');

interface DetailedError {
  message: string;
  help?: string | null;
  sourceLocations?: { start: number; end: number }[] | null;
}

function diagnostic(error: DetailedError): CedarDiagnostic {
  const location = error.sourceLocations?.[0];
  return { message: error.message, help: error.help ?? null, start: location?.start ?? null, end: location?.end ?? null };
}

export function cedarEngine(rememberedDecisions = REMEMBERED_DECISIONS): PolicyEngine & DecisionEngine {
  const schemaJsonCache = new Map<string, Record<string, unknown>>();
  // Cedar's answer is a function of the prepared policy set (named by its manifest sha, whose contents were
  // checked against it before), the shipped schema version and the call (principal, action, resource, context,
  // and the entities as keygraph read them for this request), and of nothing else: Cedar reads no clock and no
  // store. The same inputs, serialised the same way, get the same answer; anything changed in them (an entity's
  // attribute, the context, another manifest) is another key. 170 us per decision in Cedar, 3 us for the key.
  const decisions = new LruMap<string, EngineDecision>(Math.max(1, rememberedDecisions));
  const decide = (policySetId: string, schemaName: string, call: Parameters<DecisionEngine['isAuthorized']>[2]): EngineDecision => {
    const answer = cedar.statefulIsAuthorized({
      principal: call.principal,
      action: call.action,
      resource: call.resource,
      context: call.context as cedar.Context,
      entities: call.entities as unknown as cedar.Entities,
      preparsedPolicySetId: policySetId,
      preparsedSchemaName: schemaName,
      validateRequest: true,
    });
    if (answer.type !== 'success') return { ok: false, errors: answer.errors.map((e) => e.message) };
    const { decision, diagnostics } = answer.response;
    return { ok: true, allow: decision === 'allow', reasons: diagnostics.reason, errors: diagnostics.errors.map((e) => `policy ${e.policyId}: ${e.error.message}`) };
  };
  // What is preparsed lives in the library's (thread-local) cache under these names: parsed once each.
  // cedar-wasm 4.13 offers no way to drop a preparsed set, so the cache holds one set per distinct
  // manifest evaluated since the process started (the bound versions of its zones, and those bound before).
  const preparedSets = new Set<string>();
  const preparedSchemas = new Set<string>();
  return {
    preparePolicySet(id, policies) {
      if (preparedSets.has(id)) return [];
      const answer = cedar.preparsePolicySet(id, { staticPolicies: policies as unknown as cedar.PolicySet['staticPolicies'] });
      if (answer.type !== 'success') return answer.errors.map(diagnostic);
      preparedSets.add(id);
      return [];
    },
    prepareSchema(name, schemaText) {
      if (preparedSchemas.has(name)) return [];
      const answer = cedar.preparseSchema(name, schemaText);
      if (answer.type !== 'success') return answer.errors.map(diagnostic);
      preparedSchemas.add(name);
      return [];
    },
    isAuthorized(policySetId, schemaName, call) {
      if (rememberedDecisions <= 0) return decide(policySetId, schemaName, call);
      // A short call is its own key (a JSON array, which no base64 digest starts like); a longer one is keyed by its
      // SHA-256, so that an entry stays small whatever the context holds. One-shot digest (crypto.hash): no Hash
      // object per decision for the collector to finalise.
      const json = JSON.stringify([policySetId, schemaName, call]);
      const key = json.length <= OWN_KEY_CHARS ? json : hash('sha256', json, 'base64');
      let answer = decisions.get(key);
      if (!answer) decisions.set(key, (answer = decide(policySetId, schemaName, call)));
      return copied(answer);
    },
    schemaJson(schemaText) {
      let json = schemaJsonCache.get(schemaText);
      if (!json) {
        const answer = cedar.schemaToJson(schemaText);
        if (answer.type !== 'success') throw new Error(`the Cedar schema does not parse: ${answer.errors.map((e) => e.message).join('; ')}`);
        json = answer.json as unknown as Record<string, unknown>;
        schemaJsonCache.set(schemaText, json);
      }
      return json;
    },
    checkSchema(schemaText) {
      const answer = cedar.checkParseSchema(schemaText);
      return answer.type === 'success' ? [] : answer.errors.map(diagnostic);
    },
    parsePolicy(input): ParsedPolicy {
      if ('text' in input) {
        const json = cedar.policyToJson(input.text);
        if (json.type !== 'success') return { ok: false, diagnostics: json.errors.map(diagnostic) };
        // The text as stored is the text as given (a second conversion would drop its comments and layout).
        return { ok: true, text: input.text, json: json.json as unknown as Record<string, unknown> };
      }
      if (input.json === null || typeof input.json !== 'object' || Array.isArray(input.json)) {
        return { ok: false, diagnostics: [{ message: 'cedarJson must be one policy in the Cedar JSON policy format (an object)', help: null, start: null, end: null }] };
      }
      const text = cedar.policyToText(input.json as cedar.Policy);
      if (text.type !== 'success') return { ok: false, diagnostics: text.errors.map(diagnostic) };
      // Round trip through the text form: the stored JSON is Cedar's own rendering of the policy.
      const json = cedar.policyToJson(text.text);
      if (json.type !== 'success') return { ok: false, diagnostics: json.errors.map(diagnostic) };
      return { ok: true, text: text.text, json: json.json as unknown as Record<string, unknown> };
    },
    validate(schemaText, policiesText) {
      const answer = cedar.validate({ schema: schemaText, policies: { staticPolicies: policiesText }, validationSettings: { mode: 'strict' } });
      if (answer.type !== 'success') return answer.errors.map(diagnostic);
      return answer.validationErrors.map((e) => diagnostic(e.error));
    },
  };
}
