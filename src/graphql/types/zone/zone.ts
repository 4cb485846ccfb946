// Zone and ZoneMember (reference 001 zones.*, zones.members.*), Account.zones and zone(id:).
import { encodeGlobalID } from '@pothos/plugin-relay';
import { visibleLoadMany, entityLoadedBy, permissionFields } from '../node.js';
import type { Zone, ZoneMember } from '../../../domain/zone/model.js';
import { zoneProtocols, type ZoneProtocols } from '../../../domain/zone/zones.js';
import { builder } from '../../builder.js';
import { searchTerm } from '../../connection.js';
import { loadVisible } from '../../visibility.js';
import { AccountRef } from '../account.js';
import { AccessPathRef } from '../authorization.js';
import { attempt, localId, payload } from '../errors.js';
import { UserRef } from '../user.js';
import { idOrNothing, zoneList } from './common.js';
import { connectionOf } from '../../connection.js';

export const ZoneRef = builder.objectRef<Zone>('Zone');
export const ZoneMemberRef = builder.objectRef<ZoneMember>('ZoneMember');

export const LoginFlowEnum = builder.enumType('LoginFlow', {
  description: 'How a zone signs users in.',
  values: {
    DEFAULT: { description: 'Standard authentication.' },
    IDENTIFIER_FIRST: { description: 'The user gives an identifier first, which routes to its provider.' },
  },
});

export const ZoneRoleEnum = builder.enumType('ZoneRole', {
  description: 'A role in one zone. It applies to the zone and everything in it, never to the account or other zones.',
  values: {
    ZONE_MANAGER: { description: 'Full management of the zone: zone.manage, application.manage, credential.manage, secret.manage (not secret values) and policy.manage.' },
    ZONE_VIEWER: { description: 'Read-only access to the zone: zone.read, application.read, credential.read, secret.read and policy.read.' },
  },
});

const EncryptionKeyRef = builder.objectRef<{ type: 'aws'; arn: string }>('ZoneEncryptionKey').implement({
  description: 'The AWS KMS key that encrypts the zone\'s data; absent when the default key is used.',
  fields: (t) => ({
    type: t.exposeString('type', { description: 'The key service: always "aws".' }),
    arn: t.exposeString('arn', { description: 'The AWS KMS key ARN.' }),
  }),
});

const ZoneOauth2Ref = builder.objectRef<ZoneProtocols['oauth2']>('ZoneOAuth2Protocol').implement({
  description: 'The OAuth 2.0 endpoints of a zone.',
  fields: (t) => ({
    issuer: t.exposeString('issuer', { description: 'The OAuth 2.0 issuer identifier.' }),
    authorizationEndpoint: t.exposeString('authorizationEndpoint', { description: 'The authorization endpoint.' }),
    tokenEndpoint: t.exposeString('tokenEndpoint', { description: 'The token endpoint.' }),
    jwksUri: t.exposeString('jwksUri', { description: 'The JSON Web Key Set of the zone.' }),
    registrationEndpoint: t.exposeString('registrationEndpoint', { description: 'The Dynamic Client Registration endpoint.' }),
    authorizationServerMetadata: t.exposeString('authorizationServerMetadata', { description: 'The Authorization Server Metadata document (RFC 8414).' }),
    redirectUri: t.exposeString('redirectUri', { description: 'The redirect URI of the zone (for upstream providers).' }),
    dcrEnabled: t.exposeBoolean('dcrEnabled', { description: 'Whether Dynamic Client Registration is enabled.' }),
    pkceRequired: t.exposeBoolean('pkceRequired', { description: 'Whether PKCE is required in authorization code flows.' }),
  }),
});

const ZoneOpenidRef = builder.objectRef<ZoneProtocols['openid']>('ZoneOpenIdProtocol').implement({
  description: 'The OpenID Connect endpoints of a zone.',
  fields: (t) => ({
    providerConfiguration: t.exposeString('providerConfiguration', { description: 'The OpenID Provider Configuration document.' }),
    userinfoEndpoint: t.exposeString('userinfoEndpoint', { description: 'The UserInfo endpoint.' }),
  }),
});

