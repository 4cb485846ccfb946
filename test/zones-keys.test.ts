// Zone signing keys (issue 14): each zone signs with its own RS256 key, sealed at rest (purpose
// "zone-keys"), published at the zone's protocols.oauth2.jwksUri. A signature made by the domain
// verifies with jose against the JWKS fetched over the app; rotation keeps old keys published until
// they are retired.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { decodeGlobalID, encodeGlobalID } from '@pothos/plugin-relay';
import { createLocalJWKSet, flattenedVerify, type JSONWebKeySet } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSealer, loadMasterKey, MASTER_KEY_FILE } from '../src/infra/crypto/envelope.js';
import { account } from './support/fixtures.js';
import { provider as dbProvider, startTestApp, type TestApp } from './support/harness.js';
import { must, refuses, zone, type Json } from './support/zones.js';

const local = (id: string) => decodeGlobalID(id).id;
const PASSWORD = 'a long enough password';

describe(`zone signing keys (${dbProvider})`, () => {
  let t: TestApp;
  let acme: string;
  let z: string;

  async function jwksUri(zoneId: string): Promise<string> {
    const data: Json = await t.ok(`query($id: ID!) { zone(id: $id) { protocols { oauth2 { jwksUri } } } }`, { id: zoneId });
    return data.zone.protocols.oauth2.jwksUri;
  }
  async function fetchJwks(zoneId: string): Promise<JSONWebKeySet> {
    const url = new URL(await jwksUri(zoneId));
    const response = await t.app.fetch(url.pathname);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toContain('application/json');
    return (await response.json()) as JSONWebKeySet;
  }
  const sign = (zoneId: string, text: string) => t.app.services.zones.keys.sign(local(zoneId), new TextEncoder().encode(text));
  const verify = async (jws: { protected: string; payload: string; signature: string }, jwks: JSONWebKeySet) =>
    new TextDecoder().decode((await flattenedVerify(jws, createLocalJWKSet(jwks), { algorithms: ['RS256'] })).payload);
  const keys = async (zoneId: string, extra = '') =>
    ((await t.ok(`query($id: ID!) { zone(id: $id) { signingKeys${extra} { totalCount edges { node { id kid alg current retiredAt publicJwk } } } } }`, { id: zoneId })) as Json).zone.signingKeys;

  beforeAll(async () => {
    t = await startTestApp();
    acme = await account(t, 'Acme');
    z = await zone(t, acme, 'Signing');
  });
  afterAll(() => t.close());

  it('a new zone gets its first key on first need (not by an anonymous JWKS fetch); the JWKS verifies what the domain signs', async () => {
    expect((await keys(z)).totalCount).toBe(0);
    // Anyone may fetch the JWKS: before the zone signs anything it is empty, and fetching creates no key.
    expect(await fetchJwks(z)).toEqual({ keys: [] });
    expect((await keys(z)).totalCount).toBe(0);
    const first = await sign(z, 'first');
    const jwks = await fetchJwks(z);
    expect(jwks.keys).toHaveLength(1);
    expect(await verify(first, jwks)).toBe('first');
    const [jwk] = jwks.keys as Json[];
    expect(Object.keys(jwk).sort()).toEqual(['alg', 'e', 'kid', 'kty', 'n', 'use']);
    expect(jwk).toMatchObject({ kty: 'RSA', alg: 'RS256', use: 'sig' });
    const listed = await keys(z);
    expect(listed.totalCount).toBe(1);
    expect(listed.edges[0].node).toMatchObject({ kid: jwk.kid, alg: 'RS256', current: true, retiredAt: null, publicJwk: jwk });

    const jws = await sign(z, '{"hello":"zone"}');
    expect(JSON.parse(Buffer.from(jws.protected, 'base64url').toString())).toEqual({ alg: 'RS256', kid: jwk.kid });
    expect(await verify(jws, jwks)).toBe('{"hello":"zone"}');
    // Another zone's JWKS does not verify it: each zone has its own key.
    const other = await zone(t, acme, 'Other');
    await sign(other, 'other');
    const otherJwks = await fetchJwks(other);
    expect(otherJwks.keys[0]!.kid).not.toBe(jwk.kid);
    await expect(verify(jws, otherJwks)).rejects.toThrow();
    // Fetching again creates nothing more.
    expect((await fetchJwks(z)).keys).toEqual(jwks.keys);
  });

  it('an unknown zone answers 404, as does a deleted one', async () => {
    expect((await t.app.fetch(`/zones/${'0'.repeat(26)}/.well-known/jwks.json`)).status).toBe(404);
    const gone = await zone(t, acme, 'Gone');
    await sign(gone, 'gone');
    const path = new URL(await jwksUri(gone)).pathname;
    await must(t, 'deleteZone', { id: gone }, 'deletedZoneId');
    expect((await t.app.fetch(path)).status).toBe(404);
    expect(await t.app.db.prisma.zoneSigningKey.count({ where: { zoneId: local(gone) } })).toBe(0);
  });

  it('rotation makes a new current key; old keys verify until retired; the current key cannot be retired', async () => {
    const rz = await zone(t, acme, 'Rotating');
    const before = await sign(rz, 'signed before');
    const { signingKey, zone: zoneOut } = await must(t, 'rotateZoneSigningKey', { zoneId: rz }, 'signingKey { id kid current } zone { id }');
    expect(zoneOut.id).toBe(rz);
    expect(signingKey.current).toBe(true);
    const after = await sign(rz, 'signed after');
    expect(JSON.parse(Buffer.from(after.protected, 'base64url').toString()).kid).toBe(signingKey.kid);
    const jwks = await fetchJwks(rz);
    expect(jwks.keys.map((k) => k.kid)).toEqual([signingKey.kid, before.kid]);
    expect(await verify(before, jwks)).toBe('signed before');
    expect(await verify(after, jwks)).toBe('signed after');
    const listed = await keys(rz);
    expect(listed.edges.map((e: Json) => [e.node.kid, e.node.current])).toEqual([[before.kid, false], [signingKey.kid, true]]);

    await refuses(t, 'retireZoneSigningKey', { id: signingKey.id }, 'ConflictError', 'id');
    const old = listed.edges[0].node.id;
    const retired = await must(t, 'retireZoneSigningKey', { id: old }, 'signingKey { id retiredAt current }');
    expect(retired.signingKey.retiredAt).not.toBeNull();
    await refuses(t, 'retireZoneSigningKey', { id: old }, 'ConflictError', 'id');
    const now = await fetchJwks(rz);
    expect(now.keys.map((k) => k.kid)).toEqual([signingKey.kid]);
    await expect(verify(before, now)).rejects.toThrow();
    expect(await verify(after, now)).toBe('signed after');
    expect((await keys(rz)).totalCount).toBe(1);
    expect((await keys(rz, '(includeRetired: true)')).totalCount).toBe(2);
    await refuses(t, 'retireZoneSigningKey', { id: encodeGlobalID('ZoneSigningKey', 'nope') }, 'NotFoundError', 'id');
    await refuses(t, 'rotateZoneSigningKey', { zoneId: encodeGlobalID('Zone', 'nope') }, 'NotFoundError', 'zoneId');
  });

  it('the private key is sealed at rest for the purpose "zone-keys", bound to the key id', async () => {
    const jws = await sign(z, 'x');
    const row = await t.app.db.prisma.zoneSigningKey.findFirstOrThrow({ where: { zoneId: local(z), kid: jws.kid } });
    expect(row.privateKeyCipher).not.toContain('"d"');
    expect(JSON.stringify(row.publicJwk)).not.toContain('"d"');
    const masterKey = loadMasterKey({ dataDir: t.database.dataDir, configured: undefined });
    expect(readFileSync(join(t.database.dataDir, MASTER_KEY_FILE)).length).toBeGreaterThan(0);
    const opened = JSON.parse(createSealer(masterKey, 'zone-keys').open(row.privateKeyCipher, row.id));
    expect(opened).toMatchObject({ kty: 'RSA', kid: jws.kid, n: (row.publicJwk as Json).n });
    expect(typeof opened.d).toBe('string');
    expect(() => createSealer(masterKey, 'zone-secrets').open(row.privateKeyCipher, row.id)).toThrow();
    expect(() => createSealer(masterKey, 'zone-keys').open(row.privateKeyCipher, 'another-id')).toThrow();
  });

  it('a zone viewer reads the keys and cannot rotate or retire them', async () => {
    const viewer = (await must(t, 'createUser', { accountId: acme, email: 'key-viewer@acme.test', password: PASSWORD }, 'user { id }')).user.id;
    await must(t, 'addZoneMember', { zoneId: z, userId: viewer, role: 'ZONE_VIEWER' }, 'zoneMember { id }');
    const v = t.as(await t.login('key-viewer@acme.test', PASSWORD));
    const seen: Json = await v.ok(`query($id: ID!) { zone(id: $id) { signingKeys { edges { node { id kid viewerCan(capability: "zone.manage") } } } } }`, { id: z });
    expect(seen.zone.signingKeys.edges).toHaveLength(1);
    expect(seen.zone.signingKeys.edges[0].node.viewerCan).toBe(false);
    const rotate = await v.gql(`mutation($input: RotateZoneSigningKeyInput!) { rotateZoneSigningKey(input: $input) { errors { __typename } } }`, { input: { zoneId: z } });
    expect(rotate.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    const retire = await v.gql(`mutation($input: RetireZoneSigningKeyInput!) { retireZoneSigningKey(input: $input) { errors { __typename } } }`, { input: { id: seen.zone.signingKeys.edges[0].node.id } });
    expect(retire.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    expect((await keys(z)).totalCount).toBe(1);
  });
});
