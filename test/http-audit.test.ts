// The GraphQL-over-HTTP conformance audit of graphql-http (serverAudits), through yoga.fetch. The audit's
// requests carry `x-graphql-yoga-csrf` (the CSRF prevention of src/server/surface.ts wants it on GETs and
// non-JSON posts; any browser client of keygraph sends it).
import { serverAudits, type AuditResult } from 'graphql-http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { provider, startTestApp, type TestApp } from './support/harness.js';

async function audit(t: TestApp): Promise<AuditResult[]> {
  const fetchFn = async (input: RequestInfo | URL, init?: RequestInit) => {
    const request = new Request(input, init);
    const headers = new Headers(request.headers);
    headers.set('x-graphql-yoga-csrf', '1');
    const body = request.method === 'GET' || request.method === 'HEAD' ? undefined : await request.text();
    const url = new URL(request.url);
    return t.app.fetch(`${url.pathname}${url.search}`, { method: request.method, headers, body });
  };
  return Promise.all(serverAudits({ url: 'http://keygraph.local/graphql', fetchFn }).map((a) => a.fn()));
}

const failures = (results: AuditResult[]) => results.filter((r) => r.status !== 'ok').map((r) => `${r.name}: ${'reason' in r ? r.reason : ''}`);

describe(`GraphQL over HTTP audit (${provider})`, () => {
  let open: TestApp;
  let hardened: TestApp;
  beforeAll(async () => {
    open = await startTestApp();
    hardened = await startTestApp({ KEYGRAPH_INTROSPECTION: 'false' });
  });
  afterAll(async () => {
    await open.close();
    await hardened.close();
  });

  it('passes every audit in the default configuration', async () => {
    const results = await audit(open);
    console.log(`graphql-http audit (default): ${results.filter((r) => r.status === 'ok').length}/${results.length} ok`);
    expect(failures(results)).toEqual([]);
  });

  it('fails, when hardened, only the four audits whose query is introspection (__type)', async () => {
    const results = await audit(hardened);
    const failed = failures(results);
    console.log(`graphql-http audit (hardened): ${results.length - failed.length}/${results.length} ok; failing:\n  ${failed.join('\n  ')}`);
    // These four send `query Type($name: String!) { __type(name: $name) { name } }`: introspection.
    expect(failed.map((line) => line.slice(0, line.indexOf(':'))).sort()).toEqual(
      [
        'SHOULD allow map {variables} parameter when accepting application/graphql-response+json',
        'MUST allow map {variables} parameter when accepting application/json',
        'MAY allow URL-encoded JSON string {variables} parameter in GETs when accepting application/graphql-response+json',
        'MAY allow URL-encoded JSON string {variables} parameter in GETs when accepting application/json',
      ].sort(),
    );
  });
});
