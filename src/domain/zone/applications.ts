// Applications, their dependencies on resources, and application credentials (reference 001:
// zones.applications.*, zones.applications.dependencies.*, zones.application_credentials.*).
import type { Authorizer } from '../authz/authorizer.js';
import { requiredText, optionalText } from '../validation.js';
import { ConflictError, PlatformOwnedError, ValidationError } from '../errors.js';
import type { PasswordHasher } from '../user/service.js';
import type { Store } from '../store.js';
import { exactlyOne, changeableFor, objectFor, allInZone, sameZone, zoneFor } from './common.js';
import type { SecretGenerator } from './crypto.js';
import type { Application, ApplicationCredential, ApplicationDependency, ApplicationTrait, CredentialType, OwnerType } from './model.js';
import { freeSlug, httpUrl, optionalHttpUrl, redirectUriFits, slug as slugRule, slugFrom, uriList, ZONE_LIMITS } from './validation.js';

const TRAITS: readonly ApplicationTrait[] = ['GATEWAY', 'MCP_PROVIDER'];

export interface ApplicationInput {
  identifier: string;
  name: string;
  slug?: string | null;
  description?: string | null;
  docsUrl?: string | null;
  redirectUris?: string[] | null;
  postLogoutRedirectUris?: string[] | null;
  traits?: ApplicationTrait[] | null;
}

function traits(values: readonly string[] | null | undefined): ApplicationTrait[] {
  if (!values) return [];
  for (const value of values) if (!(TRAITS as readonly string[]).includes(value)) throw new ValidationError('traits must be GATEWAY or MCP_PROVIDER', 'traits');
  return [...new Set(values as ApplicationTrait[])];
}

export type CredentialInput =
  | { applicationId: string; slug?: string | null; token: { providerId: string; subject?: string | null } }
  | { applicationId: string; slug?: string | null; password: { identifier?: string | null } }
  | { applicationId: string; slug?: string | null; publicKey: { identifier?: string | null; jwksUri: string } }
  | { applicationId: string; slug?: string | null; url: { identifier: string } }
  | { applicationId: string; slug?: string | null; public: { identifier?: string | null } };

export interface CredentialPatch {
  slug?: string | null;
  /** Token credentials: the subject (identifier follows it; null means any subject, "*"). */
  subject?: string | null;
  /** Public-key credentials. */
  jwksUri?: string | null;
  /** URL credentials: the URL. */
  identifier?: string | null;
}

/** A client id: 1..2048 printable characters without spaces. */
function clientId(field: string, value: string): string {
  const id = requiredText(field, value, ZONE_LIMITS.identifier);
  if (/\s/.test(id)) throw new ValidationError(`${field} must not contain spaces`, field);
  return id;
}

export class ApplicationService {
  constructor(
    private readonly store: Store,
    private readonly hasher: PasswordHasher,
    private readonly random: SecretGenerator,
  ) {}

  /**
   * Creates an application. Through the API it is always customer-owned; `ownerType` PLATFORM is for
   * the platform's own provisioning (the demo seed, tests), which the API never exposes.
   */
  createApplication(actor: Authorizer, zoneId: string, input: ApplicationInput, ownerType: OwnerType = 'CUSTOMER'): Promise<Application> {
    const identifier = requiredText('identifier', input.identifier, ZONE_LIMITS.identifier);
    const name = requiredText('name', input.name, ZONE_LIMITS.name);
    const givenSlug = input.slug === null || input.slug === undefined ? null : slugRule('slug', input.slug);
    const description = optionalText('description', input.description, ZONE_LIMITS.description);
    const docsUrl = optionalHttpUrl('docsUrl', input.docsUrl);
    const redirectUris = uriList('redirectUris', input.redirectUris);
    const postLogoutRedirectUris = uriList('postLogoutRedirectUris', input.postLogoutRedirectUris);
    const traitList = traits(input.traits);
    return this.store.transaction(async (tx) => {
      const zone = await zoneFor(tx, actor, zoneId, 'application.manage');
      await tx.lockAccount(zone.accountId);
      const apps = tx.zones.applications;
      if (await apps.findIn(zone.id, 'identifier', identifier)) throw new ConflictError('an application with this identifier already exists in the zone', 'identifier');
      let slug = givenSlug;
      if (slug !== null) {
        if (await apps.findIn(zone.id, 'slug', slug)) throw new ConflictError('an application with this slug already exists in the zone', 'slug');
      } else slug = await freeSlug(slugFrom(name, 'application'), async (s) => (await apps.findIn(zone.id, 'slug', s)) !== null);
      return apps.create({ accountId: zone.accountId, zoneId: zone.id, identifier, slug, name, description, docsUrl, redirectUris, postLogoutRedirectUris, traits: traitList, ownerType });
    });
  }

