// The token layer: keygraph's signing key (configured or generated once per data directory), its session tokens,
// and external issuers' tokens verified against a JWKS served over HTTP. Every rejection must look the same.
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { base64url, calculateJwkThumbprint, exportJWK, exportPKCS8, exportSPKI, generateKeyPair, SignJWT, type CryptoKey, type JWK } from 'jose';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { loadSigningKey, publicJwks, SIGNING_KEY_FILE, type SigningKey } from '../../src/auth/keys.js';
import {
  AUTHENTICATION_FAILED,
  AuthenticationError,
  createTokenVerifier,
  parseTrustedIssuers,
  signSessionToken,
  type TrustedIssuer,
} from '../../src/auth/tokens.js';

const ISSUER = 'https://keygraph.test';
const AUDIENCE = 'keygraph-api';
const EXTERNAL_ISSUER = 'https://idp.test';
const EXTERNAL_AUDIENCE = 'keygraph-client';
const PRIVATE_MEMBERS = ['d', 'p', 'q', 'dp', 'dq', 'qi', 'oth', 'k'];

const dirs: string[] = [];
async function tempDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'keygraph-keys-'));
  dirs.push(dir);
  return dir;
}

const nowSeconds = () => Math.floor(Date.now() / 1000);
const inSeconds = (delta: number) => new Date(Date.now() + delta * 1000);
const encode = (value: unknown) => base64url.encode(JSON.stringify(value));
const decode = (segment: string) => JSON.parse(new TextDecoder().decode(base64url.decode(segment))) as Record<string, unknown>;

