// The HTTP surface (src/server/surface.ts, app.ts): security headers, CORS from an allow-list, CSRF
// prevention, `_service` and suggestions in hardened mode, /metrics label bounds and scrape authentication.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { provider, startTestApp, type TestApp } from './support/harness.js';

type Json = Record<string, any>;

const JSON_HEADERS = { 'content-type': 'application/json', accept: 'application/graphql-response+json, application/json' };

describe(`HTTP surface, default configuration (${provider})`, () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ KEYGRAPH_METRICS_OPERATION_NAMES: '20' });
  });
  afterAll(() => t.close());

  it('sends security headers on every response', async () => {
    const responses = [
      await t.app.fetch('/graphql', { method: 'POST', headers: JSON_HEADERS, body: JSON.stringify({ query: '{ viewer { authenticated } }' }) }),
      await t.app.fetch('/healthz'),
      await t.app.fetch('/metrics'),
      await t.app.fetch('/.well-known/jwks.json'),
      await t.app.fetch('/nowhere'),
    ];
    for (const response of responses) {
      expect(response.headers.get('x-content-type-options')).toBe('nosniff');
      expect(response.headers.get('x-frame-options')).toBe('DENY');
      expect(response.headers.get('referrer-policy')).toBe('no-referrer');
      expect(response.headers.get('content-security-policy')).toBe("default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'");
    }
    // http://localhost: no HSTS.
    expect(responses[0]!.headers.get('strict-transport-security')).toBeNull();
  });

  it('gives the GraphiQL page a CSP allowing its own inline scripts by hash, and no framing', async () => {
    const page = await t.app.fetch('/graphql', { headers: { accept: 'text/html' } });
    expect(page.status).toBe(200);
    const csp = page.headers.get('content-security-policy')!;
    expect(csp).toMatch(/script-src 'sha256-[A-Za-z0-9+/=]+'/);
    expect(csp).not.toMatch(/script-src[^;]*'unsafe-inline'/);
    expect(csp).toContain("frame-ancestors 'none'");
    expect(csp).toContain("connect-src 'self'");
    expect(page.headers.get('x-frame-options')).toBe('DENY');
  });

  it('answers no CORS without KEYGRAPH_CORS_ORIGINS: neither an arbitrary origin nor null is reflected', async () => {
    for (const origin of ['https://evil.example', 'null']) {
      const preflight = await t.app.fetch('/graphql', { method: 'OPTIONS', headers: { origin, 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type, authorization' } });
      expect(preflight.headers.get('access-control-allow-origin')).toBeNull();
      expect(preflight.headers.get('access-control-allow-credentials')).toBeNull();
      const post = await t.app.fetch('/graphql', { method: 'POST', headers: { ...JSON_HEADERS, origin }, body: JSON.stringify({ query: '{ viewer { authenticated } }' }) });
      expect(post.headers.get('access-control-allow-origin')).toBeNull();
    }
  });

  it('refuses login sent as a form, multipart or text (CSRF), and a GET without a CSRF header', async () => {
    const query = 'mutation { login(input: { identifier: "root@keygraph.test", password: "root password for tests" }) { token } }';
    const form = await t.app.fetch('/graphql', { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams({ query }).toString() });
    expect(form.status).toBe(403);
    const multipart = new FormData();
    multipart.set('operations', JSON.stringify({ query }));
    multipart.set('map', '{}');
    const formData = await t.app.fetch('/graphql', { method: 'POST', body: multipart });
    expect(formData.status).toBe(403);
    const text = await t.app.fetch('/graphql', { method: 'POST', headers: { 'content-type': 'text/plain' }, body: JSON.stringify({ query }) });
    expect(text.status).toBe(403);
    expect(((await text.json()) as Json).errors[0].message).toBe('Required CSRF header(s) not present');
    const get = await t.app.fetch(`/graphql?query=${encodeURIComponent('{ viewer { authenticated } }')}`, { headers: { accept: 'application/json' } });
    expect(get.status).toBe(403);
    const withHeader = await t.app.fetch(`/graphql?query=${encodeURIComponent('{ viewer { authenticated } }')}`, { headers: { accept: 'application/json', 'x-graphql-yoga-csrf': '1' } });
    expect(withHeader.status).toBe(200);
    const bearer = await t.app.fetch(`/graphql?query=${encodeURIComponent('{ viewer { authenticated } }')}`, { headers: { accept: 'application/json', authorization: `Bearer ${t.admin.token}` } });
    expect(((await bearer.json()) as Json).data.viewer.authenticated).toBe(true);
  });

  it('serves _service to anyone and suggests names in the default mode', async () => {
    const anonymous = await t.as(null).gql<Json, Json>('{ _service { sdl } }');
    expect(anonymous.data!._service.sdl.length).toBeGreaterThan(1000);
    const typo = await t.gql('{ viewr { authenticated } }');
    expect(typo.errors![0]!.message).toMatch(/Did you mean "viewer"/);
  });

  it('labels at most 20 operation names (KEYGRAPH_METRICS_OPERATION_NAMES) and counts the rest as other', async () => {
    for (let i = 0; i < 60; i++) await t.gql(`query Name${i} { viewer { authenticated } }`);
    await t.gql(`query ${'L'.repeat(65)} { viewer { authenticated } }`);
    const text = await (await t.app.fetch('/metrics')).text();
    const names = new Set([...text.matchAll(/keygraph_graphql_operations_total\{operation_name="([^"]+)"/g)].map((m) => m[1]));
    // 20 names, anonymous and other.
    expect(names.size).toBeLessThanOrEqual(22);
    expect(names.has('other')).toBe(true);
    expect(text).toMatch(/keygraph_graphql_operations_total\{operation_name="other",operation_type="query",outcome="success"\} \d+/);
  });
});

describe(`HTTP surface, hardened (${provider})`, () => {
  let t: TestApp;
  let off: TestApp;
  beforeAll(async () => {
    t = await startTestApp({
      KEYGRAPH_INTROSPECTION: 'false',
      KEYGRAPH_CORS_ORIGINS: 'https://app.example.com,http://localhost:5173',
      KEYGRAPH_METRICS_TOKEN: 'scrape-secret',
      KEYGRAPH_PUBLIC_URL: 'https://keygraph.example.com',
    });
    off = await startTestApp({ KEYGRAPH_FEDERATION_SDL: 'off' });
  });
  afterAll(async () => {
    await t.close();
    await off.close();
  });

  it('serves _service only to authenticated callers, or to nobody when switched off', async () => {
    const anonymous = await t.as(null).gql('{ _service { sdl } }');
    expect(anonymous.data ?? null).toBeNull();
    expect(anonymous.errors![0]!.extensions!.code).toBe('UNAUTHENTICATED');
    expect(JSON.stringify(anonymous)).not.toContain('type Query');
    const viaFragment = await t.as(null).gql('query { ...S } fragment S on Query { _service { sdl } }');
    expect(viaFragment.errors![0]!.extensions!.code).toBe('UNAUTHENTICATED');
    const signedIn = await t.gql<Json, Json>('{ _service { sdl } }');
    expect(signedIn.data!._service.sdl).toContain('type Query');
    const disabled = await off.gql('{ _service { sdl } }');
    expect(disabled.errors![0]!.extensions!.code).toBe('FORBIDDEN');
  });

  it('suggests no names', async () => {
    const typo = await t.gql('{ viewr { authenticated } }');
    expect(typo.errors![0]!.message).not.toMatch(/Did you mean/);
    const argument = await t.gql('{ viewer { authenticatd } }');
    expect(argument.errors![0]!.message).not.toMatch(/Did you mean/);
  });

  it('answers CORS for listed origins only, without credentials', async () => {
    const preflight = (origin: string) => t.app.fetch('/graphql', { method: 'OPTIONS', headers: { origin, 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type, authorization' } });
    const allowed = await preflight('https://app.example.com');
    expect(allowed.headers.get('access-control-allow-origin')).toBe('https://app.example.com');
    expect(allowed.headers.get('access-control-allow-credentials')).toBeNull();
    expect(allowed.headers.get('access-control-allow-headers')).toBe('authorization, content-type, x-graphql-yoga-csrf');
    expect((await preflight('http://localhost:5173')).headers.get('access-control-allow-origin')).toBe('http://localhost:5173');
    for (const origin of ['https://evil.example', 'null', 'https://app.example.com.evil.example']) {
      expect((await preflight(origin)).headers.get('access-control-allow-origin')).toBeNull();
    }
  });

  it('sends HSTS when served over https', async () => {
    expect((await t.app.fetch('/healthz')).headers.get('strict-transport-security')).toBe('max-age=31536000; includeSubDomains');
  });

  it('needs the bearer token for /metrics when KEYGRAPH_METRICS_TOKEN is set', async () => {
    expect((await t.app.fetch('/metrics')).status).toBe(401);
    expect((await t.app.fetch('/metrics', { headers: { authorization: 'Bearer wrong' } })).status).toBe(401);
    const ok = await t.app.fetch('/metrics', { headers: { authorization: 'Bearer scrape-secret' } });
    expect(ok.status).toBe(200);
    expect(await ok.text()).toContain('keygraph_http_requests_total');
  });

  it('refuses CORS settings that are not plain origins', async () => {
    for (const value of ['*', 'null', 'https://app.example.com/path', 'app.example.com']) {
      await expect(startTestApp({ KEYGRAPH_CORS_ORIGINS: value })).rejects.toThrow(/KEYGRAPH_CORS_ORIGINS/);
    }
  });
});
