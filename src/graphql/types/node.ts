// Shared wiring for node types: loading through the request's DataLoader with visibility (so node(id:),
// nodes(ids:), fields and _entities share one batch and hide what the caller may not see), the
// federation entity, and the permission fields every node has.
import type { ObjectRef } from '@pothos/core';
import { decodeGlobalID } from '@pothos/plugin-relay';
import type { ObjectKind, Objects } from '../../domain/authz/access.js';
import { builder, type Types } from '../builder.js';
import type { Context } from '../context.js';
import { loadVisible, viewerPermissions } from '../visibility.js';

/** `loadMany` for builder.node: each id through the request's loader of the kind, null when invisible. */
export function visibleLoadMany<K extends ObjectKind>(kind: K) {
  return (ids: string[], ctx: Context) => ids.map((id) => loadVisible(ctx, kind, id));
}

/** A federation entity keyed by the Relay global id; `typenames` are the global id types that name it (default: the kind). */
export function entityLoadedBy<K extends ObjectKind, T extends Objects[K]>(ref: ObjectRef<Types, T>, kind: K, typenames: readonly string[] = [kind]): void {
  builder.asEntity(ref, {
    key: builder.selection<{ id: string }>('id'),
    // The key is the Relay global id; a representation of another type names nothing.
    resolveReference: ({ id }, ctx) => {
      try {
        const decoded = decodeGlobalID(id);
        return typenames.includes(decoded.typename) ? (loadVisible(ctx, kind, decoded.id) as Promise<T | null>) : null;
      } catch {
        return null;
      }
    },
  });
}

/** viewerPermissions and viewerCan: the GraphQL form of the reference's expand[]=permissions. */
export function permissionFields<T>(t: PothosSchemaTypes.ObjectFieldBuilder<Types, T> | PothosSchemaTypes.InterfaceFieldBuilder<Types, T>, kind: ObjectKind) {
  return {
    viewerPermissions: t.stringList({
      description: 'The capability keys the caller holds on this object.',
      resolve: (object, _args, ctx) => viewerPermissions(ctx, kind, object as never),
    }),
    viewerCan: t.boolean({
      description: 'Whether the caller holds `capability` on this object.',
      args: { capability: t.arg.string({ required: true, description: 'A capability key of the catalog, e.g. "group.manage".' }) },
      resolve: async (object, { capability }, ctx) => (await viewerPermissions(ctx, kind, object as never)).includes(capability),
    }),
  };
}
