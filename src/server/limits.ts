// What one request may ask for, checked before anything runs:
// - graphql-armor: tokens per document (while parsing), depth, aliases and directives per operation;
// - operations per document and the length of every string literal (validation rules);
// - a GitHub-style node limit: every connection multiplies what it is nested in by its `first`/`last`
//   (20 when neither is given), `nodes(ids:)` and `_entities` by the number of ids; the sum over the
//   operation is its cost in nodes, refused above `maxNodes` before any resolver runs and reported in
//   `extensions.cost` of every executed response;
// - `nodes(ids:)` takes at most `maxNodeIds` ids; string variables at most `maxStringLength` characters;
// - with a budget, each caller's points per hour (GitHub's rule: page reads / 100, at least 1).
import { EnvelopArmorPlugin } from '@escape.tech/graphql-armor';
import {
  GraphQLError,
  Kind,
  getOperationAST,
  valueFromASTUntyped,
  type DocumentNode,
  type FieldNode,
  type FragmentDefinitionNode,
  type GraphQLField,
  type GraphQLObjectType,
  type GraphQLInterfaceType,
  type GraphQLSchema,
  type SelectionSetNode,
  type ValidationContext,
  type ValidationRule,
  type ValueNode,
} from 'graphql';
import { createGraphQLError, type Plugin } from 'graphql-yoga';
import type { Limits } from '../config.js';
import { rateLimited, type PointsBudget } from './throttle.js';

/** Page size of a connection asked for without `first` or `last` (src/graphql/connection.ts). */
export const DEFAULT_PAGE_SIZE = 20;

/** How deep variable values (input objects, lists, JSON) may nest. */
const MAX_VARIABLE_NESTING = 64;

export interface OperationCost {
  /** Nodes the operation may return at most: the GitHub-style node count. */
  nodes: number;
  /** Connection and list fetches: how many pages it may read. */
  requests: number;
}

/** The limits of graphql-armor, with ours where they are stricter. */
export function armorPlugin(limits: Limits): Plugin {
  // Armor throws from its validation rules, which Yoga answers with HTTP 200; reported instead, its
  // refusals are validation errors like any other (HTTP 400).
  const report = {
    propagateOnRejection: false,
    onReject: [(context: ValidationContext | null, error: GraphQLError) => context?.reportError(createGraphQLError(error.message.replace(/^Syntax Error: /, '')))],
  };
  return EnvelopArmorPlugin({
    maxTokens: { n: limits.maxTokens },
    maxDepth: { n: limits.maxDepth, flattenFragments: true, ignoreIntrospection: true, ...report },
    maxAliases: { n: limits.maxAliases, ...report },
    maxDirectives: { n: limits.maxDirectives, ...report },
    // Cost is ours (below), computed from page sizes.
    costLimit: { enabled: false },
    // Suggestions are removed in hardened mode by src/server/surface.ts.
    blockFieldSuggestion: { enabled: false },
  }) as Plugin;
}

const bodyTooLarge = () => createGraphQLError('Request body too large', { extensions: { http: { status: 413 }, code: 'REQUEST_ENTITY_TOO_LARGE' } });
const CONTENT_LENGTH = /^\d+$/;

/**
 * The request body limit (Yoga's `maxRequestBodySize`, which this replaces: give Yoga `false`). A body with a
 * valid Content-Length is refused above `max` before it is read, and otherwise read as it is: the HTTP parser
 * delivers exactly Content-Length bytes, so no per-request stream is needed to count them (Yoga wraps every body
 * in one). A body without Content-Length (chunked) is counted while it is read and refused past `max`. A
 * Content-Length that is not one non-negative integer is refused (400), as Yoga does.
 */
