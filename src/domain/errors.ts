// Typed domain errors. Expected failures of a mutation are returned to the caller as typed errors
// naming the offending input field; anything else is a bug and is masked at the edge.

export type DomainErrorCode = 'VALIDATION' | 'NOT_FOUND' | 'CONFLICT' | 'GROUP_CYCLE' | 'PLATFORM_OWNED';

export abstract class DomainError extends Error {
  abstract readonly code: DomainErrorCode;
  /** The input field the error is about (input names, e.g. `name`, `childGroupId`), when there is one. */
  readonly field: string | null;

  constructor(message: string, field: string | null = null) {
    super(message);
    this.field = field;
    this.name = new.target.name;
  }
}

/** Input breaks a rule (length, format, shape). */
export class ValidationError extends DomainError {
  readonly code = 'VALIDATION' as const;
}

/**
 * The object does not exist, or it belongs to another account. The two are never distinguished,
 * so that no caller learns of another tenant's objects.
 */
export class NotFoundError extends DomainError {
  readonly code = 'NOT_FOUND' as const;
  constructor(
    readonly entity: string,
    field: string | null = null,
  ) {
    super(`${entity} not found`, field);
  }
}

/** The change clashes with existing state (a unique name, a group that already has a parent). */
export class ConflictError extends DomainError {
  readonly code = 'CONFLICT' as const;
}

/** Adding the group would make it its own ancestor. */
export class GroupCycleError extends DomainError {
  readonly code = 'GROUP_CYCLE' as const;
  constructor(
    readonly groupId: string,
    readonly childGroupId: string,
  ) {
    super('adding this group would create a cycle: the group is already an ancestor of (or the same as) the target group', 'childGroupId');
  }
}

/**
 * The caller may see the object but lacks the capability to change it. Not a payload error: the
 * edge reports it as a top-level FORBIDDEN error.
 */
export class ForbiddenError extends Error {
  readonly code = 'FORBIDDEN' as const;
  /** `reason`, when given, is safe to show to the caller (it names no object). */
  constructor(
    readonly capability: string,
    readonly reason: string | null = null,
  ) {
    super(reason ?? `missing capability ${capability}`);
    this.name = 'ForbiddenError';
  }
}

/** The operation needs an authenticated caller. Reported as a top-level UNAUTHENTICATED error. */
export class UnauthenticatedError extends Error {
  readonly code = 'UNAUTHENTICATED' as const;
  constructor() {
    super('authentication required');
    this.name = 'UnauthenticatedError';
  }
}

/** The object is owned by the platform (reference 001 owner_type "platform"): the API cannot change or delete it. */
export class PlatformOwnedError extends DomainError {
  readonly code = 'PLATFORM_OWNED' as const;
  constructor(entity: string, field: string | null = 'id') {
    super(`this ${entity} is owned by the platform and cannot be changed or deleted through the API`, field);
  }
}
