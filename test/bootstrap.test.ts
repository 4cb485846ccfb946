// `npm run bootstrap`: the first administrator, created once, as a real command.
import { execFile } from 'node:child_process';
import { decodeGlobalID } from '@pothos/plugin-relay';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDb } from '../src/infra/db/client.js';
import { PrismaStore } from '../src/infra/db/store.js';
import { freshDatabase, provider, type TestDatabase } from './support/harness.js';

const root = new URL('..', import.meta.url).pathname;

describe(`bootstrap command (${provider})`, () => {
  let database: TestDatabase;
  beforeAll(async () => {
    database = await freshDatabase();
  });
  afterAll(() => database.drop());

  async function bootstrap(...args: string[]) {
    return bootstrapWith({}, ...args);
  }

  /** Runs the command with `input` on its standard input (closed after it: nobody types more). */
  function bootstrapWith(env: Record<string, string>, ...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
    return bootstrapTyping('', env, ...args);
  }

  function bootstrapTyping(input: string, env: Record<string, string>, ...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
    return new Promise((resolve) => {
      const child = execFile(process.execPath, ['--import', 'tsx', 'src/cli/bootstrap.ts', ...args], { cwd: root, env: { ...process.env, DATABASE_URL: database.url, KEYGRAPH_DATA_DIR: database.dataDir, ...env } }, (error, stdout, stderr) =>
        resolve({ code: error ? Number((error as { code?: number }).code ?? 1) : 0, stdout, stderr }),
      );
      child.stdin!.end(input);
    });
  }

  it('creates a super administrator and an account it owns, once', async () => {
    const first = await bootstrap('--email', 'Root@Example.com', '--password', 'a long passphrase', '--account-name', 'Operators');
    expect(first.code).toBe(0);
    const created = JSON.parse(first.stdout) as { created: boolean; userId: string; accountId: string };
    expect(created.created).toBe(true);
    expect(first.stderr).toContain('created the super administrator');

    const db = createDb(database.url);
    try {
      const store = PrismaStore.of(db.prisma, db.provider);
      const userId = decodeGlobalID(created.userId).id;
      const accountId = decodeGlobalID(created.accountId).id;
      expect((await store.accounts.byIds([accountId]))[0]).toMatchObject({ name: 'Operators' });
      expect((await store.users.byIds([userId]))[0]).toMatchObject({ email: 'root@example.com' });
      expect(await store.users.passwordHash(userId)).toMatch(/^scrypt\$ln=15,/);
      expect(await store.grants.hasActive(accountId, 'SUPER_ADMIN', 'USER', userId)).toBe(true);
      expect(await store.grants.hasActive(accountId, 'ACCOUNT_OWNER', 'USER', userId)).toBe(true);
      expect((await store.users.inAccount(accountId, [userId])).has(userId)).toBe(true);
    } finally {
      await db.close();
    }

    const again = await bootstrap('--email', 'root@example.com', '--password', 'another passphrase');
    expect(again.code).toBe(0);
    expect(JSON.parse(again.stdout)).toEqual({ ...created, created: false });
    expect(again.stderr).toContain('nothing changed');

    const second = await bootstrap('--email', 'someone@example.com', '--password', 'a long passphrase');
    expect(second.code).toBe(1);
    expect(second.stderr).toContain('already has a super administrator');
  });

  it('explains its arguments', async () => {
    const missing = await bootstrap('--email', 'x@example.com');
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('usage: npm run bootstrap');
    const differ = await bootstrapTyping('one long passphrase\nanother long passphrase\n', {}, '--email', 'x@example.com');
    expect(differ.code).toBe(2);
    expect(differ.stderr).toContain('the two passwords differ');
    const weak = await bootstrap('--email', 'x@example.com', '--password', 'short');
    expect(weak.code).toBe(1);
    expect(weak.stderr).toContain('password');
  });

  it('reads the password from KEYGRAPH_BOOTSTRAP_PASSWORD, and repairs a platform left with no super administrator', async () => {
    // The first super administrator exists (first test): repair is refused while a person holds SUPER_ADMIN.
    const refused = await bootstrapWith({ KEYGRAPH_BOOTSTRAP_PASSWORD: 'a repaired passphrase' }, '--repair', '--email', 'root@example.com');
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('has a super administrator');

    // A database edited by hand: every SUPER_ADMIN grant revoked.
    const db = createDb(database.url);
    try {
      await db.prisma.authorizationGrant.updateMany({ where: { grantKind: 'SUPER_ADMIN' }, data: { revokedAt: new Date() } });
      const repaired = await bootstrapWith({ KEYGRAPH_BOOTSTRAP_PASSWORD: 'a repaired passphrase' }, '--repair', '--email', 'root@example.com');
      expect(repaired.code, repaired.stderr).toBe(0);
      expect(repaired.stderr).toContain('super administrator again');
      const { userId } = JSON.parse(repaired.stdout) as { userId: string };
      const store = PrismaStore.of(db.prisma, db.provider);
      const id = decodeGlobalID(userId).id;
      expect((await store.grants.activeSubjectsOfKind('SUPER_ADMIN')).map((g) => g.subjectId)).toEqual([id]);
      expect((await store.users.byIds([id]))[0]!.emailVerifiedAt).not.toBeNull();
      // The password came from the environment: no --password argument was needed.
      const { ScryptHasher } = await import('../src/infra/crypto/password.js');
      expect(await new ScryptHasher().verify('a repaired passphrase', (await store.users.passwordHash(id))!)).toBe(true);
    } finally {
      await db.close();
    }
  });
});
