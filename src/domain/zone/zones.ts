// Zones and zone members (reference 001: zones.*, zones.members.*), and the protocol endpoints a zone
// publishes, derived from the public base URL.
import type { Authorizer } from '../authz/authorizer.js';
import { requiredText, optionalText } from '../validation.js';
import { ConflictError, NotFoundError, ValidationError } from '../errors.js';
import type { Store } from '../store.js';
import { objectFor, sameZone, zoneFor } from './common.js';
import { ZONE_ROLES, type EncryptionKey, type LoginFlow, type Zone, type ZoneMember, type ZoneRole } from './model.js';
import { freeSlug, slug as slugRule, slugFrom, ZONE_LIMITS } from './validation.js';
import { authorizeCreate } from '../authz/access.js';

export interface ZoneInput {
  name: string;
  slug?: string | null;
  description?: string | null;
  loginFlow?: LoginFlow | null;
  requiresInvitation?: boolean | null;
  encryptionKey?: { arn: string } | null;
}

export interface ZonePatch extends Partial<ZoneInput> {
  defaultResourceId?: string | null;
  defaultMcpGatewayApplicationId?: string | null;
  userIdentityProviderId?: string | null;
}

export interface ZoneProtocols {
  oauth2: {
    issuer: string;
    authorizationEndpoint: string;
    tokenEndpoint: string;
    jwksUri: string;
    registrationEndpoint: string;
    authorizationServerMetadata: string;
    redirectUri: string;
    dcrEnabled: boolean;
    pkceRequired: boolean;
  };
  openid: { providerConfiguration: string; userinfoEndpoint: string };
}

/**
 * The OAuth 2.0 / OpenID Connect endpoints of a zone under the public base URL. The issuer has a path,
 * so its authorization server metadata lives at /.well-known/oauth-authorization-server/<path>
 * (RFC 8414 section 3) and its OpenID configuration at <issuer>/.well-known/openid-configuration.
 */
export function zoneProtocols(publicUrl: string, zone: Pick<Zone, 'id'>): ZoneProtocols {
  const base = new URL(publicUrl);
  const path = `${base.pathname.replace(/\/+$/, '')}/zones/${zone.id}`;
  const issuer = `${base.origin}${path}`;
  return {
    oauth2: {
      issuer,
      authorizationEndpoint: `${issuer}/oauth2/authorize`,
      tokenEndpoint: `${issuer}/oauth2/token`,
      jwksUri: `${issuer}/.well-known/jwks.json`,
      registrationEndpoint: `${issuer}/oauth2/register`,
      authorizationServerMetadata: `${base.origin}/.well-known/oauth-authorization-server${path}`,
      redirectUri: `${issuer}/oauth2/callback`,
      dcrEnabled: true,
      pkceRequired: true,
    },
    openid: { providerConfiguration: `${issuer}/.well-known/openid-configuration`, userinfoEndpoint: `${issuer}/oauth2/userinfo` },
  };
}

function encryptionKey(value: { arn: string } | null | undefined): EncryptionKey | null {
  if (value === null || value === undefined) return null;
  const arn = value.arn.trim();
  if (arn.length === 0 || arn.length > ZONE_LIMITS.identifier) throw new ValidationError('encryptionKey.arn must be 1..2048 characters', 'encryptionKey');
  if (!/^arn:aws[a-z-]*:kms:[a-z0-9-]*:\d{0,12}:(key|alias)\/\S+$/.test(arn)) throw new ValidationError('encryptionKey.arn must be an AWS KMS key or alias ARN', 'encryptionKey');
  return { type: 'aws', arn };
}

function role(value: string): ZoneRole {
  if (!(ZONE_ROLES as readonly string[]).includes(value)) throw new ValidationError('role must be ZONE_MANAGER or ZONE_VIEWER', 'role');
  return value as ZoneRole;
}

export class ZoneService {
  constructor(private readonly store: Store) {}

  async createZone(actor: Authorizer, accountId: string, input: ZoneInput): Promise<Zone> {
    await authorizeCreate(actor, 'Zone', 'Account', { accountId }, 'accountId');
    const name = requiredText('name', input.name, ZONE_LIMITS.name);
    const givenSlug = input.slug === null || input.slug === undefined ? null : slugRule('slug', input.slug);
    const description = optionalText('description', input.description, ZONE_LIMITS.description);
    const key = encryptionKey(input.encryptionKey);
    return this.store.transaction(async (tx) => {
      if (!(await tx.lockAccount(accountId))) throw new NotFoundError('Account', 'accountId');
      let slug = givenSlug;
      if (slug !== null) {
        if (await tx.zones.zones.findBySlug(accountId, slug)) throw new ConflictError('a zone with this slug already exists in the account', 'slug');
      } else {
        slug = await freeSlug(slugFrom(name, 'zone'), async (s) => (await tx.zones.zones.findBySlug(accountId, s)) !== null);
      }
      return tx.zones.zones.create({
        accountId,
        name,
        slug,
        description,
        loginFlow: input.loginFlow ?? null,
        requiresInvitation: input.requiresInvitation ?? false,
        encryptionKey: key,
        defaultResourceId: null,
        defaultMcpGatewayApplicationId: null,
        userIdentityProviderId: null,
        defaultPolicySchemaVersion: null,
      });
    });
  }

