// Where checks on zone objects happen, and which capability reads or changes each kind. A zone object's
// scope is the object itself inside its zone (Scope.containers): account-wide grants apply to it, and
// so do grants and zone roles on its zone, but never those of another zone.
import type { Guard } from '../authz/authorizer.js';
import type { Scope } from '../authz/resolve.js';
import type { InZone, Zone } from './model.js';

export const ZONE_KINDS = {
  Zone: { type: 'zone', read: 'zone.read', manage: 'zone.manage' },
  ZoneMember: { type: 'zone_member', read: 'zone.read', manage: 'zone.manage' },
  Application: { type: 'application', read: 'application.read', manage: 'application.manage' },
  ApplicationCredential: { type: 'application_credential', read: 'credential.read', manage: 'credential.manage' },
  Provider: { type: 'provider', read: 'credential.read', manage: 'credential.manage' },
  Resource: { type: 'resource', read: 'application.read', manage: 'application.manage' },
  ZoneUser: { type: 'zone_user', read: 'zone.read', manage: 'zone.manage' },
  UserAgent: { type: 'user_agent', read: 'zone.read', manage: 'zone.manage' },
  DelegatedGrant: { type: 'delegated_grant', read: 'zone.read', manage: 'zone.manage' },
  ZoneSession: { type: 'zone_session', read: 'zone.read', manage: 'zone.manage' },
  Secret: { type: 'secret', read: 'secret.read', manage: 'secret.manage' },
  ZoneSigningKey: { type: 'zone_signing_key', read: 'zone.read', manage: 'zone.manage' },
  Policy: { type: 'policy', read: 'policy.read', manage: 'policy.manage' },
  PolicyVersion: { type: 'policy_version', read: 'policy.read', manage: 'policy.manage' },
  PolicySet: { type: 'policy_set', read: 'policy.read', manage: 'policy.manage' },
  PolicySetVersion: { type: 'policy_set_version', read: 'policy.read', manage: 'policy.manage' },
} as const;

export type ZoneKind = keyof typeof ZONE_KINDS;

export function zoneScope(zone: Pick<Zone, 'id' | 'accountId'>): Scope {
  return { accountId: zone.accountId, resource: { type: 'zone', id: zone.id } };
}

export function scopeOf(kind: ZoneKind, object: Pick<InZone, 'id' | 'accountId' | 'zoneId'> | Pick<Zone, 'id' | 'accountId'>): Scope {
  if (kind === 'Zone') return zoneScope(object as Zone);
  const o = object as InZone;
  return { accountId: o.accountId, resource: { type: ZONE_KINDS[kind].type, id: o.id }, containers: [{ type: 'zone', id: o.zoneId }] };
}

/** How an object of `kind` named by input `field` is protected: unseen objects read as not found. */
export function guard(kind: ZoneKind, field: string, entity: string = kind): Guard {
  return { see: ZONE_KINDS[kind].read, entity, field };
}
