// What the zones graph needs from cryptography, implemented in src/infra/crypto.
import type { Sealer } from '../crypto.js';

/**
 * Authenticated encryption of zone secrets and provider client secrets at rest, bound to the id of the
 * object they belong to (associated data): the shared Sealer port, for the purpose "zone-secrets".
 */
export type SecretBox = Sealer;

/** Generated credentials: high-entropy secrets returned once. */
export interface SecretGenerator {
  /** A random password of `bytes` bytes of entropy, URL-safe. */
  password(bytes?: number): string;
}