export function bodyLimitPlugin(max: number): Plugin {
  return {
    onRequestParse({ request, requestParser, setRequestParser }) {
      const length = request.headers.get('content-length');
      if (length !== null) {
        if (!CONTENT_LENGTH.test(length)) throw createGraphQLError('Content-Length header is invalid.', { extensions: { http: { status: 400 }, code: 'BAD_REQUEST' } });
        if (Number(length) > max) throw bodyTooLarge();
        return;
      }
      if (!requestParser || !request.body) return;
      const parse = requestParser;
      setRequestParser((unbounded) => {
        let read = 0;
        const counted = unbounded.body!.pipeThrough(
          new TransformStream<Uint8Array, Uint8Array>({
            transform(chunk, controller) {
              read += chunk.byteLength;
              if (read > max) controller.error(bodyTooLarge());
              else controller.enqueue(chunk);
            },
          }),
        );
        return parse(new Request(unbounded.url, { method: unbounded.method, headers: unbounded.headers, signal: unbounded.signal, body: counted, duplex: 'half' } as RequestInit));
      });
    },
  };
}

/** How deep brackets, braces and parentheses may nest in a document (graphql-js parses them recursively). */
export const MAX_NESTING = 128;

/** The deepest nesting of ( [ { in a GraphQL document, outside strings and comments. */
export function nestingDepth(text: string): number {
  let depth = 0;
  let deepest = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === '#') {
      while (i < text.length && text[i] !== '\n' && text[i] !== '\r') i++;
    } else if (c === '"') {
      if (text.startsWith('"""', i)) {
        const end = text.indexOf('"""', i + 3);
        // Escaped triple quotes (\""") do not end a block string.
        let close = end;
        while (close > 0 && text[close - 1] === '\\') close = text.indexOf('"""', close + 3);
        i = close < 0 ? text.length : close + 2;
      } else {
        for (i++; i < text.length && text[i] !== '"' && text[i] !== '\n'; i++) if (text[i] === '\\') i++;
      }
    } else if (c === '(' || c === '[' || c === '{') {
      depth++;
      if (depth > deepest) deepest = depth;
    } else if (c === ')' || c === ']' || c === '}') {
      depth--;
    }
  }
  return deepest;
}

/** Refuses, before graphql-js parses it, a document nested so deep that its recursive parser would overflow the stack. */
export function nestingPlugin(max = MAX_NESTING): Plugin {
  return {
    onParse({ params }) {
      const text = typeof params.source === 'string' ? params.source : params.source.body;
      const depth = nestingDepth(text);
      if (depth > max) throw createGraphQLError(`brackets, braces and parentheses may nest at most ${max} levels; this document nests ${depth}`, { extensions: { http: { status: 400 } } });
    },
  };
}

/** At most `max` operations in one document. */
export function maxOperationsRule(max: number): ValidationRule {
  return (context) => ({
    Document(node) {
      const count = node.definitions.filter((d) => d.kind === Kind.OPERATION_DEFINITION).length;
      if (count > max) context.reportError(createGraphQLError(`a document may define at most ${max} operations; this one defines ${count}`));
    },
  });
}

/** String literals of at most `max` characters. */
export function maxStringLiteralRule(max: number): ValidationRule {
  return (context) => ({
    StringValue(node) {
      if (node.value.length > max) context.reportError(createGraphQLError(`a string argument may have at most ${max} characters; one has ${node.value.length}`, { nodes: node }));
    },
  });
}

/** The first problem of the variables: a string over `maxString` characters or nesting deeper than 64 levels. */
export function variablesProblem(variables: unknown, maxString: number): string | null {
  const stack: { value: unknown; depth: number }[] = [{ value: variables, depth: 0 }];
  while (stack.length > 0) {
    const { value, depth } = stack.pop()!;
    if (typeof value === 'string') {
      if (value.length > maxString) return `a string argument may have at most ${maxString} characters; one has ${value.length}`;
    } else if (value !== null && typeof value === 'object') {
      if (depth >= MAX_VARIABLE_NESTING) return `variables may nest at most ${MAX_VARIABLE_NESTING} levels`;
      for (const item of Array.isArray(value) ? value : Object.values(value)) stack.push({ value: item, depth: depth + 1 });
    }
  }
  return null;
}

class CostError extends Error {}

// Structural checks, not graphql's instanceof ones: the schema may come from graphql's CommonJS build
// (Pothos, shield) while this module loads the ES one.
type Fielded = GraphQLObjectType | GraphQLInterfaceType;
type Composite = Fielded | { name: string; getTypes(): unknown };

function named(type: unknown): unknown {
  let t = type as { ofType?: unknown };
  while (t && typeof t === 'object' && 'ofType' in t && t.ofType) t = t.ofType as { ofType?: unknown };
  return t;
}

