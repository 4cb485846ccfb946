// Shared wiring for node types: the Relay node definition and the federation entity, both loading
// through the request's DataLoader, so node(id:), nodes(ids:), fields and _entities share one batch.
import type DataLoader from 'dataloader';
import type { ObjectRef } from '@pothos/core';
import { decodeGlobalID } from '@pothos/plugin-relay';
import { builder, type Types } from '../builder.js';
import type { Context } from '../context.js';

export function entityLoadedBy<T extends { id: string }>(ref: ObjectRef<Types, T>, typename: string, loader: (ctx: Context) => DataLoader<string, T | null>): void {
  builder.asEntity(ref, {
    key: builder.selection<{ id: string }>('id'),
    // The key is the Relay global id; a representation of another type names nothing.
    resolveReference: ({ id }, ctx) => {
      try {
        const decoded = decodeGlobalID(id);
        return decoded.typename === typename ? loader(ctx).load(decoded.id) : null;
      } catch {
        return null;
      }
    },
  });
}
