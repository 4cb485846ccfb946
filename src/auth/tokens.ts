// Bearer tokens: keygraph's own session tokens (signed with its SigningKey) and ID/access tokens of the external
// issuers listed in KEYGRAPH_TRUSTED_ISSUERS (verified against each issuer's JWKS). Every verification failure
// surfaces as one AuthenticationError with one generic message; the precise reason stays server-side.
import { createLocalJWKSet, createRemoteJWKSet, decodeJwt, jwtVerify, SignJWT, type JWTPayload, type JWTVerifyGetKey } from 'jose';
import { publicJwks, type SigningKey } from './keys.js';

export const AUTHENTICATION_FAILED = 'invalid or expired credentials';

export class AuthenticationError extends Error {
  /** Why verification failed, for server-side logs only: never send it to the client. */
  readonly reason: string;

  constructor(reason: string) {
    super(AUTHENTICATION_FAILED);
    this.name = 'AuthenticationError';
    this.reason = reason;
  }
}

const seconds = (date: Date): number => Math.floor(date.getTime() / 1000);

export async function signSessionToken(
  key: SigningKey,
  claims: { issuer: string; audience: string; sessionId: string; userId: string; expiresAt: Date; now?: Date },
): Promise<string> {
  const now = claims.now ?? new Date();
  const iat = seconds(now);
  const exp = seconds(claims.expiresAt);
  if (!Number.isFinite(iat) || !Number.isFinite(exp)) throw new Error('signSessionToken: now and expiresAt must be valid dates');
  if (exp <= iat) throw new Error('signSessionToken: expiresAt must be after now');
  for (const [name, value] of Object.entries({ issuer: claims.issuer, audience: claims.audience, sessionId: claims.sessionId, userId: claims.userId })) {
    if (typeof value !== 'string' || value === '') throw new Error(`signSessionToken: ${name} must be a non-empty string`);
  }
  return new SignJWT({})
    .setProtectedHeader({ alg: key.alg, kid: key.kid, typ: 'JWT' })
    .setIssuer(claims.issuer)
    .setAudience(claims.audience)
    .setSubject(claims.userId)
    .setJti(claims.sessionId)
    .setIssuedAt(iat)
    .setNotBefore(iat)
    .setExpirationTime(exp)
    .sign(key.privateKey);
}

export interface TrustedIssuer {
  issuer: string;
  audience: string;
  jwksUrl: string;
  algorithms: string[];
}

/** Asymmetric JWS algorithms an external issuer may be pinned to. HMAC (HS*) and "none" are never accepted. */
export const EXTERNAL_ALGORITHMS: readonly string[] = [
  'RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512', 'EdDSA', 'Ed25519',
];
const DEFAULT_EXTERNAL_ALGORITHMS = ['RS256', 'ES256'];
const LOOPBACK_HOSTS = new Set(['localhost', '127.0.0.1', '[::1]']);