  updateApplication(actor: Authorizer, applicationId: string, patch: Partial<ApplicationInput>): Promise<Application> {
    const identifier = patch.identifier === undefined || patch.identifier === null ? undefined : requiredText('identifier', patch.identifier, ZONE_LIMITS.identifier);
    const name = patch.name === undefined || patch.name === null ? undefined : requiredText('name', patch.name, ZONE_LIMITS.name);
    const slug = patch.slug === undefined || patch.slug === null ? undefined : slugRule('slug', patch.slug);
    const description = patch.description === undefined ? undefined : optionalText('description', patch.description, ZONE_LIMITS.description);
    const docsUrl = patch.docsUrl === undefined ? undefined : optionalHttpUrl('docsUrl', patch.docsUrl);
    const redirectUris = patch.redirectUris === undefined ? undefined : uriList('redirectUris', patch.redirectUris);
    const postLogoutRedirectUris = patch.postLogoutRedirectUris === undefined ? undefined : uriList('postLogoutRedirectUris', patch.postLogoutRedirectUris);
    const traitList = patch.traits === undefined ? undefined : traits(patch.traits);
    return this.store.transaction(async (tx) => {
      const app = await changeableFor(actor, tx.zones.applications, 'Application', applicationId);
      await tx.lockAccount(app.accountId);
      const apps = tx.zones.applications;
      if (identifier !== undefined && identifier !== app.identifier && (await apps.findIn(app.zoneId, 'identifier', identifier))) {
        throw new ConflictError('an application with this identifier already exists in the zone', 'identifier');
      }
      if (slug !== undefined && slug !== app.slug && (await apps.findIn(app.zoneId, 'slug', slug))) throw new ConflictError('an application with this slug already exists in the zone', 'slug');
      if (traitList && !traitList.includes('GATEWAY')) {
        const [zone] = await tx.zones.zones.byIds([app.zoneId]);
        if (zone?.defaultMcpGatewayApplicationId === app.id) throw new ConflictError("the zone's default MCP gateway must keep the GATEWAY trait", 'traits');
      }
      if (redirectUris) {
        // The resources this application provides fix the kind of redirect URI it may use.
        const provided = (await tx.zones.resources.pages('applicationId', [app.id], { first: 100_000 })).get(app.id)!;
        for (const resource of await tx.zones.resources.byIds(provided.edges.map((e) => e.id))) {
          const misfit = resource && redirectUris.find((uri) => !redirectUriFits(uri, resource.applicationType));
          if (misfit) throw new ValidationError(`${misfit} does not suit the ${resource.applicationType} resource ${resource.identifier} this application provides`, 'redirectUris');
        }
      }
      return apps.update(app.id, { identifier, name, slug, description, docsUrl, redirectUris, postLogoutRedirectUris, traits: traitList });
    });
  }

  /** Deletes an application with its credentials and dependencies; resources it provided stay, unprovided. */
  deleteApplication(actor: Authorizer, applicationId: string): Promise<Application> {
    return this.store.transaction(async (tx) => {
      const app = await changeableFor(actor, tx.zones.applications, 'Application', applicationId);
      const z = tx.zones;
      const [zone] = await z.zones.byIds([app.zoneId]);
      if (zone?.defaultMcpGatewayApplicationId === app.id) await z.zones.update(zone.id, { defaultMcpGatewayApplicationId: null });
      await z.credentials.deleteWhere('applicationId', app.id);
      await z.dependencies.deleteWhere('applicationId', app.id);
      await z.resources.updateWhere('applicationId', app.id, { applicationId: null });
      await z.applications.delete(app.id);
      return app;
    });
  }

