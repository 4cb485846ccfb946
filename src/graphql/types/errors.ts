// Expected mutation failures, returned in the payload's `errors` list as typed objects.
import { decodeGlobalID } from '@pothos/plugin-relay';
import { ConflictError, DomainError, GroupCycleError, NotFoundError, ValidationError } from '../../domain/errors.js';
import type { FieldRef } from '@pothos/core';
import { builder, type Types } from '../builder.js';

export const MutationErrorRef = builder.interfaceRef<DomainError>('MutationError').implement({
  description: 'An expected failure of a mutation. Nothing was changed.',
  fields: (t) => ({
    message: t.exposeString('message', { description: 'What went wrong, for people.' }),
    field: t.string({ nullable: true, description: 'The input field the error is about, when there is one.', resolve: (e) => e.field }),
  }),
  resolveType: (error) => {
    if (error instanceof ValidationError) return 'ValidationError';
    if (error instanceof NotFoundError) return 'NotFoundError';
    if (error instanceof ConflictError) return 'ConflictError';
    if (error instanceof GroupCycleError) return 'GroupCycleError';
    throw new Error(`unmapped domain error ${error.name}`);
  },
});

builder.objectType(ValidationError, {
  name: 'ValidationError',
  description: 'An input value broke a rule (length, format, shape).',
  interfaces: [MutationErrorRef],
  isTypeOf: (e) => e instanceof ValidationError,
  fields: () => ({}),
});

builder.objectType(NotFoundError, {
  name: 'NotFoundError',
  description: 'An object named in the input does not exist, or is not visible to the caller; the two are never told apart.',
  interfaces: [MutationErrorRef],
  isTypeOf: (e) => e instanceof NotFoundError,
  fields: () => ({}),
});

builder.objectType(ConflictError, {
  name: 'ConflictError',
  description: 'The change clashes with existing state, such as a name already in use.',
  interfaces: [MutationErrorRef],
  isTypeOf: (e) => e instanceof ConflictError,
  fields: () => ({}),
});

builder.objectType(GroupCycleError, {
  name: 'GroupCycleError',
  description: 'Adding the group would make it a member of itself, directly or through nested groups.',
  interfaces: [MutationErrorRef],
  isTypeOf: (e) => e instanceof GroupCycleError,
  fields: () => ({}),
});

/** The local id of a global id of type `typename`; anything else reads as a missing object. */
export function localId(globalId: string, typename: string, field: string): string {
  try {
    const decoded = decodeGlobalID(globalId);
    if (decoded.typename === typename && decoded.id.length > 0) return decoded.id;
  } catch {
    // fall through: an undecodable id names nothing
  }
  throw new NotFoundError(typename, field);
}

export type Payload<T> = Partial<T> & { errors: DomainError[] };

/** Runs a mutation: expected (domain) failures become typed payload errors, anything else stays an error. */
export async function attempt<T extends object>(run: () => Promise<T>): Promise<Payload<T>> {
  try {
    return { ...(await run()), errors: [] };
  } catch (error) {
    if (error instanceof DomainError) return { errors: [error] } as Payload<T>;
    throw error;
  }
}

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