const hasFields = (type: unknown): type is Fielded => typeof (type as { getFields?: unknown } | null)?.getFields === 'function';
const isComposite = (type: unknown): type is Composite => hasFields(type) || typeof (type as { getTypes?: unknown } | null)?.getTypes === 'function';

/** The cost of one operation of `document`, from its page sizes and the given variables. */
export function operationCost(schema: GraphQLSchema, document: DocumentNode, operationName: string | null | undefined, variables: Record<string, unknown>, maxNodeIds: number): OperationCost {
  const operation = getOperationAST(document, operationName);
  if (!operation) return { nodes: 0, requests: 0 };
  const queryType = schema.getQueryType();
  const fragments = new Map<string, FragmentDefinitionNode>();
  for (const definition of document.definitions) if (definition.kind === Kind.FRAGMENT_DEFINITION) fragments.set(definition.name.value, definition);
  const defaults = new Map<string, unknown>();
  for (const definition of operation.variableDefinitions ?? []) {
    if (definition.defaultValue) defaults.set(definition.variable.name.value, valueFromASTUntyped(definition.defaultValue));
  }
  const valueOf = (node: ValueNode): unknown => {
    if (node.kind === Kind.VARIABLE) {
      const name = node.name.value;
      return Object.prototype.hasOwnProperty.call(variables, name) ? variables[name] : defaults.get(name);
    }
    return valueFromASTUntyped(node, variables);
  };
  const argument = (field: FieldNode, name: string): unknown => {
    const node = field.arguments?.find((a) => a.name.value === name);
    return node ? valueOf(node.value) : undefined;
  };
  const count = (value: unknown): number => (typeof value === 'number' && Number.isFinite(value) ? Math.max(0, Math.floor(value)) : 0);

  // The cost of a fragment is linear in what it is nested in: computed once per fragment at 1.
  const fragmentCosts = new Map<string, OperationCost>();
  const walk = (parent: Composite, selectionSet: SelectionSetNode, multiplier: number): OperationCost => {
    const total: OperationCost = { nodes: 0, requests: 0 };
    const add = (cost: OperationCost, times: number) => {
      total.nodes += cost.nodes * times;
      total.requests += cost.requests * times;
    };
    for (const selection of selectionSet.selections) {
      if (selection.kind === Kind.INLINE_FRAGMENT) {
        const type = selection.typeCondition ? schema.getType(selection.typeCondition.name.value) : parent;
        if (isComposite(type)) add(walk(type, selection.selectionSet, 1), multiplier);
        continue;
      }
      if (selection.kind === Kind.FRAGMENT_SPREAD) {
        const name = selection.name.value;
        let cost = fragmentCosts.get(name);
        if (!cost) {
          const fragment = fragments.get(name);
          const type = fragment ? schema.getType(fragment.typeCondition.name.value) : undefined;
          // A cycle is refused by validation; here it costs nothing more.
          fragmentCosts.set(name, { nodes: 0, requests: 0 });
          cost = fragment && isComposite(type) ? walk(type, fragment.selectionSet, 1) : { nodes: 0, requests: 0 };
          fragmentCosts.set(name, cost);
        }
        add(cost, multiplier);
        continue;
      }
      const name = selection.name.value;
      if (name.startsWith('__') || !selection.selectionSet || !hasFields(parent)) continue;
      const field: GraphQLField<unknown, unknown> | undefined = parent.getFields()[name];
      if (!field) continue;
      const type = named(field.type);
      if (!isComposite(type)) continue;
      let size = 1;
      let fetch = false;
      if (name === 'nodes' && parent === queryType) {
        const ids = argument(selection, 'ids');
        size = Array.isArray(ids) ? ids.length : 1;
        if (size > maxNodeIds) throw new CostError(`nodes(ids:) takes at most ${maxNodeIds} ids; this call has ${size}`);
        fetch = true;
      } else if (name === '_entities' && parent === queryType) {
        const representations = argument(selection, 'representations');
        size = Array.isArray(representations) ? representations.length : 1;
        fetch = true;
      } else if (hasFields(type) && type.getFields().edges && field.args.some((a) => a.name === 'first' || a.name === 'last')) {
        const first = argument(selection, 'first');
        const last = argument(selection, 'last');
        size = first !== undefined && first !== null ? count(first) : last !== undefined && last !== null ? count(last) : DEFAULT_PAGE_SIZE;
        fetch = true;
      }
      if (fetch) {
        total.nodes += multiplier * size;
        total.requests += multiplier;
      }
      const inner = walk(type, selection.selectionSet, 1);
      add(inner, multiplier * size);
    }
    return total;
  };
  const root = operation.operation === 'mutation' ? schema.getMutationType() : operation.operation === 'subscription' ? schema.getSubscriptionType() : schema.getQueryType();
  return root ? walk(root, operation.selectionSet, 1) : { nodes: 0, requests: 0 };
}

