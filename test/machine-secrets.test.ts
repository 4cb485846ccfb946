// The Proof items of issue 5 about machine secrets: no plaintext secret reaches the database (a raw scan
// of the SQLite file or of every PostgreSQL table), 20 concurrent rotations leave exactly one valid token,
// malformed tokens are refused before any database statement, and the token format itself (entropy,
// checksum, kinds).
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hashToken, issueToken, parseToken, randomBase62, TOKEN_KINDS, type TokenKind } from '../src/domain/credentials/token.js';
import { account } from './support/fixtures.js';
import { capturingSender, type CapturingSender } from './support/outbox.js';
import { provider, startTestApp, type TestApp } from './support/harness.js';

// Responses are checked field by field below.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Json = any;
type Vars = Record<string, unknown>;

const ERRORS = 'errors { __typename message field }';
const CREATE_SA = `mutation($i: CreateServiceAccountInput!) { createServiceAccount(input: $i) { token serviceAccount { id tokenPublicId } ${ERRORS} } }`;
const ROTATE_SA = `mutation($i: RotateServiceAccountTokenInput!) { rotateServiceAccountToken(input: $i) { token serviceAccount { id tokenPublicId tokenLast4 } ${ERRORS} } }`;
const CREATE_CREDENTIAL = `mutation($i: CreateServiceAccountCredentialInput!) { createServiceAccountCredential(input: $i) { clientSecret credential { id clientId } ${ERRORS} } }`;
const CREATE_KEY = `mutation($i: CreateApiKeyInput!) { createApiKey(input: $i) { key apiKey { id keyPublicId } ${ERRORS} } }`;
const ROTATE_KEY = `mutation($i: RotateApiKeyInput!) { rotateApiKey(input: $i) { key apiKey { id keyPublicId } ${ERRORS} } }`;
const INVITE = `mutation($i: CreateInvitationInput!) { createInvitation(input: $i) { invitation { id } ${ERRORS} } }`;
const RESEND = `mutation($i: ResendInvitationInput!) { resendInvitation(input: $i) { invitation { id } ${ERRORS} } }`;
const LOGIN = `mutation($i: LoginInput!) { login(input: $i) { token ${ERRORS} } }`;
const VIEWER = '{ viewer { principalType serviceAccount { id } apiKey { id } } }';
const NODE_SA = 'query($id: ID!) { node(id: $id) { ... on ServiceAccount { tokenPublicId tokenLast4 } } }';

const ALPHABET = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
const KINDS = Object.keys(TOKEN_KINDS) as TokenKind[];

/** `token` with the character at `index` replaced by `char`. */
const replaceAt = (token: string, index: number, char: string) => token.slice(0, index) + char + token.slice(index + 1);
/** Another base62 character than `char`. */
const otherThan = (char: string) => (char === 'A' ? 'B' : 'A');
const basic = (clientId: string, clientSecret: string) => `Basic ${Buffer.from(`${clientId}:${clientSecret}`).toString('base64')}`;