/** Asserts the promise rejects with the generic AuthenticationError, and returns the (server-side) reason. */
async function rejected(promise: Promise<unknown>): Promise<string> {
  const error = await promise.then(
    () => {
      throw new Error('expected the token to be rejected');
    },
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(AuthenticationError);
  expect((error as AuthenticationError).message).toBe(AUTHENTICATION_FAILED);
  expect((error as AuthenticationError).message).toBe('invalid or expired credentials');
  expect(typeof (error as AuthenticationError).reason).toBe('string');
  return (error as AuthenticationError).reason;
}

async function configError(promise: Promise<unknown>): Promise<string> {
  const error = await promise.then(
    () => {
      throw new Error('expected an error');
    },
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(Error);
  expect(error).not.toBeInstanceOf(AuthenticationError);
  return (error as Error).message;
}

function session(overrides: Partial<Parameters<typeof signSessionToken>[1]> = {}) {
  return { issuer: ISSUER, audience: AUDIENCE, sessionId: 'ses_1', userId: 'usr_1', expiresAt: inSeconds(3600), ...overrides };
}

/** A JWKS endpoint on 127.0.0.1 that counts its requests. */
async function jwksServer(jwks: { keys: JWK[] }): Promise<{ server: Server; url: string; hits: () => number }> {
  let hits = 0;
  const server = createServer((_request, response) => {
    hits += 1;
    response.writeHead(200, { 'content-type': 'application/json' });
    response.end(JSON.stringify(jwks));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return { server, url: `http://127.0.0.1:${port}/.well-known/jwks.json`, hits: () => hits };
}

const close = (server: Server) => new Promise<void>((resolve) => server.close(() => resolve()));

let key: SigningKey;
let verify: (token: string) => Promise<unknown>;
let idpKey: CryptoKey;
let idp: Awaited<ReturnType<typeof jwksServer>>;
let trusted: TrustedIssuer;

beforeAll(async () => {
  key = await loadSigningKey({ dataDir: await tempDir() });
  const idpPair = await generateKeyPair('RS256', { extractable: true });
  idpKey = idpPair.privateKey;
  idp = await jwksServer({ keys: [{ ...(await exportJWK(idpPair.publicKey)), kid: 'idp-1', alg: 'RS256', use: 'sig' }] });
  [trusted] = parseTrustedIssuers(JSON.stringify([{ issuer: EXTERNAL_ISSUER, audience: EXTERNAL_AUDIENCE, jwksUrl: idp.url, algorithms: ['RS256'] }])) as [TrustedIssuer];
  verify = createTokenVerifier({ key, issuer: ISSUER, audience: AUDIENCE, trustedIssuers: [trusted] });
});

afterAll(async () => {
  if (idp) await close(idp.server);
  await Promise.all(dirs.map((dir) => rm(dir, { recursive: true, force: true })));
});

function externalToken(claims: Record<string, unknown> = {}, options: { alg?: string; kid?: string; key?: CryptoKey; aud?: string; iss?: string } = {}) {
  return new SignJWT({ email: 'ada@example.com', email_verified: true, ...claims })
    .setProtectedHeader({ alg: options.alg ?? 'RS256', kid: options.kid ?? 'idp-1', typ: 'JWT' })
    .setIssuer(options.iss ?? EXTERNAL_ISSUER)
    .setAudience(options.aud ?? EXTERNAL_AUDIENCE)
    .setSubject('idp-user-42')
    .setIssuedAt()
    .setExpirationTime('10m')
    .sign(options.key ?? idpKey);
}

describe('session tokens', () => {
  it('accepts a fresh session token', async () => {
    const expiresAt = new Date(Math.floor(Date.now() / 1000 + 3600) * 1000);
    const token = await signSessionToken(key, session({ expiresAt }));
    expect(await verify(token)).toEqual({ kind: 'session', sessionId: 'ses_1', userId: 'usr_1', expiresAt });
  });

  it('signs with the protected header and claims of the contract', async () => {
    const now = new Date(Math.floor(Date.now() / 1000) * 1000);
    const token = await signSessionToken(key, session({ now, expiresAt: new Date(now.getTime() + 60_000) }));
    const [header, payload] = token.split('.') as [string, string, string];
    expect(decode(header)).toEqual({ alg: 'ES256', kid: key.kid, typ: 'JWT' });
    const iat = now.getTime() / 1000;
    expect(decode(payload)).toEqual({ iss: ISSUER, aud: AUDIENCE, sub: 'usr_1', jti: 'ses_1', iat, nbf: iat, exp: iat + 60 });
  });

  it('refuses to sign a token that is already expired', async () => {
    await expect(signSessionToken(key, session({ expiresAt: inSeconds(-1) }))).rejects.toThrow(/expiresAt/);
  });

  it('accepts an expiry within the clock tolerance', async () => {
    const token = await signSessionToken(key, session({ now: inSeconds(-60), expiresAt: inSeconds(-2) }));
    expect(await verify(token)).toMatchObject({ kind: 'session' });
  });

  it('rejects an alg "none" token', async () => {
    const header = encode({ alg: 'none', typ: 'JWT', kid: key.kid });
    const payload = encode({ iss: ISSUER, aud: AUDIENCE, sub: 'usr_1', jti: 'ses_1', iat: nowSeconds(), nbf: nowSeconds(), exp: nowSeconds() + 600 });
    expect(await rejected(verify(`${header}.${payload}.`))).toMatch(/alg|signature/i);
    // Also with a non-empty bogus signature and with "None" spelling.
    await rejected(verify(`${header}.${payload}.${base64url.encode('x')}`));
    await rejected(verify(`${encode({ alg: 'None', typ: 'JWT' })}.${payload}.`));
  });

  it('rejects an HS256 token whose HMAC secret is keygraph\'s public key (key confusion)', async () => {
    const publicKey = await (await import('jose')).importJWK(publicJwks(key).keys[0]!, key.alg, { extractable: true });
    const secrets = [
      new TextEncoder().encode(await exportSPKI(publicKey as CryptoKey)),
      new TextEncoder().encode(JSON.stringify(publicJwks(key).keys[0])),
      new TextEncoder().encode(JSON.stringify(publicJwks(key))),
    ];
    for (const secret of secrets) {
      const token = await new SignJWT({})
        .setProtectedHeader({ alg: 'HS256', kid: key.kid, typ: 'JWT' })
        .setIssuer(ISSUER)
        .setAudience(AUDIENCE)
        .setSubject('usr_1')
        .setJti('ses_1')
        .setIssuedAt()
        .setExpirationTime('10m')
        .sign(secret);
      expect(await rejected(verify(token))).toMatch(/alg/i);
    }
  });

  it('rejects a wrong iss', async () => {
    // Signed by keygraph's own key, but naming another issuer: no key set is chosen for it.
    await rejected(verify(await signSessionToken(key, session({ issuer: 'https://keygraph.test/' }))));
    await rejected(verify(await signSessionToken(key, session({ issuer: 'https://evil.test' }))));
  });

  it('rejects a wrong aud', async () => {
    expect(await rejected(verify(await signSessionToken(key, session({ audience: 'another-api' }))))).toMatch(/aud/);
  });

  it('rejects an expired token', async () => {
    const token = await signSessionToken(key, session({ now: inSeconds(-3600), expiresAt: inSeconds(-60) }));
    expect(await rejected(verify(token))).toMatch(/exp/);
  });

  it('remembers a verified session token only until it expires (then verifies again and fails)', async () => {
    const remembering = createTokenVerifier({ key, issuer: ISSUER, audience: AUDIENCE, trustedIssuers: [], clockToleranceSeconds: 5 });
    const expiresAt = new Date(Math.floor(Date.now() / 1000 + 60) * 1000);
    const token = await signSessionToken(key, session({ expiresAt }));
    expect(await remembering(token)).toEqual({ kind: 'session', sessionId: 'ses_1', userId: 'usr_1', expiresAt });
    expect(await remembering(token)).toEqual({ kind: 'session', sessionId: 'ses_1', userId: 'usr_1', expiresAt });
    vi.useFakeTimers({ toFake: ['Date'] });
    try {
      vi.setSystemTime(expiresAt.getTime() + 4_000);
      expect(await remembering(token)).toMatchObject({ kind: 'session' });
      vi.setSystemTime(expiresAt.getTime() + 6_000);
      expect(await rejected(remembering(token))).toMatch(/exp/);
    } finally {
      vi.useRealTimers();
    }
    // A different string (signature changed) is verified on its own, never answered from what was remembered.
    const [header, payload] = token.split('.') as [string, string, string];
    expect(await rejected(remembering(`${header}.${payload}.${base64url.encode(new Uint8Array(64))}`))).toMatch(/signature/i);
  });

  it('rejects a token that is not yet valid', async () => {
    const token = await signSessionToken(key, session({ now: inSeconds(120), expiresAt: inSeconds(3600) }));
    expect(await rejected(verify(token))).toMatch(/nbf/);
  });

  it('rejects a token whose iat is in the future even without nbf', async () => {
    const other = await new SignJWT({})
      .setProtectedHeader({ alg: key.alg, kid: key.kid, typ: 'JWT' })
      .setIssuer(ISSUER)
      .setAudience(AUDIENCE)
      .setSubject('usr_1')
      .setJti('ses_1')
      .setIssuedAt(nowSeconds() + 600)
      .setExpirationTime(nowSeconds() + 3600)
      .sign(key.privateKey);
    expect(await rejected(verify(other))).toMatch(/iat/);
  });

  it('rejects a tampered payload (sub changed, signature kept)', async () => {
    const [header, payload, signature] = (await signSessionToken(key, session())).split('.') as [string, string, string];
    const forged = encode({ ...decode(payload), sub: 'usr_admin' });
    expect(await rejected(verify(`${header}.${forged}.${signature}`))).toMatch(/signature/i);
  });

  it('rejects a token signed by another key with an unknown kid', async () => {
    const other = await loadSigningKey({ dataDir: await tempDir() });
    expect(other.kid).not.toBe(key.kid);
    expect(await rejected(verify(await signSessionToken(other, session())))).toMatch(/key|kid|JWKS/i);
  });

  it("rejects a token signed by another key claiming keygraph's kid", async () => {
    const other = await loadSigningKey({ dataDir: await tempDir() });
    const impostor: SigningKey = { ...other, kid: key.kid };
    expect(await rejected(verify(await signSessionToken(impostor, session())))).toMatch(/signature/i);
  });

  it('rejects own tokens without typ JWT or without a required claim', async () => {
    const base = () =>
      new SignJWT({}).setIssuer(ISSUER).setAudience(AUDIENCE).setSubject('usr_1').setIssuedAt().setExpirationTime('10m');
    await rejected(verify(await base().setJti('ses_1').setProtectedHeader({ alg: key.alg, kid: key.kid }).sign(key.privateKey)));
    await rejected(verify(await base().setJti('ses_1').setProtectedHeader({ alg: key.alg, kid: key.kid, typ: 'at+jwt' }).sign(key.privateKey)));
    expect(await rejected(verify(await base().setProtectedHeader({ alg: key.alg, kid: key.kid, typ: 'JWT' }).sign(key.privateKey)))).toMatch(/jti/);
  });

  it('rejects a token from an untrusted issuer', async () => {
    // A well-formed RS256 token from an issuer that is not configured, and one without any iss: no JWKS is fetched.
    const before = idp.hits();
    await rejected(verify(await externalToken({}, { iss: 'https://untrusted-idp.test' })));
    const noIss = await new SignJWT({}).setProtectedHeader({ alg: key.alg, kid: key.kid, typ: 'JWT' }).setAudience(AUDIENCE).setSubject('u').setJti('s').setIssuedAt().setExpirationTime('1m').sign(key.privateKey);
    await rejected(verify(noIss));
    expect(idp.hits()).toBe(before);
  });

  it('rejects garbage strings', async () => {
    const garbage = [
      '',
      'garbage',
      'Bearer abc',
      'a.b.c',
      '...',
      'a.b',
      `${encode({ alg: 'ES256' })}.not-json.sig`,
      `${base64url.encode('not json')}.${encode({ iss: ISSUER })}.sig`,
      `${encode({ alg: 'ES256', kid: key.kid })}.${encode('a string payload')}.AAAA`,
      `${encode({ alg: 'ES256', kid: key.kid })}.${encode({ iss: ISSUER, aud: AUDIENCE })}.AAAA`,
      'x'.repeat(100_000),
      '\u0000\u0001',
      ' '.repeat(10),
    ];
    for (const token of garbage) await rejected(verify(token));
    await rejected(verify(undefined as unknown as string));
    await rejected(verify({ toString: () => 'x' } as unknown as string));
  });
});

describe('external issuers', () => {
  it('accepts a token from a trusted issuer whose JWKS is served over HTTP', async () => {
    const token = await externalToken();
    const result = await verify(token);
    expect(result).toMatchObject({ kind: 'external', issuer: EXTERNAL_ISSUER, subject: 'idp-user-42', email: 'ada@example.com', emailVerified: true });
    expect((result as { expiresAt: Date }).expiresAt).toBeInstanceOf(Date);
    expect(idp.hits()).toBeGreaterThan(0);
  });

  it('reads email as null and email_verified as false unless it is literally true', async () => {
    expect(await verify(await externalToken({ email: undefined, email_verified: 'true' }))).toMatchObject({ email: null, emailVerified: false });
    expect(await verify(await externalToken({ email: 42, email_verified: 1 }))).toMatchObject({ email: null, emailVerified: false });
  });

  it('reuses one remote JWKS per issuer instead of fetching per token', async () => {
    const before = idp.hits();
    for (let i = 0; i < 5; i++) await verify(await externalToken());
    expect(idp.hits() - before).toBeLessThanOrEqual(1);
  });

  it("rejects an external token whose alg is not in the issuer's pinned list", async () => {
    const ec = await generateKeyPair('ES256', { extractable: true });
    const served = await jwksServer({
      keys: [
        { ...(await exportJWK((await generateKeyPair('RS256')).publicKey)), kid: 'rsa', alg: 'RS256' },
        { ...(await exportJWK(ec.publicKey)), kid: 'ec' },
      ],
    });
    try {
      const pinned = createTokenVerifier({
        key,
        issuer: ISSUER,
        audience: AUDIENCE,
        trustedIssuers: parseTrustedIssuers(JSON.stringify([{ issuer: EXTERNAL_ISSUER, audience: EXTERNAL_AUDIENCE, jwksUrl: served.url, algorithms: ['RS256'] }])),
      });
      const token = await externalToken({}, { alg: 'ES256', kid: 'ec', key: ec.privateKey });
      expect(await rejected(pinned(token))).toMatch(/alg/i);
      // The same token passes once ES256 is pinned, so the refusal above is the pin and nothing else.
      const both = createTokenVerifier({
        key,
        issuer: ISSUER,
        audience: AUDIENCE,
        trustedIssuers: parseTrustedIssuers(JSON.stringify([{ issuer: EXTERNAL_ISSUER, audience: EXTERNAL_AUDIENCE, jwksUrl: served.url, algorithms: ['RS256', 'ES256'] }])),
      });
      expect(await both(token)).toMatchObject({ kind: 'external' });
    } finally {
      await close(served.server);
    }
  });

  it('rejects an external token with a wrong aud', async () => {
    expect(await rejected(verify(await externalToken({}, { aud: AUDIENCE })))).toMatch(/aud/);
  });

  it('rejects an external token signed with keygraph\'s key or with an unknown kid', async () => {
    const other = await generateKeyPair('RS256');
    await rejected(verify(await externalToken({}, { key: other.privateKey })));
    await rejected(verify(await externalToken({}, { key: other.privateKey, kid: 'idp-2' })));
  });

  it('rejects an external token when the JWKS server is down', async () => {
    const down = await jwksServer({ keys: [] });
    await close(down.server);
    const verifier = createTokenVerifier({
      key,
      issuer: ISSUER,
      audience: AUDIENCE,
      trustedIssuers: parseTrustedIssuers(JSON.stringify([{ issuer: EXTERNAL_ISSUER, audience: EXTERNAL_AUDIENCE, jwksUrl: down.url, algorithms: ['RS256'] }])),
    });
    await rejected(verifier(await externalToken()));
  });

  it('rejects an expired external token and one without exp', async () => {
    const expired = await new SignJWT({})
      .setProtectedHeader({ alg: 'RS256', kid: 'idp-1' })
      .setIssuer(EXTERNAL_ISSUER)
      .setAudience(EXTERNAL_AUDIENCE)
      .setSubject('idp-user-42')
      .setIssuedAt(nowSeconds() - 3600)
      .setExpirationTime(nowSeconds() - 60)
      .sign(idpKey);
    expect(await rejected(verify(expired))).toMatch(/exp/);
    const noExp = await new SignJWT({}).setProtectedHeader({ alg: 'RS256', kid: 'idp-1' }).setIssuer(EXTERNAL_ISSUER).setAudience(EXTERNAL_AUDIENCE).setSubject('x').sign(idpKey);
    expect(await rejected(verify(noExp))).toMatch(/exp/);
  });
});

describe('loadSigningKey', () => {
  it('generates the key once and reuses it (file mode 0600)', async () => {
    const dataDir = join(await tempDir(), 'nested', 'data');
    const first = await loadSigningKey({ dataDir });
    const second = await loadSigningKey({ dataDir });
    expect(first.alg).toBe('ES256');
    expect(second.kid).toBe(first.kid);
    expect(second.publicJwk).toEqual(first.publicJwk);
    const path = join(dataDir, SIGNING_KEY_FILE);
    expect((await stat(path)).mode & 0o777).toBe(0o600);
    const stored = JSON.parse(await readFile(path, 'utf8')) as JWK;
    expect(stored).toMatchObject({ kty: 'EC', crv: 'P-256', kid: first.kid, alg: 'ES256' });
    expect(typeof stored.d).toBe('string');
    expect(first.kid).toBe(await calculateJwkThumbprint(publicJwks(first).keys[0]!));
    // A token signed with the first load verifies with the second.
    const token = await signSessionToken(first, session());
    expect(await createTokenVerifier({ key: second, issuer: ISSUER, audience: AUDIENCE, trustedIssuers: [] })(token)).toMatchObject({ kind: 'session' });
  });

  it('ends with one key when five first calls race', async () => {
    const dataDir = await tempDir();
    const keys = await Promise.all(Array.from({ length: 5 }, () => loadSigningKey({ dataDir })));
    expect(new Set(keys.map((k) => k.kid)).size).toBe(1);
    expect((await loadSigningKey({ dataDir })).kid).toBe(keys[0]!.kid);
    const { readdir } = await import('node:fs/promises');
    expect(await readdir(dataDir)).toEqual([SIGNING_KEY_FILE]); // no temporary files left behind
  });

  it('ends with one key when separate processes start at once', async () => {
    const dataDir = await tempDir();
    const module = new URL('../../src/auth/keys.ts', import.meta.url).pathname;
    const script = `const { loadSigningKey } = await import(${JSON.stringify(module)}); console.log((await loadSigningKey({ dataDir: process.argv[1] })).kid);`;
    const run = promisify(execFile);
    const outputs = await Promise.all(
      Array.from({ length: 3 }, () => run(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script, dataDir], { cwd: process.cwd() })),
    );
    const kids = outputs.map(({ stdout }) => stdout.trim());
    expect(kids[0]).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(new Set(kids).size).toBe(1);
    expect((await loadSigningKey({ dataDir })).kid).toBe(kids[0]);
  });

  it('accepts a configured private JWK (alg and kid from the JWK, else option, default ES256, thumbprint)', async () => {
    const dataDir = await tempDir();
    for (const alg of ['ES256', 'ES384', 'EdDSA', 'RS256', 'PS256'] as const) {
      const { privateKey } = await generateKeyPair(alg, { extractable: true });
      const jwk = await exportJWK(privateKey);
      const loaded = await loadSigningKey({ dataDir, configured: JSON.stringify({ ...jwk, alg, kid: `kid-${alg}` }) });
      expect(loaded).toMatchObject({ alg, kid: `kid-${alg}` });
      const verifier = createTokenVerifier({ key: loaded, issuer: ISSUER, audience: AUDIENCE, trustedIssuers: [] });
      expect(await verifier(await signSessionToken(loaded, session()))).toMatchObject({ kind: 'session', userId: 'usr_1' });

      const withoutAlg = await loadSigningKey({ dataDir, configured: JSON.stringify(jwk), algorithm: alg });
      expect(withoutAlg.alg).toBe(alg);
      expect(withoutAlg.kid).toBe(await calculateJwkThumbprint(jwk));
    }
    const ec = await exportJWK((await generateKeyPair('ES256', { extractable: true })).privateKey);
    expect((await loadSigningKey({ dataDir, configured: JSON.stringify(ec) })).alg).toBe('ES256');
    // Nothing was generated in dataDir: the configured key takes precedence.
    const { readdir } = await import('node:fs/promises');
    expect(await readdir(dataDir)).toEqual([]);
  });

  it('accepts a configured PKCS#8 PEM (alg from the option, default ES256; kid is the thumbprint)', async () => {
    const dataDir = await tempDir();
    const ec = await generateKeyPair('ES256', { extractable: true });
    const pem = await exportPKCS8(ec.privateKey);
    const loaded = await loadSigningKey({ dataDir, configured: pem });
    expect(loaded.alg).toBe('ES256');
    expect(loaded.kid).toBe(await calculateJwkThumbprint(await exportJWK(ec.publicKey)));
    const verifier = createTokenVerifier({ key: loaded, issuer: ISSUER, audience: AUDIENCE, trustedIssuers: [] });
    expect(await verifier(await signSessionToken(loaded, session()))).toMatchObject({ kind: 'session' });

    const rsa = await generateKeyPair('PS256', { extractable: true });
    const rsaPem = await exportPKCS8(rsa.privateKey);
    expect((await loadSigningKey({ dataDir, configured: `\n${rsaPem}\n`, algorithm: 'PS256' })).alg).toBe('PS256');
    // An RSA PEM read as the default ES256 fails with a message that names the setting, not the key.
    const message = await configError(loadSigningKey({ dataDir, configured: rsaPem }));
    expect(message).toMatch(/KEYGRAPH_SIGNING_ALG/);
    expect(message).not.toContain('MII');
  });

  it('refuses symmetric keys, foreign algorithms and public-only keys without printing key material', async () => {
    const dataDir = await tempDir();
    const secret = 'c2VjcmV0LXNlY3JldC1zZWNyZXQtc2VjcmV0LXNlY3JldA';
    let message = await configError(loadSigningKey({ dataDir, configured: JSON.stringify({ kty: 'oct', k: secret, alg: 'HS256' }) }));
    expect(message).toMatch(/KEYGRAPH_SIGNING_KEY/);
    expect(message).toMatch(/oct|symmetric/);
    expect(message).not.toContain(secret);
    message = await configError(loadSigningKey({ dataDir, configured: JSON.stringify({ kty: 'oct', k: secret }) }));
    expect(message).not.toContain(secret);

    const ec = await exportJWK((await generateKeyPair('ES256', { extractable: true })).privateKey);
    message = await configError(loadSigningKey({ dataDir, configured: JSON.stringify({ ...ec, alg: 'ES512' }) }));
    expect(message).toMatch(/KEYGRAPH_SIGNING_KEY/);
    expect(message).not.toContain(ec.d!);
    message = await configError(loadSigningKey({ dataDir, configured: JSON.stringify(ec), algorithm: 'HS256' }));
    expect(message).toMatch(/KEYGRAPH_SIGNING_ALG/);
    message = await configError(loadSigningKey({ dataDir, algorithm: 'none' }));
    expect(message).toMatch(/KEYGRAPH_SIGNING_ALG/);
    // Key type and algorithm disagree.
    message = await configError(loadSigningKey({ dataDir, configured: JSON.stringify({ ...ec, alg: 'RS256' }) }));
    expect(message).toMatch(/RS256/);
    expect(message).not.toContain(ec.d!);
    // Public key only.
    const { d: _d, ...publicOnly } = ec;
    message = await configError(loadSigningKey({ dataDir, configured: JSON.stringify(publicOnly) }));
    expect(message).toMatch(/private/);
    // A private key whose public members belong to another key.
    const other = await exportJWK((await generateKeyPair('ES256', { extractable: true })).publicKey);
    message = await configError(loadSigningKey({ dataDir, configured: JSON.stringify({ ...ec, x: other.x, y: other.y }) }));
    expect(message).not.toContain(ec.d!);
    // Neither JSON nor PEM, and broken JSON.
    await configError(loadSigningKey({ dataDir, configured: 'not a key' }));
    message = await configError(loadSigningKey({ dataDir, configured: `{"kty":"EC","d":"${ec.d}"` }));
    expect(message).not.toContain(ec.d!);
  });

  it('publishes no private members in publicJwks', async () => {
    const dataDir = await tempDir();
    const keys = [key];
    for (const alg of ['ES384', 'EdDSA', 'RS256', 'PS256'] as const) {
      const jwk = await exportJWK((await generateKeyPair(alg, { extractable: true })).privateKey);
      keys.push(await loadSigningKey({ dataDir, configured: JSON.stringify({ ...jwk, alg, ext: true, key_ops: ['sign'] }) }));
    }
    for (const loaded of keys) {
      const jwks = publicJwks(loaded);
      expect(jwks.keys).toHaveLength(1);
      const [published] = jwks.keys as [JWK];
      for (const member of PRIVATE_MEMBERS) {
        expect(published).not.toHaveProperty(member);
        expect(loaded.publicJwk).not.toHaveProperty(member);
      }
      expect(published).toMatchObject({ kid: loaded.kid, alg: loaded.alg, use: 'sig' });
      expect(published).not.toHaveProperty('key_ops');
    }
  });
});

describe('parseTrustedIssuers', () => {
  const entry = { issuer: 'https://idp.example', audience: 'keygraph', jwksUrl: 'https://idp.example/.well-known/jwks.json' };
  const parse = (value: unknown) => () => parseTrustedIssuers(JSON.stringify(value));

  it('reads nothing from undefined or an empty value', () => {
    expect(parseTrustedIssuers(undefined)).toEqual([]);
    expect(parseTrustedIssuers('')).toEqual([]);
    expect(parseTrustedIssuers('[]')).toEqual([]);
  });

  it('defaults algorithms to RS256 and ES256 and allows http for loopback only', () => {
    expect(parseTrustedIssuers(JSON.stringify([entry]))).toEqual([{ ...entry, algorithms: ['RS256', 'ES256'] }]);
    for (const host of ['localhost', '127.0.0.1', '[::1]']) {
      expect(parseTrustedIssuers(JSON.stringify([{ ...entry, jwksUrl: `http://${host}:8080/jwks` }]))[0]!.jwksUrl).toBe(`http://${host}:8080/jwks`);
    }
    expect(parseTrustedIssuers(JSON.stringify([{ ...entry, algorithms: ['EdDSA'] }]))[0]!.algorithms).toEqual(['EdDSA']);
  });

  it('refuses HMAC and none algorithms', () => {
    for (const alg of ['HS256', 'HS384', 'HS512', 'hs256', 'none', 'NONE']) {
      expect(parse([{ ...entry, algorithms: ['RS256', alg] }])).toThrow(/KEYGRAPH_TRUSTED_ISSUERS\[0\]\.algorithms/);
    }
    expect(parse([{ ...entry, algorithms: [] }])).toThrow(/algorithms/);
    expect(parse([{ ...entry, algorithms: 'RS256' }])).toThrow(/algorithms/);
    expect(parse([{ ...entry, algorithms: ['RSA-OAEP'] }])).toThrow(/unsupported/);
  });

  it('refuses a non-https jwksUrl unless it is loopback', () => {
    for (const jwksUrl of ['http://idp.example/jwks', 'http://10.0.0.1/jwks', 'http://localhost.evil.test/jwks', 'ftp://idp.example/jwks', 'file:///etc/jwks', 'not a url']) {
      expect(parse([{ ...entry, jwksUrl }])).toThrow(/jwksUrl/);
    }
  });

  it('refuses missing fields, non-arrays, bad JSON and duplicate issuers', () => {
    for (const field of ['issuer', 'audience', 'jwksUrl'] as const) {
      const { [field]: _omitted, ...rest } = entry;
      expect(parse([rest])).toThrow(new RegExp(`\\.${field} is missing`));
      expect(parse([{ ...entry, [field]: '' }])).toThrow(new RegExp(field));
      expect(parse([{ ...entry, [field]: 42 }])).toThrow(new RegExp(field));
    }
    expect(parse(entry)).toThrow(/JSON array/);
    expect(parse(['https://idp.example'])).toThrow(/object/);
    expect(() => parseTrustedIssuers('[{')).toThrow(/KEYGRAPH_TRUSTED_ISSUERS is not valid JSON/);
    expect(parse([entry, { ...entry, audience: 'other' }])).toThrow(/more than once/);
  });

  it("refuses keygraph's own issuer among the trusted ones", () => {
    expect(() =>
      createTokenVerifier({ key, issuer: entry.issuer, audience: AUDIENCE, trustedIssuers: parseTrustedIssuers(JSON.stringify([entry])) }),
    ).toThrow(/own issuer/);
  });
});
