// The zone kinds of the access table (src/domain/authz/access.ts). A zone object's scope is the object
// itself inside its zone (Scope.containers): account-wide grants apply to it, and so do grants and zone
// roles on its zone, but never those of another zone.
import type { ObjectKind } from '../authz/access.js';

export { scopeOf, zoneScope } from '../authz/access.js';

/** The kinds that live in a zone (the zone itself included). */
export type ZoneKind = Exclude<ObjectKind, 'Account' | 'Workspace' | 'User' | 'Group' | 'GroupMember' | 'AuthorizationGrant' | 'RoleAssignment' | 'ServiceAccount' | 'ServiceAccountCredential' | 'ApiKey' | 'Invitation' | 'ApplicationDependency'>;