const ZoneProtocolsRef = builder.objectRef<ZoneProtocols>('ZoneProtocols').implement({
  description: 'The protocol endpoints of a zone, under the public base URL of keygraph (KEYGRAPH_PUBLIC_URL).',
  fields: (t) => ({
    oauth2: t.field({ type: ZoneOauth2Ref, description: 'OAuth 2.0.', resolve: (p) => p.oauth2 }),
    openid: t.field({ type: ZoneOpenidRef, description: 'OpenID Connect.', resolve: (p) => p.openid }),
  }),
});

builder.node(ZoneRef, {
  description: 'A zone of an account: an OAuth 2.0 / OpenID Connect authorization server with its applications, resources, providers, users and sessions.',
  id: { resolve: (zone) => zone.id },
  loadMany: visibleLoadMany('Zone'),
  fields: (t) => ({
    ...permissionFields(t, 'Zone'),
    name: t.exposeString('name', { description: 'Human-readable name, 1..255 characters.' }),
    slug: t.exposeString('slug', { description: 'URL-safe identifier, unique within the account (1..63 lower-case letters, digits and "-").' }),
    description: t.exposeString('description', { nullable: true, description: 'Free text, up to 2048 characters.' }),
    loginFlow: t.field({ type: LoginFlowEnum, nullable: true, description: 'How the zone signs users in; null for the default.', resolve: (z) => z.loginFlow }),
    requiresInvitation: t.exposeBoolean('requiresInvitation', { description: 'Whether email/password registration needs an invitation (when no user identity provider is set).' }),
    encryptionKey: t.field({ type: EncryptionKeyRef, nullable: true, description: 'The AWS KMS key of the zone; null for the default key.', resolve: (z) => z.encryptionKey }),
    protocols: t.field({ type: ZoneProtocolsRef, description: 'The OAuth 2.0 and OpenID Connect endpoints of the zone.', resolve: (z, _a, ctx) => zoneProtocols(ctx.services.zones.publicUrl, z) }),
    account: t.field({ type: AccountRef, nullable: true, description: 'The account the zone belongs to; null when the caller cannot see the account.', resolve: (z, _a, ctx) => loadVisible(ctx, 'Account', z.accountId) }),
    members: t.connection(
      {
        type: ZoneMemberRef,
        description: 'The account users with a role in the zone, oldest first (people who left the account are not listed; their role no longer counts).',
        args: {
          role: t.arg({ type: ZoneRoleEnum, description: 'Only members with this role.' }),
          userId: t.arg.id({ description: 'Only the membership of this user of the account (global id; the reference keys zone members by organization user).' }),
        },
        resolve: (z, args, ctx) => {
          const equals: Record<string, string> = {};
          if (args.role) equals.role = args.role;
          if (args.userId) equals.userId = idOrNothing(args.userId, 'User');
          return zoneList(ctx, { table: 'members', parent: 'zoneId', parentId: z.id, args, filter: { equals, inAccount: true }, load: ctx.loaders.zones.member });
        },
      },
      ZoneMemberConnection,
    ),
    createdAt: t.expose('createdAt', { type: 'DateTime', description: 'When the zone was created.' }),
    updatedAt: t.expose('updatedAt', { type: 'DateTime', description: 'When the zone last changed.' }),
  }),
});
entityLoadedBy(ZoneRef, 'Zone');

