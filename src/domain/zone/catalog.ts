// Providers and resources of a zone (reference 001: zones.providers.*, zones.resources.*).
// A provider's client secret is write-only: sealed with the zone secret box (associated data: the
// provider's id) and only `clientSecretSet` is ever read back.
import type { Authorizer } from '../authz/authorizer.js';
import { requiredText, optionalText } from '../validation.js';
import { ConflictError, ValidationError } from '../errors.js';
import type { Store } from '../store.js';
import { changeableFor, sameZone, zoneFor } from './common.js';
import type { SecretBox } from './crypto.js';
import type { ApplicationType, OwnerType, Provider, ProviderOauth2, ProviderProtocols, ProviderType, Resource } from './model.js';
import { freeSlug, httpUrl, jsonObject, optionalHttpUrl, redirectUriFits, scopeList, slug as slugRule, slugFrom, ZONE_LIMITS } from './validation.js';

export interface ProviderOauth2Input {
  issuer: string;
  authorizationEndpoint?: string | null;
  authorizationParameters?: Record<string, unknown> | null;
  authorizationResourceEnabled?: boolean | null;
  authorizationResourceParameter?: string | null;
  codeChallengeMethodsSupported?: string[] | null;
  jwksUri?: string | null;
  registrationEndpoint?: string | null;
  scopeParameter?: string | null;
  scopeSeparator?: string | null;
  scopesSupported?: string[] | null;
  tokenEndpoint?: string | null;
  tokenResponseAccessTokenPointer?: string | null;
}

export interface ProviderInput {
  identifier: string;
  name: string;
  slug?: string | null;
  description?: string | null;
  type?: ProviderType | null;
  clientId?: string | null;
  /** Write-only; null clears it, undefined leaves it. */
  clientSecret?: string | null;
  metadata?: Record<string, unknown> | null;
  oauth2: ProviderOauth2Input;
  userinfoEndpoint?: string | null;
}

export interface ResourceInput {
  identifier: string;
  name: string;
  slug?: string | null;
  description?: string | null;
  docsUrl?: string | null;
  applicationType?: ApplicationType | null;
  scopes?: string[] | null;
  credentialProviderId?: string | null;
  applicationId?: string | null;
}

const PKCE_METHODS = ['S256', 'plain'];

function short(field: string, value: string | null | undefined, max = 255): string | null {
  if (value === null || value === undefined || value === '') return null;
  if (value.length > max) throw new ValidationError(`${field} must be at most ${max} characters`, field);
  return value;
}

function oauth2(input: ProviderOauth2Input): ProviderOauth2 {
  const params = input.authorizationParameters ?? null;
  if (params) {
    jsonObject('oauth2.authorizationParameters', params);
    for (const value of Object.values(params)) if (typeof value !== 'string') throw new ValidationError('oauth2.authorizationParameters must map names to strings', 'oauth2.authorizationParameters');
  }
  const methods = input.codeChallengeMethodsSupported ?? null;
  if (methods) for (const m of methods) if (!PKCE_METHODS.includes(m)) throw new ValidationError('oauth2.codeChallengeMethodsSupported must hold S256 or plain', 'oauth2.codeChallengeMethodsSupported');
  return {
    issuer: httpUrl('oauth2.issuer', input.issuer),
    authorizationEndpoint: optionalHttpUrl('oauth2.authorizationEndpoint', input.authorizationEndpoint),
    authorizationParameters: params as Record<string, string> | null,
    authorizationResourceEnabled: input.authorizationResourceEnabled ?? null,
    authorizationResourceParameter: short('oauth2.authorizationResourceParameter', input.authorizationResourceParameter),
    codeChallengeMethodsSupported: methods,
    jwksUri: optionalHttpUrl('oauth2.jwksUri', input.jwksUri),
    registrationEndpoint: optionalHttpUrl('oauth2.registrationEndpoint', input.registrationEndpoint),
    scopeParameter: short('oauth2.scopeParameter', input.scopeParameter),
    scopeSeparator: short('oauth2.scopeSeparator', input.scopeSeparator, 8),
    scopesSupported: input.scopesSupported ? scopeList('oauth2.scopesSupported', input.scopesSupported) : null,
    tokenEndpoint: optionalHttpUrl('oauth2.tokenEndpoint', input.tokenEndpoint),
    tokenResponseAccessTokenPointer: short('oauth2.tokenResponseAccessTokenPointer', input.tokenResponseAccessTokenPointer),
  };
}

