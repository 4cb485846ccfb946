// The `id` field of every Node type, answered synchronously. The Relay plugin resolves it with two async
// functions (the type's id option, then the encoding), so every object on a page would come back as a
// promise and the executor would wait on it; each Node type here reads its id as `object.id` (the tests
// compare this resolver with the plugin's for every Node type), so the encoding is done directly.
import { encodeGlobalID } from '@pothos/plugin-relay';
import type { GraphQLFieldResolver, GraphQLObjectType } from 'graphql';

/** Whether `type` implements Node (compared by name: graphql may be loaded both as CJS and as ESM). */
export function isNodeType(type: GraphQLObjectType): boolean {
  return type.getInterfaces().some((i) => i.name === 'Node');
}

/** The synchronous resolver of `typeName`'s `id` field: the global id of `${typeName}:${object.id}`. */
export function nodeIdResolver(typeName: string): GraphQLFieldResolver<{ id: string | number }, unknown> {
  return (object) => encodeGlobalID(typeName, String(object.id));
}
