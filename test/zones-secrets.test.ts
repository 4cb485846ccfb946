// Secrets through the API (validation, versions, the separate value capability) and the proof that
// no plaintext secret reaches the database: after creating a secret, a provider client secret and a
// password credential, the raw SQLite file (and its journal) or every PostgreSQL table is scanned.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { decodeGlobalID, encodeGlobalID } from '@pothos/plugin-relay';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MASTER_KEY_FILE } from '../src/infra/crypto/envelope.js';
import { account } from './support/fixtures.js';
import { provider as dbProvider, startTestApp, type TestApp } from './support/harness.js';
import { application, must, pageAll, refuses, zone, type Json } from './support/zones.js';

const local = (id: string) => decodeGlobalID(id).id;

describe(`secrets (${dbProvider})`, () => {
  let t: TestApp;
  let acme: string;
  let z: string;

  beforeAll(async () => {
    t = await startTestApp();
    acme = await account(t, 'Acme');
    z = await zone(t, acme, 'Vault');
  });
  afterAll(() => t.close());

  it('creates token and password secrets; the value is a separate field; versions count value changes', async () => {
    const app = await application(t, z, 'secret-owner');
    const { secret } = await must(
      t,
      'createSecret',
      { zoneId: z, name: 'github-token', description: 'CI token', metadata: { rotated: 'never' }, entityId: app, value: { token: { token: 'ghp_exampletoken' } } },
      'secret { id name type description metadata version entity { __typename ... on Application { id } } value { __typename ... on TokenSecretValue { token } } viewerCan(capability: "secret.value.read") }',
    );
    expect(secret).toMatchObject({ name: 'github-token', type: 'TOKEN', description: 'CI token', metadata: { rotated: 'never' }, version: 1, entity: { __typename: 'Application', id: app }, value: { __typename: 'TokenSecretValue', token: 'ghp_exampletoken' }, viewerCan: true });
    const renamed = await must(t, 'updateSecret', { id: secret.id, name: 'gh-token', description: null }, 'secret { name description version }');
    expect(renamed.secret).toEqual({ name: 'gh-token', description: null, version: 1 });
    const changed = await must(t, 'updateSecret', { id: secret.id, value: { password: { username: 'bot', password: 'pa55' } } }, 'secret { type version value { ... on PasswordSecretValue { username password } } }');
    expect(changed.secret).toEqual({ type: 'PASSWORD', version: 2, value: { username: 'bot', password: 'pa55' } });
    expect((await must(t, 'updateSecret', { id: secret.id, value: { token: { token: 't3' } } }, 'secret { version }')).secret.version).toBe(3);
    await must(t, 'deleteSecret', { id: secret.id }, 'deletedSecretId');
    expect((await t.ok<Json, Record<string, unknown>>(`query($id: ID!) { node(id: $id) { id } }`, { id: secret.id })).node).toBeNull();
  });

  it('refuses invalid secrets with typed errors naming the field', async () => {
    const token = { token: { token: 'x' } };
    await refuses(t, 'createSecret', { zoneId: z, name: '', value: token }, 'ValidationError', 'name');
    await refuses(t, 'createSecret', { zoneId: z, name: 's', description: 'd'.repeat(129), value: token }, 'ValidationError', 'description');
    await refuses(t, 'createSecret', { zoneId: z, name: 's', value: {} }, 'ValidationError', 'value');
    await refuses(t, 'createSecret', { zoneId: z, name: 's', value: { ...token, password: { username: 'u', password: 'p' } } }, 'ValidationError', 'value');
    await refuses(t, 'createSecret', { zoneId: z, name: 's', value: { token: { token: '' } } }, 'ValidationError', 'value');
    await refuses(t, 'createSecret', { zoneId: z, name: 's', entityId: encodeGlobalID('Application', 'nope'), value: token }, 'NotFoundError', 'entityId');
    await refuses(t, 'createSecret', { zoneId: z, name: 's', entityId: z, value: token }, 'NotFoundError', 'entityId');
    await refuses(t, 'createSecret', { zoneId: encodeGlobalID('Zone', 'nope'), name: 's', value: token }, 'NotFoundError', 'zoneId');
    const id = (await must(t, 'createSecret', { zoneId: z, name: 'taken', value: token }, 'secret { id }')).secret.id;
    await refuses(t, 'createSecret', { zoneId: z, name: 'taken', value: token }, 'ConflictError', 'name');
    await refuses(t, 'updateSecret', { id, value: {} }, 'ValidationError', 'value');
    await refuses(t, 'updateSecret', { id, description: 'd'.repeat(129) }, 'ValidationError', 'description');
    await refuses(t, 'updateSecret', { id: encodeGlobalID('Secret', 'nope'), name: 'x' }, 'NotFoundError', 'id');
    await refuses(t, 'deleteSecret', { id: encodeGlobalID('Secret', 'nope') }, 'NotFoundError', 'id');
  });

  it('Secret.value needs secret.value.read: a zone manager sees the secret, not its value', async () => {
    const id = (await must(t, 'createSecret', { zoneId: z, name: 'guarded', value: { token: { token: 'guarded-value' } } }, 'secret { id }')).secret.id;
    const password = 'a long enough password';
    const manager = (await must(t, 'createUser', { accountId: acme, email: 'secret-manager@acme.test', password }, 'user { id }')).user.id;
    await must(t, 'addZoneMember', { zoneId: z, userId: manager, role: 'ZONE_MANAGER' }, 'zoneMember { id }');
    const m = t.as(await t.login('secret-manager@acme.test', password));
    const seen: Json = await m.ok(`query($id: ID!) { node(id: $id) { ... on Secret { name version viewerCan(capability: "secret.value.read") } } }`, { id });
    expect(seen.node).toEqual({ name: 'guarded', version: 1, viewerCan: false });
    const denied = await m.gql(`query($id: ID!) { node(id: $id) { ... on Secret { value { __typename } } } }`, { id });
    expect(denied.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    expect(JSON.stringify(denied)).not.toContain('guarded-value');
    // Managing is allowed: a new value bumps the version.
    expect((await must(m, 'updateSecret', { id, value: { token: { token: 'next' } } }, 'secret { version }')).secret.version).toBe(2);
  });

  it('a ciphertext only opens on its own row (associated data: the secret id)', async () => {
    const a = (await must(t, 'createSecret', { zoneId: z, name: 'aad-a', value: { token: { token: 'value-of-a' } } }, 'secret { id }')).secret.id;
    const b = (await must(t, 'createSecret', { zoneId: z, name: 'aad-b', value: { token: { token: 'value-of-b' } } }, 'secret { id }')).secret.id;
    const cipherOfA = await t.app.store.zones.secrets.valueCipher(local(a));
    await t.app.db.prisma.secret.update({ where: { id: local(b) }, data: { valueCipher: cipherOfA! } });
    const result = await t.gql(`query($id: ID!) { node(id: $id) { ... on Secret { value { ... on TokenSecretValue { token } } } } }`, { id: b });
    expect(result.errors?.length).toBeGreaterThan(0);
    expect(JSON.stringify(result)).not.toContain('value-of-a');
  });

  it('lists secrets by search and type, with paging', async () => {
    const fresh = await zone(t, acme, 'Secret list');
    const ids = [];
    for (let i = 0; i < 5; i++) {
      const value = i % 2 ? { password: { username: 'u', password: 'p' } } : { token: { token: 't' } };
      ids.push((await must(t, 'createSecret', { zoneId: fresh, name: i < 3 ? `db-${i}` : `api-${i}`, value }, 'secret { id }')).secret.id);
    }
    expect(await pageAll(t, fresh, 'Zone', 'secrets', '', 2)).toEqual({ ids, totalCount: 5, pages: 3 });
    expect((await pageAll(t, fresh, 'Zone', 'secrets', 'search: "DB-"', 2)).ids).toEqual(ids.slice(0, 3));
    expect((await pageAll(t, fresh, 'Zone', 'secrets', 'type: PASSWORD', 1)).ids).toEqual([ids[1], ids[3]]);
  });

  it('keeps no plaintext secret in the database', async () => {
    const plaintexts = {
      secretToken: `zone-secret-token-${Math.random().toString(36).slice(2)}`,
      secretPassword: `zone-secret-password-${Math.random().toString(36).slice(2)}`,
      clientSecret: `provider-client-secret-${Math.random().toString(36).slice(2)}`,
      credentialPassword: '',
    };
    await must(t, 'createSecret', { zoneId: z, name: 'scan-token', value: { token: { token: plaintexts.secretToken } } }, 'secret { id }');
    await must(t, 'createSecret', { zoneId: z, name: 'scan-password', value: { password: { username: 'scan-user', password: plaintexts.secretPassword } } }, 'secret { id }');
    await must(t, 'createProvider', { zoneId: z, identifier: 'scan-idp', name: 'Scan IdP', clientSecret: plaintexts.clientSecret, oauth2: { issuer: 'https://scan.example' } }, 'provider { id }');
    const app = await application(t, z, 'scan-app');
    plaintexts.credentialPassword = (await must(t, 'createApplicationCredential', { applicationId: app, password: { identifier: 'scan-client' } }, 'password')).password;
    expect(plaintexts.credentialPassword.length).toBeGreaterThan(20);

    // The values are there, readable where they should be: the scan below is not vacuous.
    const values: Json = await t.ok(`query($z: ID!) { zone(id: $z) { secrets(search: "scan-", first: 10) { edges { node { value { ... on TokenSecretValue { token } ... on PasswordSecretValue { password } } } } } } }`, { z });
    expect(JSON.stringify(values)).toContain(plaintexts.secretToken);
    expect(JSON.stringify(values)).toContain(plaintexts.secretPassword);

    let haystack: string;
    let scanned: string;
    if (dbProvider === 'sqlite') {
      await t.app.db.prisma.$queryRawUnsafe('PRAGMA wal_checkpoint(FULL)').catch(() => undefined);
      const dir = t.database.dataDir;
      const files = readdirSync(dir).filter((f) => f.startsWith('keygraph.db'));
      haystack = files.map((f) => readFileSync(join(dir, f)).toString('latin1')).join('\n');
      scanned = `${files.join(', ')} (${haystack.length} bytes)`;
      // The scan does see stored text: a name and the scrypt hash of the credential are there.
      expect(haystack).toContain('scan-token');
      expect(haystack).toContain('scrypt$');
    } else {
      const client = new pg.Client({ connectionString: t.database.url });
      await client.connect();
      const tables = (await client.query<{ table_name: string }>(`SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' AND table_type = 'BASE TABLE'`)).rows.map((r) => r.table_name);
      const parts: string[] = [];
      for (const table of tables) parts.push(...(await client.query<{ row: string }>(`SELECT t::text AS row FROM "${table}" t`)).rows.map((r) => r.row));
      await client.end();
      haystack = parts.join('\n');
      scanned = `${tables.length} tables, ${parts.length} rows`;
      expect(tables).toEqual(expect.arrayContaining(['Secret', 'Provider', 'ApplicationCredential']));
      expect(haystack).toContain('scan-token');
      expect(haystack).toContain('scrypt$');
    }
    for (const [what, value] of Object.entries(plaintexts)) expect(haystack.includes(value), `${what} found in ${scanned}`).toBe(false);
    console.log(`raw scan (${dbProvider}): ${scanned}, none of ${Object.keys(plaintexts).length} plaintexts found`);
  });

  it('the generated master key is kept in the data directory, readable by its owner only', () => {
    const mode = statSync(join(t.database.dataDir, MASTER_KEY_FILE)).mode & 0o777;
    expect(mode).toBe(0o600);
  });
});
