// Helpers shared by the zone services: loading an object inside a transaction and checking the caller
// on it, so that an object the caller may not see fails exactly like a missing one.
import type { Authorizer } from '../authz/authorizer.js';
import { NotFoundError, ValidationError } from '../errors.js';
import type { Store } from '../store.js';
import { ACCESS, authorizeOn, holdsIn, NO_LOADS, scopeOf, storeDeps } from '../authz/access.js';
import type { ZoneKind } from './access.js';
import type { Zone } from './model.js';
import type { ZoneTable } from './store.js';
import type { CapabilityKey } from '../authz/catalog.js';

/** The object `id` of `table`, or NotFoundError naming `field`. */
export async function mustLoad<T>(table: Pick<ZoneTable<T, never>, 'byIds'>, id: string, entity: string, field: string): Promise<T> {
  const [object] = await table.byIds([id]);
  if (!object) throw new NotFoundError(entity, field);
  return object;
}

/** Loads a zone and checks `capability` on it (reading it is needed to learn it exists). */
export async function zoneFor(tx: Store, actor: Authorizer, zoneId: string, capability: CapabilityKey, field = 'zoneId'): Promise<Zone> {
  const zone = await mustLoad(tx.zones.zones, zoneId, 'Zone', field);
  await authorizeOn(actor, 'Zone', zone, 'manage', { field, capability }, storeDeps(tx));
  return zone;
}

/** Loads an object of the zone graph and checks the kind's manage capability (or `capability`) on it. */
export async function objectFor<T extends { id: string; accountId: string; zoneId: string }>(
  actor: Authorizer,
  table: Pick<ZoneTable<T, never>, 'byIds'>,
  kind: ZoneKind,
  id: string,
  field = 'id',
  capability: CapabilityKey = ACCESS[kind].manage,
): Promise<T> {
  const object = await mustLoad(table, id, kind, field);
  await authorizeOn(actor, kind, object as never, 'manage', { field, capability }, NO_LOADS);
  return object;
}

/** objectFor, refusing objects the platform owns (the table's platform guard): for changes and deletions. */
export async function changeableFor<T extends { id: string; accountId: string; zoneId: string }>(
  actor: Authorizer,
  table: Pick<ZoneTable<T, never>, 'byIds'>,
  kind: ZoneKind,
  id: string,
  field = 'id',
): Promise<T> {
  const object = await mustLoad(table, id, kind, field);
  await authorizeOn(actor, kind, object as never, 'manage', { field, platformGuard: true }, NO_LOADS);
  return object;
}

/**
 * An object named in the input that must live in `zoneId` and be visible to the caller; anything else
 * (missing, another zone, another account, hidden) is the same NotFoundError.
 */
export async function sameZone<T extends { id: string; accountId: string; zoneId: string }>(
  actor: Authorizer,
  table: Pick<ZoneTable<T, never>, 'byIds'>,
  kind: ZoneKind,
  id: string,
  zoneId: string,
  field: string,
): Promise<T> {
  return (await allInZone(actor, table, kind, [id], zoneId, field))[0]!;
}

/** sameZone for many ids at once: one read. */
export async function allInZone<T extends { id: string; accountId: string; zoneId: string }>(
  actor: Authorizer,
  table: Pick<ZoneTable<T, never>, 'byIds'>,
  kind: ZoneKind,
  ids: readonly string[],
  zoneId: string,
  field: string,
): Promise<T[]> {
  const objects = ids.length === 0 ? [] : await table.byIds(ids);
  for (const object of objects) {
    if (!object || object.zoneId !== zoneId || !(await holdsIn(actor, ACCESS[kind].read, [scopeOf(kind, object as never)]))) throw new NotFoundError(kind, field);
  }
  return objects as T[];
}

/** Exactly one of the named alternatives is set. */
export function exactlyOne<T extends Record<string, unknown>>(field: string, input: T, names: (keyof T & string)[]): keyof T & string {
  const present = names.filter((name) => input[name] !== undefined && input[name] !== null);
  if (present.length !== 1) throw new ValidationError(`${field}: set exactly one of ${names.join(', ')}`, field);
  return present[0]!;
}
