// Secrets at rest: AES-256-GCM under a key derived with HKDF-SHA256 from the master key
// (KEYGRAPH_MASTER_KEY, or a key generated once in the data directory). Every envelope is bound to the
// id of the object it belongs to (GCM associated data), so a ciphertext copied onto another row does not
// open. Envelope: "v1.<iv>.<ciphertext>.<tag>", base64url parts, a fresh 96-bit IV each time.
import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from 'node:crypto';
import { chmod, mkdir, open, readFile, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { SecretBox, SecretGenerator } from '../../domain/zone/crypto.js';

export const MASTER_KEY_FILE = 'master-key';
const VERSION = 'v1';
const INFO = 'keygraph/secret-box/v1';

/** Parses a master key: 32 bytes as 64 hex characters or base64 / base64url. */
export function parseMasterKey(text: string): Buffer {
  const trimmed = text.trim();
  const key = /^[0-9a-fA-F]{64}$/.test(trimmed) ? Buffer.from(trimmed, 'hex') : Buffer.from(trimmed, 'base64');
  if (key.length !== 32) throw new Error('KEYGRAPH_MASTER_KEY must be 32 bytes, as 64 hex characters or base64');
  return key;
}

export class AesGcmSecretBox implements SecretBox {
  private readonly key: Buffer;

  constructor(masterKey: Buffer) {
    if (masterKey.length !== 32) throw new Error('the master key must be 32 bytes');
    this.key = Buffer.from(hkdfSync('sha256', masterKey, Buffer.from('keygraph'), Buffer.from(INFO), 32));
  }

  seal(plaintext: string, associatedData: string): string {
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.key, iv);
    cipher.setAAD(Buffer.from(associatedData, 'utf8'));
    const body = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
    return [VERSION, iv, body, cipher.getAuthTag()].map((part) => (typeof part === 'string' ? part : part.toString('base64url'))).join('.');
  }

  open(envelope: string, associatedData: string): string {
    const [version, iv, body, tag] = envelope.split('.');
    if (version !== VERSION || iv === undefined || body === undefined || tag === undefined) throw new Error('not a secret envelope');
    const decipher = createDecipheriv('aes-256-gcm', this.key, Buffer.from(iv, 'base64url'));
    decipher.setAAD(Buffer.from(associatedData, 'utf8'));
    decipher.setAuthTag(Buffer.from(tag, 'base64url'));
    return Buffer.concat([decipher.update(Buffer.from(body, 'base64url')), decipher.final()]).toString('utf8');
  }
}

export const randomSecrets: SecretGenerator = {
  password: (bytes = 32) => randomBytes(bytes).toString('base64url'),
};

/**
 * The master key: the configured one, or `<dataDir>/master-key` (created on first use with mode 0600,
 * written to a temporary file and renamed so that concurrent first starts agree on one key).
 */
export async function loadMasterKey(options: { dataDir: string; configured?: string }): Promise<{ key: Buffer; source: 'environment' | 'file' | 'generated' }> {
  if (options.configured) return { key: parseMasterKey(options.configured), source: 'environment' };
  const path = join(options.dataDir, MASTER_KEY_FILE);
  try {
    return { key: parseMasterKey(await readFile(path, 'utf8')), source: 'file' };
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  await mkdir(options.dataDir, { recursive: true, mode: 0o700 });
  const temp = join(options.dataDir, `.${MASTER_KEY_FILE}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`);
  const handle = await open(temp, 'wx', 0o600);
  try {
    await handle.writeFile(`${randomBytes(32).toString('base64')}\n`);
    await handle.chmod(0o600);
  } finally {
    await handle.close();
  }
  try {
    // link-like publish: rename only if no other process created the key meanwhile.
    await open(path, 'r').then((h) => h.close(), async () => rename(temp, path));
  } finally {
    await rm(temp, { force: true });
  }
  await chmod(path, 0o600);
  return { key: parseMasterKey(await readFile(path, 'utf8')), source: 'generated' };
}
