// What the zones graph needs from Cedar (implemented with @cedar-policy/cedar-wasm in src/infra/cedar.ts):
// schema conversion, parsing one static policy in either form, and strict validation against a schema.

/** One problem Cedar reported: its message, its help, and where in the policy text it is. */
export interface CedarDiagnostic {
  message: string;
  help: string | null;
  /** Character offsets in the policy's Cedar text (the text as given, or the text of the JSON given). */
  start: number | null;
  end: number | null;
}

export type ParsedPolicy = { ok: true; text: string; json: Record<string, unknown> } | { ok: false; diagnostics: CedarDiagnostic[] };

export interface PolicyEngine {
  /** The JSON form of a schema written in Cedar syntax; throws when it does not parse. */
  schemaJson(schemaText: string): Record<string, unknown>;
  /** Diagnostics of a schema in Cedar syntax (none when it parses). */
  checkSchema(schemaText: string): CedarDiagnostic[];
  /** One static policy, given as Cedar text or as Cedar's JSON policy format: both forms, or what is wrong. */
  parsePolicy(input: { text: string } | { json: unknown }): ParsedPolicy;
  /** Strict validation of policies (Cedar text) against a schema (Cedar syntax): the errors, none when valid. */
  validate(schemaText: string, policiesText: string): CedarDiagnostic[];
}

/** An entity reference in a decision request: its type (User, Application, Resource, Action) and id. */
export interface EntityRef {
  type: string;
  id: string;
}

/** An entity given to Cedar: its attributes (already projected on the schema) and parents. */
export interface EntityData {
  uid: EntityRef;
  attrs: Record<string, unknown>;
  parents: EntityRef[];
}

export interface DecisionCall {
  principal: EntityRef;
  action: EntityRef;
  resource: EntityRef;
  context: Record<string, unknown>;
  entities: EntityData[];
}

/**
 * One policy set's answer: allow or deny, the policies that determined it (the satisfied permits of an
 * allow, the satisfied forbids of a deny; none when nothing permitted), and the policies whose
 * evaluation failed (skipped by Cedar). `ok: false` when the request itself was refused (it does not
 * validate against the schema): nothing was evaluated.
 */
export type EngineDecision = { ok: true; allow: boolean; reasons: string[]; errors: string[] } | { ok: false; errors: string[] };

/** Evaluation with preparsed policy sets and schemas (both cached by the engine under the given names). */
export interface DecisionEngine {
  /** Parses a set of static policies in Cedar's JSON form, keyed by policy id, once under `id`. */
  preparePolicySet(id: string, policies: Record<string, Record<string, unknown>>): CedarDiagnostic[];
  /** Parses a schema (Cedar syntax) once under `name`. */
  prepareSchema(name: string, schemaText: string): CedarDiagnostic[];
  /** Evaluates a request against a prepared set, validating it against a prepared schema. */
  isAuthorized(policySetId: string, schemaName: string, call: DecisionCall): EngineDecision;
}