function clientSecret(value: string): string {
  if (value.length === 0 || value.length > 4096) throw new ValidationError('clientSecret must be 1..4096 characters', 'clientSecret');
  return value;
}

export class CatalogService {
  constructor(
    private readonly store: Store,
    private readonly box: SecretBox,
  ) {}

  createProvider(actor: Authorizer, zoneId: string, input: ProviderInput, ownerType: OwnerType = 'CUSTOMER'): Promise<Provider> {
    const identifier = requiredText('identifier', input.identifier, ZONE_LIMITS.identifier);
    const name = requiredText('name', input.name, ZONE_LIMITS.name);
    const givenSlug = input.slug === null || input.slug === undefined ? null : slugRule('slug', input.slug);
    const description = optionalText('description', input.description, ZONE_LIMITS.description);
    const clientId = input.clientId ? requiredText('clientId', input.clientId, ZONE_LIMITS.identifier) : null;
    const secret = input.clientSecret === null || input.clientSecret === undefined ? null : clientSecret(input.clientSecret);
    const metadata = jsonObject('metadata', input.metadata);
    const protocols: ProviderProtocols = { oauth2: oauth2(input.oauth2), openid: { userinfoEndpoint: optionalHttpUrl('userinfoEndpoint', input.userinfoEndpoint) } };
    return this.store.transaction(async (tx) => {
      const zone = await zoneFor(tx, actor, zoneId, 'credential.manage');
      await tx.lockAccount(zone.accountId);
      const providers = tx.zones.providers;
      if (await providers.findIn(zone.id, 'identifier', identifier)) throw new ConflictError('a provider with this identifier already exists in the zone', 'identifier');
      let slug = givenSlug;
      if (slug !== null) {
        if (await providers.findIn(zone.id, 'slug', slug)) throw new ConflictError('a provider with this slug already exists in the zone', 'slug');
      } else slug = await freeSlug(slugFrom(name, 'provider'), async (s) => (await providers.findIn(zone.id, 'slug', s)) !== null);
      const id = tx.zones.newId();
      return providers.create({
        id,
        accountId: zone.accountId,
        zoneId: zone.id,
        identifier,
        slug,
        name,
        description,
        type: input.type ?? null,
        ownerType,
        clientId,
        clientSecretCipher: secret === null ? null : this.box.seal(secret, id),
        metadata,
        protocols,
      });
    });
  }

  updateProvider(actor: Authorizer, providerId: string, patch: Partial<ProviderInput>): Promise<Provider> {
    const identifier = patch.identifier === undefined || patch.identifier === null ? undefined : requiredText('identifier', patch.identifier, ZONE_LIMITS.identifier);
    const name = patch.name === undefined || patch.name === null ? undefined : requiredText('name', patch.name, ZONE_LIMITS.name);
    const slug = patch.slug === undefined || patch.slug === null ? undefined : slugRule('slug', patch.slug);
    const description = patch.description === undefined ? undefined : optionalText('description', patch.description, ZONE_LIMITS.description);
    const clientId = patch.clientId === undefined ? undefined : patch.clientId ? requiredText('clientId', patch.clientId, ZONE_LIMITS.identifier) : null;
    const secret = patch.clientSecret === undefined || patch.clientSecret === null ? patch.clientSecret : clientSecret(patch.clientSecret);
    const metadata = patch.metadata === undefined ? undefined : jsonObject('metadata', patch.metadata);
    const newOauth2 = patch.oauth2 === undefined || patch.oauth2 === null ? undefined : oauth2(patch.oauth2);
    const userinfo = patch.userinfoEndpoint === undefined ? undefined : optionalHttpUrl('userinfoEndpoint', patch.userinfoEndpoint);
    return this.store.transaction(async (tx) => {
      const provider = await changeableFor(actor, tx.zones.providers, 'Provider', providerId);
      await tx.lockAccount(provider.accountId);
      const providers = tx.zones.providers;
      if (identifier !== undefined && identifier !== provider.identifier && (await providers.findIn(provider.zoneId, 'identifier', identifier))) {
        throw new ConflictError('a provider with this identifier already exists in the zone', 'identifier');
      }
      if (slug !== undefined && slug !== provider.slug && (await providers.findIn(provider.zoneId, 'slug', slug))) throw new ConflictError('a provider with this slug already exists in the zone', 'slug');
      const protocols: ProviderProtocols | undefined =
        newOauth2 === undefined && userinfo === undefined
          ? undefined
          : { oauth2: newOauth2 ?? provider.protocols.oauth2, openid: { userinfoEndpoint: userinfo === undefined ? (provider.protocols.openid?.userinfoEndpoint ?? null) : userinfo } };
      return providers.update(provider.id, {
        identifier,
        name,
        slug,
        description,
        type: patch.type === undefined ? undefined : patch.type,
        clientId,
        clientSecretCipher: secret === undefined ? undefined : secret === null ? null : this.box.seal(secret, provider.id),
        metadata,
        protocols,
      });
    });
  }

