// The Pothos schema builder: Relay (nodes, global ids, connections), federation v2 and per-request
// DataLoaders. Types add themselves from src/graphql/types/*.ts; schema.ts assembles them.
import SchemaBuilder, { brandWithType } from '@pothos/core';
import DataloaderPlugin from '@pothos/plugin-dataloader';
import DirectivesPlugin from '@pothos/plugin-directives';
import FederationPlugin from '@pothos/plugin-federation';
import RelayPlugin from '@pothos/plugin-relay';
import { GraphQLError, Kind } from 'graphql';
import type { Context } from './context.js';

// The relay plugin caches a node by id per request and brands it with its type only once the whole batch is
// loaded: a second node(id:)/nodes(ids:) asking for the same id in the same request gets the cached object
// before it is branded, and GraphQL cannot tell its type ("Abstract type Node must resolve..."). The global
// id names the type the object was loaded as, so it is branded here, before it is returned.
function branded(node: unknown, typename: string): unknown {
  // Branded with the name, as the plugin itself does (its typing only names refs).
  if (node !== null && typeof node === 'object') brandWithType(node, typename as never);
  return node;
}

export const builder = new SchemaBuilder<{
  Context: Context;
  Scalars: {
    ID: { Input: string; Output: string };
    DateTime: { Input: Date; Output: Date };
    JSONObject: { Input: Record<string, unknown>; Output: Record<string, unknown> };
  };
  DefaultFieldNullability: false;
  DefaultEdgesNullability: false;
  DefaultNodeNullability: false;
}>({
  plugins: [DirectivesPlugin, RelayPlugin, DataloaderPlugin, FederationPlugin],
  defaultFieldNullability: false,
  directives: { useGraphQLToolsUnorderedDirectives: true },
  relay: {
    clientMutationId: 'omit',
    cursorType: 'String',
    edgesFieldOptions: { nullable: false, description: 'The edges of this page, in order.' },
    nodeFieldOptions: { nullable: false, description: 'The object at the end of the edge.' },
    nodeTypeOptions: { description: 'An object with a globally unique, opaque id (Relay Global Object Identification).' },
    pageInfoTypeOptions: { shareable: true, description: 'Where a page sits in its list (Relay cursor connections).' },
    pageInfoFieldOptions: { description: 'How to fetch the neighbouring pages.' },
    hasNextPageFieldOptions: { description: 'Whether more edges follow this page.' },
    hasPreviousPageFieldOptions: { description: 'Whether edges precede this page.' },
    startCursorFieldOptions: { description: 'The cursor of the first edge of the page.' },
    endCursorFieldOptions: { description: 'The cursor of the last edge of the page.' },
    cursorFieldOptions: { description: 'An opaque cursor for paging from this edge.' },
    idFieldOptions: { description: 'Opaque global id; use it with node(id:).' },
    nodeQueryOptions: {
      description: 'Fetches any object by its global id; null when it does not exist or the caller may not see it.',
      args: { id: { description: 'A global id.' } },
      resolve: async (_root, { id }, _ctx, _info, resolveNode) => branded(await resolveNode(id), id.typename),
    },
    nodesQueryOptions: {
      description: 'Fetches objects by their global ids, in order; null for each that does not exist or the caller may not see.',
      args: { ids: { description: 'Global ids.' } },
      resolve: async (_root, { ids }, _ctx, _info, resolveNodes) => (await resolveNodes(ids)).map(async (node, i) => branded(await node, ids[i]!.typename)),
    },
  },
});

builder.scalarType('DateTime', {
  description: 'An instant, as an ISO 8601 string in UTC.',
  serialize: (value) => (value as Date).toISOString(),
  parseValue: (value) => {
    const date = typeof value === 'string' ? new Date(value) : new Date(NaN);
    if (Number.isNaN(date.getTime())) throw new GraphQLError('DateTime must be an ISO 8601 string');
    return date;
  },
});

function literalToValue(ast: import('graphql').ValueNode): unknown {
  switch (ast.kind) {
    case Kind.STRING:
    case Kind.BOOLEAN:
      return ast.value;
    case Kind.INT:
    case Kind.FLOAT:
      return Number(ast.value);
    case Kind.NULL:
      return null;
    case Kind.LIST:
      return ast.values.map(literalToValue);
    case Kind.OBJECT:
      return Object.fromEntries(ast.fields.map((f) => [f.name.value, literalToValue(f.value)]));
    default:
      throw new GraphQLError('JSONObject literals cannot contain variables');
  }
}

builder.scalarType('JSONObject', {
  description: 'A JSON object.',
  serialize: (value) => value as Record<string, unknown>,
  parseValue: (value) => {
    if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new GraphQLError('JSONObject must be a JSON object');
    return value as Record<string, unknown>;
  },
  parseLiteral: (ast) => {
    const value = literalToValue(ast);
    if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new GraphQLError('JSONObject must be a JSON object');
    return value as Record<string, unknown>;
  },
});

builder.queryType({ description: 'The root of every read.' });
builder.mutationType({ description: 'The root of every change. Each mutation is atomic: it applies in full or not at all.' });

/** The builder's schema types, for helpers that take field builders. */
export type Types = typeof builder extends PothosSchemaTypes.SchemaBuilder<infer T> ? T : never;
