// What the zones graph needs from cryptography, implemented in src/infra/crypto.

/** Authenticated encryption of small values at rest, bound to the id of the object they belong to. */
export interface SecretBox {
  /** Encrypts `plaintext`; `associatedData` (the owning object's id) must be given again to open it. */
  seal(plaintext: string, associatedData: string): string;
  /** Decrypts an envelope made by seal; throws when it was altered or belongs to another object. */
  open(envelope: string, associatedData: string): string;
}

/** Generated credentials: high-entropy secrets returned once. */
export interface SecretGenerator {
  /** A random password of `bytes` bytes of entropy, URL-safe. */
  password(bytes?: number): string;
}
