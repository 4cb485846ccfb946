// Shared wiring of the zones graph's GraphQL types: visibility (the same decision for node(id:),
// nodes(ids:), _entities, fields and shield rules), permission fields, federation entities and
// batched connections under a parent.
import type DataLoader from 'dataloader';
import type { ObjectRef } from '@pothos/core';
import { decodeGlobalID } from '@pothos/plugin-relay';
import type { Authorizer } from '../../../domain/authz/authorizer.js';
import { NotFoundError } from '../../../domain/errors.js';
import { scopeOf, ZONE_KINDS, type ZoneKind } from '../../../domain/zone/access.js';
import type { ListFilter, ZoneTable } from '../../../domain/zone/store.js';
import { builder, type Types } from '../../builder.js';
import { relationConnection, type Connection, type RelayArgs } from '../../connection.js';
import type { Context } from '../../context.js';

type ZoneObject = { id: string; accountId: string; zoneId?: string };

const answers = new WeakMap<Authorizer, WeakMap<object, Promise<boolean>>>();

/** Whether the caller may see a zone object: the kind's read capability in the object's scope. */
export function zoneVisible(ctx: Context, kind: ZoneKind, object: ZoneObject): Promise<boolean> {
  let perObject = answers.get(ctx.authz);
  if (!perObject) answers.set(ctx.authz, (perObject = new WeakMap()));
  let answer = perObject.get(object);
  if (!answer) {
    answer = ctx.authz.authenticated ? ctx.authz.can(ZONE_KINDS[kind].read, scopeOf(kind, object as never)) : Promise.resolve(false);
    perObject.set(object, answer);
  }
  return answer;
}

/** Loads a zone object by local id; null when it does not exist or the caller may not see it. */
export async function loadZoneObject<T extends ZoneObject>(ctx: Context, kind: ZoneKind, loader: DataLoader<string, T | null>, id: string | null | undefined): Promise<T | null> {
  if (!id) return null;
  const object = await loader.load(id);
  return object && (await zoneVisible(ctx, kind, object)) ? object : null;
}

export function zoneLoadMany<T extends ZoneObject>(kind: ZoneKind, loader: (ctx: Context) => DataLoader<string, T | null>) {
  return (ids: string[], ctx: Context) => ids.map((id) => loadZoneObject(ctx, kind, loader(ctx), id));
}

/** A federation entity keyed by the Relay global id; `typenames` are the global id types that name it. */
export function zoneEntity<T extends ZoneObject>(ref: ObjectRef<Types, T>, kind: ZoneKind, typenames: string[], loader: (ctx: Context) => DataLoader<string, T | null>): void {
  builder.asEntity(ref, {
    key: builder.selection<{ id: string }>('id'),
    resolveReference: ({ id }, ctx) => {
      try {
        const decoded = decodeGlobalID(id);
        return typenames.includes(decoded.typename) ? loadZoneObject(ctx, kind, loader(ctx), decoded.id) : null;
      } catch {
        return null;
      }
    },
  });
}

export function zonePermissionFields<T extends ZoneObject>(t: PothosSchemaTypes.ObjectFieldBuilder<Types, T> | PothosSchemaTypes.InterfaceFieldBuilder<Types, T>, kind: ZoneKind) {
  const permissions = (object: T, ctx: Context) => ctx.authz.permissionsOn([scopeOf(kind, object as never)]);
  return {
    viewerPermissions: t.stringList({
      description: 'The capability keys the caller holds on this object.',
      resolve: (object, _args, ctx) => permissions(object as T, ctx),
    }),
    viewerCan: t.boolean({
      description: 'Whether the caller holds `capability` on this object.',
      args: { capability: t.arg.string({ required: true, description: 'A capability key of the catalog, e.g. "application.manage".' }) },
      resolve: async (object, { capability }, ctx) => (await permissions(object as T, ctx)).includes(capability),
    }),
  };
}

/** The local id of a global id of one of `typenames`; anything else reads as a missing object. */
export function localIdOf(globalId: string, typenames: readonly string[], field: string, entity: string = typenames[0]!): string {
  try {
    const decoded = decodeGlobalID(globalId);
    if (typenames.includes(decoded.typename) && decoded.id.length > 0) return decoded.id;
  } catch {
    // an undecodable id names nothing
  }
  throw new NotFoundError(entity, field);
}


/**
 * A batched list of a zone table under a parent (the parent column names it): one page statement and
 * one count statement for every parent of the request asking with the same arguments and filter.
 */
export function zoneList<T>(
  ctx: Context,
  options: { name: string; table: ZoneTable<T, never>; parent: string; parentId: string; args: RelayArgs; filter?: ListFilter; load: DataLoader<string, T | null> },
): Promise<Connection<T>> {
  const { search, ...rest } = options.filter ?? {};
  const key = `${options.name}:${JSON.stringify(rest)}`;
  return relationConnection(ctx, {
    kind: key,
    parentId: options.parentId,
    args: options.args,
    search: search ?? null,
    pages: (ids, page, term) => options.table.pages(options.parent, ids, page, { ...rest, search: term }),
    counts: (ids, term) => options.table.counts(options.parent, ids, { ...rest, search: term }),
    load: options.load,
  });
}

const nows = new WeakMap<object, Date>();

/** One instant per request, so that status filters agree across a request (and batch together). */
export function requestNow(ctx: Context): Date {
  let now = nows.get(ctx.loaders);
  if (!now) nows.set(ctx.loaders, (now = new Date()));
  return now;
}

/** Reads a field of a payload's optional object. */