/** Parses KEYGRAPH_TRUSTED_ISSUERS: a JSON array of {issuer, audience, jwksUrl, algorithms?}. Unset or empty means none. */
export function parseTrustedIssuers(json: string | undefined): TrustedIssuer[] {
  if (json === undefined || json.trim() === '') return [];
  const name = 'KEYGRAPH_TRUSTED_ISSUERS';
  let parsed: unknown;
  try {
    parsed = JSON.parse(json);
  } catch {
    throw new Error(`${name} is not valid JSON (expected an array of {issuer, audience, jwksUrl, algorithms?})`);
  }
  if (!Array.isArray(parsed)) throw new Error(`${name} must be a JSON array of {issuer, audience, jwksUrl, algorithms?}`);

  const seen = new Set<string>();
  return parsed.map((entry: unknown, index): TrustedIssuer => {
    const at = `${name}[${index}]`;
    if (typeof entry !== 'object' || entry === null || Array.isArray(entry)) throw new Error(`${at} must be an object {issuer, audience, jwksUrl, algorithms?}`);
    const record = entry as Record<string, unknown>;
    for (const field of ['issuer', 'audience', 'jwksUrl'] as const) {
      if (typeof record[field] !== 'string' || (record[field] as string).trim() === '') throw new Error(`${at}.${field} is missing or not a non-empty string`);
    }
    const issuer = record.issuer as string;
    const audience = record.audience as string;
    const jwksUrl = record.jwksUrl as string;

    let url: URL;
    try {
      url = new URL(jwksUrl);
    } catch {
      throw new Error(`${at}.jwksUrl is not a valid URL`);
    }
    if (url.protocol !== 'https:' && !(url.protocol === 'http:' && LOOPBACK_HOSTS.has(url.hostname))) {
      throw new Error(`${at}.jwksUrl must use https (plain http is allowed for localhost, 127.0.0.1 and [::1] only)`);
    }
    if (url.username !== '' || url.password !== '') throw new Error(`${at}.jwksUrl must not contain credentials`);

    let algorithms = DEFAULT_EXTERNAL_ALGORITHMS;
    if (record.algorithms !== undefined) {
      if (!Array.isArray(record.algorithms) || record.algorithms.length === 0 || !record.algorithms.every((alg) => typeof alg === 'string')) {
        throw new Error(`${at}.algorithms must be a non-empty array of algorithm names`);
      }
      algorithms = [...new Set(record.algorithms as string[])];
      for (const alg of algorithms) {
        if (alg.toLowerCase() === 'none') throw new Error(`${at}.algorithms must not contain "none" (unsigned tokens)`);
        if (/^HS/i.test(alg)) throw new Error(`${at}.algorithms must not contain ${JSON.stringify(alg)}: HMAC needs a shared secret, use an asymmetric algorithm`);
        if (!EXTERNAL_ALGORITHMS.includes(alg)) throw new Error(`${at}.algorithms contains unsupported ${JSON.stringify(alg.slice(0, 40))}; use ${EXTERNAL_ALGORITHMS.join(', ')}`);
      }
    }

    if (seen.has(issuer)) throw new Error(`${name} lists the issuer ${JSON.stringify(issuer)} more than once`);
    seen.add(issuer);
    return { issuer, audience, jwksUrl: url.href, algorithms: [...algorithms] };
  });
}

export type VerifiedToken =
  | { kind: 'session'; sessionId: string; userId: string; expiresAt: Date }
  | { kind: 'external'; issuer: string; subject: string; email: string | null; emailVerified: boolean; expiresAt: Date };

/** A compact JWS is three base64url segments; anything longer than this is not a token we issue or accept. */
const MAX_TOKEN_LENGTH = 16 * 1024;
const COMPACT_JWS = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*$/;

function describe(error: unknown): string {
  if (error instanceof Error) {
    const code = (error as { code?: unknown }).code;
    return typeof code === 'string' ? `${code}: ${error.message}` : `${error.name}: ${error.message}`;
  }
  return String(error);
}

function nonEmptyString(payload: JWTPayload, claim: string): string {
  const value = payload[claim];
  if (typeof value !== 'string' || value === '') throw new AuthenticationError(`"${claim}" claim is not a non-empty string`);
  return value;
}

/** keygraph session tokens whose signature and claims were verified, kept per verifier (least recently used dropped first). */
export const VERIFIED_SESSION_TOKENS = 10_000;

/**
 * Builds the function that turns a bearer token into a VerifiedToken or throws AuthenticationError. The unverified
 * `iss` only selects the key set and the rules; it is then checked again, with everything else, by jwtVerify.
 */