  /** Deletes a provider that no credential, resource or zone login setting uses (grants and sessions keep its id). */
  deleteProvider(actor: Authorizer, providerId: string): Promise<Provider> {
    return this.store.transaction(async (tx) => {
      const provider = await changeableFor(actor, tx.zones.providers, 'Provider', providerId);
      const z = tx.zones;
      const inUse =
        ((await z.credentials.counts('zoneId', [provider.zoneId], { equals: { providerId: provider.id } })).get(provider.zoneId) ?? 0) +
        ((await z.resources.counts('zoneId', [provider.zoneId], { equals: { credentialProviderId: provider.id } })).get(provider.zoneId) ?? 0);
      const [zone] = await z.zones.byIds([provider.zoneId]);
      if (inUse > 0 || zone?.userIdentityProviderId === provider.id) throw new ConflictError('the provider is in use by credentials, resources or the zone login; remove those first', 'id');
      await z.providers.delete(provider.id);
      return provider;
    });
  }

  createResource(actor: Authorizer, zoneId: string, input: ResourceInput, ownerType: OwnerType = 'CUSTOMER'): Promise<Resource> {
    const identifier = requiredText('identifier', input.identifier, ZONE_LIMITS.identifier);
    const name = requiredText('name', input.name, ZONE_LIMITS.name);
    const givenSlug = input.slug === null || input.slug === undefined ? null : slugRule('slug', input.slug);
    const description = optionalText('description', input.description, ZONE_LIMITS.description);
    const docsUrl = optionalHttpUrl('docsUrl', input.docsUrl);
    const scopes = scopeList('scopes', input.scopes);
    const applicationType = input.applicationType ?? 'WEB';
    return this.store.transaction(async (tx) => {
      const zone = await zoneFor(tx, actor, zoneId, 'application.manage');
      await tx.lockAccount(zone.accountId);
      const z = tx.zones;
      if (await z.resources.findIn(zone.id, 'identifier', identifier)) throw new ConflictError('a resource with this identifier already exists in the zone', 'identifier');
      let slug = givenSlug;
      if (slug !== null) {
        if (await z.resources.findIn(zone.id, 'slug', slug)) throw new ConflictError('a resource with this slug already exists in the zone', 'slug');
      } else slug = await freeSlug(slugFrom(name, 'resource'), async (s) => (await z.resources.findIn(zone.id, 'slug', s)) !== null);
      const credentialProviderId = input.credentialProviderId ? (await sameZone(actor, z.providers, 'Provider', input.credentialProviderId, zone.id, 'credentialProviderId')).id : null;
      const applicationId = input.applicationId ? (await this.providingApplication(actor, tx, zone.id, input.applicationId, applicationType)).id : null;
      return z.resources.create({ accountId: zone.accountId, zoneId: zone.id, identifier, slug, name, description, docsUrl, applicationType, ownerType, scopes, credentialProviderId, applicationId });
    });
  }

