// npm run seed:demo [-- --password <password>]
// Fills the configured database with demo data (an account with people, groups, two zones with
// applications, credentials, resources, providers, secrets, grants and sessions) and prints how to log in.
// Running it again changes nothing and prints the same instructions (the password is not stored anywhere
// readable: pass --password to choose it, or note the generated one the first time).
import { randomBytes } from 'node:crypto';
import { parseArgs } from 'node:util';
import { encodeGlobalID } from '@pothos/plugin-relay';
import pino from 'pino';
import { loadConfig } from '../config.js';
import { DEMO_OWNER_EMAIL, seedDemo } from '../domain/demo.js';
import { ScryptHasher } from '../infra/crypto/password.js';
import type { MessageSender } from '../domain/machine/outbox.js';
import { createApp } from '../server/app.js';

const { values } = parseArgs({ options: { password: { type: 'string' } } });
const password = values.password ?? `demo-${randomBytes(9).toString('base64url')}`;
if (password.length < 8) {
  console.error('--password must be at least 8 characters');
  process.exit(2);
}
const config = loadConfig();
// The demo's outgoing messages (its invitation) are printed here, in full: this command is where someone
// trying keygraph looks. The outbox marks a message delivered only once it has been printed.
const printed: string[] = [];
const consoleSender: MessageSender = {
  send: async (message) => {
    printed.push(`outgoing message (${message.kind}) to ${message.to}: ${message.subject}\n${message.text}${message.link && !message.text.includes(message.link) ? `\n${message.link}` : ''}`);
  },
};
const app = await createApp(config, { log: pino({ level: 'warn' }), sender: consoleSender });
try {
  const result = await seedDemo(app.store, app.services, new ScryptHasher(), password);
  await app.services.outbox.flush();
  const url = `${config.publicUrl}/graphql`;
  const start = process.env.KEYGRAPH_PUBLIC_URL || !process.env.PORT ? 'npm start' : `PORT=${config.port} npm start`;
  console.log(result.created ? 'keygraph: demo data created.' : 'keygraph: the demo data is already there; nothing changed.');
  console.log(`
Open ${url} (${start}) and log in:

  mutation { login(input: { identifier: "${DEMO_OWNER_EMAIL}", password: "${result.created ? password : '<the password printed the first time>'}" }) { token } }

Put the token in GraphiQL's Headers tab as {"Authorization": "Bearer <token>"}, then:

  query Demo($zone: ID!) {
    zone(id: $zone) {
      name slug protocols { oauth2 { issuer tokenEndpoint } }
      applications(first: 10) { totalCount edges { node { name traits ownerType dependenciesCount
        credentials(first: 5) { edges { node { __typename identifier } } }
        dependencies(first: 5) { edges { node { resource { name } } } } } } }
      providers(first: 5) { edges { node { name type clientSecretSet } } }
      sessions(first: 10) { edges { node { __typename name status ... on UserSession { children { totalCount } } } } }
      secrets(first: 5) { edges { node { name version value { __typename } } } }
    }
  }

with variables {"zone": "${result.zoneIds[0] ? encodeGlobalID('Zone', result.zoneIds[0]) : ''}"} (account ${encodeGlobalID('Account', result.accountId)}).
The other demo people (ada, grace, linus, margaret @acme-demo.example) have the same password; grace manages
the Production zone (ZONE_MANAGER), linus views it (ZONE_VIEWER), ada manages Staging.`);
  if (result.credentialPassword) console.log(`\nThe Acme Console's password credential (client id acme-console), shown this once: ${result.credentialPassword}`);
  if (result.machineSecrets) {
    console.log(`The "CI deployer" service account's token, shown this once (use it as a Bearer token): ${result.machineSecrets.serviceAccountToken}`);
    console.log(`The read-only "Reporting" API key (Analytics workspace only), shown this once: ${result.machineSecrets.apiKey}`);
  }
  if (result.authorizeExample) {
    const e = result.authorizeExample;
    const input = { zoneId: encodeGlobalID('Zone', e.zoneId), principalId: encodeGlobalID('ZoneUser', e.zoneUserId), action: 'access', resourceId: encodeGlobalID('Resource', e.resourceId), context: { scopes: e.scopes } };
    console.log(`
Ask Production's policies for a decision (the "production-baseline" set is ACTIVE, "candidate-no-file-writes" is SHADOW):

  query Decide($input: AuthorizeInput!) {
    authorize(input: $input) { decision reasons { policyId policyVersionId } errors shadow { policySetVersion decision differs } }
  }

with variables {"input": ${JSON.stringify(input)}}
(ALLOW, while the shadow candidate says DENY; then see zone(id:) { policySets { edges { node { name mode shadowDiffs { evaluated differing } } } } }).`);
  }
  for (const message of printed) console.log(`\n${message}`);
  if (printed.length) console.log(`(open the link while the server runs: it shows the invitation and accepts it)`);
} finally {
  await app.close();
}
