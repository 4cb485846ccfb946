// Helpers for tests that run the real server process.
import { createServer } from 'node:net';
import { bootstrap } from '../../src/domain/bootstrap.js';
import { ScryptHasher } from '../../src/infra/crypto/password.js';
import { createDb } from '../../src/infra/db/client.js';
import { migrate } from '../../src/infra/db/migrate.js';
import { PrismaStore } from '../../src/infra/db/store.js';
import { ADMIN_EMAIL, ADMIN_PASSWORD, type TestDatabase } from './harness.js';

/** A port that was free a moment ago: listen on port 0, note the port, close. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.unref();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const address = probe.address();
      if (address === null || typeof address === 'string') {
        probe.close();
        reject(new Error('no port'));
        return;
      }
      probe.close(() => resolve(address.port));
    });
  });
}

/** Migrates the database and creates the super administrator there, as `npm run bootstrap` does. */
export async function seedAdmin(db: TestDatabase): Promise<void> {
  await migrate(db.url);
  const handle = createDb(db.url);
  try {
    await bootstrap(PrismaStore.of(handle.prisma, handle.provider), new ScryptHasher(10), { email: ADMIN_EMAIL, password: ADMIN_PASSWORD });
  } finally {
    await handle.close();
  }
}