  updateResource(actor: Authorizer, resourceId: string, patch: Partial<ResourceInput>): Promise<Resource> {
    const identifier = patch.identifier === undefined || patch.identifier === null ? undefined : requiredText('identifier', patch.identifier, ZONE_LIMITS.identifier);
    const name = patch.name === undefined || patch.name === null ? undefined : requiredText('name', patch.name, ZONE_LIMITS.name);
    const slug = patch.slug === undefined || patch.slug === null ? undefined : slugRule('slug', patch.slug);
    const description = patch.description === undefined ? undefined : optionalText('description', patch.description, ZONE_LIMITS.description);
    const docsUrl = patch.docsUrl === undefined ? undefined : optionalHttpUrl('docsUrl', patch.docsUrl);
    const scopes = patch.scopes === undefined || patch.scopes === null ? undefined : scopeList('scopes', patch.scopes);
    return this.store.transaction(async (tx) => {
      const resource = await changeableFor(actor, tx.zones.resources, 'Resource', resourceId);
      await tx.lockAccount(resource.accountId);
      const z = tx.zones;
      if (identifier !== undefined && identifier !== resource.identifier && (await z.resources.findIn(resource.zoneId, 'identifier', identifier))) {
        throw new ConflictError('a resource with this identifier already exists in the zone', 'identifier');
      }
      if (slug !== undefined && slug !== resource.slug && (await z.resources.findIn(resource.zoneId, 'slug', slug))) throw new ConflictError('a resource with this slug already exists in the zone', 'slug');
      const applicationType = patch.applicationType ?? resource.applicationType;
      const credentialProviderId =
        patch.credentialProviderId === undefined ? undefined : patch.credentialProviderId === null ? null : (await sameZone(actor, z.providers, 'Provider', patch.credentialProviderId, resource.zoneId, 'credentialProviderId')).id;
      const applicationId = patch.applicationId === undefined ? resource.applicationId : patch.applicationId;
      if (applicationId) await this.providingApplication(actor, tx, resource.zoneId, applicationId, applicationType);
      return z.resources.update(resource.id, {
        identifier,
        name,
        slug,
        description,
        docsUrl,
        scopes,
        applicationType: patch.applicationType ?? undefined,
        credentialProviderId,
        applicationId: patch.applicationId === undefined ? undefined : applicationId,
      });
    });
  }

  /** Deletes a resource, the dependencies on it, and its place in whenAccessing lists and as the zone default. */
  deleteResource(actor: Authorizer, resourceId: string): Promise<Resource> {
    return this.store.transaction(async (tx) => {
      const resource = await changeableFor(actor, tx.zones.resources, 'Resource', resourceId);
      const z = tx.zones;
      await z.dependencies.forgetResource(resource.zoneId, resource.id);
      const [zone] = await z.zones.byIds([resource.zoneId]);
      if (zone?.defaultResourceId === resource.id) await z.zones.update(zone.id, { defaultResourceId: null });
      // A RESOURCE-scope policy set naming it would never apply again: it is archived (and unbound) with it.
      await z.policySets.archiveTargeting(resource.zoneId, resource.id, new Date(), actor.actorId);
      await z.resources.delete(resource.id);
      return resource;
    });
  }

  /**
   * The application providing a resource. The resource's applicationType constrains the redirect URIs
   * of the clients it expects (reference 001): NATIVE needs loopback or private-use scheme URIs, WEB
   * needs https URIs off loopback hosts.
   */
  private async providingApplication(actor: Authorizer, tx: Store, zoneId: string, applicationId: string, type: ApplicationType) {
    const app = await sameZone(actor, tx.zones.applications, 'Application', applicationId, zoneId, 'applicationId');
    const misfit = app.redirectUris.find((uri) => !redirectUriFits(uri, type));
    if (misfit) {
      throw new ValidationError(
        type === 'WEB' ? `a WEB resource's application must use https redirect URIs off localhost (${misfit} does not)` : `a NATIVE resource's application must use loopback or private-use scheme redirect URIs (${misfit} does not)`,
        'applicationType',
      );
    }
    return app;
  }
}
