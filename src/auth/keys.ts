// keygraph's own signing key: loaded from KEYGRAPH_SIGNING_KEY (a private JWK or a PKCS#8 PEM), or from
// `<dataDir>/signing-key.json`, which is generated on first start. Only the public half ever leaves this module
// (publicJwks); error messages name the setting at fault and never echo key material.
import { randomUUID } from 'node:crypto';
import { link, mkdir, open, readFile, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import {
  CompactSign,
  calculateJwkThumbprint,
  compactVerify,
  exportJWK,
  generateKeyPair,
  importJWK,
  importPKCS8,
  type CryptoKey,
  type JWK,
} from 'jose';

export type SigningAlgorithm = 'ES256' | 'ES384' | 'EdDSA' | 'RS256' | 'PS256';

export const SIGNING_ALGORITHMS: readonly SigningAlgorithm[] = ['ES256', 'ES384', 'EdDSA', 'RS256', 'PS256'];

export interface SigningKey {
  alg: SigningAlgorithm;
  kid: string;
  /** Not extractable: the private members stay inside Web Crypto once loaded. */
  privateKey: CryptoKey;
  /** Public members only, plus kid, alg and use: 'sig'. */
  publicJwk: JWK;
}

export const SIGNING_KEY_FILE = 'signing-key.json';

const DEFAULT_ALGORITHM: SigningAlgorithm = 'ES256';

/** The key type (and curve) each algorithm signs with. */
const KEY_SHAPE: Record<SigningAlgorithm, { kty: string; crv?: string }> = {
  ES256: { kty: 'EC', crv: 'P-256' },
  ES384: { kty: 'EC', crv: 'P-384' },
  EdDSA: { kty: 'OKP', crv: 'Ed25519' },
  RS256: { kty: 'RSA' },
  PS256: { kty: 'RSA' },
};

/** The public members of each key type (RFC 7517/7518/8037); everything else (d, p, q, dp, dq, qi, oth, k...) is dropped. */
const PUBLIC_MEMBERS: Record<string, readonly string[]> = {
  EC: ['kty', 'crv', 'x', 'y'],
  OKP: ['kty', 'crv', 'x'],
  RSA: ['kty', 'n', 'e'],
};

function isSigningAlgorithm(value: unknown): value is SigningAlgorithm {
  return typeof value === 'string' && (SIGNING_ALGORITHMS as readonly string[]).includes(value);
}

function algorithmOption(value: string | undefined): SigningAlgorithm | undefined {
  if (value === undefined || value === '') return undefined;
  if (!isSigningAlgorithm(value)) {
    throw new Error(`KEYGRAPH_SIGNING_ALG must be one of ${SIGNING_ALGORITHMS.join(', ')}, got ${JSON.stringify(value.slice(0, 40))}`);
  }
  return value;
}

function errorCode(error: unknown): string | undefined {
  return typeof error === 'object' && error !== null && 'code' in error ? String((error as { code: unknown }).code) : undefined;
}

/** Copies only the public members of a JWK (a whitelist, so no private member can slip through). */
function publicPart(jwk: JWK, source: string): JWK {
  const members = jwk.kty === undefined ? undefined : PUBLIC_MEMBERS[jwk.kty];
  if (!members) throw new Error(`${source} has an unsupported key type (kty ${JSON.stringify(jwk.kty)})`);
  const record = jwk as Record<string, unknown>;
  const result: Record<string, unknown> = {};
  for (const member of members) {
    if (typeof record[member] !== 'string' || record[member] === '') throw new Error(`${source} is missing the public member "${member}"`);
    result[member] = record[member];
  }
  return result as JWK;
}

/**
 * Imports a private JWK after checking that it is an asymmetric private key of the right shape for `alg`, then
 * proves that its private and public halves belong together by signing and verifying a probe.
 */
async function fromPrivateJwk(jwk: JWK, alg: SigningAlgorithm, kidHint: string | undefined, source: string): Promise<SigningKey> {
  if (jwk.kty === 'oct') throw new Error(`${source} is a symmetric (kty "oct") key; keygraph signs with an asymmetric private key only`);
  const shape = KEY_SHAPE[alg];
  if (jwk.kty !== shape.kty || (shape.crv !== undefined && jwk.crv !== shape.crv)) {
    const found = jwk.crv ? `${jwk.kty} ${jwk.crv}` : String(jwk.kty);
    const wanted = shape.crv ? `${shape.kty} ${shape.crv}` : shape.kty;
    throw new Error(`${source} is a ${found} key, but ${alg} (KEYGRAPH_SIGNING_ALG or the key's "alg") needs a ${wanted} key`);
  }
  if (typeof jwk.d !== 'string' || jwk.d === '') throw new Error(`${source} is not a private key (it has no "d" member)`);
  if (jwk.use !== undefined && jwk.use !== 'sig') throw new Error(`${source} has "use": ${JSON.stringify(jwk.use)}; a signing key needs "sig" or none`);
  const publicMembers = publicPart(jwk, source);
  const kid = kidHint ?? (await calculateJwkThumbprint(publicMembers, 'sha256'));

  // ext/key_ops/use are dropped so that Web Crypto imports the key for signing, not extractable.
  const { ext: _ext, key_ops: _keyOps, use: _use, alg: _alg, kid: _kid, ...material } = jwk;
  let privateKey: CryptoKey;
  let publicKey: CryptoKey;
  try {
    privateKey = (await importJWK(material, alg, { extractable: false })) as CryptoKey;
    publicKey = (await importJWK(publicMembers, alg)) as CryptoKey;
  } catch {
    throw new Error(`${source} could not be imported as an ${alg} private key`);
  }
  try {
    const probe = await new CompactSign(new TextEncoder().encode('keygraph signing key probe')).setProtectedHeader({ alg }).sign(privateKey);
    await compactVerify(probe, publicKey, { algorithms: [alg] });
  } catch {
    throw new Error(`${source} is inconsistent: its private key does not match its public members`);
  }
  return { alg, kid, privateKey, publicJwk: { ...publicMembers, kid, alg, use: 'sig' } };
}

function parseJwk(text: string, source: string): JWK {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new Error(`${source} is not valid JSON`);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new Error(`${source} must be a JSON object (a JWK)`);
  const jwk = parsed as JWK;
  if (jwk.kid !== undefined && (typeof jwk.kid !== 'string' || jwk.kid === '')) throw new Error(`${source} has an invalid "kid"`);
  return jwk;
}

function jwkAlgorithm(jwk: JWK, fallback: SigningAlgorithm | undefined, source: string): SigningAlgorithm {
  if (jwk.kty === 'oct') throw new Error(`${source} is a symmetric (kty "oct") key; keygraph signs with an asymmetric private key only`);
  if (jwk.alg === undefined) return fallback ?? DEFAULT_ALGORITHM;
  if (!isSigningAlgorithm(jwk.alg)) {
    throw new Error(`${source} has "alg": ${JSON.stringify(String(jwk.alg).slice(0, 40))}; keygraph signs with ${SIGNING_ALGORITHMS.join(', ')}`);
  }
  return jwk.alg;
}

async function fromConfigured(configured: string, algorithm: SigningAlgorithm | undefined): Promise<SigningKey> {
  const text = configured.trim();
  if (text.startsWith('{')) {
    const source = 'KEYGRAPH_SIGNING_KEY';
    const jwk = parseJwk(text, source);
    return fromPrivateJwk(jwk, jwkAlgorithm(jwk, algorithm, source), jwk.kid, source);
  }
  if (text.startsWith('-----BEGIN')) {
    if (!text.startsWith('-----BEGIN PRIVATE KEY-----')) {
      throw new Error(
        'KEYGRAPH_SIGNING_KEY must be an unencrypted PKCS#8 PEM ("-----BEGIN PRIVATE KEY-----"); convert it with `openssl pkcs8 -topk8 -nocrypt`',
      );
    }
    const alg = algorithm ?? DEFAULT_ALGORITHM;
    let jwk: JWK;
    try {
      jwk = await exportJWK(await importPKCS8(text, alg, { extractable: true }));
    } catch {
      throw new Error(`KEYGRAPH_SIGNING_KEY could not be imported as a PKCS#8 ${alg} private key (set KEYGRAPH_SIGNING_ALG to the key's algorithm)`);
    }
    return fromPrivateJwk(jwk, alg, undefined, 'KEYGRAPH_SIGNING_KEY');
  }
  throw new Error('KEYGRAPH_SIGNING_KEY must be a private JWK (JSON) or a PKCS#8 PEM private key');
}

async function readKeyFile(path: string): Promise<SigningKey> {
  const source = `the signing key file ${path}`;
  const jwk = parseJwk(await readFile(path, 'utf8'), source);
  return fromPrivateJwk(jwk, jwkAlgorithm(jwk, undefined, source), jwk.kid, source);
}

/**
 * Generates a key pair and publishes it at `path` without ever exposing a partly written file: the JWK is written
 * to a private temporary file in the same directory, then hard-linked to the final name. link() fails with EEXIST
 * when another process got there first, in which case that process's key wins and everyone loads it.
 */
async function generateKeyFile(dataDir: string, path: string, alg: SigningAlgorithm): Promise<void> {
  const { privateKey } = await generateKeyPair(alg, { extractable: true });
  const jwk = await exportJWK(privateKey);
  const kid = await calculateJwkThumbprint(publicPart(jwk, 'the generated key'), 'sha256');
  const contents = `${JSON.stringify({ ...jwk, kid, alg, use: 'sig' }, null, 2)}\n`;

  const temp = join(dataDir, `.${SIGNING_KEY_FILE}.${process.pid}.${randomUUID()}.tmp`);
  const handle = await open(temp, 'wx', 0o600);
  try {
    try {
      await handle.chmod(0o600); // independent of the umask
      await handle.writeFile(contents, 'utf8');
      await handle.sync();
    } finally {
      await handle.close();
    }
    try {
      await link(temp, path);
    } catch (error) {
      if (errorCode(error) !== 'EEXIST') throw error;
    }
  } finally {
    await unlink(temp).catch(() => undefined);
  }
}

/**
 * The key keygraph signs its tokens with: `configured` (KEYGRAPH_SIGNING_KEY) when set, otherwise the one kept in
 * `<dataDir>/signing-key.json`, generated on first use. `algorithm` (KEYGRAPH_SIGNING_ALG) applies to a PEM, to a
 * JWK without "alg", and to a key generated here; a key that names its own "alg" keeps it.
 */
export async function loadSigningKey(options: { dataDir: string; configured?: string; algorithm?: string }): Promise<SigningKey> {
  const algorithm = algorithmOption(options.algorithm);
  if (options.configured !== undefined && options.configured.trim() !== '') return fromConfigured(options.configured, algorithm);

  const path = join(options.dataDir, SIGNING_KEY_FILE);
  try {
    return await readKeyFile(path);
  } catch (error) {
    if (errorCode(error) !== 'ENOENT') throw error;
  }
  await mkdir(options.dataDir, { recursive: true, mode: 0o700 });
  await generateKeyFile(options.dataDir, path, algorithm ?? DEFAULT_ALGORITHM);
  return readKeyFile(path);
}

/** The JWKS document keygraph publishes: the public half of its signing key, nothing else. */
export function publicJwks(key: SigningKey): { keys: JWK[] } {
  const jwk = publicPart(key.publicJwk, 'the signing key');
  return { keys: [{ ...jwk, kid: key.kid, alg: key.alg, use: 'sig' }] };
}
