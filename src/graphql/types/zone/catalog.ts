// Providers and resources (reference 001 zones.providers.*, zones.resources.*). A provider's client
// secret is write-only: inputs take it, reads only show clientSecretSet.
import type { ProviderOauth2, Provider, Resource } from '../../../domain/zone/model.js';
import { loadVisible } from '../../visibility.js';
import { visibleLoadMany, entityLoadedBy, permissionFields } from '../node.js';
import { builder } from '../../builder.js';
import { connectionOf, searchTerm } from '../../connection.js';
import { attempt, localId, payload } from '../errors.js';
import { ResourceConnection } from './application.js';
import { zoneList } from './common.js';
import { ApplicationRef, DocsMetadataRef, OwnerTypeEnum, ProviderRef, ResourceRef } from './refs.js';
import { optionalRef, ZoneRef } from './zone.js';

export const ProviderTypeEnum = builder.enumType('ProviderType', {
  description: 'Kinds of provider.',
  values: {
    EXTERNAL: { description: 'An external identity or authorization server.' },
    KEYCARD_VAULT: { description: 'The platform vault.' },
    KEYCARD_STS: { description: 'The platform security token service.' },
  },
});

export const ApplicationTypeEnum = builder.enumType('ResourceApplicationType', {
  description: 'The kind of client a resource expects, which fixes the redirect URIs its providing application may use.',
  values: {
    NATIVE: { description: 'Native clients: loopback (localhost) URLs or private-use URI schemes.' },
    WEB: { description: 'Web clients: https URLs, not on localhost.' },
  },
});

const ProviderOauth2Ref = builder.objectRef<ProviderOauth2>('ProviderOAuth2Protocol').implement({
  description: 'OAuth 2.0 settings of a provider.',
  fields: (t) => ({
    issuer: t.exposeString('issuer', { description: 'OIDC issuer URL, used for discovery and token validation.' }),
    authorizationEndpoint: t.exposeString('authorizationEndpoint', { nullable: true, description: 'Authorization endpoint.' }),
    authorizationParameters: t.field({ type: 'JSONObject', nullable: true, description: 'Extra query parameters of authorization redirects (name to value).', resolve: (o) => o.authorizationParameters }),
    authorizationResourceEnabled: t.exposeBoolean('authorizationResourceEnabled', { nullable: true, description: 'Whether authorization requests carry the resource parameter.' }),
    authorizationResourceParameter: t.exposeString('authorizationResourceParameter', { nullable: true, description: 'The resource parameter value ("resource" when unset and enabled).' }),
    codeChallengeMethodsSupported: t.stringList({ nullable: true, description: 'PKCE methods supported.', resolve: (o) => o.codeChallengeMethodsSupported }),
    jwksUri: t.exposeString('jwksUri', { nullable: true, description: 'JSON Web Key Set URL.' }),
    registrationEndpoint: t.exposeString('registrationEndpoint', { nullable: true, description: 'Dynamic Client Registration endpoint.' }),
    scopeParameter: t.exposeString('scopeParameter', { nullable: true, description: 'The query parameter carrying scopes ("scope" when unset).' }),
    scopeSeparator: t.exposeString('scopeSeparator', { nullable: true, description: 'The separator of scope values (a space when unset).' }),
    scopesSupported: t.stringList({ nullable: true, description: 'Scopes the provider supports.', resolve: (o) => o.scopesSupported }),
    tokenEndpoint: t.exposeString('tokenEndpoint', { nullable: true, description: 'Token endpoint.' }),
    tokenResponseAccessTokenPointer: t.exposeString('tokenResponseAccessTokenPointer', { nullable: true, description: 'Dot-separated path to the access token in token responses ("access_token" when unset).' }),
  }),
});

const ProviderOpenidRef = builder.objectRef<{ userinfoEndpoint: string | null }>('ProviderOpenIdProtocol').implement({
  description: 'OpenID Connect settings of a provider.',
  fields: (t) => ({ userinfoEndpoint: t.exposeString('userinfoEndpoint', { nullable: true, description: 'UserInfo endpoint.' }) }),
});

const ProviderProtocolsRef = builder.objectRef<Provider['protocols']>('ProviderProtocols').implement({
  description: 'Protocol settings of a provider.',
  fields: (t) => ({
    oauth2: t.field({ type: ProviderOauth2Ref, description: 'OAuth 2.0.', resolve: (p) => p.oauth2 }),
    openid: t.field({ type: ProviderOpenidRef, description: 'OpenID Connect.', resolve: (p) => p.openid ?? { userinfoEndpoint: null } }),
  }),
});