  updateZone(actor: Authorizer, zoneId: string, patch: ZonePatch): Promise<Zone> {
    const name = patch.name === undefined || patch.name === null ? undefined : requiredText('name', patch.name, ZONE_LIMITS.name);
    const slug = patch.slug === undefined || patch.slug === null ? undefined : slugRule('slug', patch.slug);
    const description = patch.description === undefined ? undefined : optionalText('description', patch.description, ZONE_LIMITS.description);
    const key = patch.encryptionKey === undefined ? undefined : encryptionKey(patch.encryptionKey);
    return this.store.transaction(async (tx) => {
      const zone = await zoneFor(tx, actor, zoneId, 'zone.manage', 'id');
      await tx.lockAccount(zone.accountId);
      if (slug !== undefined && slug !== zone.slug && (await tx.zones.zones.findBySlug(zone.accountId, slug))) {
        throw new ConflictError('a zone with this slug already exists in the account', 'slug');
      }
      if (patch.defaultResourceId) await sameZone(actor, tx.zones.resources, 'Resource', patch.defaultResourceId, zone.id, 'defaultResourceId');
      if (patch.defaultMcpGatewayApplicationId) {
        const gateway = await sameZone(actor, tx.zones.applications, 'Application', patch.defaultMcpGatewayApplicationId, zone.id, 'defaultMcpGatewayApplicationId');
        if (!gateway.traits.includes('GATEWAY')) throw new ValidationError('the default MCP gateway must be an application with the GATEWAY trait', 'defaultMcpGatewayApplicationId');
      }
      if (patch.userIdentityProviderId) await sameZone(actor, tx.zones.providers, 'Provider', patch.userIdentityProviderId, zone.id, 'userIdentityProviderId');
      return tx.zones.zones.update(zone.id, {
        name,
        slug,
        description,
        loginFlow: patch.loginFlow === undefined ? undefined : patch.loginFlow,
        requiresInvitation: patch.requiresInvitation === undefined || patch.requiresInvitation === null ? undefined : patch.requiresInvitation,
        encryptionKey: key,
        defaultResourceId: patch.defaultResourceId,
        defaultMcpGatewayApplicationId: patch.defaultMcpGatewayApplicationId,
        userIdentityProviderId: patch.userIdentityProviderId,
      });
    });
  }

  /** Deletes the zone and everything it holds, in one transaction. */
  deleteZone(actor: Authorizer, zoneId: string): Promise<Zone> {
    return this.store.transaction(async (tx) => {
      const zone = await zoneFor(tx, actor, zoneId, 'zone.manage', 'id');
      await tx.zones.zones.deleteWithContents(zone.id);
      return zone;
    });
  }

  /** Gives an account user a role in the zone (ZONE_MANAGER or ZONE_VIEWER). */
  addZoneMember(actor: Authorizer, zoneId: string, userId: string, roleKey: string): Promise<ZoneMember> {
    const memberRole = role(roleKey);
    return this.store.transaction(async (tx) => {
      const zone = await zoneFor(tx, actor, zoneId, 'zone.manage');
      // Only people of the zone's account can be members, and only people the caller can see (user.read
      // on the account, or itself): anyone else reads as not found, so that user ids are no oracle.
      const visible = userId === actor.userId || (await actor.can('user.read', { accountId: zone.accountId }));
      if (!visible || !(await tx.users.inAccount(zone.accountId, [userId])).has(userId)) throw new NotFoundError('User', 'userId');
      if (await tx.zones.members.find(zone.id, userId)) throw new ConflictError('the user is already a member of the zone', 'userId');
      return tx.zones.members.create({ accountId: zone.accountId, zoneId: zone.id, userId, role: memberRole });
    });
  }

  updateZoneMember(actor: Authorizer, memberId: string, roleKey: string): Promise<ZoneMember> {
    const memberRole = role(roleKey);
    return this.store.transaction(async (tx) => {
      const member = await objectFor(actor, tx.zones.members, 'ZoneMember', memberId);
      return tx.zones.members.update(member.id, { role: memberRole });
    });
  }

  removeZoneMember(actor: Authorizer, memberId: string): Promise<ZoneMember> {
    return this.store.transaction(async (tx) => {
      const member = await objectFor(actor, tx.zones.members, 'ZoneMember', memberId);
      await tx.zones.members.delete(member.id);
      return member;
    });
  }
}
