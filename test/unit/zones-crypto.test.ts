// The zone secret box: the shared AES-256-GCM sealer for the purpose "zone-secrets" (its own
// HKDF-derived key), bound to the object id; and the generator of credential passwords.
import { describe, expect, it } from 'vitest';
import { createSealer } from '../../src/infra/crypto/envelope.js';
import { randomSecrets } from '../../src/infra/crypto/secrets.js';

const KEY = Buffer.alloc(32, 7);

describe('zone secret box', () => {
  it('seals with a fresh IV each time and opens only with the same key, purpose and associated data', () => {
    const box = createSealer(KEY, 'zone-secrets');
    const a = box.seal('hunter2', 'obj-1');
    const b = box.seal('hunter2', 'obj-1');
    expect(a).not.toBe(b);
    expect(a).not.toContain('hunter2');
    expect(box.open(a, 'obj-1')).toBe('hunter2');
    expect(() => box.open(a, 'obj-2')).toThrow();
    expect(() => createSealer(Buffer.alloc(32, 8), 'zone-secrets').open(a, 'obj-1')).toThrow();
    // Another purpose has another key: the outbox cannot open zone secrets.
    expect(() => createSealer(KEY, 'outbox').open(a, 'obj-1')).toThrow();
    const [v, iv, body, tag] = a.split('.');
    const flipped = Buffer.from(body!, 'base64url');
    flipped[0]! ^= 1;
    expect(() => box.open([v, iv, flipped.toString('base64url'), tag].join('.'), 'obj-1')).toThrow();
  });

  it('generates URL-safe passwords of 256 bits', () => {
    const passwords = new Set(Array.from({ length: 100 }, () => randomSecrets.password()));
    expect(passwords.size).toBe(100);
    for (const p of passwords) expect(p).toMatch(/^[\w-]{43}$/);
  });
});