builder.node(ProviderRef, {
  description: 'A system that supplies access to resources and lets users or applications authenticate.',
  id: { resolve: (p) => p.id },
  loadMany: visibleLoadMany('Provider'),
  fields: (t) => ({
    ...permissionFields(t, 'Provider'),
    identifier: t.exposeString('identifier', { description: 'Identifier, unique within the zone.' }),
    slug: t.exposeString('slug', { description: 'URL-safe identifier, unique within the zone.' }),
    name: t.exposeString('name', { description: 'Human-readable name.' }),
    description: t.exposeString('description', { nullable: true, description: 'Free text, up to 2048 characters.' }),
    type: t.field({ type: ProviderTypeEnum, nullable: true, description: 'The kind of provider.', resolve: (p) => p.type }),
    ownerType: t.field({ type: OwnerTypeEnum, description: 'Who owns the provider.', resolve: (p) => p.ownerType }),
    clientId: t.exposeString('clientId', { nullable: true, description: 'The OAuth 2.0 client id keygraph uses at the provider.' }),
    clientSecretSet: t.exposeBoolean('clientSecretSet', { description: 'Whether a client secret is stored (it is never readable).' }),
    metadata: t.field({ type: 'JSONObject', nullable: true, description: 'Free-form metadata.', resolve: (p) => p.metadata }),
    protocols: t.field({ type: ProviderProtocolsRef, description: 'OAuth 2.0 and OpenID Connect settings.', resolve: (p) => p.protocols }),
    zone: t.field({ type: ZoneRef, description: 'The zone.', resolve: async (p, _a, ctx) => (await ctx.loaders.zones.zone.load(p.zoneId))! }),
    createdAt: t.expose('createdAt', { type: 'DateTime', description: 'When the provider was created.' }),
    updatedAt: t.expose('updatedAt', { type: 'DateTime', description: 'When the provider last changed.' }),
  }),
});
entityLoadedBy(ProviderRef, 'Provider');

builder.node(ResourceRef, {
  description: 'A system exposing protected information or functionality to authenticated users or applications.',
  id: { resolve: (r) => r.id },
  loadMany: visibleLoadMany('Resource'),
  fields: (t) => ({
    ...permissionFields(t, 'Resource'),
    identifier: t.exposeString('identifier', { description: 'Identifier (often its URL), unique within the zone.' }),
    slug: t.exposeString('slug', { description: 'URL-safe identifier, unique within the zone.' }),
    name: t.exposeString('name', { description: 'Human-readable name.' }),
    description: t.exposeString('description', { nullable: true, description: 'Free text, up to 2048 characters.' }),
    metadata: t.field({ type: DocsMetadataRef, description: 'Metadata (documentation URL).', resolve: (r) => ({ docsUrl: r.docsUrl }) }),
    applicationType: t.field({ type: ApplicationTypeEnum, description: 'The kind of client the resource expects.', resolve: (r) => r.applicationType }),
    ownerType: t.field({ type: OwnerTypeEnum, description: 'Who owns the resource.', resolve: (r) => r.ownerType }),
    scopes: t.stringList({ description: 'Scopes the resource supports.', resolve: (r) => r.scopes }),
    credentialProvider: t.field({ type: ProviderRef, nullable: true, description: 'The provider of credentials for the resource.', resolve: (r, _a, ctx) => loadVisible(ctx, 'Provider', r.credentialProviderId) }),
    application: t.field({ type: ApplicationRef, nullable: true, description: 'The application providing the resource.', resolve: (r, _a, ctx) => loadVisible(ctx, 'Application', r.applicationId) }),
    zone: t.field({ type: ZoneRef, description: 'The zone.', resolve: async (r, _a, ctx) => (await ctx.loaders.zones.zone.load(r.zoneId))! }),
    createdAt: t.expose('createdAt', { type: 'DateTime', description: 'When the resource was created.' }),
    updatedAt: t.expose('updatedAt', { type: 'DateTime', description: 'When the resource last changed.' }),
  }),
});
entityLoadedBy(ResourceRef, 'Resource');

export const ProviderConnection = connectionOf(ProviderRef, 'Provider', 'providers');

