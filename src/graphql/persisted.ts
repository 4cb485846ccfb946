// Persisted operations: with a manifest ({ "<id>": "<document text>" }, as the Relay compiler's
// persist config or `npm run operations:manifest` writes it), the server runs only the operations it
// lists. A request names one by `documentId` (GraphQL over HTTP), by
// `extensions.persistedQuery.sha256Hash` (APQ style), or sends its exact text.
import { readFileSync } from 'node:fs';
import { createGraphQLError, type Plugin } from 'graphql-yoga';

export function loadManifest(path: string): Map<string, string> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    throw new Error(`KEYGRAPH_PERSISTED_OPERATIONS: cannot read ${path}: ${(error as Error).message}`);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed) || !Object.values(parsed).every((v) => typeof v === 'string')) {
    throw new Error(`KEYGRAPH_PERSISTED_OPERATIONS: ${path} must be a JSON object of id -> document text`);
  }
  return new Map(Object.entries(parsed as Record<string, string>));
}

export function persistedOperationsOnly(manifest: Map<string, string>): Plugin {
  const texts = new Set(manifest.values());
  type Params = { query?: string; documentId?: string; extensions?: Record<string, unknown> };
  const resolve = (params: Params): Params => {
    const id = params.documentId ?? (params.extensions?.persistedQuery as { sha256Hash?: string } | undefined)?.sha256Hash;
    if (id !== undefined) {
      const query = manifest.get(id);
      if (query === undefined) throw notFound();
      // Yoga refuses parameters it does not know: the id has done its work.
      const { documentId: _id, ...rest } = params;
      return { ...rest, query };
    }
    if (params.query === undefined || !texts.has(params.query)) throw notFound();
    return params;
  };
  return {
    // The body as the client sent it (later hooks see only query/variables/operationName/extensions).
    onRequestParse() {
      return {
        onRequestParseDone({ requestParserResult, setRequestParserResult }) {
          const result = requestParserResult as Params | Params[];
          setRequestParserResult((Array.isArray(result) ? result.map(resolve) : resolve(result)) as typeof requestParserResult);
        },
      };
    },
  };
}

function notFound() {
  return createGraphQLError('this server runs persisted operations only; the operation is not in its manifest', {
    extensions: { code: 'PERSISTED_OPERATION_NOT_FOUND', http: { status: 400 } },
  });
}
