// npm run bootstrap -- --email <e> [--account-name <n>]           the first super administrator, once
// npm run bootstrap -- --repair --email <e> [--account-name <n>]  break-glass: a platform with no super admin
// The password comes from KEYGRAPH_BOOTSTRAP_PASSWORD, or is asked for (not echoed) when the terminal is
// interactive; --password <p> still works but leaves it in the shell's history and in npm's echo.
// Prints the ids as JSON. Running the first form again with the same email changes nothing and says so.
import { parseArgs } from 'node:util';
import { createInterface } from 'node:readline';
import { Writable } from 'node:stream';
import { encodeGlobalID } from '@pothos/plugin-relay';
import { loadConfig } from '../config.js';
import { bootstrap, repairSuperAdmin } from '../domain/bootstrap.js';
import { DomainError } from '../domain/errors.js';
import { createDb } from '../infra/db/client.js';
import { migrate } from '../infra/db/migrate.js';
import { PrismaStore } from '../infra/db/store.js';
import { ScryptHasher } from '../infra/crypto/password.js';

const usage = [
  'usage: npm run bootstrap -- --email <email> [--account-name <name>]',
  '       npm run bootstrap -- --repair --email <email> [--account-name <name>]',
  'The password is read from KEYGRAPH_BOOTSTRAP_PASSWORD, or asked for when the terminal is interactive.',
  '--repair (break-glass, needs shell access to the server): when no person is a super administrator any',
  'more, makes the user with this email one (created if missing); with a password, it also becomes theirs.',
].join('\n');

let values: { email?: string; password?: string; 'account-name'?: string; repair?: boolean; help?: boolean };
try {
  ({ values } = parseArgs({
    options: { email: { type: 'string' }, password: { type: 'string' }, 'account-name': { type: 'string' }, repair: { type: 'boolean' }, help: { type: 'boolean' } },
  }));
} catch (error) {
  console.error(`${(error as Error).message}\n${usage}`);
  process.exit(2);
}
if (values.help) {
  console.log(usage);
  process.exit(0);
}
if (!values.email) {
  console.error(`--email is required\n${usage}`);
  process.exit(2);
}

/** Asks for a password on the terminal without echoing it. */
async function prompt(question: string): Promise<string> {
  let muted = false;
  const output = new Writable({
    write(chunk, _encoding, done) {
      if (!muted) process.stderr.write(chunk);
      done();
    },
  });
  const rl = createInterface({ input: process.stdin, output, terminal: true });
  const answer = new Promise<string>((resolve) => rl.question(question, resolve));
  muted = true;
  const value = await answer;
  rl.close();
  process.stderr.write('\n');
  return value;
}

async function readPassword(required: boolean): Promise<string | null> {
  const given = values.password ?? process.env.KEYGRAPH_BOOTSTRAP_PASSWORD;
  if (given) return given;
  if (!process.stdin.isTTY) {
    if (!required) return null;
    console.error(`no password: set KEYGRAPH_BOOTSTRAP_PASSWORD (or run this in a terminal to be asked)\n${usage}`);
    process.exit(2);
  }
  const first = await prompt(required ? 'Password for the super administrator: ' : 'New password (empty keeps the current one): ');
  if (!first && !required) return null;
  const second = await prompt('The same password again: ');
  if (first !== second) {
    console.error('keygraph: the two passwords differ; nothing changed');
    process.exit(2);
  }
  return first;
}

const config = loadConfig();
const password = await readPassword(!values.repair);
console.error(`keygraph: ${values.repair ? 'repairing' : 'bootstrapping'} the ${config.databaseProvider} database...`);
await migrate(config.databaseUrl, (message) => console.error(`  ${message}`));
const db = createDb(config.databaseUrl);
try {
  const store = PrismaStore.of(db.prisma, db.provider);
  const hasher = new ScryptHasher();
  if (values.repair) {
    const result = await repairSuperAdmin(store, hasher, { email: values.email, password, accountName: values['account-name'] });
    console.error(`keygraph: ${values.email} is a super administrator again${result.createdUser ? ' (a new user)' : ''}${password ? '; their password was set and their sessions ended' : ''}`);
    console.log(JSON.stringify({ repaired: true, userId: encodeGlobalID('User', result.userId), accountId: encodeGlobalID('Account', result.accountId) }));
  } else {
    const result = await bootstrap(store, hasher, { email: values.email, password: password!, accountName: values['account-name'] });
    console.error(result.created ? 'keygraph: created the super administrator and its account' : 'keygraph: this email is already the super administrator; nothing changed');
    console.log(JSON.stringify({ created: result.created, userId: encodeGlobalID('User', result.userId), accountId: encodeGlobalID('Account', result.accountId) }));
  }
} catch (error) {
  if (!(error instanceof DomainError)) throw error;
  console.error(`keygraph: ${error.field ? `${error.field}: ` : ''}${error.message}`);
  process.exitCode = 1;
} finally {
  await db.close();
}
