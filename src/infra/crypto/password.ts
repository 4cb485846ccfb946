// scrypt password hashing (memory-hard; node:crypto, no native add-on). Stored as
// scrypt$ln=<log2 N>,r=<r>,p=<p>$<salt>$<hash> (base64url) so that the cost can rise without
// invalidating stored hashes. Compared in constant time.
import { randomBytes, scrypt as scryptCb, timingSafeEqual, type ScryptOptions } from 'node:crypto';
import type { PasswordHasher } from '../../domain/user/service.js';

function scrypt(password: string, salt: Buffer, keylen: number, options: ScryptOptions): Promise<Buffer> {
  return new Promise((resolve, reject) => scryptCb(password, salt, keylen, options, (error, key) => (error ? reject(error) : resolve(key))));
}

const KEY_LENGTH = 32;

export class ScryptHasher implements PasswordHasher {
  /** log2 of N: 15 (32 MiB with r = 8) by default. */
  constructor(private readonly logN = 15) {}

  async hash(password: string): Promise<string> {
    const salt = randomBytes(16);
    const params = { N: 2 ** this.logN, r: 8, p: 1 };
    const key = await scrypt(password, salt, KEY_LENGTH, { ...params, maxmem: 256 * params.N * params.r });
    return `scrypt$ln=${this.logN},r=8,p=1$${salt.toString('base64url')}$${key.toString('base64url')}`;
  }

  async verify(password: string, stored: string): Promise<boolean> {
    const match = /^scrypt\$ln=(\d+),r=(\d+),p=(\d+)\$([\w-]+)\$([\w-]+)$/.exec(stored);
    if (!match) return false;
    const [, ln, r, p, salt, hash] = match;
    const params = { N: 2 ** Number(ln), r: Number(r), p: Number(p) };
    const expected = Buffer.from(hash!, 'base64url');
    const actual = await scrypt(password, Buffer.from(salt!, 'base64url'), expected.length, { ...params, maxmem: 256 * params.N * params.r });
    return timingSafeEqual(actual, expected);
  }
}
