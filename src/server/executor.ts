// Execution: graphql-jit compiles an operation into a JavaScript function once and runs that function from then
// on, instead of graphql-js walking the document for every field of every object (the nested bench query:
// 0.72 -> 0.91 of the yoga + DataLoader peer, 11.9 -> 9.2 MB allocated per request). Resolvers, the shield
// rules and every check they make are the same functions either way.
// - Every operation runs compiled, from its first execution (KEYGRAPH_COMPILE_AFTER=N: from its Nth; 0: never).
//   Compiling from a later execution would answer a query's first run (graphql-js) and its later ones (compiled)
//   differently where the two differ: graphql-jit gives an error a resolver or a rule throws no `locations`, and
//   writes `data` before `errors`. Yoga keeps one parsed document per query text, so a repeated query is
//   compiled once. Compiling costs more than executing once: the fuzz test's 10,000 mostly distinct operations
//   took 35 s on graphql-js and 50-60 s compiled, within the limits every request is held to.
// - A variable graphql-jit refuses is reported with graphql-js's own message, which names what was expected
//   (the allowed values of an enum, the missing field of an input).
import { useGraphQlJit } from '@envelop/graphql-jit';
import { getOperationAST, type DocumentNode } from 'graphql';
import { getVariableValues } from 'graphql/execution/values.js';
import type { Plugin } from 'graphql-yoga';

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

const graphqlJsVariableErrors: Plugin = {
  onExecute({ args }) {
    return {
      onExecuteDone({ result, setResult }) {
        if (!('errors' in result) || !result.errors?.length || ('data' in result && result.data != null)) return;
        const errors = variableErrors(args);
        if (errors?.length) setResult({ errors });
      },
    };
  },
};

export function compiledExecution(compileAfter: number, onCompileError: (errors: readonly unknown[]) => void): Plugin[] {
  if (compileAfter <= 0) return [];
  const often = compileAfter > 1 ? executed(compileAfter) : undefined;
  return [
    graphqlJsVariableErrors,
    useGraphQlJit({}, { ...(often ? { enableIf: (args: { document: DocumentNode }) => often(args.document) } : {}), onError: (result) => onCompileError(result.errors ?? []) }) as unknown as Plugin,
  ];
}