export function createTokenVerifier(options: {
  key: SigningKey;
  issuer: string;
  audience: string;
  trustedIssuers: TrustedIssuer[];
  clockToleranceSeconds?: number;
  /** How many verified session tokens to remember (0: verify every time). */
  cacheSize?: number;
}): (token: string) => Promise<VerifiedToken> {
  const { key, issuer, audience } = options;
  const clockTolerance = options.clockToleranceSeconds ?? 5;
  if (!Number.isFinite(clockTolerance) || clockTolerance < 0) throw new Error('clockToleranceSeconds must be a non-negative number');

  const local = createLocalJWKSet(publicJwks(key));
  const remotes = new Map<string, { trusted: TrustedIssuer; jwks: JWTVerifyGetKey }>();
  for (const trusted of options.trustedIssuers) {
    if (trusted.issuer === issuer) throw new Error(`KEYGRAPH_TRUSTED_ISSUERS must not list keygraph's own issuer ${JSON.stringify(issuer)}`);
    if (remotes.has(trusted.issuer)) throw new Error(`KEYGRAPH_TRUSTED_ISSUERS lists the issuer ${JSON.stringify(trusted.issuer)} more than once`);
    remotes.set(trusted.issuer, { trusted, jwks: createRemoteJWKSet(new URL(trusted.jwksUrl)) });
  }

  async function verify(token: string): Promise<VerifiedToken> {
    if (typeof token !== 'string' || token.length === 0) throw new AuthenticationError('empty token');
    if (token.length > MAX_TOKEN_LENGTH) throw new AuthenticationError(`token longer than ${MAX_TOKEN_LENGTH} characters`);
    if (!COMPACT_JWS.test(token)) throw new AuthenticationError('not a compact JWS');

    let claimedIssuer: unknown;
    try {
      claimedIssuer = decodeJwt(token).iss;
    } catch (error) {
      throw new AuthenticationError(`malformed token (${describe(error)})`);
    }

    if (claimedIssuer === issuer) {
      const { payload } = await jwtVerify(token, local, {
        issuer,
        audience,
        algorithms: [key.alg],
        typ: 'JWT',
        clockTolerance,
        requiredClaims: ['exp', 'iat', 'jti', 'sub'],
      });
      // jose checks iat only together with maxTokenAge: a token issued in the future was not issued by us.
      if (typeof payload.iat !== 'number' || payload.iat > Date.now() / 1000 + clockTolerance) throw new AuthenticationError('"iat" claim is in the future');
      return {
        kind: 'session',
        sessionId: nonEmptyString(payload, 'jti'),
        userId: nonEmptyString(payload, 'sub'),
        expiresAt: new Date(payload.exp! * 1000),
      };
    }

    const remote = typeof claimedIssuer === 'string' ? remotes.get(claimedIssuer) : undefined;
    if (!remote) {
      const shown = typeof claimedIssuer === 'string' ? JSON.stringify(claimedIssuer.slice(0, 200)) : typeof claimedIssuer;
      throw new AuthenticationError(`untrusted issuer ${shown}`);
    }
    const { trusted } = remote;
    const { payload } = await jwtVerify(token, remote.jwks, {
      issuer: trusted.issuer,
      audience: trusted.audience,
      algorithms: trusted.algorithms,
      clockTolerance,
      requiredClaims: ['exp', 'sub'],
    });
    return {
      kind: 'external',
      issuer: trusted.issuer,
      subject: nonEmptyString(payload, 'sub'),
      email: typeof payload.email === 'string' ? payload.email : null,
      emailVerified: payload.email_verified === true,
      expiresAt: new Date(payload.exp! * 1000),
    };
  }

  // A session token is signed with keygraph's own key, which does not change while the process runs: once its
  // signature, issuer, audience, type and times were checked, the same string verifies the same way until it
  // expires. Its expiry is checked again at every use; whether its session still stands (revocation) is the
  // caller's database read, every time. External tokens are not kept: their issuers' keys can rotate away.
  const cacheSize = options.cacheSize ?? VERIFIED_SESSION_TOKENS;
  const verified = new Map<string, VerifiedToken & { kind: 'session' }>();
  const remembered = (token: string): VerifiedToken | undefined => {
    const hit = verified.get(token);
    if (hit === undefined) return undefined;
    verified.delete(token);
    // jose accepts `exp` up to clockTolerance seconds late; past that, verify again (and fail as before).
    if (hit.expiresAt.getTime() + clockTolerance * 1000 <= Date.now()) return undefined;
    verified.set(token, hit);
    return hit;
  };

  return async (token: string): Promise<VerifiedToken> => {
    try {
      if (cacheSize > 0) {
        const hit = remembered(token);
        if (hit) return { ...hit };
      }
      const result = await verify(token);
      if (result.kind === 'session' && cacheSize > 0) {
        if (verified.size >= cacheSize) verified.delete(verified.keys().next().value!);
        verified.set(token, { ...result });
      }
      return result;
    } catch (error) {
      if (error instanceof AuthenticationError) throw error;
      throw new AuthenticationError(describe(error));
    }
  };
}
