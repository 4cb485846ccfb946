// Shield rules of the zones graph, merged into the schema's rule map by permissions/index.ts. Every
// zone type is readable only by callers who may see the object (the kind's read capability on the
// object inside its zone); lists need the capability that reads what they list, on their parent.
import { allow, rule } from 'graphql-shield';
import type { IRules } from 'graphql-shield';
import { createGraphQLError } from 'graphql-yoga';
import { scopeOf, type ZoneKind } from '../../domain/zone/access.js';
import type { Context } from '../context.js';
import { zoneVisible } from '../types/zone/common.js';

const unauthenticated = () => createGraphQLError('authentication required', { extensions: { code: 'UNAUTHENTICATED' } });
const forbidden = () => createGraphQLError('not allowed', { extensions: { code: 'FORBIDDEN' } });

const isAuthenticated = rule('zones:isAuthenticated', { cache: 'contextual' })((_p, _a, ctx: Context) => ctx.authz.authenticated || unauthenticated());

function canSee(kind: ZoneKind) {
  return rule(`canSee${kind}`, { cache: 'no_cache' })(async (parent, _args, ctx: Context) => {
    if (!ctx.authz.authenticated) return unauthenticated();
    return (await zoneVisible(ctx, kind, parent as never)) || forbidden();
  });
}

/** The caller holds `capability` on the parent object (of `kind`) in its zone. */
function on(kind: ZoneKind, capability: string) {
  return rule(`on${kind}:${capability}`, { cache: 'no_cache' })(async (parent, _args, ctx: Context) => {
    if (!ctx.authz.authenticated) return unauthenticated();
    return (await ctx.authz.can(capability, scopeOf(kind, parent as never))) || forbidden();
  });
}

/** The caller holds `capability` account-wide on the parent account. */
function onAccount(capability: string) {
  return rule(`zones:onAccount:${capability}`, { cache: 'no_cache' })(async (account: { id: string }, _args, ctx: Context) => {
    if (!ctx.authz.authenticated) return unauthenticated();
    return (await ctx.authz.can(capability, { accountId: account.id })) || forbidden();
  });
}

/** Types with no data of their own: reachable only through protected fields. */
export const ZONE_STRUCTURAL_TYPES: string[] = [
  'ZoneConnection',
  'ZoneEdge',
  'ZoneMemberConnection',
  'ZoneMemberEdge',
  'ZoneEncryptionKey',
  'ZoneProtocols',
  'ZoneOAuth2Protocol',
  'ZoneOpenIdProtocol',
  'PlatformOwnedError',
  'CreateZonePayload',
  'UpdateZonePayload',
  'DeleteZonePayload',
  'AddZoneMemberPayload',
  'UpdateZoneMemberPayload',
  'RemoveZoneMemberPayload',
];

export const zoneMutationRules: IRules = {
  createZone: isAuthenticated,
  updateZone: isAuthenticated,
  deleteZone: isAuthenticated,
  addZoneMember: isAuthenticated,
  updateZoneMember: isAuthenticated,
  removeZoneMember: isAuthenticated,
};

export const zoneQueryRules: IRules = {
  zone: allow,
};

export const zoneAccountRules: IRules = {
  zones: onAccount('zone.read'),
};

export const zoneTypeRules: IRules = {
  Zone: canSee('Zone'),
  ZoneMember: canSee('ZoneMember'),
  ...Object.fromEntries(ZONE_STRUCTURAL_TYPES.map((name) => [name, allow])),
};

export { on };