builder.objectFields(ZoneRef, (t) => ({
  defaultResource: t.field({ type: ResourceRef, nullable: true, description: 'The default resource of the zone.', resolve: (z, _a, ctx) => loadVisible(ctx, 'Resource', z.defaultResourceId) }),
  defaultMcpGatewayApplication: t.field({
    type: ApplicationRef,
    nullable: true,
    description: 'The default MCP gateway application of the zone.',
    resolve: (z, _a, ctx) => loadVisible(ctx, 'Application', z.defaultMcpGatewayApplicationId),
  }),
  userIdentityProvider: t.field({ type: ProviderRef, nullable: true, description: 'The provider users log in with.', resolve: (z, _a, ctx) => loadVisible(ctx, 'Provider', z.userIdentityProviderId) }),
  providers: t.connection(
    {
      type: ProviderRef,
      description: 'The providers of the zone, oldest first.',
      args: {
        search: t.arg.string({ description: 'Only providers whose name, identifier or slug contains this text (case-insensitive).' }),
        type: t.arg({ type: ProviderTypeEnum, description: 'Only providers of this kind.' }),
      },
      resolve: (z, args, ctx) =>
        zoneList(ctx, { table: 'providers', parent: 'zoneId', parentId: z.id, args, filter: { search: searchTerm(args.search), equals: args.type ? { type: args.type } : {} }, load: ctx.loaders.zones.provider }),
    },
    ProviderConnection,
  ),
  resources: t.connection(
    {
      type: ResourceRef,
      description: 'The resources of the zone, oldest first.',
      args: {
        search: t.arg.string({ description: 'Only resources whose name, identifier or slug contains this text (case-insensitive).' }),
        applicationType: t.arg({ type: ApplicationTypeEnum, description: 'Only resources expecting this kind of client.' }),
      },
      resolve: (z, args, ctx) =>
        zoneList(ctx, {
          table: 'resources',
          parent: 'zoneId',
          parentId: z.id,
          args,
          filter: { search: searchTerm(args.search), equals: args.applicationType ? { applicationType: args.applicationType } : {} },
          load: ctx.loaders.zones.resource,
        }),
    },
    ResourceConnection,
  ),
}));

const ProviderOauth2Input = builder.inputType('ProviderOAuth2Input', {
  description: 'OAuth 2.0 settings of a provider.',
  fields: (t) => ({
    issuer: t.string({ required: true, description: 'OIDC issuer URL.' }),
    authorizationEndpoint: t.string({ description: 'Authorization endpoint URL.' }),
    authorizationParameters: t.field({ type: 'JSONObject', description: 'Extra query parameters of authorization redirects (string values).' }),
    authorizationResourceEnabled: t.boolean({ description: 'Whether authorization requests carry the resource parameter.' }),
    authorizationResourceParameter: t.string({ description: 'The resource parameter value.' }),
    codeChallengeMethodsSupported: t.stringList({ description: 'PKCE methods (S256, plain).' }),
    jwksUri: t.string({ description: 'JSON Web Key Set URL.' }),
    registrationEndpoint: t.string({ description: 'Dynamic Client Registration endpoint URL.' }),
    scopeParameter: t.string({ description: 'The query parameter carrying scopes.' }),
    scopeSeparator: t.string({ description: 'The separator of scope values.' }),
    scopesSupported: t.stringList({ description: 'Scopes the provider supports.' }),
    tokenEndpoint: t.string({ description: 'Token endpoint URL.' }),
    tokenResponseAccessTokenPointer: t.string({ description: 'Dot-separated path to the access token in token responses.' }),
  }),
});

const CreateProviderInput = builder.inputType('CreateProviderInput', {
  description: 'A new provider.',
  fields: (t) => ({
    zoneId: t.id({ required: true, description: 'Global id of the zone.' }),
    identifier: t.string({ required: true, description: 'Identifier, unique within the zone (1..2048 characters).' }),
    name: t.string({ required: true, description: 'Name, 1..255 characters.' }),
    slug: t.string({ description: 'URL-safe identifier; derived from the name when omitted.' }),
    description: t.string({ description: 'Free text, up to 2048 characters.' }),
    type: t.field({ type: ProviderTypeEnum, description: 'The kind of provider.' }),
    clientId: t.string({ description: 'The OAuth 2.0 client id at the provider.' }),
    clientSecret: t.string({ description: 'The OAuth 2.0 client secret at the provider: stored encrypted, never readable.' }),
    metadata: t.field({ type: 'JSONObject', description: 'Free-form metadata (up to 16 KiB).' }),
    oauth2: t.field({ type: ProviderOauth2Input, required: true, description: 'OAuth 2.0 settings.' }),
    userinfoEndpoint: t.string({ description: 'OpenID Connect UserInfo endpoint URL.' }),
  }),
});

