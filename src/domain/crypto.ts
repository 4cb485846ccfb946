// Ports for encryption at rest (implemented in src/infra/crypto).

/** Authenticated encryption for one purpose; `associatedData` binds a ciphertext to its owner. */
export interface Sealer {
  seal(plaintext: string, associatedData: string): string;
  /** Throws when the value was tampered with or belongs to other associated data. */
  open(sealed: string, associatedData: string): string;
}