  /** Makes the application depend on a resource of its zone (or changes whenAccessing if it already does). */
  addApplicationDependency(actor: Authorizer, applicationId: string, resourceId: string, whenAccessing: readonly string[] | null | undefined): Promise<{ application: Application; dependency: ApplicationDependency }> {
    if (whenAccessing && whenAccessing.length > ZONE_LIMITS.listItems) throw new ValidationError(`whenAccessing must have at most ${ZONE_LIMITS.listItems} entries`, 'whenAccessing');
    return this.store.transaction(async (tx) => {
      const app = await changeableFor(actor, tx.zones.applications, 'Application', applicationId, 'applicationId');
      const resource = await sameZone(actor, tx.zones.resources, 'Resource', resourceId, app.zoneId, 'resourceId');
      const when = (await allInZone(actor, tx.zones.resources, 'Resource', [...new Set(whenAccessing ?? [])], app.zoneId, 'whenAccessing')).map((r) => r.id);
      const existing = await tx.zones.dependencies.find(app.id, resource.id);
      const dependency = existing
        ? await tx.zones.dependencies.update(existing.id, { whenAccessing: when })
        : await tx.zones.dependencies.create({ zoneId: app.zoneId, applicationId: app.id, resourceId: resource.id, whenAccessing: when });
      return { application: app, dependency };
    });
  }

  removeApplicationDependency(actor: Authorizer, applicationId: string, resourceId: string): Promise<Application> {
    return this.store.transaction(async (tx) => {
      const app = await changeableFor(actor, tx.zones.applications, 'Application', applicationId, 'applicationId');
      const existing = await tx.zones.dependencies.find(app.id, resourceId);
      if (!existing) throw new ValidationError('the application does not depend on this resource', 'resourceId');
      await tx.zones.dependencies.delete(existing.id);
      return app;
    });
  }

  /**
   * Creates a credential of one of the five kinds. A password credential's password is generated
   * here, returned once (in the result) and stored only as a scrypt hash.
   */
  /** `asPlatform` is for the platform's own provisioning: through the API, platform-owned applications get no credentials. */
  async createApplicationCredential(actor: Authorizer, input: CredentialInput, asPlatform = false): Promise<{ credential: ApplicationCredential; password: string | null }> {
    const kind = exactlyOne('type', input as unknown as Record<string, unknown>, ['token', 'password', 'publicKey', 'url', 'public']);
    const givenSlug = input.slug === null || input.slug === undefined ? null : slugRule('slug', input.slug);
    let type: CredentialType;
    let identifier: string | null = null;
    let subject: string | null = null;
    let jwksUri: string | null = null;
    let providerId: string | null = null;
    if ('token' in input && input.token) {
      type = 'TOKEN';
      subject = input.token.subject === null || input.token.subject === undefined ? null : requiredText('token.subject', input.token.subject, ZONE_LIMITS.identifier);
      identifier = subject ?? '*';
      providerId = input.token.providerId;
    } else if ('password' in input && input.password) {
      type = 'PASSWORD';
      identifier = input.password.identifier ? clientId('password.identifier', input.password.identifier) : null;
    } else if ('publicKey' in input && input.publicKey) {
      type = 'PUBLIC_KEY';
      identifier = input.publicKey.identifier ? clientId('publicKey.identifier', input.publicKey.identifier) : null;
      jwksUri = httpUrl('publicKey.jwksUri', input.publicKey.jwksUri);
    } else if ('url' in input && input.url) {
      type = 'URL';
      identifier = httpUrl('url.identifier', input.url.identifier);
    } else {
      type = 'PUBLIC';
      const pub = (input as { public: { identifier?: string | null } }).public;
      identifier = pub.identifier ? clientId('public.identifier', pub.identifier) : null;
    }
    void kind;
    const password = type === 'PASSWORD' ? this.random.password(32) : null;
    const secretHash = password === null ? null : await this.hasher.hash(password);
    const credential = await this.store.transaction(async (tx) => {
      const app = await objectFor(actor, tx.zones.applications, 'Application', input.applicationId, 'applicationId', 'credential.manage');
      if (app.ownerType === 'PLATFORM' && !asPlatform) throw new PlatformOwnedError('application', 'applicationId');
      const z = tx.zones;
      await tx.lockAccount(app.accountId);
      if (providerId !== null) providerId = (await sameZone(actor, z.providers, 'Provider', providerId, app.zoneId, 'token.providerId')).id;
      // Client ids (password, public-key, public) are unique in the zone; generated ones are random.
      const id = identifier ?? `${app.slug}-${this.random.password(9)}`;
      if (type !== 'TOKEN' && type !== 'URL' && (await z.credentials.findIn(app.zoneId, 'identifier', id))) throw new ConflictError('a credential with this client id already exists in the zone', `${kindField(type)}.identifier`);
      let slug = givenSlug;
      if (slug !== null) {
        if (await z.credentials.findIn(app.zoneId, 'slug', slug)) throw new ConflictError('a credential with this slug already exists in the zone', 'slug');
      } else slug = await freeSlug(slugFrom(`${app.slug}-${type.toLowerCase()}`, 'credential'), async (s) => (await z.credentials.findIn(app.zoneId, 'slug', s)) !== null);
      return z.credentials.create({ accountId: app.accountId, zoneId: app.zoneId, applicationId: app.id, type, slug, identifier: id, providerId, subject, jwksUri, secretHash });
    });
    return { credential, password };
  }

