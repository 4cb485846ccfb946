// Expected mutation failures, returned in the payload's `errors` list as typed objects.
import { decodeGlobalID } from '@pothos/plugin-relay';
import { createGraphQLError } from 'graphql-yoga';
import { ConflictError, DomainError, ForbiddenError, GroupCycleError, NotFoundError, PlatformOwnedError, UnauthenticatedError, ValidationError } from '../../domain/errors.js';
import type { FieldRef } from '@pothos/core';
import { builder, type Types } from '../builder.js';

/**
 * A domain error as a plain value: GraphQL treats any Error object in a result as a field error,
 * so payloads carry these instead.
 */
export interface MutationErrorShape {
  typename: string;
  message: string;
  field: string | null;
  /** What an error type with fields of its own carries (see mutationErrorType). */
  detail?: unknown;
}

const TYPENAMES: [new (...args: never[]) => DomainError, string, string][] = [
  [ValidationError, 'ValidationError', 'An input value broke a rule (length, format, shape).'],
  [NotFoundError, 'NotFoundError', 'An object named in the input does not exist, or is not visible to the caller; the two are never told apart.'],
  [ConflictError, 'ConflictError', 'The change clashes with existing state, such as a name already in use.'],
  [GroupCycleError, 'GroupCycleError', 'Adding the group would make it a member of itself, directly or through nested groups.'],
  [PlatformOwnedError, 'PlatformOwnedError', 'The object is owned by the platform: it cannot be changed or deleted through the API.'],
];

/** Error types with fields of their own, matched before the generic ones (see mutationErrorType). */
const DETAILED: [new (...args: never[]) => DomainError, string, (error: never) => unknown][] = [];

function toShape(error: DomainError): MutationErrorShape {
  const detailed = DETAILED.find(([type]) => error instanceof type);
  if (detailed) return { typename: detailed[1], message: error.message, field: error.field, detail: detailed[2](error as never) };
  const entry = TYPENAMES.find(([type]) => error instanceof type);
  if (!entry) throw new Error(`no GraphQL type for domain error ${error.name}`);
  return { typename: entry[1], message: error.message, field: error.field };
}

export const MutationErrorRef = builder.interfaceRef<MutationErrorShape>('MutationError').implement({
  description: 'An expected failure of a mutation. Nothing was changed.',
  fields: (t) => ({
    message: t.exposeString('message', { description: 'What went wrong, for people.' }),
    field: t.exposeString('field', { nullable: true, description: 'The input field the error is about, when there is one.' }),
  }),
  resolveType: (error) => error.typename,
});

for (const [, name, description] of TYPENAMES) {
  builder.objectRef<MutationErrorShape>(name).implement({ description, interfaces: [MutationErrorRef], fields: () => ({}) });
}

/**
 * A payload error type with fields of its own, for a subclass of a domain error: `detail` picks what the
 * fields read from the error (its shape's `detail`).
 */
export function mutationErrorType<E extends DomainError, D>(
  type: new (...args: never[]) => E,
  name: string,
  description: string,
  detail: (error: E) => D,
  fields: (t: PothosSchemaTypes.ObjectFieldBuilder<Types, MutationErrorShape & { detail: D }>) => Record<string, FieldRef<Types, unknown, 'Object'>>,
) {
  DETAILED.unshift([type, name, detail as (error: never) => unknown]);
  return builder.objectRef<MutationErrorShape & { detail: D }>(name).implement({ description, interfaces: [MutationErrorRef as never], fields });
}

/**
 * The local id of a global id of type `typename` (or of one of several, for an interface's kinds);
 * anything else reads as a missing `entity`.
 */
export function localId(globalId: string, typename: string | readonly string[], field: string, entity: string = typeof typename === 'string' ? typename : typename[0]!): string {
  const accepted = typeof typename === 'string' ? [typename] : typename;
  try {
    const decoded = decodeGlobalID(globalId);
    if (accepted.includes(decoded.typename) && decoded.id.length > 0) return decoded.id;
  } catch {
    // fall through: an undecodable id names nothing
  }
  throw new NotFoundError(entity, field);
}

export type Payload<T> = Partial<T> & { errors: MutationErrorShape[] };

/**
 * Authentication and permission failures are top-level errors with a code (and no detail that helps
 * an attacker). Created through Yoga so that its error masking lets them through.
 */
function toTopLevel(error: unknown): unknown {
  if (error instanceof UnauthenticatedError) return createGraphQLError('authentication required', { extensions: { code: 'UNAUTHENTICATED' } });
  if (error instanceof ForbiddenError) return createGraphQLError(error.reason ? `not allowed: ${error.reason}` : 'not allowed', { extensions: { code: 'FORBIDDEN' } });
  return error;
}

/** Runs a mutation: expected (domain) failures become typed payload errors, anything else stays an error. */
export async function attempt<T extends object>(run: () => Promise<T>): Promise<Payload<T>> {
  try {
    return { ...(await run()), errors: [] };
  } catch (error) {
    if (error instanceof DomainError) return { errors: [toShape(error)] } as Payload<T>;
    throw toTopLevel(error);
  }
}

/** `CreateThingPayload` -> `createThing`: the mutation a payload type belongs to. */
export const mutationName = (payloadName: string) => payloadName.replace('Payload', '').replace(/^./, (c) => c.toLowerCase());

/** A payload type `<Name>` with the given fields (absent on failure) and `errors`. */
export function payload<T extends object>(
  name: string,
  description: string,
  fields: (t: PothosSchemaTypes.ObjectFieldBuilder<Types, Payload<T>>) => Record<string, FieldRef<Types, unknown, 'Object'>>,
) {
  return builder.objectRef<Payload<T>>(name).implement({
    description,
    fields: (t) => ({
      ...fields(t),
      errors: t.field({ type: [MutationErrorRef], description: 'Expected failures; empty when the mutation succeeded.', resolve: (p) => p.errors }),
    }),
  });
}