builder.node(ZoneMemberRef, {
  description: "An account user's role in a zone.",
  id: { resolve: (m) => m.id },
  loadMany: visibleLoadMany('ZoneMember'),
  fields: (t) => ({
    ...permissionFields(t, 'ZoneMember'),
    role: t.field({ type: ZoneRoleEnum, description: 'The role.', resolve: (m) => m.role }),
    userId: t.id({ description: 'Global id of the member (a User of the account).', resolve: (m) => builderUserId(m.userId) }),
    user: t.field({ type: UserRef, nullable: true, description: 'The member; null when the caller may not read the users of the account.', resolve: (m, _a, ctx) => loadVisible(ctx, 'User', m.userId) }),
    zone: t.field({ type: ZoneRef, description: 'The zone.', resolve: async (m, _a, ctx) => (await ctx.loaders.zones.zone.load(m.zoneId))! }),
    createdAt: t.expose('createdAt', { type: 'DateTime', description: 'When the member was added.' }),
    updatedAt: t.expose('updatedAt', { type: 'DateTime', description: "When the member's role last changed." }),
  }),
});

// A path of explainAccess that is a zone membership (source ZONE_ROLE) names the membership here.
builder.objectField(AccessPathRef, 'zoneMember', (t) =>
  t.field({
    type: ZoneMemberRef,
    nullable: true,
    description: 'The zone membership, when the path is a zone role (null when the caller may not see it).',
    resolve: (p, _a, ctx) => (p.grant.kind === 'ZONE_ROLE' ? loadVisible(ctx, 'ZoneMember', p.grant.id) : null),
  }),
);

function builderUserId(userId: string): string {
  return encodeGlobalID('User', userId);
}

export const ZoneConnection = connectionOf(ZoneRef, 'Zone', 'zones');
export const ZoneMemberConnection = connectionOf(ZoneMemberRef, 'ZoneMember', 'zone members');

builder.objectField(AccountRef, 'zones', (t) =>
  t.connection(
    {
      type: ZoneRef,
      description: "The account's zones, oldest first.",
      args: { search: t.arg.string({ description: 'Only zones whose name or slug contains this text (case-insensitive).' }) },
      resolve: (account, args, ctx) =>
        zoneList(ctx, { table: 'zones', parent: 'accountId', parentId: account.id, args, filter: { search: searchTerm(args.search) }, load: ctx.loaders.zones.zone }),
    },
    ZoneConnection,
  ),
);

builder.queryField('zone', (t) =>
  t.field({
    type: ZoneRef,
    nullable: true,
    description: 'A zone by its global id; null when it does not exist or the caller may not see it.',
    args: { id: t.arg.id({ required: true, description: 'Global id of the zone.' }) },
    resolve: (_root, { id }, ctx) => {
      try {
        return loadVisible(ctx, 'Zone', localId(id, 'Zone', 'id'));
      } catch {
        return null;
      }
    },
  }),
);

const EncryptionKeyInput = builder.inputType('ZoneEncryptionKeyInput', {
  description: 'An AWS KMS key for a zone.',
  fields: (t) => ({ arn: t.string({ required: true, description: 'The AWS KMS key (or alias) ARN.' }) }),
});

const CreateZoneInput = builder.inputType('CreateZoneInput', {
  description: 'A new zone.',
  fields: (t) => ({
    accountId: t.id({ required: true, description: 'Global id of the account.' }),
    name: t.string({ required: true, description: 'Name, 1..255 characters.' }),
    slug: t.string({ description: 'URL-safe identifier, unique within the account; derived from the name when omitted.' }),
    description: t.string({ description: 'Free text, up to 2048 characters.' }),
    loginFlow: t.field({ type: LoginFlowEnum, description: 'How the zone signs users in.' }),
    requiresInvitation: t.boolean({ description: 'Whether email/password registration needs an invitation.' }),
    encryptionKey: t.field({ type: EncryptionKeyInput, description: 'An AWS KMS key; omit for the default key.' }),
  }),
});