  updateApplicationCredential(actor: Authorizer, credentialId: string, patch: CredentialPatch): Promise<ApplicationCredential> {
    const slug = patch.slug === undefined || patch.slug === null ? undefined : slugRule('slug', patch.slug);
    return this.store.transaction(async (tx) => {
      const credential = await objectFor(actor, tx.zones.credentials, 'ApplicationCredential', credentialId);
      await requireCustomerOwned(tx, credential);
      const changes: Partial<ApplicationCredential> = { slug };
      if (patch.subject !== undefined) {
        if (credential.type !== 'TOKEN') throw new ValidationError('only token credentials have a subject', 'subject');
        const subject = patch.subject === null ? null : requiredText('subject', patch.subject, ZONE_LIMITS.identifier);
        Object.assign(changes, { subject, identifier: subject ?? '*' });
      }
      if (patch.jwksUri !== undefined) {
        if (credential.type !== 'PUBLIC_KEY') throw new ValidationError('only public-key credentials have a JWKS URI', 'jwksUri');
        if (patch.jwksUri === null) throw new ValidationError('a public-key credential needs a JWKS URI', 'jwksUri');
        changes.jwksUri = httpUrl('jwksUri', patch.jwksUri);
      }
      if (patch.identifier !== undefined && patch.identifier !== null) {
        if (credential.type !== 'URL') throw new ValidationError('only URL credentials change their identifier; other kinds derive or fix it', 'identifier');
        changes.identifier = httpUrl('identifier', patch.identifier);
      }
      if (slug !== undefined && slug !== credential.slug && (await tx.zones.credentials.findIn(credential.zoneId, 'slug', slug))) {
        throw new ConflictError('a credential with this slug already exists in the zone', 'slug');
      }
      return tx.zones.credentials.update(credential.id, changes as never);
    });
  }

  deleteApplicationCredential(actor: Authorizer, credentialId: string): Promise<ApplicationCredential> {
    return this.store.transaction(async (tx) => {
      const credential = await objectFor(actor, tx.zones.credentials, 'ApplicationCredential', credentialId);
      await requireCustomerOwned(tx, credential);
      await tx.zones.credentials.delete(credential.id);
      return credential;
    });
  }

  /** Checks a password credential's client id and password (for the zone's token endpoint; constant work when unknown). */
  async verifyPasswordCredential(zoneId: string, identifier: string, password: string): Promise<ApplicationCredential | null> {
    const found = await this.store.zones.credentials.findIn(zoneId, 'identifier', identifier);
    // Token credentials share the identifier column (their subject): only a password credential counts.
    const credential = found?.type === 'PASSWORD' ? found : null;
    const hash = credential ? await this.store.zones.credentials.secretHash(credential.id) : null;
    const ok = await this.hasher.verify(password, hash ?? 'scrypt$ln=10,r=8,p=1$AAAAAAAAAAAAAAAAAAAAAA$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA');
    return ok && credential ? credential : null;
  }
}

/** The credentials of a platform-owned application are the platform's too. */
async function requireCustomerOwned(tx: Store, credential: ApplicationCredential): Promise<void> {
  const [app] = await tx.zones.applications.byIds([credential.applicationId]);
  if (app?.ownerType === 'PLATFORM') throw new PlatformOwnedError('credential');
}

function kindField(type: CredentialType): string {
  return { TOKEN: 'token', PASSWORD: 'password', PUBLIC_KEY: 'publicKey', URL: 'url', PUBLIC: 'public' }[type];
}