const UpdateProviderInput = builder.inputType('UpdateProviderInput', {
  description: 'Changes to a provider; omitted fields stay as they are.',
  fields: (t) => ({
    id: t.id({ required: true, description: 'Global id of the provider.' }),
    identifier: t.string({ description: 'New identifier.' }),
    name: t.string({ description: 'New name.' }),
    slug: t.string({ description: 'New slug.' }),
    description: t.string({ description: 'New description; null clears it.' }),
    type: t.field({ type: ProviderTypeEnum, description: 'New kind; null clears it.' }),
    clientId: t.string({ description: 'New client id; null clears it.' }),
    clientSecret: t.string({ description: 'New client secret (write-only); null removes it.' }),
    metadata: t.field({ type: 'JSONObject', description: 'New metadata; null clears it.' }),
    oauth2: t.field({ type: ProviderOauth2Input, description: 'New OAuth 2.0 settings (replacing them).' }),
    userinfoEndpoint: t.string({ description: 'New UserInfo endpoint; null clears it.' }),
  }),
});

const DeleteProviderInput = builder.inputType('DeleteProviderInput', {
  description: 'The provider to delete.',
  fields: (t) => ({ id: t.id({ required: true, description: 'Global id of the provider.' }) }),
});

const CreateResourceInput = builder.inputType('CreateResourceInput', {
  description: 'A new resource.',
  fields: (t) => ({
    zoneId: t.id({ required: true, description: 'Global id of the zone.' }),
    identifier: t.string({ required: true, description: 'Identifier, unique within the zone (1..2048 characters).' }),
    name: t.string({ required: true, description: 'Name, 1..255 characters.' }),
    slug: t.string({ description: 'URL-safe identifier; derived from the name when omitted.' }),
    description: t.string({ description: 'Free text, up to 2048 characters.' }),
    docsUrl: t.string({ description: 'Documentation URL.' }),
    applicationType: t.field({ type: ApplicationTypeEnum, description: 'The kind of client expected (WEB when omitted).' }),
    scopes: t.stringList({ description: 'Scopes the resource supports.' }),
    credentialProviderId: t.id({ description: 'Global id of a provider of the zone supplying credentials for it.' }),
    applicationId: t.id({ description: 'Global id of the application of the zone providing it.' }),
  }),
});

const UpdateResourceInput = builder.inputType('UpdateResourceInput', {
  description: 'Changes to a resource; omitted fields stay as they are.',
  fields: (t) => ({
    id: t.id({ required: true, description: 'Global id of the resource.' }),
    identifier: t.string({ description: 'New identifier.' }),
    name: t.string({ description: 'New name.' }),
    slug: t.string({ description: 'New slug.' }),
    description: t.string({ description: 'New description; null clears it.' }),
    docsUrl: t.string({ description: 'New documentation URL; null clears it.' }),
    applicationType: t.field({ type: ApplicationTypeEnum, description: 'New kind of client.' }),
    scopes: t.stringList({ description: 'New scopes (replacing the list).' }),
    credentialProviderId: t.id({ description: 'New credential provider; null clears it.' }),
    applicationId: t.id({ description: 'New providing application; null clears it.' }),
  }),
});

const DeleteResourceInput = builder.inputType('DeleteResourceInput', {
  description: 'The resource to delete.',
  fields: (t) => ({ id: t.id({ required: true, description: 'Global id of the resource.' }) }),
});

const providerPayload = (name: string) =>
  payload<{ provider: Provider }>(name, `The result of ${name[0]!.toLowerCase()}${name.slice(1).replace('Payload', '')}.`, (t) => ({
    provider: t.field({ type: ProviderRef, nullable: true, description: 'The provider, as it is now.', resolve: (p) => p.provider ?? null }),
  }));
const resourcePayload = (name: string) =>
  payload<{ resource: Resource }>(name, `The result of ${name[0]!.toLowerCase()}${name.slice(1).replace('Payload', '')}.`, (t) => ({
    resource: t.field({ type: ResourceRef, nullable: true, description: 'The resource, as it is now.', resolve: (p) => p.resource ?? null }),
  }));