const UpdateZoneInput = builder.inputType('UpdateZoneInput', {
  description: 'Changes to a zone; omitted fields stay as they are, null clears the optional ones.',
  fields: (t) => ({
    id: t.id({ required: true, description: 'Global id of the zone.' }),
    name: t.string({ description: 'New name.' }),
    slug: t.string({ description: 'New slug.' }),
    description: t.string({ description: 'New description; null clears it.' }),
    loginFlow: t.field({ type: LoginFlowEnum, description: 'New login flow; null resets it to the default.' }),
    requiresInvitation: t.boolean({ description: 'Whether email/password registration needs an invitation.' }),
    encryptionKey: t.field({ type: EncryptionKeyInput, description: 'New AWS KMS key; null returns to the default key.' }),
    defaultResourceId: t.id({ description: 'Global id of a resource of the zone to use as its default; null clears it.' }),
    defaultMcpGatewayApplicationId: t.id({ description: 'Global id of an application of the zone with the GATEWAY trait; null clears it.' }),
    userIdentityProviderId: t.id({ description: 'Global id of a provider of the zone that users log in with; null clears it.' }),
  }),
});

const DeleteZoneInput = builder.inputType('DeleteZoneInput', {
  description: 'The zone to delete, with everything it holds.',
  fields: (t) => ({ id: t.id({ required: true, description: 'Global id of the zone.' }) }),
});

const AddZoneMemberInput = builder.inputType('AddZoneMemberInput', {
  description: 'A role in a zone for a user of its account.',
  fields: (t) => ({
    zoneId: t.id({ required: true, description: 'Global id of the zone.' }),
    userId: t.id({ required: true, description: 'Global id of a user of the zone\'s account.' }),
    role: t.field({ type: ZoneRoleEnum, required: true, description: 'The role.' }),
  }),
});

const UpdateZoneMemberInput = builder.inputType('UpdateZoneMemberInput', {
  description: "A new role for a zone member.",
  fields: (t) => ({
    id: t.id({ required: true, description: 'Global id of the zone member.' }),
    role: t.field({ type: ZoneRoleEnum, required: true, description: 'The new role.' }),
  }),
});

const RemoveZoneMemberInput = builder.inputType('RemoveZoneMemberInput', {
  description: 'The zone member to remove.',
  fields: (t) => ({ id: t.id({ required: true, description: 'Global id of the zone member.' }) }),
});

const zonePayload = (name: string, what: string) =>
  payload<{ zone: Zone }>(name, `The result of ${what}.`, (t) => ({
    zone: t.field({ type: ZoneRef, nullable: true, description: 'The zone, as it is now.', resolve: (p) => p.zone ?? null }),
  }));
const memberPayload = (name: string, what: string) =>
  payload<{ zoneMember: ZoneMember }>(name, `The result of ${what}.`, (t) => ({
    zoneMember: t.field({ type: ZoneMemberRef, nullable: true, description: 'The zone member, as it is now.', resolve: (p) => p.zoneMember ?? null }),
  }));

const DeleteZonePayload = payload<{ deletedZoneId: string }>('DeleteZonePayload', 'The result of deleteZone.', (t) => ({
  deletedZoneId: t.id({ nullable: true, description: 'Global id of the deleted zone.', resolve: (p) => p.deletedZoneId ?? null }),
}));
const RemoveZoneMemberPayload = payload<{ removedZoneMemberId: string; zone: Zone }>('RemoveZoneMemberPayload', 'The result of removeZoneMember.', (t) => ({
  removedZoneMemberId: t.id({ nullable: true, description: 'Global id of the removed zone member.', resolve: (p) => p.removedZoneMemberId ?? null }),
  zone: t.field({ type: ZoneRef, nullable: true, description: 'The zone.', resolve: (p) => p.zone ?? null }),
}));

/** Reads a nullable global id input: undefined stays (unchanged), null stays (clear), an id decodes. */
export function optionalRef(value: string | null | undefined, typename: string, field: string): string | null | undefined {
  if (value === undefined || value === null) return value;
  return localId(value, typename, field);
}

