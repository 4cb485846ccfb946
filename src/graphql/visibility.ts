// The GraphQL side of reading: the request's loaders as the access table's object source. What the caller
// may see is decided by the domain (src/domain/authz/access.ts), once per object and caller; node(id:),
// nodes(ids:), _entities and relation fields return null for objects the caller may not see, exactly as
// for objects that do not exist.
import { permissionsOn, readVisible, visible, visibleNow as knownVisible, type ObjectKind, type Objects, type ObjectSource } from '../domain/authz/access.js';
import type { Context, Loaders } from './context.js';

const sources = new WeakMap<Loaders, ObjectSource>();

/** The request's loaders, as the access table's source of objects and of what scoping them needs. */
export function sourceOf(ctx: Context): ObjectSource {
  let source = sources.get(ctx.loaders);
  if (!source) {
    const loaders = ctx.loaders;
    source = {
      load: (kind, id) => loaders.object(kind).load(id),
      accountsOfUser: (userId) => loaders.accountsOfUser.load(userId),
    };
    sources.set(loaders, source);
  }
  return source;
}

export function isVisible<K extends ObjectKind>(ctx: Context, kind: K, object: Objects[K]): Promise<boolean> {
  return visible(ctx.authz, kind, object, sourceOf(ctx));
}

/** isVisible's answer when it is already known for this caller and object; undefined otherwise. */
export function visibleNow<K extends ObjectKind>(ctx: Context, kind: K, object: Objects[K]): boolean | undefined {
  return knownVisible(ctx.authz, kind, object);
}

/** Loads an object by local id; null when there is no id, no such object, or the caller may not see it. */
export function loadVisible<K extends ObjectKind>(ctx: Context, kind: K, id: string | null | undefined): Promise<Objects[K] | null> {
  return readVisible(ctx.authz, sourceOf(ctx), kind, id);
}

/** The capabilities the caller holds on an object. */
export function viewerPermissions<K extends ObjectKind>(ctx: Context, kind: K, object: Objects[K]): Promise<string[]> {
  return permissionsOn(ctx.authz, kind, object, sourceOf(ctx));
}
