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