builder.mutationFields((t) => ({
  createZone: t.field({
    type: zonePayload('CreateZonePayload', 'createZone'),
    description: 'Creates a zone in an account (zone.manage on the account).',
    args: { input: t.arg({ type: CreateZoneInput, required: true, description: 'The zone to create.' }) },
    resolve: (_root, { input }, ctx) =>
      attempt(async () => ({
        zone: await ctx.services.zones.zones.createZone(ctx.authz, localId(input.accountId, 'Account', 'accountId'), {
          ...input,
          loginFlow: input.loginFlow ?? null,
        }),
      })),
  }),
  updateZone: t.field({
    type: zonePayload('UpdateZonePayload', 'updateZone'),
    description: 'Changes a zone (zone.manage on it).',
    args: { input: t.arg({ type: UpdateZoneInput, required: true, description: 'The changes.' }) },
    resolve: (_root, { input }, ctx) =>
      attempt(async () => ({
        zone: await ctx.services.zones.zones.updateZone(ctx.authz, localId(input.id, 'Zone', 'id'), {
          name: input.name ?? undefined,
          slug: input.slug ?? undefined,
          description: input.description,
          loginFlow: input.loginFlow,
          requiresInvitation: input.requiresInvitation,
          encryptionKey: input.encryptionKey,
          defaultResourceId: optionalRef(input.defaultResourceId, 'Resource', 'defaultResourceId'),
          defaultMcpGatewayApplicationId: optionalRef(input.defaultMcpGatewayApplicationId, 'Application', 'defaultMcpGatewayApplicationId'),
          userIdentityProviderId: optionalRef(input.userIdentityProviderId, 'Provider', 'userIdentityProviderId'),
        }),
      })),
  }),
  deleteZone: t.field({
    type: DeleteZonePayload,
    description: 'Deletes a zone and everything it holds, in one transaction (zone.manage on it).',
    args: { input: t.arg({ type: DeleteZoneInput, required: true, description: 'The zone to delete.' }) },
    resolve: (_root, { input }, ctx) =>
      attempt(async () => {
        await ctx.services.zones.zones.deleteZone(ctx.authz, localId(input.id, 'Zone', 'id'));
        return { deletedZoneId: input.id };
      }),
  }),
  addZoneMember: t.field({
    type: memberPayload('AddZoneMemberPayload', 'addZoneMember'),
    description: 'Gives a user of the account a role in a zone (zone.manage on the zone).',
    args: { input: t.arg({ type: AddZoneMemberInput, required: true, description: 'The membership.' }) },
    resolve: (_root, { input }, ctx) =>
      attempt(async () => ({
        zoneMember: await ctx.services.zones.zones.addZoneMember(ctx.authz, localId(input.zoneId, 'Zone', 'zoneId'), localId(input.userId, 'User', 'userId'), input.role),
      })),
  }),
  updateZoneMember: t.field({
    type: memberPayload('UpdateZoneMemberPayload', 'updateZoneMember'),
    description: "Changes a zone member's role (zone.manage on the zone).",
    args: { input: t.arg({ type: UpdateZoneMemberInput, required: true, description: 'The new role.' }) },
    resolve: (_root, { input }, ctx) => attempt(async () => ({ zoneMember: await ctx.services.zones.zones.updateZoneMember(ctx.authz, localId(input.id, 'ZoneMember', 'id'), input.role) })),
  }),
  removeZoneMember: t.field({
    type: RemoveZoneMemberPayload,
    description: 'Removes a user from a zone (zone.manage on the zone).',
    args: { input: t.arg({ type: RemoveZoneMemberInput, required: true, description: 'The member to remove.' }) },
    resolve: (_root, { input }, ctx) =>
      attempt(async () => {
        const member = await ctx.services.zones.zones.removeZoneMember(ctx.authz, localId(input.id, 'ZoneMember', 'id'));
        return { removedZoneMemberId: input.id, zone: (await ctx.loaders.zones.zone.load(member.zoneId))! };
      }),
  }),
}));

