// GraphiQL's page on the wire: compressed as the browser asks (brotli or gzip), cacheable (ETag,
// Cache-Control, 304), HEAD answered; measured in bytes over a real HTTP connection (node:http, which does
// not decompress), not through fetch. The page is about 9 MB uncompressed (every asset inline, so that it
// works offline); a browser's first load must take at most 2 MB.
import { createServer, request as httpRequest, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { brotliDecompressSync, gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chooseEncoding } from '../src/server/static-page.js';
import { provider, startTestApp, type TestApp } from './support/harness.js';

interface Raw {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
}

const CHROMIUM_ACCEPT = 'text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,*/*;q=0.8';

describe(`GraphiQL delivery (${provider})`, () => {
  let t: TestApp;
  let server: Server;
  let port: number;

  const get = (method: 'GET' | 'HEAD', headers: Record<string, string>, path = '/graphql') =>
    new Promise<Raw>((resolve, reject) => {
      const req = httpRequest({ host: '127.0.0.1', port, path, method, headers }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
        res.on('error', reject);
      });
      req.on('error', reject);
      req.end();
    });

  beforeAll(async () => {
    t = await startTestApp();
    server = createServer(t.app.yoga);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as AddressInfo).port;
  });
  afterAll(async () => {
    await new Promise<void>((resolve) => server.close(() => resolve()));
    await t.close();
  });

  it('chooses brotli, then gzip, then none, honouring q-values', () => {
    expect(chooseEncoding('gzip, deflate, br, zstd')).toBe('br');
    expect(chooseEncoding('gzip, deflate')).toBe('gzip');
    expect(chooseEncoding('br;q=0, gzip;q=0.5')).toBe('gzip');
    expect(chooseEncoding('*')).toBe('br');
    expect(chooseEncoding('identity')).toBe('identity');
    expect(chooseEncoding(null)).toBe('identity');
    expect(chooseEncoding('deflate')).toBe('identity');
  });

  it('sends at most 2 MB to a browser (brotli), the same page as uncompressed', { timeout: 60_000 }, async () => {
    const plain = await get('GET', { accept: CHROMIUM_ACCEPT });
    expect(plain.status).toBe(200);
    expect(plain.headers['content-encoding']).toBeUndefined();
    expect(plain.body.length).toBeGreaterThan(5_000_000);

    const br = await get('GET', { accept: CHROMIUM_ACCEPT, 'accept-encoding': 'gzip, deflate, br, zstd' });
    expect(br.status).toBe(200);
    expect(br.headers['content-encoding']).toBe('br');
    expect(br.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(Number(br.headers['content-length'])).toBe(br.body.length);
    expect(br.body.length).toBeLessThanOrEqual(2_000_000);
    expect(brotliDecompressSync(br.body).equals(plain.body)).toBe(true);

    const gz = await get('GET', { accept: CHROMIUM_ACCEPT, 'accept-encoding': 'gzip' });
    expect(gz.headers['content-encoding']).toBe('gzip');
    expect(gz.body.length).toBeLessThan(plain.body.length / 3);
    expect(gunzipSync(gz.body).equals(plain.body)).toBe(true);
    console.log(`[graphiql] bytes on the wire: identity ${plain.body.length}, gzip ${gz.body.length}, br ${br.body.length}`);
  });

  it('is cacheable: Cache-Control, an ETag per encoding, 304 on If-None-Match', async () => {
    const first = await get('GET', { accept: CHROMIUM_ACCEPT, 'accept-encoding': 'br' });
    expect(first.headers['cache-control']).toBe('public, max-age=600');
    expect(first.headers.vary).toMatch(/Accept-Encoding/);
    const etag = first.headers.etag as string;
    expect(etag).toMatch(/^"[\w-]+-br"$/);
    const again = await get('GET', { accept: CHROMIUM_ACCEPT, 'accept-encoding': 'br', 'if-none-match': etag });
    expect(again.status).toBe(304);
    expect(again.body.length).toBe(0);
    const gzip = await get('GET', { accept: CHROMIUM_ACCEPT, 'accept-encoding': 'gzip', 'if-none-match': etag });
    expect(gzip.status).toBe(200);
    expect(gzip.headers.etag).not.toBe(etag);
  });

  it('answers HEAD /graphql with the headers of the page and no body (not 406)', async () => {
    for (const accept of [CHROMIUM_ACCEPT, '*/*']) {
      const head = await get('HEAD', { accept, 'accept-encoding': 'gzip' });
      expect(head.status).toBe(200);
      expect(head.headers['content-type']).toBe('text/html; charset=utf-8');
      expect(head.headers['content-encoding']).toBe('gzip');
      expect(Number(head.headers['content-length'])).toBeGreaterThan(1000);
      expect(head.body.length).toBe(0);
    }
  });

  it('still serves GraphQL over GET and POST at the same path', async () => {
    // A GET query carries the CSRF-prevention header (a cross-site page cannot set it; see surface.test.ts).
    const answer = await get('GET', { accept: 'application/json', 'x-graphql-yoga-csrf': '1' }, '/graphql?query=%7Bviewer%7Bauthenticated%7D%7D');
    expect(answer.status).toBe(200);
    expect(JSON.parse(answer.body.toString())).toMatchObject({ data: { viewer: { authenticated: false } } });
  });
});
