// What the zones graph needs from cryptography, implemented in src/infra/crypto.
import type { Sealer } from '../crypto.js';

/**
 * Authenticated encryption of zone secrets and provider client secrets at rest, bound to the id of the
 * object they belong to (associated data): the shared Sealer port, for the purpose "zone-secrets".
 */
export type SecretBox = Sealer;

/** A newly generated zone signing key: the public JWK, and the private JWK as text (to be sealed). */
export interface ZoneKeyPair {
  kid: string;
  alg: 'RS256';
  publicJwk: Record<string, unknown>;
  privateJwk: string;
}

/** A JWS in Flattened JSON Serialization (RFC 7515 section 7.2.2), protected header only. */
export interface FlattenedJws {
  protected: string;
  payload: string;
  signature: string;
}

/** Zone signing keys: generation, and signing with a private key the key service opened. */
export interface ZoneKeyCrypto {
  generate(): Promise<ZoneKeyPair>;
  /** Signs `payload` with the private JWK; the protected header is { alg, kid }. */
  sign(privateJwk: string, kid: string, payload: Uint8Array): Promise<FlattenedJws>;
  /** The payload of `jws` when it verifies (RS256) with one of the public JWKs (by kid); null otherwise. */
  verify(jws: FlattenedJws, publicJwks: readonly (Record<string, unknown> & { kid: string })[]): Promise<Uint8Array | null>;
}

/** Content hashes: the hex SHA-256 of the RFC 8785 (JCS) canonical form of a JSON value. */
export interface ContentHasher {
  canonicalSha256(value: unknown): string;
  /** The RFC 8785 canonical JSON text of a value. */
  canonical(value: unknown): string;
}

/** Generated credentials: high-entropy secrets returned once. */
export interface SecretGenerator {
  /** A random password of `bytes` bytes of entropy, URL-safe. */
  password(bytes?: number): string;
}
