// Encryption at rest: AES-256-GCM under keys derived (HKDF-SHA256) from one master key, one key per
// purpose, with associated data binding each ciphertext to the object it belongs to (a ciphertext
// copied onto another row does not open). The master key comes from KEYGRAPH_MASTER_KEY (32 bytes,
// base64 or hex) or, on the embedded default, from `<dataDir>/master.key`, generated on first start
// with mode 0600. Several instances on PostgreSQL must share KEYGRAPH_MASTER_KEY.
import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Sealer } from '../../domain/crypto.js';

export const MASTER_KEY_FILE = 'master.key';
const VERSION = 'v1';

function decodeKey(text: string, source: string): Buffer {
  const trimmed = text.trim();
  const key = /^[0-9a-f]{64}$/i.test(trimmed) ? Buffer.from(trimmed, 'hex') : Buffer.from(trimmed, 'base64');
  if (key.length !== 32) throw new Error(`${source} must be 32 bytes, base64 or hex encoded (got ${key.length} bytes)`);
  return key;
}

/** The master key: configured, or read from (or first written to) the data directory. */
export function loadMasterKey(options: { dataDir: string; configured: string | undefined }): Buffer {
  if (options.configured) return decodeKey(options.configured, 'KEYGRAPH_MASTER_KEY');
  const path = join(options.dataDir, MASTER_KEY_FILE);
  mkdirSync(options.dataDir, { recursive: true });
  try {
    // 'wx': never overwrite a key another process wrote first; that one wins and everyone reads it.
    writeFileSync(path, `${randomBytes(32).toString('base64')}\n`, { flag: 'wx', mode: 0o600 });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
  }
  return decodeKey(readFileSync(path, 'utf8'), `the master key file ${path}`);
}

const b64 = (buffer: Buffer) => buffer.toString('base64url');

/** A Sealer for one purpose ("outbox", "secret", ...): its own key, derived from the master key. */
export function createSealer(masterKey: Buffer, purpose: string): Sealer {
  const key = Buffer.from(hkdfSync('sha256', masterKey, Buffer.from('keygraph'), Buffer.from(`keygraph:${purpose}`), 32));
  return {
    seal(plaintext: string, associatedData: string): string {
      const iv = randomBytes(12);
      const cipher = createCipheriv('aes-256-gcm', key, iv);
      cipher.setAAD(Buffer.from(associatedData, 'utf8'));
      const body = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
      return [VERSION, b64(iv), b64(body), b64(cipher.getAuthTag())].join('.');
    },
    open(sealed: string, associatedData: string): string {
      const [version, iv, body, tag] = sealed.split('.');
      if (version !== VERSION || !iv || body === undefined || !tag) throw new Error('not a sealed value');
      const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(iv, 'base64url'));
      decipher.setAAD(Buffer.from(associatedData, 'utf8'));
      decipher.setAuthTag(Buffer.from(tag, 'base64url'));
      return Buffer.concat([decipher.update(Buffer.from(body, 'base64url')), decipher.final()]).toString('utf8');
    },
  };
}
