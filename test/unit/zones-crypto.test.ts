// The secret box (AES-256-GCM under an HKDF-derived key, bound to the object id) and the master key file.
import { mkdtempSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { AesGcmSecretBox, loadMasterKey, MASTER_KEY_FILE, parseMasterKey } from '../../src/infra/crypto/secrets.js';

const KEY = Buffer.alloc(32, 7);

describe('secret box', () => {
  it('seals with a fresh IV each time and opens only with the same key and associated data', () => {
    const box = new AesGcmSecretBox(KEY);
    const a = box.seal('hunter2', 'obj-1');
    const b = box.seal('hunter2', 'obj-1');
    expect(a).not.toBe(b);
    expect(a).not.toContain('hunter2');
    expect(a).toMatch(/^v1\.[\w-]{16}\.[\w-]+\.[\w-]{22}$/);
    expect(box.open(a, 'obj-1')).toBe('hunter2');
    expect(() => box.open(a, 'obj-2')).toThrow();
    expect(() => new AesGcmSecretBox(Buffer.alloc(32, 8)).open(a, 'obj-1')).toThrow();
    const [v, iv, body, tag] = a.split('.');
    const flipped = Buffer.from(body!, 'base64url');
    flipped[0]! ^= 1;
    expect(() => box.open([v, iv, flipped.toString('base64url'), tag].join('.'), 'obj-1')).toThrow();
    expect(() => box.open('not an envelope', 'obj-1')).toThrow('not a secret envelope');
  });

  it('parses master keys as hex or base64, 32 bytes only', () => {
    expect(parseMasterKey('07'.repeat(32))).toEqual(KEY);
    expect(parseMasterKey(KEY.toString('base64'))).toEqual(KEY);
    expect(() => parseMasterKey('abcd')).toThrow(/32 bytes/);
  });

  it('generates the master key once, mode 600, and reuses it', async () => {
    const dir = join(mkdtempSync(join(tmpdir(), 'kg-key-')), 'nested');
    const first = await loadMasterKey({ dataDir: dir });
    expect(first.source).toBe('generated');
    expect(statSync(join(dir, MASTER_KEY_FILE)).mode & 0o777).toBe(0o600);
    const second = await loadMasterKey({ dataDir: dir });
    expect(second).toEqual({ key: first.key, source: 'file' });
    expect(parseMasterKey(readFileSync(join(dir, MASTER_KEY_FILE), 'utf8'))).toEqual(first.key);
    const configured = await loadMasterKey({ dataDir: dir, configured: '07'.repeat(32) });
    expect(configured).toEqual({ key: KEY, source: 'environment' });
  });
});