const DeleteProviderPayload = payload<{ deletedProviderId: string }>('DeleteProviderPayload', 'The result of deleteProvider.', (t) => ({
  deletedProviderId: t.id({ nullable: true, description: 'Global id of the deleted provider.', resolve: (p) => p.deletedProviderId ?? null }),
}));
const DeleteResourcePayload = payload<{ deletedResourceId: string }>('DeleteResourcePayload', 'The result of deleteResource.', (t) => ({
  deletedResourceId: t.id({ nullable: true, description: 'Global id of the deleted resource.', resolve: (p) => p.deletedResourceId ?? null }),
}));

builder.mutationFields((t) => ({
  createProvider: t.field({
    type: providerPayload('CreateProviderPayload'),
    description: 'Creates a provider in a zone (credential.manage on the zone).',
    args: { input: t.arg({ type: CreateProviderInput, required: true, description: 'The provider to create.' }) },
    resolve: (_root, { input }, ctx) => attempt(async () => ({ provider: await ctx.services.zones.catalog.createProvider(ctx.authz, localId(input.zoneId, 'Zone', 'zoneId'), input) })),
  }),
  updateProvider: t.field({
    type: providerPayload('UpdateProviderPayload'),
    description: 'Changes a provider (credential.manage on it); a platform-owned one is a PlatformOwnedError.',
    args: { input: t.arg({ type: UpdateProviderInput, required: true, description: 'The changes.' }) },
    resolve: (_root, { input }, ctx) =>
      attempt(async () => ({
        provider: await ctx.services.zones.catalog.updateProvider(ctx.authz, localId(input.id, 'Provider', 'id'), {
          ...input,
          identifier: input.identifier ?? undefined,
          name: input.name ?? undefined,
          slug: input.slug ?? undefined,
          oauth2: input.oauth2 ?? undefined,
        }),
      })),
  }),
  deleteProvider: t.field({
    type: DeleteProviderPayload,
    description: 'Deletes a provider no credential, resource or zone login uses (credential.manage on it).',
    args: { input: t.arg({ type: DeleteProviderInput, required: true, description: 'The provider to delete.' }) },
    resolve: (_root, { input }, ctx) =>
      attempt(async () => {
        await ctx.services.zones.catalog.deleteProvider(ctx.authz, localId(input.id, 'Provider', 'id'));
        return { deletedProviderId: input.id };
      }),
  }),
  createResource: t.field({
    type: resourcePayload('CreateResourcePayload'),
    description: 'Creates a resource in a zone (application.manage on the zone).',
    args: { input: t.arg({ type: CreateResourceInput, required: true, description: 'The resource to create.' }) },
    resolve: (_root, { input }, ctx) =>
      attempt(async () => ({
        resource: await ctx.services.zones.catalog.createResource(ctx.authz, localId(input.zoneId, 'Zone', 'zoneId'), {
          ...input,
          credentialProviderId: optionalRef(input.credentialProviderId, 'Provider', 'credentialProviderId'),
          applicationId: optionalRef(input.applicationId, 'Application', 'applicationId'),
        }),
      })),
  }),
  updateResource: t.field({
    type: resourcePayload('UpdateResourcePayload'),
    description: 'Changes a resource (application.manage on it); a platform-owned one is a PlatformOwnedError.',
    args: { input: t.arg({ type: UpdateResourceInput, required: true, description: 'The changes.' }) },
    resolve: (_root, { input }, ctx) =>
      attempt(async () => ({
        resource: await ctx.services.zones.catalog.updateResource(ctx.authz, localId(input.id, 'Resource', 'id'), {
          identifier: input.identifier ?? undefined,
          name: input.name ?? undefined,
          slug: input.slug ?? undefined,
          description: input.description,
          docsUrl: input.docsUrl,
          applicationType: input.applicationType ?? undefined,
          scopes: input.scopes === null ? [] : input.scopes,
          credentialProviderId: optionalRef(input.credentialProviderId, 'Provider', 'credentialProviderId'),
          applicationId: optionalRef(input.applicationId, 'Application', 'applicationId'),
        }),
      })),
  }),
  deleteResource: t.field({
    type: DeleteResourcePayload,
    description: 'Deletes a resource and the dependencies on it (application.manage on it).',
    args: { input: t.arg({ type: DeleteResourceInput, required: true, description: 'The resource to delete.' }) },
    resolve: (_root, { input }, ctx) =>
      attempt(async () => {
        await ctx.services.zones.catalog.deleteResource(ctx.authz, localId(input.id, 'Resource', 'id'));
        return { deletedResourceId: input.id };
      }),
  }),
}));
