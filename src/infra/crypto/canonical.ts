// Content hashes of the zones graph (the ContentHasher port): the hex SHA-256 of the RFC 8785 (JSON
// Canonicalization Scheme) form of a JSON value, with the `canonicalize` package.
import { createHash } from 'node:crypto';
import canonicalize from 'canonicalize';
import type { ContentHasher } from '../../domain/zone/crypto.js';

export function canonicalJson(value: unknown): string {
  const text = canonicalize(value);
  if (text === undefined) throw new Error('the value has no JSON form');
  return text;
}

export const jcsHasher: ContentHasher = {
  canonicalSha256: (value) => createHash('sha256').update(canonicalJson(value), 'utf8').digest('hex'),
  canonical: canonicalJson,
};