describe(`machine secrets (${provider})`, () => {
  let t: TestApp;
  let sender: CapturingSender;
  let acme: string;

  const http = (authorization: string | null, query: string, variables: Vars = {}) => t.raw<Json>(authorization, query, variables);

  async function mutate(document: string, i: Vars, field: string): Promise<Json> {
    const result = (await t.ok<Json, Vars>(document, { i }))[field];
    expect(result.errors, field).toEqual([]);
    return result;
  }

  /** Everything the database holds, as text: the SQLite files (with the WAL), or every PostgreSQL table as JSON. */
  async function rawDatabase(): Promise<string> {
    if (provider === 'sqlite') {
      const file = t.database.url.replace(/^file:/, '');
      const files = readdirSync(dirname(file)).filter((name) => name.startsWith(basename(file))).map((name) => join(dirname(file), name));
      expect(files).toContain(file);
      return Buffer.concat(files.filter((f) => existsSync(f)).map((f) => readFileSync(f))).toString('latin1');
    }
    const client = new pg.Client({ connectionString: t.database.url });
    await client.connect();
    try {
      const tables = await client.query<{ table_name: string }>("SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' AND table_type = 'BASE TABLE' ORDER BY table_name");
      expect(tables.rows.map((r) => r.table_name)).toEqual(expect.arrayContaining(['ServiceAccount', 'ServiceAccountCredential', 'ApiKey', 'Invitation', 'OutboxMessage', 'Session']));
      const parts: string[] = [];
      for (const { table_name } of tables.rows) {
        const rows = await client.query<{ j: string }>(`SELECT row_to_json(t)::text AS j FROM "${table_name.replaceAll('"', '""')}" t`);
        parts.push(`${table_name}:`, ...rows.rows.map((r) => r.j));
      }
      return parts.join('\n');
    } finally {
      await client.end();
    }
  }

  beforeAll(async () => {
    sender = capturingSender();
    t = await startTestApp({}, { sender });
    acme = await account(t, 'Acme');
  });
  afterAll(() => t.close());

  it('a raw database scan after issuing and rotating every kind of secret finds no plaintext, but finds what is stored', async () => {
    const plaintexts: { what: string; value: string }[] = [];
    const keep = (what: string, value: string) => {
      expect(typeof value, what).toBe('string');
      plaintexts.push({ what, value });
      return value;
    };

    // Service-account tokens: issued, rotated with a grace period (two tokens valid), rotated again.
    const sa = await mutate(CREATE_SA, { accountId: acme, name: 'Scanner bait machine' }, 'createServiceAccount');
    const saId = sa.serviceAccount.id;
    keep('service account token', sa.token);
    const graced = await mutate(ROTATE_SA, { id: saId, gracePeriodSeconds: 3600 }, 'rotateServiceAccountToken');
    keep('service account token (rotated, in grace)', graced.token);
    const current = await mutate(ROTATE_SA, { id: saId, gracePeriodSeconds: 600 }, 'rotateServiceAccountToken');
    const saToken = keep('service account token (current)', current.token);
    // A session started with it (its JWT is not stored either).
    const session = (await t.as(null).ok<Json, Vars>(LOGIN, { i: { serviceAccountToken: saToken } })).login;
    expect(session.errors).toEqual([]);
    keep('service account session token', session.token);

    // Client secrets: two credentials.
    const credentials = [];
    for (const name of ['scan ci', 'scan cd']) {
      const made = await mutate(CREATE_CREDENTIAL, { serviceAccountId: saId, name }, 'createServiceAccountCredential');
      keep(`client secret ${name}`, made.clientSecret);
      credentials.push({ clientId: made.credential.clientId as string, clientSecret: made.clientSecret as string });
    }

    // API keys: issued and rotated.
    const key = await mutate(CREATE_KEY, { accountId: acme, name: 'Scan key', permissions: ['group.read'] }, 'createApiKey');
    keep('API key', key.key);
    const rotatedKey = await mutate(ROTATE_KEY, { id: key.apiKey.id }, 'rotateApiKey');
    const apiKey = keep('API key (rotated)', rotatedKey.key);

    // Invitation tokens: sent, then resent (a new token), captured from the sender.
    const email = 'scanned.invitee@acme.test';
    const invitation = await mutate(INVITE, { accountId: acme, email, note: 'scan note' }, 'createInvitation');
    await t.app.services.outbox.flush();
    const firstInvitation = keep('invitation token', sender.tokenFor(email));
    await mutate(RESEND, { id: invitation.invitation.id }, 'resendInvitation');
    await t.app.services.outbox.flush();
    const invitationToken = keep('invitation token (resent)', sender.tokenFor(email));
    expect(invitationToken).not.toBe(firstInvitation);
    expect(sender.messages.filter((m) => m.to === email)).toHaveLength(2);

    // Every secret still works (so they are the real ones), before the scan.
    expect((await http(`Bearer ${saToken}`, VIEWER)).body.data.viewer.serviceAccount.id).toBe(saId);
    expect((await http(`Bearer ${graced.token}`, VIEWER)).status).toBe(200);
    expect((await http(`Bearer ${apiKey}`, VIEWER)).body.data.viewer.apiKey.id).toBe(key.apiKey.id);
    expect((await http(basic(credentials[0]!.clientId, credentials[0]!.clientSecret), VIEWER)).status).toBe(200);
    expect((await http(`Bearer ${session.token}`, VIEWER)).status).toBe(200);

    const raw = await rawDatabase();
    // The scan sees the database: names, public ids, client ids and the SHA-256 digests are there.
    const stored = [
      'Scanner bait machine',
      'Scan key',
      'scan note',
      current.serviceAccount.tokenPublicId,
      rotatedKey.apiKey.keyPublicId,
      credentials[0]!.clientId,
      hashToken(saToken),
      hashToken(graced.token),
      hashToken(credentials[1]!.clientSecret),
      hashToken(apiKey),
      hashToken(invitationToken),
    ];
    for (const value of stored) expect(raw.includes(value), `stored value ${value} is in the scan`).toBe(true);

    // ...and no plaintext, nor its secret part (the token minus its prefix; the 30 random characters).
    const leaks: string[] = [];
    for (const { what, value } of plaintexts) {
      const needles = [value];
      if (/^kg[skcie]_/.test(value)) needles.push(value.slice(4), value.slice(14, 44));
      else needles.push(value.split('.').at(-1)!); // a JWT's signature
      for (const needle of needles) if (raw.includes(needle)) leaks.push(`${what}: ${needle}`);
    }
    expect(plaintexts.length).toBe(10);
    expect(leaks).toEqual([]);
  });

  it('20 concurrent rotations of one service account all succeed and leave exactly one valid token', async () => {
    const sa = await mutate(CREATE_SA, { accountId: acme, name: 'Contended' }, 'createServiceAccount');
    const id = sa.serviceAccount.id;
    const results = await Promise.all(Array.from({ length: 20 }, () => t.gql<Json, Vars>(ROTATE_SA, { i: { id, gracePeriodSeconds: 0 } })));
    const outcomes = results.map((r) => (r.errors ? `top-level: ${r.errors[0]!.message}` : r.data.rotateServiceAccountToken.errors.map((e: Json) => e.__typename).join(',') || 'ok'));
    expect(outcomes).toEqual(Array(20).fill('ok'));
    const tokens: string[] = results.map((r) => r.data.rotateServiceAccountToken.token);
    expect(new Set(tokens).size).toBe(20);

    const statuses: number[] = [];
    for (const token of tokens) statuses.push((await http(`Bearer ${token}`, VIEWER)).status);
    const survivors = tokens.filter((_, i) => statuses[i] === 200);
    expect(statuses.filter((s) => s === 401)).toHaveLength(19);
    expect(survivors).toHaveLength(1);
    expect((await http(`Bearer ${sa.token}`, VIEWER)).status).toBe(401);
    // The survivor is the token the service account now names.
    const now = (await t.ok<Json, Vars>(NODE_SA, { id })).node;
    expect(now).toEqual({ tokenPublicId: survivors[0]!.slice(4, 14), tokenLast4: survivors[0]!.slice(-4) });
    // ...and the survivor is the one a later rotation replaces.
    const next = await mutate(ROTATE_SA, { id }, 'rotateServiceAccountToken');
    expect((await http(`Bearer ${survivors[0]}`, VIEWER)).status).toBe(401);
    expect((await http(`Bearer ${next.token}`, VIEWER)).status).toBe(200);
  });

  it('20 concurrent rotations with a grace period leave exactly two valid tokens: the survivor and the one it replaced', async () => {
    const sa = await mutate(CREATE_SA, { accountId: acme, name: 'Contended with grace' }, 'createServiceAccount');
    const id = sa.serviceAccount.id;
    const results = await Promise.all(Array.from({ length: 20 }, () => t.gql<Json, Vars>(ROTATE_SA, { i: { id, gracePeriodSeconds: 300 } })));
    expect(results.map((r) => (r.errors ? 'top-level error' : r.data.rotateServiceAccountToken.errors.length ? 'payload error' : 'ok'))).toEqual(Array(20).fill('ok'));
    const tokens: string[] = results.map((r) => r.data.rotateServiceAccountToken.token);
    const valid: string[] = [];
    for (const token of tokens) if ((await http(`Bearer ${token}`, VIEWER)).status === 200) valid.push(token);
    // Serialised rotations: only the first one replaced the original, so the original is past its grace.
    expect((await http(`Bearer ${sa.token}`, VIEWER)).status).toBe(401);
    expect(valid).toHaveLength(2);
    const now = (await t.ok<Json, Vars>(NODE_SA, { id })).node;
    expect(valid.map((token) => token.slice(4, 14))).toContain(now.tokenPublicId);
  });

  it('malformed, wrong-checksum and wrong-kind tokens are refused with 401 before any database statement', async () => {
    const sa = await mutate(CREATE_SA, { accountId: acme, name: 'Probe target' }, 'createServiceAccount');
    const key = await mutate(CREATE_KEY, { accountId: acme, name: 'Probe key', permissions: [] }, 'createApiKey');
    const credential = await mutate(CREATE_CREDENTIAL, { serviceAccountId: sa.serviceAccount.id, name: 'probe' }, 'createServiceAccountCredential');
    const clientId: string = credential.credential.clientId;
    const clientSecret: string = credential.clientSecret;
    // Nothing else in flight: the outbox is idle, and the real secrets work.
    await t.app.services.outbox.flush();
    expect((await http(`Bearer ${sa.token}`, VIEWER)).status).toBe(200);
    expect((await http(`Bearer ${key.key}`, VIEWER)).status).toBe(200);
    expect((await http(basic(clientId, clientSecret), VIEWER)).status).toBe(200);

    const variants = (token: string): [string, string][] => [
      ['checksum character changed', replaceAt(token, token.length - 1, otherThan(token.at(-1)!))],
      ['first checksum character changed', replaceAt(token, token.length - 6, otherThan(token.at(-6)!))],
      ['public id character changed', replaceAt(token, 6, otherThan(token[6]!))],
      ['secret character changed', replaceAt(token, 30, otherThan(token[30]!))],
      ['two characters swapped', token[20] === token[21] ? replaceAt(token, 20, otherThan(token[20]!)) : token.slice(0, 20) + token[21] + token[20] + token.slice(22)],
      ['one character short', token.slice(0, -1)],
      ['one character long', `${token}A`],
      ['body only', token.slice(0, 4) + token.slice(4, 44)],
      ['doubled', token + token.slice(4)],
      ['character outside base62 (-)', replaceAt(token, 25, '-')],
      ['character outside base62 (.)', replaceAt(token, 25, '.')],
      ['character outside base62 (_)', replaceAt(token, 25, '_')],
      ['character outside base62 (=)', replaceAt(token, token.length - 1, '=')],
      ['prefix only', token.slice(0, 4)],
    ];
    const probes: [string, string][] = [
      ...variants(sa.token).map(([what, token]): [string, string] => [`kgs ${what}`, `Bearer ${token}`]),
      ...variants(key.key).map(([what, token]): [string, string] => [`kgk ${what}`, `Bearer ${token}`]),
      // Well-formed secrets of a kind that is not a bearer credential.
      ['kgc as a bearer', `Bearer ${issueToken('clientSecret').token}`],
      ['kgi as a bearer', `Bearer ${issueToken('invitation').token}`],
      ['kgs with another kind’s prefix', `Bearer kgk_${sa.token.slice(4)}`],
      // Basic: a malformed secret, a secret of another kind, a malformed client id.
      ...variants(clientSecret).slice(0, 4).map(([what, secret]): [string, string] => [`client secret ${what}`, basic(clientId, secret)]),
      ['client secret of another kind', basic(clientId, issueToken('serviceAccount').token)],
      ['client id malformed', basic(`${clientId}x`, clientSecret)],
      ['client id of another shape', basic(`kgcid-${clientId.slice(6)}`, clientSecret)],
    ];
    expect(probes.length).toBe(14 * 2 + 3 + 4 + 3);

    const costs: Record<string, number> = {};
    for (const [what, authorization] of probes) {
      const before = await t.statements();
      const { status, body } = await http(authorization, VIEWER);
      costs[what] = (await t.statements()) - before;
      expect(status, what).toBe(401);
      expect(body.errors?.[0]?.extensions?.code, what).toBe('UNAUTHENTICATED');
      expect(body.data ?? null, what).toBeNull();
    }
    expect(costs).toEqual(Object.fromEntries(probes.map(([what]) => [what, 0])));

    // Contrast: well-formed but unknown secrets are looked up (so the counter does count these requests).
    const unknown: [string, string][] = [
      ['unknown kgs', `Bearer ${issueToken('serviceAccount').token}`],
      ['unknown kgk', `Bearer ${issueToken('apiKey').token}`],
      ['unknown client id', basic(`kgcid_${randomBase62(22)}`, issueToken('clientSecret').token)],
      ['wrong client secret', basic(clientId, issueToken('clientSecret').token)],
    ];
    for (const [what, authorization] of unknown) {
      const before = await t.statements();
      const { status } = await http(authorization, VIEWER);
      const cost = (await t.statements()) - before;
      expect(status, what).toBe(401);
      expect(cost, what).toBeGreaterThanOrEqual(1);
    }
  });

  describe('token format (issueToken / parseToken)', () => {
    it('1000 issued tokens per kind are distinct, well-formed, and parse back with their kind and public id', () => {
      for (const kind of KINDS) {
        const seen = new Set<string>();
        const hashes = new Set<string>();
        for (let i = 0; i < 1000; i++) {
          const issued = issueToken(kind);
          expect(issued.token).toMatch(new RegExp(`^${TOKEN_KINDS[kind]}_[0-9A-Za-z]{46}$`));
          expect(parseToken(issued.token)).toEqual({ kind, publicId: issued.publicId });
          expect(issued.publicId).toBe(issued.token.slice(4, 14));
          expect(issued.prefix).toBe(issued.token.slice(0, 12));
          expect(issued.last4).toBe(issued.token.slice(-4));
          expect(issued.hash).toBe(hashToken(issued.token));
          expect(issued.hash).toMatch(/^[0-9a-f]{64}$/);
          seen.add(issued.token);
          hashes.add(issued.hash);
        }
        expect(seen.size, kind).toBe(1000);
        expect(hashes.size, kind).toBe(1000);
      }
    });

    it('every one-character substitution, at every position, fails the checksum (exhaustive over the alphabet)', () => {
      let tried = 0;
      const accepted: string[] = [];
      for (const kind of KINDS) {
        for (let n = 0; n < 5; n++) {
          const { token } = issueToken(kind);
          for (let index = 0; index < token.length; index++) {
            for (const char of `${ALPHABET}_-`) {
              if (char === token[index]) continue;
              const changed = replaceAt(token, index, char);
              tried++;
              if (parseToken(changed) !== null) accepted.push(changed);
            }
          }
        }
      }
      expect(tried).toBe(KINDS.length * 5 * 50 * 63);
      expect(accepted).toEqual([]);
    });

    it('adjacent transpositions, truncations, extensions and case changes fail too; garbage never parses', () => {
      const accepted: string[] = [];
      for (let n = 0; n < 200; n++) {
        const { token } = issueToken(KINDS[n % KINDS.length]!);
        for (let index = 0; index + 1 < token.length; index++) {
          if (token[index] === token[index + 1]) continue;
          const swapped = token.slice(0, index) + token[index + 1] + token[index] + token.slice(index + 2);
          if (parseToken(swapped) !== null) accepted.push(swapped);
        }
        for (const changed of [token.slice(0, -1), `${token}0`, token.toUpperCase(), token.toLowerCase(), ` ${token}`, `${token}\n`, token.replace('_', '-')]) {
          if (changed !== token && parseToken(changed) !== null) accepted.push(changed);
        }
      }
      expect(accepted).toEqual([]);
      for (const garbage of ['', 'kgs_', 'kgx_' + randomBase62(46), 'kgs_' + randomBase62(46), 'Bearer kgs_' + randomBase62(46), 'x'.repeat(50)]) {
        expect(parseToken(garbage), garbage).toBeNull();
      }
    });

    it('the secret part holds at least 160 bits: 30 uniformly drawn base62 characters', () => {
      const secrets = Array.from({ length: 2000 }, () => issueToken('serviceAccount').token.slice(14, 44));
      for (const secret of secrets) expect(secret).toMatch(/^[0-9A-Za-z]{30}$/);
      expect(30 * Math.log2(62)).toBeGreaterThanOrEqual(160);
      // Uniform over the alphabet (no modulo bias, every character used): 60,000 draws, 62 buckets of ~968.
      const counts = new Map<string, number>();
      for (const secret of secrets) for (const char of secret) counts.set(char, (counts.get(char) ?? 0) + 1);
      expect(counts.size).toBe(62);
      const expected = (secrets.length * 30) / 62;
      const chiSquare = [...counts.values()].reduce((sum, count) => sum + (count - expected) ** 2 / expected, 0);
      // 61 degrees of freedom: p < 1e-6 above ~125. A '% 62' on raw bytes would skew the first 8 characters by ~25%.
      expect(chiSquare).toBeLessThan(125);
      // The public id and the secret are independent draws: no secret repeats, no secret equals its public id.
      expect(new Set(secrets).size).toBe(secrets.length);
    });
  });
});
