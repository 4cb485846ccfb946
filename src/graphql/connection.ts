// Relay connections over the domain's id pages: argument rules, opaque cursors, shared connection types.
import { createGraphQLError } from 'graphql-yoga';
import type { InterfaceRef, ObjectRef } from '@pothos/core';
import type DataLoader from 'dataloader';
import type { Context } from './context.js';
import type { Page, PageArgs } from '../domain/store.js';
import type { ListQuery } from '../domain/lists.js';
import { knownIn } from '../domain/authz/access.js';
import { builder, type Types } from './builder.js';

export const MAX_PAGE_SIZE = 100;

// Created through Yoga so that its error masking recognises it (graphql is loaded both as CJS and ESM).
function badInput(message: string) {
  return createGraphQLError(message, { extensions: { code: 'BAD_USER_INPUT' } });
}

export function encodeCursor(key: string): string {
  return Buffer.from(`kg1:${key}`).toString('base64url');
}

function decodeCursor(argument: string, cursor: string): string {
  const text = Buffer.from(cursor, 'base64url').toString();
  if (!text.startsWith('kg1:') || text.length < 5 || encodeCursor(text.slice(4)) !== cursor) throw badInput(`${argument} is not a cursor of this list`);
  return text.slice(4);
}

export interface RelayArgs {
  first?: number | null;
  last?: number | null;
  after?: string | null;
  before?: string | null;
}

/** Checks Relay arguments (1..100, not both first and last) and decodes their cursors. */
export function pageArgs(args: RelayArgs): PageArgs {
  const result: PageArgs = {};
  for (const name of ['first', 'last'] as const) {
    const value = args[name];
    if (value === null || value === undefined) continue;
    if (!Number.isInteger(value) || value < 1 || value > MAX_PAGE_SIZE) throw badInput(`${name} must be between 1 and ${MAX_PAGE_SIZE}`);
    result[name] = value;
  }
  if (result.first !== undefined && result.last !== undefined) throw badInput('pass first or last, not both');
  if (args.after) result.after = decodeCursor('after', args.after);
  if (args.before) result.before = decodeCursor('before', args.before);
  return result;
}

/** Lower-cases and trims a search term; an empty one means no filter. */
export function searchTerm(search: string | null | undefined): string | null {
  const term = search?.trim().toLowerCase();
  if (!term) return null;
  if (term.length > 255) throw badInput('search must be at most 255 characters');
  return term;
}

export interface Connection<T> {
  edges: { cursor: string; node: T }[];
  pageInfo: { hasNextPage: boolean; hasPreviousPage: boolean; startCursor: string | null; endCursor: string | null };
  totalCount: () => Promise<number>;
}

/** Builds a connection from a page of ids, loading the nodes through a request's DataLoader. */
export async function toConnection<T>(page: Page, load: (ids: string[]) => Promise<(T | null | Error)[]>, totalCount: () => Promise<number>): Promise<Connection<T>> {
  const nodes = await load(page.edges.map((e) => e.id));
  const edges: Connection<T>['edges'] = [];
  page.edges.forEach((edge, i) => {
    const node = nodes[i];
    if (node instanceof Error) throw node;
    // A row deleted between the page and the load is left out rather than returned as null.
    if (node !== null && node !== undefined) edges.push({ cursor: encodeCursor(edge.cursor), node });
  });
  return {
    edges,
    pageInfo: {
      hasNextPage: page.hasNextPage,
      hasPreviousPage: page.hasPreviousPage,
      startCursor: edges[0]?.cursor ?? null,
      endCursor: edges.at(-1)?.cursor ?? null,
    },
    totalCount,
  };
}

/** A named connection type (`<Name>Connection`, `<Name>Edge`) with totalCount, shared by every field listing `ref`. */
export function connectionOf<T>(ref: ObjectRef<Types, T> | InterfaceRef<Types, T>, name: string, what: string) {
  return builder.connectionObject(
    {
    type: ref as ObjectRef<Types, T>,
    name: `${name}Connection`,
    description: `A page of ${what}.`,
    fields: (t) => ({
      totalCount: t.int({
        description: 'How many items the whole list holds (with the same filters), across all pages.',
        resolve: (parent) => (parent as unknown as Connection<T>).totalCount(),
      }),
    }),
    },
    { description: `One of ${what}, with its cursor.` },
  );
}

/**
 * A connection under a parent object, batched across parents: every parent asking for the same domain
 * list with the same arguments and filter shares one page statement, one count statement (only if
 * totalCount is asked and the page did not count along) and one node load.
 */
export async function relationConnection<T, F>(
  ctx: Context,
  options: {
    list: ListQuery<F>;
    parentId: string;
    args: RelayArgs;
    filter: F;
    load: DataLoader<string, T | null>;
  },
): Promise<Connection<T>> {
  const args = pageArgs(options.args);
  const page = await ctx.loaders.list(options.list, args, options.filter).load(options.parentId);
  const counted = page.totalCount;
  // Nodes the page statement read along need no second read: the request's loader starts with them.
  let allRead = true;
  for (const edge of page.edges) {
    if (edge.node !== undefined) options.load.prime(edge.id, edge.node as T);
    else allRead = false;
    if (edge.related)
      for (const related of edge.related) {
        if (related.inAccount !== undefined) knownIn(related.node as object, { accountId: related.inAccount });
        ctx.loaders.primeRead(related.loader, related.id, related.node);
      }
  }
  return toConnection(
    page,
    // A page that read every node along needs no load at all.
    allRead ? () => Promise.resolve(page.edges.map((edge) => edge.node as T)) : (ids) => options.load.loadMany(ids),
    counted !== undefined ? () => Promise.resolve(counted) : () => ctx.loaders.listCount(options.list, options.filter).load(options.parentId),
  );
}