/**
 * Refuses, before execution, an operation whose node count is over `limits.maxNodes`, a nodes(ids:) call
 * with too many ids and over-long or over-nested variables; adds `extensions.cost` to every executed
 * response.
 */
export interface BudgetOptions {
  budget: PointsBudget;
  /** Who pays: the principal, or the client address when anonymous. */
  payer: (context: unknown) => string;
}

/** GitHub's rule: page reads / 100, rounded, at least 1. */
export const pointsOf = (cost: OperationCost) => Math.max(1, Math.round(cost.requests / 100));

export function costPlugin(limits: Limits, budgetOptions?: BudgetOptions): Plugin {
  return {
    onValidate({ addValidationRule }) {
      addValidationRule(maxOperationsRule(limits.maxOperations));
      addValidationRule(maxStringLiteralRule(limits.maxStringLength));
    },
    async onExecute({ args, setResultAndStopExecution }) {
      const variables = (args.variableValues ?? {}) as Record<string, unknown>;
      const problem = variablesProblem(variables, limits.maxStringLength);
      if (problem) {
        setResultAndStopExecution({ errors: [createGraphQLError(problem, { extensions: { code: 'BAD_USER_INPUT', http: { status: 400 } } })] });
        return;
      }
      let cost: OperationCost;
      try {
        cost = operationCost(args.schema, args.document, args.operationName, variables, limits.maxNodeIds);
      } catch (error) {
        if (!(error instanceof CostError)) throw error;
        setResultAndStopExecution({ errors: [createGraphQLError(error.message, { extensions: { code: 'BAD_USER_INPUT', http: { status: 400 } } })] });
        return;
      }
      let reported: Record<string, unknown> = { nodes: cost.nodes, requests: cost.requests, maxNodes: limits.maxNodes };
      if (cost.nodes <= limits.maxNodes && budgetOptions) {
        const charge = await budgetOptions.budget.charge(budgetOptions.payer(args.contextValue), pointsOf(cost));
        if ('retryAfterSeconds' in charge) {
          reported = { ...reported, points: charge.points, limit: budgetOptions.budget.perHour, remaining: 0 };
          const error = rateLimited(`this operation costs ${charge.points} points, more than remain of the ${budgetOptions.budget.perHour} points per hour`, charge.retryAfterSeconds);
          setResultAndStopExecution({ data: null, errors: [error], extensions: { cost: reported } });
          return;
        }
        reported = { ...reported, points: charge.points, limit: budgetOptions.budget.perHour, remaining: charge.remaining, resetAt: charge.resetAt };
      }
      if (cost.nodes > limits.maxNodes) {
        setResultAndStopExecution({
          errors: [
            createGraphQLError(`this operation may return ${cost.nodes} nodes, more than the limit of ${limits.maxNodes}: ask for smaller pages (first/last) or fewer nested connections`, {
              extensions: { code: 'COST_LIMIT_EXCEEDED', cost: reported, http: { status: 400 } },
            }),
          ],
          extensions: { cost: reported },
        });
        return;
      }
      return {
        onExecuteDone({ result, setResult }) {
          if (!('data' in result) && !('errors' in result)) return;
          const single = result as { data?: unknown; errors?: readonly unknown[]; extensions?: Record<string, unknown> };
          setResult({ ...single, extensions: { ...single.extensions, cost: reported } } as typeof result);
        },
      };
    },
  };
}
