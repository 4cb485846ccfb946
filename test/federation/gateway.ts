// Composition and a real Apollo Gateway, in-process. `composeSupergraph` runs @apollo/composition's
// composeServices over the subgraph SDLs; `startGateway` runs an ApolloGateway (@apollo/gateway) on the
// supergraph whose RemoteGraphQLDataSources send their HTTP requests to in-process fetch functions
// (yoga.fetch) instead of sockets, and forward the caller's Authorization header to the subgraphs that
// are allowed to see it. `execute` plays the part of the HTTP server in front of the gateway (what
// Apollo Server does): parse, validate against the gateway's API schema, build the request context,
// call the gateway's executor.
import { createHash } from 'node:crypto';
import { createRequire } from 'node:module';
import { composeServices, type CompositionSuccess } from '@apollo/composition';
import { ApolloGateway, RemoteGraphQLDataSource } from '@apollo/gateway';
import { getOperationAST, parse, type GraphQLError, type GraphQLFormattedError, type GraphQLSchema } from 'graphql';

// graphql ships both index.js (CommonJS) and index.mjs without an "exports" map. Vitest resolves this
// file's `import 'graphql'` to index.mjs, while @apollo/gateway (CommonJS) builds its schema with
// index.js: graphql's instanceof checks refuse a schema from the other copy ("from another module or
// realm"). Whatever touches the gateway's schema (validate) comes from the gateway's copy; parse and
// getOperationAST only produce and read plain AST objects, which both copies share.
const { validate } = createRequire(import.meta.url)('graphql') as typeof import('graphql');

export interface Subgraph {
  name: string;
  /** The URL the supergraph records for it; the gateway's fetcher routes on it. */
  url: string;
  sdl: string;
  /** Serves one HTTP request in-process (yoga.fetch). */
  fetch(url: string, init: RequestInit): Promise<Response>;
  /** Whether the caller's Authorization header is forwarded to it. */
  forwardAuthorization: boolean;
}

/** @apollo/composition does not export its CompositionHint class from the package root. */
export type CompositionHint = CompositionSuccess['hints'][number];

export interface Composed {
  supergraphSdl: string;
  hints: CompositionHint[];
}

export function composeSupergraph(subgraphs: readonly Subgraph[]): Composed | { errors: readonly GraphQLError[] } {
  const result = composeServices(subgraphs.map((s) => ({ name: s.name, url: s.url, typeDefs: parse(s.sdl) })));
  if (result.errors) return { errors: result.errors };
  return { supergraphSdl: result.supergraphSdl, hints: result.hints };
}

/** One request as a subgraph received it from the gateway (seen by the gateway's fetcher). */
export interface SubgraphCall {
  subgraph: string;
  authorization: string | null;
  query: string;
}

export interface GatewayResult {
  data?: Record<string, unknown> | null;
  errors?: GraphQLFormattedError[];
}

export interface RunningGateway {
  schema: GraphQLSchema;
  calls: SubgraphCall[];
  /** Warnings and errors the gateway logged (expected to stay empty). */
  logged: string[];
  execute(query: string, options?: { variables?: Record<string, unknown>; authorization?: string | null }): Promise<GatewayResult>;
  stop(): Promise<void>;
}

type GatewayRequestContext = Parameters<ApolloGateway['executor']>[0];

export async function startGateway(supergraphSdl: string, subgraphs: readonly Subgraph[]): Promise<RunningGateway> {
  const calls: SubgraphCall[] = [];
  const logged: string[] = [];
  const byName = new Map(subgraphs.map((s) => [s.name, s]));
  const logger = {
    debug: () => {},
    info: () => {},
    warn: (message: unknown) => void logged.push(`warn: ${String(message)}`),
    error: (message: unknown) => void logged.push(`error: ${String(message)}`),
  };
  const gateway = new ApolloGateway({
    supergraphSdl,
    logger,
    buildService: ({ name, url }) => {
      const subgraph = byName.get(name);
      if (!subgraph || subgraph.url !== url) throw new Error(`no in-process subgraph for ${name} at ${url}`);
      return new RemoteGraphQLDataSource({
        url,
        // The gateway's HTTP client, replaced by the subgraph's in-process fetch. The data source
        // always sends a string body and a plain header record.
        fetcher: async (target, init = {}) => {
          if (target !== subgraph.url) throw new Error(`unexpected subgraph URL ${target}`);
          const headers = new Headers(init.headers);
          calls.push({ subgraph: name, authorization: headers.get('authorization'), query: String(init.body && JSON.parse(String(init.body)).query) });
          return subgraph.fetch(target, { method: init.method ?? 'POST', headers, body: init.body as string | undefined });
        },
        // The gateway sends subgraphs none of the client's headers on its own: forward the bearer
        // token to the subgraphs that authenticate callers (keygraph), and to nobody else.
        willSendRequest({ request, context }) {
          const authorization = (context as { authorization?: string | null }).authorization;
          if (subgraph.forwardAuthorization && authorization) request.http?.headers.set('authorization', authorization);
        },
      });
    },
  });
  const { schema, executor } = await gateway.load();
  const cache = new Map<string, string>();
  return {
    schema,
    calls,
    logged,
    async execute(query, { variables = {}, authorization = null } = {}) {
      const document = parse(query);
      const validationErrors = validate(schema, document);
      if (validationErrors.length) return { errors: validationErrors.map((e) => e.toJSON()) };
      const operation = getOperationAST(document);
      if (!operation) throw new Error('expected exactly one operation');
      const headers = new Headers({ 'content-type': 'application/json' });
      if (authorization) headers.set('authorization', authorization);
      const requestContext: GatewayRequestContext = {
        request: { query, variables, http: { method: 'POST', url: 'http://gateway.local/graphql', headers } },
        logger,
        schema,
        // GatewaySchemaHash is a branded string type: the cast is the only way to make one.
        schemaHash: createHash('sha256').update(supergraphSdl).digest('hex') as GatewayRequestContext['schemaHash'],
        context: { authorization },
        cache: {
          get: async (key) => cache.get(key),
          set: async (key, value) => void cache.set(key, value),
          delete: async (key) => cache.delete(key),
        },
        queryHash: createHash('sha256').update(query).digest('hex'),
        document,
        source: query,
        operationName: operation.name?.value ?? null,
        operation,
        metrics: {},
        overallCachePolicy: undefined,
      };
      const result = await executor(requestContext);
      return {
        ...(result.errors ? { errors: result.errors.map((e) => e.toJSON()) } : {}),
        ...('data' in result ? { data: result.data ?? null } : {}),
      };
    },
    stop: () => gateway.stop(),
  };
}
