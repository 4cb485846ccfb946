// Execution: graphql-jit compiles an operation into a JavaScript function once and runs that function from then
// on, instead of graphql-js walking the document for every field of every object (the nested bench query:
// 0.72 -> 0.91 of the yoga + DataLoader peer, 11.9 -> 9.2 MB allocated per request). Resolvers, the shield
// rules and every check they make are the same functions either way.
// - An operation runs compiled from its second execution (KEYGRAPH_COMPILE_AFTER=N: from its Nth; 1: from the
//   first; 0: never). Yoga keeps one parsed document per query text, so a repeated query is counted and compiled
//   once. A query asked once runs on graphql-js: compiling costs more than executing once (the fuzz test's
//   10,000 mostly distinct operations took 35 s on graphql-js and 50-60 s compiled).
// - The two answer the same bytes (graphqlJsAnswers below), so a query's first answer and its later ones agree.
import { useGraphQlJit } from '@envelop/graphql-jit';
import { getOperationAST, type DocumentNode } from 'graphql';
import { getVariableValues } from 'graphql/execution/values.js';
import { createGraphQLError, type Plugin } from 'graphql-yoga';

/** Whether a document has now been executed `times` times or more (counted up to `times`). */
function executed(times: number) {
  const seen = new WeakMap<DocumentNode, number>();
  return (document: DocumentNode): boolean => {
    const count = seen.get(document) ?? 0;
    if (count >= times) return true;
    seen.set(document, count + 1);
    return count + 1 >= times;
  };
}

/** graphql-js's errors for variables that do not coerce; undefined when they coerce. */
function variableErrors(args: { schema: Parameters<typeof getVariableValues>[0]; document: DocumentNode; operationName?: string | null; variableValues?: unknown }) {
  const operation = getOperationAST(args.document, args.operationName);
  if (!operation) return undefined;
  const coerced = getVariableValues(args.schema, operation.variableDefinitions ?? [], (args.variableValues ?? {}) as Record<string, unknown>, { maxErrors: 50 });
  return coerced.errors;
}

/** The offset in `body` of 1-based `line` and `column` (graphql-js counts \r\n, \n and \r as line ends). */
function positionOf(body: string, line: number, column: number): number {
  const lineEnd = /\r\n|[\n\r]/g;
  let start = 0;
  for (let at = 1; at < line && lineEnd.exec(body); at++) start = lineEnd.lastIndex;
  return start + column - 1;
}

/**
 * A compiled operation answers exactly as graphql-js does (test/compiled-execution.test.ts compares them byte
 * for byte):
 * - graphql-jit's errors carry their `locations` but not the nodes they came from, and Yoga rebuilds every
 *   error from its nodes (or source and positions) when it writes the response, which dropped them: each such
 *   error is made again, from the document's source and the positions of its locations;
 * - variables that do not coerce are reported with graphql-js's messages, which name what was expected (the
 *   allowed values of an enum, the missing field of an input), and HTTP status 400, as Yoga's executor does;
 * - `errors` comes before `data`.
 */
const graphqlJsAnswers: Plugin = {
  onExecute({ args }) {
    return {
      onExecuteDone({ result, setResult }) {
        if (!('errors' in result) || !result.errors?.length) return;
        const { errors: compiled, ...rest } = result;
        const refused = 'data' in result && result.data != null ? undefined : variableErrors(args);
        const source = args.document.loc?.source;
        const errors = refused?.length
          ? refused.map((error) => createGraphQLError(error.message, { nodes: error.nodes, extensions: { ...error.extensions, http: { status: 400 } } }))
          : compiled.map((error) => {
              if (error.nodes || !error.locations?.length || !source) return error;
              const positions = error.locations.map((l: { line: number; column: number }) => positionOf(source.body, l.line, l.column));
              return createGraphQLError(error.message, { source, positions, path: error.path, originalError: error.originalError, extensions: error.extensions });
            });
        setResult({ errors, ...rest });
      },
    };
  },
};

export function compiledExecution(compileAfter: number, onCompileError: (errors: readonly unknown[]) => void): Plugin[] {
  if (compileAfter <= 0) return [];
  const often = compileAfter > 1 ? executed(compileAfter) : undefined;
  return [
    graphqlJsAnswers,
    useGraphQlJit({}, { ...(often ? { enableIf: (args: { document: DocumentNode }) => often(args.document) } : {}), onError: (result) => onCompileError(result.errors ?? []) }) as unknown as Plugin,
  ];
}
