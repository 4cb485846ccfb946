// Applications, dependencies, credentials, providers and resources through the API: the validation
// errors of every mutation (typed, naming the field), platform ownership, and every list's filters and paging.
import { decodeGlobalID, encodeGlobalID } from '@pothos/plugin-relay';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { account } from './support/fixtures.js';
import { provider as dbProvider, startTestApp, type TestApp } from './support/harness.js';
import { application, must, pageAll, provider, refuses, resource, zone, type Json } from './support/zones.js';

const local = (id: string) => decodeGlobalID(id).id;
const NOPE = (type: string) => encodeGlobalID(type, '01HZZZZZZZZZZZZZZZZZZZZZZZ');

describe(`applications, credentials, providers and resources (${dbProvider})`, () => {
  let t: TestApp;
  let acme: string;
  let z: string;
  let other: string;

  beforeAll(async () => {
    t = await startTestApp();
    acme = await account(t, 'Acme');
    z = await zone(t, acme, 'Apps');
    other = await zone(t, acme, 'Elsewhere');
  });
  afterAll(() => t.close());

  describe('applications', () => {
    it('creates an application with every reference field', async () => {
      const { application: app } = await must(
        t,
        'createApplication',
        {
          zoneId: z,
          identifier: 'https://app.example.com',
          name: 'Example App',
          description: 'An app',
          docsUrl: 'https://docs.example.com',
          redirectUris: ['https://app.example.com/cb', 'http://localhost:8080/cb', 'com.example.app:/cb'],
          postLogoutRedirectUris: ['https://app.example.com/bye'],
          traits: ['GATEWAY', 'GATEWAY', 'MCP_PROVIDER'],
        },
        'application { identifier slug name description metadata { docsUrl } protocols { oauth2 { redirectUris postLogoutRedirectUris } } traits ownerType dependenciesCount zone { id } }',
      );
      expect(app).toEqual({
        identifier: 'https://app.example.com',
        slug: 'example-app',
        name: 'Example App',
        description: 'An app',
        metadata: { docsUrl: 'https://docs.example.com' },
        protocols: { oauth2: { redirectUris: ['https://app.example.com/cb', 'http://localhost:8080/cb', 'com.example.app:/cb'], postLogoutRedirectUris: ['https://app.example.com/bye'] } },
        traits: ['GATEWAY', 'MCP_PROVIDER'],
        ownerType: 'CUSTOMER',
        dependenciesCount: 0,
        zone: { id: z },
      });
    });

    it('refuses invalid application input with typed errors naming the field', async () => {
      await refuses(t, 'createApplication', { zoneId: z, identifier: '', name: 'x' }, 'ValidationError', 'identifier');
      await refuses(t, 'createApplication', { zoneId: z, identifier: 'i'.repeat(2049), name: 'x' }, 'ValidationError', 'identifier');
      await refuses(t, 'createApplication', { zoneId: z, identifier: 'a1', name: '' }, 'ValidationError', 'name');
      await refuses(t, 'createApplication', { zoneId: z, identifier: 'a1', name: 'x', slug: 'Bad Slug' }, 'ValidationError', 'slug');
      await refuses(t, 'createApplication', { zoneId: z, identifier: 'a1', name: 'x', description: 'd'.repeat(2049) }, 'ValidationError', 'description');
      await refuses(t, 'createApplication', { zoneId: z, identifier: 'a1', name: 'x', docsUrl: 'ftp://docs' }, 'ValidationError', 'docsUrl');
      await refuses(t, 'createApplication', { zoneId: z, identifier: 'a1', name: 'x', redirectUris: ['http://app.example.com/cb'] }, 'ValidationError', 'redirectUris');
      await refuses(t, 'createApplication', { zoneId: z, identifier: 'a1', name: 'x', redirectUris: ['javascript:alert(1)'] }, 'ValidationError', 'redirectUris');
      await refuses(t, 'createApplication', { zoneId: z, identifier: 'a1', name: 'x', redirectUris: ['https://app.example.com/cb#frag'] }, 'ValidationError', 'redirectUris');
      await refuses(t, 'createApplication', { zoneId: z, identifier: 'a1', name: 'x', redirectUris: ['not a uri'] }, 'ValidationError', 'redirectUris');
      await refuses(t, 'createApplication', { zoneId: z, identifier: 'a1', name: 'x', postLogoutRedirectUris: ['https://a.example/x', 'https://a.example/x'] }, 'ValidationError', 'postLogoutRedirectUris');
      await refuses(t, 'createApplication', { zoneId: NOPE('Zone'), identifier: 'a1', name: 'x' }, 'NotFoundError', 'zoneId');
      await refuses(t, 'createApplication', { zoneId: z, identifier: 'https://app.example.com', name: 'dup' }, 'ConflictError', 'identifier');
      await refuses(t, 'createApplication', { zoneId: z, identifier: 'a1', name: 'dup', slug: 'example-app' }, 'ConflictError', 'slug');
      const id = await application(t, z, 'validated');
      await refuses(t, 'updateApplication', { id, name: '' }, 'ValidationError', 'name');
      await refuses(t, 'updateApplication', { id, slug: '-x' }, 'ValidationError', 'slug');
      await refuses(t, 'updateApplication', { id, docsUrl: 'nope' }, 'ValidationError', 'docsUrl');
      await refuses(t, 'updateApplication', { id, redirectUris: ['http://evil.example/cb'] }, 'ValidationError', 'redirectUris');
      await refuses(t, 'updateApplication', { id, identifier: 'https://app.example.com' }, 'ConflictError', 'identifier');
      await refuses(t, 'updateApplication', { id: NOPE('Application'), name: 'x' }, 'NotFoundError', 'id');
      await refuses(t, 'deleteApplication', { id: NOPE('Application') }, 'NotFoundError', 'id');
      // Identifiers are per zone.
      await application(t, other, 'validated');
    });

    it('platform-owned applications cannot be changed or deleted through the API', async () => {
      const app = await t.app.services.zones.applications.createApplication(await adminAuthz(t), local(z), { identifier: 'platform-gateway', name: 'Platform Gateway', traits: ['GATEWAY'] }, 'PLATFORM');
      const id = encodeGlobalID('Application', app.id);
      expect((await t.ok<Json, Record<string, unknown>>(`query($id: ID!) { node(id: $id) { ... on Application { ownerType } } }`, { id })).node.ownerType).toBe('PLATFORM');
      await refuses(t, 'updateApplication', { id, name: 'Mine now' }, 'PlatformOwnedError', 'id');
      await refuses(t, 'deleteApplication', { id }, 'PlatformOwnedError', 'id');
      const r = await resource(t, z, 'https://platform-dep.example');
      await refuses(t, 'addApplicationDependency', { applicationId: id, resourceId: r }, 'PlatformOwnedError', 'applicationId');
      await refuses(t, 'removeApplicationDependency', { applicationId: id, resourceId: r }, 'PlatformOwnedError', 'applicationId');
      // Nor can its credentials: none added, none changed or deleted through the API.
      await refuses(t, 'createApplicationCredential', { applicationId: id, public: { identifier: 'sneaky-client' } }, 'PlatformOwnedError', 'applicationId');
      const own = await t.app.services.zones.applications.createApplicationCredential(await adminAuthz(t), { applicationId: app.id, public: { identifier: 'platform-client' } }, true);
      const credentialId = encodeGlobalID('PublicCredential', own.credential.id);
      await refuses(t, 'updateApplicationCredential', { id: credentialId, slug: 'mine-now' }, 'PlatformOwnedError', 'id');
      await refuses(t, 'deleteApplicationCredential', { id: credentialId }, 'PlatformOwnedError', 'id');
      // It can still be the zone's default MCP gateway, and be depended on.
      const { zone: updated } = await must(t, 'updateZone', { id: z, defaultMcpGatewayApplicationId: id }, 'zone { defaultMcpGatewayApplication { identifier } }');
      expect(updated.defaultMcpGatewayApplication.identifier).toBe('platform-gateway');
      const plain = await application(t, z, 'not-a-gateway');
      await refuses(t, 'updateZone', { id: z, defaultMcpGatewayApplicationId: plain }, 'ValidationError', 'defaultMcpGatewayApplicationId');
    });

    it('updates and deletes an application with its credentials and dependencies', async () => {
      const id = await application(t, z, 'short-lived');
      const res = await resource(t, z, 'https://api.short.example');
      await must(t, 'addApplicationDependency', { applicationId: id, resourceId: res }, 'dependency { id }');
      await must(t, 'createApplicationCredential', { applicationId: id, public: {} }, 'applicationCredential { id }');
      const { application: app } = await must(t, 'updateApplication', { id, name: 'Renamed', traits: ['MCP_PROVIDER'], redirectUris: null, docsUrl: null }, 'application { name traits protocols { oauth2 { redirectUris } } metadata { docsUrl } }');
      expect(app).toEqual({ name: 'Renamed', traits: ['MCP_PROVIDER'], protocols: { oauth2: { redirectUris: [] } }, metadata: { docsUrl: null } });
      await must(t, 'deleteApplication', { id }, 'deletedApplicationId');
      const left: Json = await t.ok(`query($z: ID!) { zone(id: $z) { applicationCredentials(applicationId: "${id}") { totalCount } } }`, { z });
      expect(left.zone.applicationCredentials.totalCount).toBe(0);
      expect(await t.app.store.zones.dependencies.find(local(id), local(res))).toBeNull();
    });
  });

  describe('dependencies', () => {
    it('adds, lists, replaces and removes dependencies with whenAccessing', async () => {
      const app = await application(t, z, 'dependent');
      const [r1, r2, r3] = [await resource(t, z, 'https://r1.example'), await resource(t, z, 'https://r2.example'), await resource(t, z, 'https://r3.example')];
      const { dependency } = await must(t, 'addApplicationDependency', { applicationId: app, resourceId: r1, whenAccessing: [r2, r3, r2] }, 'dependency { resource { id } whenAccessing application { id } }');
      expect(dependency).toEqual({ resource: { id: r1 }, whenAccessing: [r2, r3], application: { id: app } });
      await must(t, 'addApplicationDependency', { applicationId: app, resourceId: r2 }, 'dependency { id }');
      await must(t, 'addApplicationDependency', { applicationId: app, resourceId: r1, whenAccessing: [r3] }, 'dependency { whenAccessing }');
      const listed: Json = await t.ok(`query($id: ID!) { node(id: $id) { ... on Application { dependenciesCount dependencies(first: 1) { totalCount pageInfo { hasNextPage } edges { node { resource { id } whenAccessing } } } } } }`, { id: app });
      expect(listed.node).toEqual({ dependenciesCount: 2, dependencies: { totalCount: 2, pageInfo: { hasNextPage: true }, edges: [{ node: { resource: { id: r1 }, whenAccessing: [r3] } }] } });
      await must(t, 'removeApplicationDependency', { applicationId: app, resourceId: r2 }, 'application { dependenciesCount }');
      // Deleting a resource removes the dependencies on it and its place in whenAccessing lists.
      await must(t, 'deleteResource', { id: r3 }, 'deletedResourceId');
      const after: Json = await t.ok(`query($id: ID!) { node(id: $id) { ... on Application { dependencies { edges { node { resource { id } whenAccessing } } } } } }`, { id: app });
      expect(after.node.dependencies.edges).toEqual([{ node: { resource: { id: r1 }, whenAccessing: [] } }]);
    });

    it('refuses invalid dependencies with typed errors naming the field', async () => {
      const app = await application(t, z, 'dep-validation');
      const r = await resource(t, z, 'https://dep-validation.example');
      const foreign = await resource(t, other, 'https://foreign.example');
      await refuses(t, 'addApplicationDependency', { applicationId: app, resourceId: NOPE('Resource') }, 'NotFoundError', 'resourceId');
      await refuses(t, 'addApplicationDependency', { applicationId: app, resourceId: foreign }, 'NotFoundError', 'resourceId');
      await refuses(t, 'addApplicationDependency', { applicationId: app, resourceId: r, whenAccessing: [foreign] }, 'NotFoundError', 'whenAccessing');
      await refuses(t, 'addApplicationDependency', { applicationId: app, resourceId: r, whenAccessing: [app] }, 'NotFoundError', 'whenAccessing');
      await refuses(t, 'addApplicationDependency', { applicationId: NOPE('Application'), resourceId: r }, 'NotFoundError', 'applicationId');
      await refuses(t, 'removeApplicationDependency', { applicationId: app, resourceId: r }, 'ValidationError', 'resourceId');
      await refuses(t, 'removeApplicationDependency', { applicationId: NOPE('Application'), resourceId: r }, 'NotFoundError', 'applicationId');
    });
  });

  describe('credentials', () => {
    let app: string;
    let idp: string;
    beforeAll(async () => {
      app = await application(t, z, 'credentialed');
      idp = await provider(t, z, 'https://idp.credentials.example');
    });

    it('creates the five kinds; the password is returned once and stored hashed', async () => {
      const token = await must(t, 'createApplicationCredential', { applicationId: app, token: { providerId: idp } }, 'applicationCredential { __typename type identifier ... on TokenCredential { subject provider { id } } }');
      expect(token.applicationCredential).toEqual({ __typename: 'TokenCredential', type: 'TOKEN', identifier: '*', subject: null, provider: { id: idp } });
      const sub = await must(t, 'createApplicationCredential', { applicationId: app, token: { providerId: idp, subject: 'svc-42' } }, 'applicationCredential { identifier }');
      expect(sub.applicationCredential.identifier).toBe('svc-42');
      const pw = await must(t, 'createApplicationCredential', { applicationId: app, password: { identifier: 'client-1' } }, 'applicationCredential { id __typename identifier slug } password');
      expect(pw.applicationCredential).toMatchObject({ __typename: 'PasswordCredential', identifier: 'client-1', slug: 'credentialed-password' });
      expect(pw.password).toMatch(/^[\w-]{43}$/);
      const ok = await t.app.services.zones.applications.verifyPasswordCredential(local(z), 'client-1', pw.password);
      expect(ok?.id).toBe(local(pw.applicationCredential.id));
      expect(await t.app.services.zones.applications.verifyPasswordCredential(local(z), 'client-1', `${pw.password}x`)).toBeNull();
      expect(await t.app.store.zones.credentials.secretHash(local(pw.applicationCredential.id))).toMatch(/^scrypt\$/);
      const pk = await must(t, 'createApplicationCredential', { applicationId: app, publicKey: { jwksUri: 'https://app.example.com/jwks.json' } }, 'applicationCredential { identifier ... on PublicKeyCredential { jwksUri } } password');
      expect(pk.applicationCredential.identifier).toMatch(/^credentialed-/);
      expect(pk.applicationCredential.jwksUri).toBe('https://app.example.com/jwks.json');
      expect(pk.password).toBeNull();
      const url = await must(t, 'createApplicationCredential', { applicationId: app, url: { identifier: 'https://app.example.com/client.json' } }, 'applicationCredential { __typename identifier }');
      expect(url.applicationCredential).toEqual({ __typename: 'UrlCredential', identifier: 'https://app.example.com/client.json' });
      const pub = await must(t, 'createApplicationCredential', { applicationId: app, slug: 'spa', public: { identifier: 'spa-client' } }, 'applicationCredential { __typename identifier slug }');
      expect(pub.applicationCredential).toEqual({ __typename: 'PublicCredential', identifier: 'spa-client', slug: 'spa' });
    });

    it('refuses invalid credentials with typed errors naming the field', async () => {
      await refuses(t, 'createApplicationCredential', { applicationId: app }, 'ValidationError', 'type');
      await refuses(t, 'createApplicationCredential', { applicationId: app, public: {}, password: {} }, 'ValidationError', 'type');
      await refuses(t, 'createApplicationCredential', { applicationId: app, token: { providerId: NOPE('Provider') } }, 'NotFoundError', 'token.providerId');
      await refuses(t, 'createApplicationCredential', { applicationId: app, token: { providerId: idp, subject: '' } }, 'ValidationError', 'token.subject');
      await refuses(t, 'createApplicationCredential', { applicationId: app, url: { identifier: 'not a url' } }, 'ValidationError', 'url.identifier');
      await refuses(t, 'createApplicationCredential', { applicationId: app, publicKey: { jwksUri: 'file:///etc/passwd' } }, 'ValidationError', 'publicKey.jwksUri');
      await refuses(t, 'createApplicationCredential', { applicationId: app, password: { identifier: 'has space' } }, 'ValidationError', 'password.identifier');
      await refuses(t, 'createApplicationCredential', { applicationId: app, password: { identifier: 'client-1' } }, 'ConflictError', 'password.identifier');
      await refuses(t, 'createApplicationCredential', { applicationId: app, slug: 'NO', public: {} }, 'ValidationError', 'slug');
      await refuses(t, 'createApplicationCredential', { applicationId: app, slug: 'spa', public: {} }, 'ConflictError', 'slug');
      await refuses(t, 'createApplicationCredential', { applicationId: NOPE('Application'), public: {} }, 'NotFoundError', 'applicationId');
      const foreignIdp = await provider(t, other, 'https://idp.other.example');
      await refuses(t, 'createApplicationCredential', { applicationId: app, token: { providerId: foreignIdp } }, 'NotFoundError', 'token.providerId');
      const pub = (await must(t, 'createApplicationCredential', { applicationId: app, public: {} }, 'applicationCredential { id }')).applicationCredential.id;
      await refuses(t, 'updateApplicationCredential', { id: pub, subject: 'x' }, 'ValidationError', 'subject');
      await refuses(t, 'updateApplicationCredential', { id: pub, jwksUri: 'https://x.example/jwks' }, 'ValidationError', 'jwksUri');
      await refuses(t, 'updateApplicationCredential', { id: pub, identifier: 'https://x.example' }, 'ValidationError', 'identifier');
      await refuses(t, 'updateApplicationCredential', { id: pub, slug: 'Bad' }, 'ValidationError', 'slug');
      await refuses(t, 'updateApplicationCredential', { id: NOPE('PublicCredential') }, 'NotFoundError', 'id');
      await refuses(t, 'deleteApplicationCredential', { id: NOPE('TokenCredential') }, 'NotFoundError', 'id');
    });

    it('updates and deletes credentials', async () => {
      const token = (await must(t, 'createApplicationCredential', { applicationId: app, token: { providerId: idp, subject: 'a' } }, 'applicationCredential { id }')).applicationCredential.id;
      expect((await must(t, 'updateApplicationCredential', { id: token, subject: null }, 'applicationCredential { identifier ... on TokenCredential { subject } }')).applicationCredential).toEqual({ identifier: '*', subject: null });
      const url = (await must(t, 'createApplicationCredential', { applicationId: app, url: { identifier: 'https://one.example' } }, 'applicationCredential { id }')).applicationCredential.id;
      expect((await must(t, 'updateApplicationCredential', { id: url, identifier: 'https://two.example', slug: 'url-two' }, 'applicationCredential { identifier slug }')).applicationCredential).toEqual({ identifier: 'https://two.example', slug: 'url-two' });
      await must(t, 'deleteApplicationCredential', { id: url }, 'deletedApplicationCredentialId');
      expect((await t.ok<Json, Record<string, unknown>>(`query($id: ID!) { node(id: $id) { id } }`, { id: url })).node).toBeNull();
    });

    it('lists credentials by kind and application, with paging', async () => {
      const all = await pageAll(t, z, 'Zone', 'applicationCredentials', '', 2);
      expect(all.ids.length).toBe(all.totalCount);
      const passwords = await pageAll(t, z, 'Zone', 'applicationCredentials', 'type: PASSWORD', 1);
      expect(passwords.totalCount).toBe(1);
      const ofApp = await pageAll(t, app, 'Application', 'credentials', '', 3);
      const ofAppInZone = await pageAll(t, z, 'Zone', 'applicationCredentials', `applicationId: "${app}"`, 3);
      expect(ofAppInZone.ids).toEqual(ofApp.ids);
      const tokens = await pageAll(t, app, 'Application', 'credentials', 'type: TOKEN', 1);
      expect(tokens.totalCount).toBe(3);
      const none = await pageAll(t, z, 'Zone', 'applicationCredentials', `applicationId: "${NOPE('Application')}"`, 5);
      expect(none.totalCount).toBe(0);
    });
  });

  describe('providers', () => {
    it('creates a provider with its OAuth settings; the client secret is write-only', async () => {
      const { provider: p } = await must(
        t,
        'createProvider',
        {
          zoneId: z,
          identifier: 'slack',
          name: 'Slack',
          type: 'EXTERNAL',
          clientId: 'slack-client',
          clientSecret: 'slack-secret-value-123',
          metadata: { team: 'T1' },
          oauth2: {
            issuer: 'https://slack.com',
            authorizationEndpoint: 'https://slack.com/oauth/v2/authorize',
            tokenEndpoint: 'https://slack.com/api/oauth.v2.access',
            authorizationParameters: { prompt: 'consent' },
            scopeParameter: 'user_scope',
            scopeSeparator: ',',
            scopesSupported: ['chat:write', 'users:read'],
            codeChallengeMethodsSupported: ['S256'],
            tokenResponseAccessTokenPointer: 'authed_user.access_token',
            authorizationResourceEnabled: true,
          },
          userinfoEndpoint: 'https://slack.com/api/openid.connect.userInfo',
        },
        'provider { id identifier slug type ownerType clientId clientSecretSet metadata protocols { oauth2 { issuer authorizationEndpoint tokenEndpoint authorizationParameters scopeParameter scopeSeparator scopesSupported codeChallengeMethodsSupported tokenResponseAccessTokenPointer authorizationResourceEnabled authorizationResourceParameter jwksUri registrationEndpoint } openid { userinfoEndpoint } } }',
      );
      expect(p).toMatchObject({ identifier: 'slack', slug: 'slack', type: 'EXTERNAL', ownerType: 'CUSTOMER', clientId: 'slack-client', clientSecretSet: true, metadata: { team: 'T1' } });
      expect(p.protocols.oauth2).toMatchObject({ scopeParameter: 'user_scope', scopeSeparator: ',', authorizationParameters: { prompt: 'consent' }, jwksUri: null });
      expect(p.protocols.openid.userinfoEndpoint).toBe('https://slack.com/api/openid.connect.userInfo');
      expect(JSON.stringify(p)).not.toContain('slack-secret-value-123');
      const cleared = await must(t, 'updateProvider', { id: p.id, clientSecret: null, name: 'Slack v2' }, 'provider { name clientSecretSet }');
      expect(cleared.provider).toEqual({ name: 'Slack v2', clientSecretSet: false });
      expect((await must(t, 'updateProvider', { id: p.id, clientSecret: 'again' }, 'provider { clientSecretSet }')).provider.clientSecretSet).toBe(true);
      expect((await must(t, 'updateProvider', { id: p.id, description: 'x' }, 'provider { clientSecretSet }')).provider.clientSecretSet).toBe(true);
    });

    it('refuses invalid providers with typed errors naming the field', async () => {
      const issuer = { issuer: 'https://idp.example.com' };
      await refuses(t, 'createProvider', { zoneId: z, identifier: '', name: 'x', oauth2: issuer }, 'ValidationError', 'identifier');
      await refuses(t, 'createProvider', { zoneId: z, identifier: 'p', name: '', oauth2: issuer }, 'ValidationError', 'name');
      await refuses(t, 'createProvider', { zoneId: z, identifier: 'p', name: 'x', oauth2: { issuer: 'not-a-url' } }, 'ValidationError', 'oauth2.issuer');
      await refuses(t, 'createProvider', { zoneId: z, identifier: 'p', name: 'x', oauth2: { ...issuer, tokenEndpoint: 'nope' } }, 'ValidationError', 'oauth2.tokenEndpoint');
      await refuses(t, 'createProvider', { zoneId: z, identifier: 'p', name: 'x', oauth2: { ...issuer, codeChallengeMethodsSupported: ['MD5'] } }, 'ValidationError', 'oauth2.codeChallengeMethodsSupported');
      await refuses(t, 'createProvider', { zoneId: z, identifier: 'p', name: 'x', oauth2: { ...issuer, authorizationParameters: { n: 1 } } }, 'ValidationError', 'oauth2.authorizationParameters');
      await refuses(t, 'createProvider', { zoneId: z, identifier: 'p', name: 'x', oauth2: issuer, clientSecret: '' }, 'ValidationError', 'clientSecret');
      await refuses(t, 'createProvider', { zoneId: z, identifier: 'p', name: 'x', oauth2: issuer, userinfoEndpoint: 'x' }, 'ValidationError', 'userinfoEndpoint');
      await refuses(t, 'createProvider', { zoneId: z, identifier: 'slack', name: 'x', oauth2: issuer }, 'ConflictError', 'identifier');
      await refuses(t, 'createProvider', { zoneId: NOPE('Zone'), identifier: 'p', name: 'x', oauth2: issuer }, 'NotFoundError', 'zoneId');
      const p = await provider(t, z, 'to-update');
      await refuses(t, 'updateProvider', { id: p, name: '' }, 'ValidationError', 'name');
      await refuses(t, 'updateProvider', { id: p, oauth2: { issuer: 'x' } }, 'ValidationError', 'oauth2.issuer');
      await refuses(t, 'updateProvider', { id: p, identifier: 'slack' }, 'ConflictError', 'identifier');
      await refuses(t, 'updateProvider', { id: NOPE('Provider'), name: 'x' }, 'NotFoundError', 'id');
      await refuses(t, 'deleteProvider', { id: NOPE('Provider') }, 'NotFoundError', 'id');
    });

    it('deletes a provider only when nothing uses it', async () => {
      const p = await provider(t, z, 'in-use');
      const app = await application(t, z, 'uses-provider');
      const credential = (await must(t, 'createApplicationCredential', { applicationId: app, token: { providerId: p } }, 'applicationCredential { id }')).applicationCredential.id;
      await refuses(t, 'deleteProvider', { id: p }, 'ConflictError', 'id');
      await must(t, 'deleteApplicationCredential', { id: credential }, 'deletedApplicationCredentialId');
      await must(t, 'deleteProvider', { id: p }, 'deletedProviderId');
    });

    it('lists providers by search and type', async () => {
      const fresh = await zone(t, acme, 'Provider list');
      const ids = [];
      for (let i = 0; i < 5; i++) ids.push((await must(t, 'createProvider', { zoneId: fresh, identifier: `p${i}`, name: i < 2 ? `Google ${i}` : `Okta ${i}`, type: i % 2 ? 'KEYCARD_STS' : 'EXTERNAL', oauth2: { issuer: 'https://i.example' } }, 'provider { id }')).provider.id);
      expect(await pageAll(t, fresh, 'Zone', 'providers', '', 2)).toEqual({ ids, totalCount: 5, pages: 3 });
      expect((await pageAll(t, fresh, 'Zone', 'providers', 'search: "google"', 1)).ids).toEqual(ids.slice(0, 2));
      expect((await pageAll(t, fresh, 'Zone', 'providers', 'type: KEYCARD_STS', 10)).ids).toEqual([ids[1], ids[3]]);
    });
  });

  describe('resources', () => {
    it('creates resources with scopes, a credential provider and a providing application', async () => {
      const p = await provider(t, z, 'resource-idp');
      const web = await application(t, z, 'web-app', { redirectUris: ['https://web.example/cb'] });
      const { resource: r } = await must(
        t,
        'createResource',
        { zoneId: z, identifier: 'https://api.example.com', name: 'API', scopes: ['read', 'write', 'read'], credentialProviderId: p, applicationId: web, docsUrl: 'https://api.example.com/docs' },
        'resource { identifier slug applicationType ownerType scopes credentialProvider { id } application { id } metadata { docsUrl } }',
      );
      expect(r).toEqual({ identifier: 'https://api.example.com', slug: 'api', applicationType: 'WEB', ownerType: 'CUSTOMER', scopes: ['read', 'write'], credentialProvider: { id: p }, application: { id: web }, metadata: { docsUrl: 'https://api.example.com/docs' } });
      const provided: Json = await t.ok(`query($id: ID!) { node(id: $id) { ... on Application { resources { totalCount edges { node { identifier } } } } } }`, { id: web });
      expect(provided.node.resources).toEqual({ totalCount: 1, edges: [{ node: { identifier: 'https://api.example.com' } }] });
      const second = await resource(t, z, 'https://api2.example.com', { name: 'Second API', applicationId: web });
      const all = await pageAll(t, web, 'Application', 'resources', '', 1);
      expect(all).toMatchObject({ totalCount: 2, pages: 2 });
      expect(all.ids[1]).toBe(second);
      expect((await pageAll(t, web, 'Application', 'resources', 'search: "second"', 1)).ids).toEqual([second]);
    });

    it('refuses invalid resources with typed errors naming the field', async () => {
      const native = await application(t, z, 'native-app', { redirectUris: ['http://127.0.0.1:7777/cb', 'com.example.native:/cb'] });
      await refuses(t, 'createResource', { zoneId: z, identifier: '', name: 'x' }, 'ValidationError', 'identifier');
      await refuses(t, 'createResource', { zoneId: z, identifier: 'r', name: '' }, 'ValidationError', 'name');
      await refuses(t, 'createResource', { zoneId: z, identifier: 'r', name: 'x', scopes: ['has space'] }, 'ValidationError', 'scopes');
      await refuses(t, 'createResource', { zoneId: z, identifier: 'r', name: 'x', docsUrl: 'x' }, 'ValidationError', 'docsUrl');
      await refuses(t, 'createResource', { zoneId: z, identifier: 'r', name: 'x', credentialProviderId: NOPE('Provider') }, 'NotFoundError', 'credentialProviderId');
      await refuses(t, 'createResource', { zoneId: z, identifier: 'r', name: 'x', applicationId: NOPE('Application') }, 'NotFoundError', 'applicationId');
      // A WEB resource's providing application must redirect to https off localhost; a NATIVE one the opposite.
      await refuses(t, 'createResource', { zoneId: z, identifier: 'r', name: 'x', applicationType: 'WEB', applicationId: native }, 'ValidationError', 'applicationType');
      const nativeResource = await resource(t, z, 'native-resource', { applicationType: 'NATIVE', applicationId: native });
      await refuses(t, 'updateResource', { id: nativeResource, applicationType: 'WEB' }, 'ValidationError', 'applicationType');
      await refuses(t, 'updateApplication', { id: native, redirectUris: ['https://native.example/cb'] }, 'ValidationError', 'redirectUris');
      await refuses(t, 'createResource', { zoneId: z, identifier: 'https://api.example.com', name: 'x' }, 'ConflictError', 'identifier');
      await refuses(t, 'updateResource', { id: nativeResource, identifier: 'https://api.example.com' }, 'ConflictError', 'identifier');
      await refuses(t, 'updateResource', { id: nativeResource, scopes: [''] }, 'ValidationError', 'scopes');
      await refuses(t, 'updateResource', { id: NOPE('Resource'), name: 'x' }, 'NotFoundError', 'id');
      await refuses(t, 'deleteResource', { id: NOPE('Resource') }, 'NotFoundError', 'id');
    });

    it('lists resources by search and application type', async () => {
      const fresh = await zone(t, acme, 'Resource list');
      const ids = [];
      for (let i = 0; i < 4; i++) ids.push(await resource(t, fresh, `https://r${i}.example`, { name: i % 2 ? `Mail ${i}` : `Files ${i}`, applicationType: i < 2 ? 'NATIVE' : 'WEB' }));
      expect(await pageAll(t, fresh, 'Zone', 'resources', '', 3)).toEqual({ ids, totalCount: 4, pages: 2 });
      expect((await pageAll(t, fresh, 'Zone', 'resources', 'search: "mail"', 1)).ids).toEqual([ids[1], ids[3]]);
      expect((await pageAll(t, fresh, 'Zone', 'resources', 'applicationType: NATIVE', 1)).ids).toEqual(ids.slice(0, 2));
    });
  });

  it('lists applications by search and trait, with paging', async () => {
    const fresh = await zone(t, acme, 'App list');
    const ids = [];
    for (let i = 0; i < 6; i++) ids.push(await application(t, fresh, `app-${i}`, { name: i < 3 ? `Gateway ${i}` : `Tool ${i}`, traits: i % 2 ? ['MCP_PROVIDER'] : ['GATEWAY'] }));
    expect(await pageAll(t, fresh, 'Zone', 'applications', '', 4)).toEqual({ ids, totalCount: 6, pages: 2 });
    expect((await pageAll(t, fresh, 'Zone', 'applications', 'search: "GATEWAY"', 2)).ids).toEqual(ids.slice(0, 3));
    expect((await pageAll(t, fresh, 'Zone', 'applications', 'trait: MCP_PROVIDER', 2)).ids).toEqual([ids[1], ids[3], ids[5]]);
    expect((await pageAll(t, fresh, 'Zone', 'applications', 'trait: GATEWAY, search: "tool"', 2)).ids).toEqual([ids[4]]);
  });
});

async function adminAuthz(t: TestApp) {
  const { Authorizer } = await import('../src/domain/authz/authorizer.js');
  return new Authorizer({ kind: 'user', userId: t.admin.userId, sessionId: null, expiresAt: new Date(Date.now() + 3600_000) }, async (id) => (await t.app.store.grants.heldBy([id])).get(id)!);
}
