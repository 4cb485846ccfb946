// The zone kinds of the access table (src/domain/authz/access.ts). A zone object's scope is the object
// itself inside its zone (Scope.containers): account-wide grants apply to it, and so do grants and zone
// roles on its zone, but never those of another zone.
import type { ObjectKind, Objects } from '../authz/access.js';

export { scopeOf, zoneScope } from '../authz/access.js';

/** The zone and the kinds that live in one (their objects carry their account and zone: no load scopes them). */
export type ZoneKind = 'Zone' | { [K in ObjectKind]: Objects[K] extends { accountId: string; zoneId: string } ? K : never }[ObjectKind];
