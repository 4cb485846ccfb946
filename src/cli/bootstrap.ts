// npm run bootstrap -- --email <e> [--account-name <n>]           the first super administrator, once
// npm run bootstrap -- --repair --email <e> [--account-name <n>]  break-glass: a platform with no super admin
// The password comes from KEYGRAPH_BOOTSTRAP_PASSWORD, or is asked for twice (not echoed at a terminal; a
// pipe may answer); --password <p> still works but leaves it in the shell's history and in npm's echo.
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
  'The password is read from KEYGRAPH_BOOTSTRAP_PASSWORD, or asked for twice (typed without echo, or piped in).',
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

/** Reads lines from standard input: typed at a terminal without echo, or piped in. */
function lineReader() {
  let muted = false;
  const output = new Writable({
    write(chunk, _encoding, done) {
      if (!muted) process.stderr.write(chunk);
      done();
    },
  });
  const terminal = process.stdin.isTTY === true;
  const rl = createInterface({ input: process.stdin, output, terminal });
  const lines: string[] = [];
  const waiting: ((line: string | null) => void)[] = [];
  rl.on('line', (line) => (waiting.length ? waiting.shift()!(line) : lines.push(line)));
  rl.on('close', () => waiting.splice(0).forEach((resolve) => resolve(null)));
  return {
    async ask(question: string): Promise<string | null> {
      muted = false;
      output.write(question);
      muted = true;
      const line = lines.length ? lines.shift()! : await new Promise<string | null>((resolve) => waiting.push(resolve));
      if (terminal) process.stderr.write('\n');
      return line;
    },
    close: () => rl.close(),
  };
}

async function readPassword(required: boolean): Promise<string | null> {
  const given = values.password ?? process.env.KEYGRAPH_BOOTSTRAP_PASSWORD;
  if (given) return given;
  if (!required && !process.stdin.isTTY) return null;
  const reader = lineReader();
  const ask = async (question: string) => {
    const line = await reader.ask(question);
    if (line === null) {
      console.error(`no password: type it when asked, pipe it in, or set KEYGRAPH_BOOTSTRAP_PASSWORD\n${usage}`);
      process.exit(2);
    }
    return line;
  };
  const first = await ask(required ? 'Password for the super administrator: ' : 'New password (empty keeps the current one): ');
  if (!first && !required) {
    reader.close();
    return null;
  }
  const second = await ask('The same password again: ');
  reader.close();
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
