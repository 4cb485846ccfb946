// Input rules of the zones graph, table-tested.
import { describe, expect, it } from 'vitest';
import { redirectUri, redirectUriFits, scopeList, slug, slugFrom } from '../../src/domain/zone/validation.js';
import { zoneProtocols } from '../../src/domain/zone/zones.js';

describe('zone input rules', () => {
  it('slugs', () => {
    for (const ok of ['a', 'prod', 'prod-eu-1', 'x'.repeat(63)]) expect(slug('slug', ok)).toBe(ok);
    for (const bad of ['', 'A', '-a', 'a-', 'a_b', 'a b', 'x'.repeat(64), 'é']) expect(() => slug('slug', bad), bad).toThrow();
    expect(slugFrom('Production  Zone!', 'zone')).toBe('production-zone');
    expect(slugFrom('Café Déjà vu', 'zone')).toBe('cafe-deja-vu');
    expect(slugFrom('!!!', 'zone')).toBe('zone');
    expect(slugFrom('a'.repeat(62) + ' b', 'zone')).toBe('a'.repeat(62));
  });

  it('redirect URIs', () => {
    for (const ok of ['https://app.example/cb', 'http://localhost:3000/cb', 'http://127.0.0.1/cb', 'http://[::1]:8/cb', 'com.example.app:/cb']) expect(redirectUri('r', ok)).toBe(ok);
    for (const bad of ['http://app.example/cb', 'https://app.example/cb#x', 'javascript:alert(1)', 'data:text/html,x', 'myapp:/cb', 'relative/path', 'file:///etc/passwd']) expect(() => redirectUri('r', bad), bad).toThrow();
    expect(redirectUriFits('https://app.example/cb', 'WEB')).toBe(true);
    expect(redirectUriFits('https://localhost/cb', 'WEB')).toBe(false);
    expect(redirectUriFits('http://localhost:1/cb', 'NATIVE')).toBe(true);
    expect(redirectUriFits('com.example.app:/cb', 'NATIVE')).toBe(true);
    expect(redirectUriFits('https://app.example/cb', 'NATIVE')).toBe(false);
  });

  it('scopes', () => {
    expect(scopeList('s', ['read', 'write', 'read', 'chat:write'])).toEqual(['read', 'write', 'chat:write']);
    for (const bad of [[''], ['a b'], ['a"b'], ['a\\b'], Array.from({ length: 101 }, (_, i) => `s${i}`)]) expect(() => scopeList('s', bad)).toThrow();
  });

  it('protocol endpoints keep a base path and put RFC 8414 metadata at the origin', () => {
    const p = zoneProtocols('https://id.example.com/kg', { id: 'Z1' });
    expect(p.oauth2.issuer).toBe('https://id.example.com/kg/zones/Z1');
    expect(p.oauth2.authorizationServerMetadata).toBe('https://id.example.com/.well-known/oauth-authorization-server/kg/zones/Z1');
    expect(p.openid.providerConfiguration).toBe('https://id.example.com/kg/zones/Z1/.well-known/openid-configuration');
    expect(zoneProtocols('http://localhost:4000', { id: 'Z1' }).oauth2.tokenEndpoint).toBe('http://localhost:4000/zones/Z1/oauth2/token');
  });
});
