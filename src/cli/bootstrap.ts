// npm run bootstrap -- --email <e> --password <p> [--account-name <n>]
// Creates, once, a super-admin user and an account it owns, and prints their ids as JSON.
// Running it again with the same email changes nothing and says so.
import { parseArgs } from 'node:util';
import { encodeGlobalID } from '@pothos/plugin-relay';
import { loadConfig } from '../config.js';
import { bootstrap } from '../domain/bootstrap.js';
import { DomainError } from '../domain/errors.js';
import { createDb } from '../infra/db/client.js';
import { migrate } from '../infra/db/migrate.js';
import { PrismaStore } from '../infra/db/store.js';
import { ScryptHasher } from '../infra/crypto/password.js';

const usage = 'usage: npm run bootstrap -- --email <email> --password <password> [--account-name <name>]';

let values: { email?: string; password?: string; 'account-name'?: string; help?: boolean };
try {
  ({ values } = parseArgs({ options: { email: { type: 'string' }, password: { type: 'string' }, 'account-name': { type: 'string' }, help: { type: 'boolean' } } }));
} catch (error) {
  console.error(`${(error as Error).message}\n${usage}`);
  process.exit(2);
}
if (values.help) {
  console.log(usage);
  process.exit(0);
}
if (!values.email || !values.password) {
  console.error(`--email and --password are required\n${usage}`);
  process.exit(2);
}

const config = loadConfig();
console.error(`keygraph: bootstrapping the ${config.databaseProvider} database...`);
await migrate(config.databaseUrl, (message) => console.error(`  ${message}`));
const db = createDb(config.databaseUrl);
try {
  const result = await bootstrap(PrismaStore.of(db.prisma, db.provider), new ScryptHasher(), {
    email: values.email,
    password: values.password,
    accountName: values['account-name'],
  });
  console.error(
    result.created
      ? 'keygraph: created the super administrator and its account'
      : 'keygraph: this email is already the super administrator; nothing changed',
  );
  console.log(
    JSON.stringify({
      created: result.created,
      userId: encodeGlobalID('User', result.userId),
      accountId: encodeGlobalID('Account', result.accountId),
    }),
  );
} catch (error) {
  if (!(error instanceof DomainError)) throw error;
  console.error(`keygraph: ${error.field ? `${error.field}: ` : ''}${error.message}`);
  process.exitCode = 1;
} finally {
  await db.close();
}
