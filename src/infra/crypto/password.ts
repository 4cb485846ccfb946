// scrypt password hashing (memory-hard; node:crypto, no native add-on). Stored as
// scrypt$ln=<log2 N>,r=<r>,p=<p>$<salt>$<hash> (base64url) so that the cost can rise without
// invalidating stored hashes. Compared in constant time.
import { randomBytes, scrypt as scryptCb, timingSafeEqual, type ScryptOptions } from 'node:crypto';
import pLimit, { type LimitFunction } from 'p-limit';
import type { PasswordHasher } from '../../domain/user/service.js';
import { LIMITS } from '../../domain/validation.js';

function scrypt(password: string, salt: Buffer, keylen: number, options: ScryptOptions): Promise<Buffer> {
  return new Promise((resolve, reject) => scryptCb(password, salt, keylen, options, (error, key) => (error ? reject(error) : resolve(key))));
}

const KEY_LENGTH = 32;

export class ScryptHasher implements PasswordHasher {
  /** log2 of N: 15 (32 MiB with r = 8) by default. */
  constructor(private readonly logN = 15) {}

  async hash(password: string): Promise<string> {
    // The services refuse longer passwords first; this guards any other caller.
    if (password.length > LIMITS.password) throw new Error(`refusing to hash a password of more than ${LIMITS.password} characters`);
    const salt = randomBytes(16);
    const params = { N: 2 ** this.logN, r: 8, p: 1 };
    const key = await scrypt(password, salt, KEY_LENGTH, { ...params, maxmem: 256 * params.N * params.r });
    return `scrypt$ln=${this.logN},r=8,p=1$${salt.toString('base64url')}$${key.toString('base64url')}`;
  }

  async verify(password: string, stored: string): Promise<boolean> {
    const match = /^scrypt\$ln=(\d+),r=(\d+),p=(\d+)\$([\w-]+)\$([\w-]+)$/.exec(stored);
    if (!match) return false;
    // No stored password is that long: nothing to compute.
    if (password.length > LIMITS.password) return false;
    const [, ln, r, p, salt, hash] = match;
    const params = { N: 2 ** Number(ln), r: Number(r), p: Number(p) };
    const expected = Buffer.from(hash!, 'base64url');
    const actual = await scrypt(password, Buffer.from(salt!, 'base64url'), expected.length, { ...params, maxmem: 256 * params.N * params.r });
    return timingSafeEqual(actual, expected);
  }
}

/** Thrown when too many hashes already wait: the caller is told to come back (RATE_LIMITED), nothing is computed. */
export class HasherBusyError extends Error {
  constructor() {
    super('too many password checks in progress; try again shortly');
    this.name = 'HasherBusyError';
  }
}

/**
 * At most `concurrency` scrypt computations at once (each takes a libuv thread and 32 MiB). A password
 * check (`verify`, what anonymous logins cause) is refused at once when `queue` already wait, so that a
 * flood of logins cannot starve the other requests of threads, memory and CPU. A new hash (setting a
 * password, or the login's decoy hash, which is computed once and kept) waits its turn, never refused.
 */
export class BoundedHasher implements PasswordHasher {
  private readonly limit: LimitFunction;
  /** Hashes running or waiting. */
  private inFlight = 0;

  constructor(
    private readonly inner: PasswordHasher,
    private readonly concurrency: number,
    private readonly queue: number,
  ) {
    this.limit = pLimit(concurrency);
  }

  private async run<T>(task: () => Promise<T>, refusable: boolean): Promise<T> {
    if (refusable && this.inFlight >= this.concurrency + this.queue) throw new HasherBusyError();
    this.inFlight++;
    try {
      return await this.limit(task);
    } finally {
      this.inFlight--;
    }
  }

  hash(password: string): Promise<string> {
    return this.run(() => this.inner.hash(password), false);
  }

  verify(password: string, hash: string): Promise<boolean> {
    return this.run(() => this.inner.verify(password, hash), true);
  }
}
