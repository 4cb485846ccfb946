// Shared wiring of the zones graph's GraphQL types: batched connections under a parent. Visibility,
// permission fields and federation entities are the graph's own (visibility.ts, types/node.ts).
import type DataLoader from 'dataloader';
import type { Column, ListFilter } from '../../../domain/zone/store.js';
import { zoneTableList, type ZoneListTable, type ZoneRow } from '../../../domain/lists.js';
import { relationConnection, type Connection, type RelayArgs } from '../../connection.js';
import type { Context } from '../../context.js';
import { localId } from '../errors.js';

/**
 * A batched list of a zone table under a parent (the parent column names it): one page statement and
 * one count statement for every parent of the request asking with the same arguments and filter.
 */
export function zoneList<K extends ZoneListTable, T extends ZoneRow<K>>(
  ctx: Context,
  options: { table: K; parent: Column<ZoneRow<K>>; parentId: string; args: RelayArgs; filter?: ListFilter<ZoneRow<K>>; load: DataLoader<string, T | null> },
): Promise<Connection<T>> {
  return relationConnection(ctx, { list: zoneTableList(options.table, options.parent), parentId: options.parentId, args: options.args, filter: options.filter ?? {}, load: options.load });
}

/** The local id of a filter's global id; an id of another type (or no id) matches nothing. */
export function idOrNothing(globalId: string, typename: string): string {
  try {
    return localId(globalId, typename, 'filter');
  } catch {
    return '';
  }
}

const nows = new WeakMap<object, Date>();

/** One instant per request, so that status filters agree across a request (and batch together). */
export function requestNow(ctx: Context): Date {
  let now = nows.get(ctx.loaders);
  if (!now) nows.set(ctx.loaders, (now = new Date()));
  return now;
}

/** Reads a field of a payload's optional object. */
