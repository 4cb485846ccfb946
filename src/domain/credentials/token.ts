// The format of every bearer secret keygraph issues: `<prefix>_<public id><secret><checksum>`.
// - the prefix names the kind (secret scanners and people can tell what leaked);
// - the public id (10 base62 characters) names the token in lists and logs without revealing it;
// - the secret is 30 base62 characters from a CSPRNG: 178 bits of entropy;
// - the checksum is the CRC32 of everything before it, 6 base62 characters, so that a mistyped or
//   truncated token is refused before any database read.
// Only the SHA-256 digest of the whole token is stored.
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { crc32 } from 'node:zlib';

export const TOKEN_KINDS = {
  serviceAccount: 'kgs',
  apiKey: 'kgk',
  clientSecret: 'kgc',
  invitation: 'kgi',
  /** A link sent to an email address to prove it (verification, password reset). */
  emailProof: 'kge',
} as const;

export type TokenKind = keyof typeof TOKEN_KINDS;
export type TokenPrefix = (typeof TOKEN_KINDS)[TokenKind];

const ALPHABET = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
const PUBLIC_ID_LENGTH = 10;
const SECRET_LENGTH = 30;
const CHECKSUM_LENGTH = 6;
const BODY_LENGTH = PUBLIC_ID_LENGTH + SECRET_LENGTH;
const SHAPE = new RegExp(`^(kg[skcie])_([0-9A-Za-z]{${BODY_LENGTH}})([0-9A-Za-z]{${CHECKSUM_LENGTH}})$`);

/** `length` uniformly random base62 characters (rejection sampling: no modulo bias). */
export function randomBase62(length: number): string {
  let out = '';
  while (out.length < length) {
    for (const byte of randomBytes(length * 2)) {
      if (byte < 248 && out.length < length) out += ALPHABET[byte % 62];
    }
  }
  return out;
}

function base62(value: number, width: number): string {
  let out = '';
  let rest = value;
  for (let i = 0; i < width; i++) {
    out = ALPHABET[rest % 62] + out;
    rest = Math.floor(rest / 62);
  }
  return out;
}

function checksum(text: string): string {
  return base62(crc32(text) >>> 0, CHECKSUM_LENGTH);
}

export interface IssuedToken {
  /** The plaintext, shown once. */
  token: string;
  /** SHA-256 of the token, hex: what is stored. */
  hash: string;
  publicId: string;
  /** The first characters of the token (kind and part of the public id): safe to display. */
  prefix: string;
  last4: string;
}

export function hashToken(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}

export function issueToken(kind: TokenKind): IssuedToken {
  const head = `${TOKEN_KINDS[kind]}_${randomBase62(PUBLIC_ID_LENGTH)}${randomBase62(SECRET_LENGTH)}`;
  const token = head + checksum(head);
  return {
    token,
    hash: hashToken(token),
    publicId: head.slice(4, 4 + PUBLIC_ID_LENGTH),
    prefix: token.slice(0, 12),
    last4: token.slice(-4),
  };
}

export interface ParsedToken {
  kind: TokenKind;
  publicId: string;
}

/**
 * The kind and public id of a well-formed token with a valid checksum; null for anything else. Pure:
 * no I/O, so malformed tokens cost nothing but this check.
 */
export function parseToken(token: string): ParsedToken | null {
  const match = SHAPE.exec(token);
  if (!match) return null;
  const [, prefix, body, check] = match;
  const head = `${prefix}_${body}`;
  const expected = checksum(head);
  if (!timingSafeEqual(Buffer.from(expected), Buffer.from(check!))) return null;
  const kind = (Object.keys(TOKEN_KINDS) as TokenKind[]).find((k) => TOKEN_KINDS[k] === prefix)!;
  return { kind, publicId: body!.slice(0, PUBLIC_ID_LENGTH) };
}

/** Whether `token` hashes to `hash`, compared in constant time. */
export function tokenMatches(token: string, hash: string): boolean {
  const actual = Buffer.from(hashToken(token), 'hex');
  const expected = Buffer.from(hash, 'hex');
  return actual.length === expected.length && timingSafeEqual(actual, expected);
}

/** A public client identifier (not a secret). */
export function newClientId(): string {
  return `kgcid_${randomBase62(22)}`;
}
