// Delegated grants, sessions, user agents and zone users: recorded through the domain (the zone's own
// flows; no public mutation creates them), read through the API with their filters and paging; grants
// are updated and revoked, and revoking a session revokes its descendants in one transaction.
import { createHash } from 'node:crypto';
import { decodeGlobalID, encodeGlobalID } from '@pothos/plugin-relay';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ZoneSession } from '../src/domain/zone/model.js';
import { account } from './support/fixtures.js';
import { provider as dbProvider, startTestApp, type TestApp } from './support/harness.js';
import { application, must, pageAll, provider, refuses, resource, zone, type Json } from './support/zones.js';

const local = (id: string) => decodeGlobalID(id).id;
const HOUR = 3600_000;

describe(`delegated grants, sessions, user agents and zone users (${dbProvider})`, () => {
  let t: TestApp;
  let z: string;
  let zoneId: string;
  let userIds: string[];
  let res: string;
  let idp: string;
  let app: string;
  const grants: Record<'active' | 'expired' | 'revoked', string> = { active: '', expired: '', revoked: '' };

  beforeAll(async () => {
    t = await startTestApp();
    const acme = await account(t, 'Acme');
    z = await zone(t, acme, 'Activity');
    zoneId = local(z);
    res = await resource(t, z, 'https://mail.example', { scopes: ['mail.read', 'mail.send'] });
    idp = await provider(t, z, 'https://accounts.example');
    app = await application(t, z, 'mail-client');
    const activity = t.app.services.zones.activity;
    userIds = [];
    for (const [i, email] of ['ada@users.example', 'bob@users.example', 'cy@users.example'].entries()) {
      const u = await activity.recordZoneUser(zoneId, { email, emailVerified: i !== 2, issuer: 'https://accounts.example', subject: `sub-${i}`, providerId: local(idp), authenticatedAt: new Date() });
      userIds.push(u.id);
    }
    for (const name of ['Chrome on macOS', 'keygraph CLI']) {
      await activity.recordUserAgent(zoneId, { identifier: `ua:${createHash('sha256').update(name).digest('hex')}`, name, slug: name.toLowerCase().replace(/[^a-z0-9]+/g, '-') });
    }
    const base = { resourceId: local(res), providerId: local(idp), refreshTokenSet: true };
    grants.active = (await activity.recordDelegatedGrant(zoneId, { ...base, zoneUserId: userIds[0]!, scopes: ['mail.read', 'mail.send'], expiresAt: new Date(Date.now() + HOUR) })).id;
    grants.expired = (await activity.recordDelegatedGrant(zoneId, { ...base, zoneUserId: userIds[1]!, scopes: ['mail.read'], expiresAt: new Date(Date.now() - HOUR) })).id;
    grants.revoked = (await activity.recordDelegatedGrant(zoneId, { ...base, zoneUserId: userIds[0]!, scopes: ['mail.read'], expiresAt: new Date(Date.now() + HOUR) })).id;
  });
  afterAll(() => t.close());

  it('lists zone users and user agents with search and paging', async () => {
    const users = await pageAll(t, z, 'Zone', 'users', '', 2);
    expect(users.ids).toEqual(userIds.map((id) => encodeGlobalID('ZoneUser', id)));
    expect(users.pages).toBe(2);
    expect((await pageAll(t, z, 'Zone', 'users', 'search: "BOB@"', 1)).ids).toEqual([encodeGlobalID('ZoneUser', userIds[1]!)]);
    const detail: Json = await t.ok(`query($id: ID!) { node(id: $id) { ... on ZoneUser { email emailVerified issuer subject provider { id } authenticatedAt zone { id } } } }`, { id: encodeGlobalID('ZoneUser', userIds[2]!) });
    expect(detail.node).toMatchObject({ email: 'cy@users.example', emailVerified: false, subject: 'sub-2', provider: { id: idp }, zone: { id: z } });
    const agents: Json = await t.ok(`query($z: ID!) { zone(id: $z) { userAgents(first: 10) { totalCount edges { node { name slug identifier } } } cli: userAgents(search: "cli") { totalCount } } }`, { z });
    expect(agents.zone.userAgents.totalCount).toBe(2);
    expect(agents.zone.userAgents.edges[1].node).toMatchObject({ name: 'keygraph CLI', slug: 'keygraph-cli' });
    expect(agents.zone.userAgents.edges[0].node.identifier).toMatch(/^ua:[0-9a-f]{64}$/);
    expect(agents.zone.cli.totalCount).toBe(1);
    const paged = await pageAll(t, z, 'Zone', 'userAgents', '', 1);
    expect(paged).toMatchObject({ totalCount: 2, pages: 2 });
    expect((await pageAll(t, z, 'Zone', 'userAgents', 'search: "CHROME"', 1)).ids).toEqual([paged.ids[0]]);
  });

  it('computes grant status from time and revocation, and filters by it', async () => {
    await must(t, 'deleteDelegatedGrant', { id: encodeGlobalID('DelegatedGrant', grants.revoked) }, 'delegatedGrant { status }');
    const all: Json = await t.ok(`query($z: ID!) { zone(id: $z) { delegatedGrants { totalCount edges { node { status scopes refreshTokenSet user { email } resource { id } provider { id } } } } } }`, { z });
    expect(all.zone.delegatedGrants.edges.map((e: Json) => e.node.status)).toEqual(['ACTIVE', 'EXPIRED', 'REVOKED']);
    expect(all.zone.delegatedGrants.edges[0].node).toMatchObject({ scopes: ['mail.read', 'mail.send'], refreshTokenSet: true, user: { email: 'ada@users.example' }, resource: { id: res }, provider: { id: idp } });
    for (const [status, id] of [['ACTIVE', grants.active], ['EXPIRED', grants.expired], ['REVOKED', grants.revoked]] as const) {
      expect((await pageAll(t, z, 'Zone', 'delegatedGrants', `status: ${status}`, 1)).ids).toEqual([encodeGlobalID('DelegatedGrant', id)]);
    }
    expect((await pageAll(t, z, 'Zone', 'delegatedGrants', `userId: "${encodeGlobalID('ZoneUser', userIds[0]!)}"`, 1)).totalCount).toBe(2);
    expect((await pageAll(t, z, 'Zone', 'delegatedGrants', `resourceId: "${res}", status: ACTIVE`, 1)).totalCount).toBe(1);
  });

  it('updates a grant: narrower scopes and a new expiry; revoked grants stay revoked', async () => {
    const id = encodeGlobalID('DelegatedGrant', grants.active);
    const later = new Date(Date.now() + 2 * HOUR).toISOString();
    const { delegatedGrant } = await must(t, 'updateDelegatedGrant', { id, scopes: ['mail.read'], expiresAt: later }, 'delegatedGrant { scopes expiresAt status }');
    expect(delegatedGrant).toEqual({ scopes: ['mail.read'], expiresAt: later, status: 'ACTIVE' });
    await refuses(t, 'updateDelegatedGrant', { id, scopes: ['mail.read', 'mail.send'] }, 'ValidationError', 'scopes');
    await refuses(t, 'updateDelegatedGrant', { id, scopes: ['bad scope'] }, 'ValidationError', 'scopes');
    await refuses(t, 'updateDelegatedGrant', { id, expiresAt: null }, 'ValidationError', 'expiresAt');
    await refuses(t, 'updateDelegatedGrant', { id: encodeGlobalID('DelegatedGrant', grants.revoked), scopes: [] }, 'ConflictError', 'id');
    await refuses(t, 'updateDelegatedGrant', { id: encodeGlobalID('DelegatedGrant', 'nope') }, 'NotFoundError', 'id');
    await refuses(t, 'deleteDelegatedGrant', { id: encodeGlobalID('DelegatedGrant', 'nope') }, 'NotFoundError', 'id');
    // Revoking twice is idempotent.
    const again = await must(t, 'deleteDelegatedGrant', { id: encodeGlobalID('DelegatedGrant', grants.revoked) }, 'delegatedGrant { status revokedAt }');
    expect(again.delegatedGrant.status).toBe('REVOKED');
  });

  describe('sessions', () => {
    let web: ZoneSession;
    let child: ZoneSession;
    let grandchild: ZoneSession;
    let sibling: ZoneSession;
    let appSession: ZoneSession;

    beforeAll(async () => {
      const activity = t.app.services.zones.activity;
      const user = { sessionType: 'USER' as const, zoneUserId: userIds[0]!, applicationId: null, userAgentId: null, providerId: local(idp), issuer: 'https://accounts.example', subject: 'sub-0', metadata: null, authenticatedAt: new Date(), expiresAt: new Date(Date.now() + HOUR) };
      web = await activity.recordSession(zoneId, { ...user, parentId: null, name: 'Chrome on macOS', sessionData: { email: 'ada@users.example' } });
      child = await activity.recordSession(zoneId, { ...user, parentId: web.id, name: 'mail-client', applicationId: local(app), sessionData: {} });
      grandchild = await activity.recordSession(zoneId, { ...user, parentId: child.id, name: 'mail-client refresh', sessionData: {} });
      sibling = await activity.recordSession(zoneId, { ...user, parentId: web.id, name: 'expired child', sessionData: {}, expiresAt: new Date(Date.now() - HOUR) });
      appSession = await activity.recordSession(zoneId, {
        sessionType: 'APPLICATION',
        zoneUserId: null,
        applicationId: local(app),
        userAgentId: null,
        parentId: null,
        providerId: local(idp),
        issuer: 'https://accounts.example',
        subject: 'svc',
        name: 'mail-client',
        sessionData: { client_id: 'mail-client' },
        metadata: null,
        authenticatedAt: new Date(),
        expiresAt: null,
      });
    });

    it('records only well-formed sessions', async () => {
      const activity = t.app.services.zones.activity;
      const base = { zoneUserId: null, applicationId: local(app), userAgentId: null, providerId: null, issuer: null, subject: null, name: 'x', sessionData: {}, metadata: null, authenticatedAt: null, expiresAt: null };
      await expect(activity.recordSession(zoneId, { ...base, sessionType: 'APPLICATION', parentId: web.id })).rejects.toMatchObject({ field: 'parentId' });
      await expect(activity.recordSession(zoneId, { ...base, sessionType: 'USER', zoneUserId: userIds[0]!, parentId: appSession.id })).rejects.toMatchObject({ field: 'parentId' });
      await expect(activity.recordSession(zoneId, { ...base, sessionType: 'USER', parentId: null })).rejects.toMatchObject({ field: 'zoneUserId' });
    });

    it('lists sessions as user and application sessions, with parents, children and filters', async () => {
      const data: Json = await t.ok(
        `query($z: ID!) { zone(id: $z) { sessions(first: 10) { totalCount edges { node { __typename sessionType name status claims
          ... on UserSession { user { email } parent { name } children(first: 10) { totalCount edges { node { name status } } } } } } } } }`,
        { z },
      );
      const nodes = data.zone.sessions.edges.map((e: Json) => e.node);
      expect(nodes.map((n: Json) => [n.__typename, n.name, n.status])).toEqual([
        ['UserSession', 'Chrome on macOS', 'ACTIVE'],
        ['UserSession', 'mail-client', 'ACTIVE'],
        ['UserSession', 'mail-client refresh', 'ACTIVE'],
        ['UserSession', 'expired child', 'EXPIRED'],
        ['ApplicationSession', 'mail-client', 'ACTIVE'],
      ]);
      expect(nodes[0]).toMatchObject({ claims: { email: 'ada@users.example' }, user: { email: 'ada@users.example' }, parent: null, children: { totalCount: 2 } });
      expect(nodes[2].parent).toEqual({ name: 'mail-client' });
      expect((await pageAll(t, z, 'Zone', 'sessions', 'sessionType: APPLICATION', 1)).ids).toEqual([encodeGlobalID('ApplicationSession', appSession.id)]);
      expect((await pageAll(t, z, 'Zone', 'sessions', 'topLevelOnly: true', 1)).totalCount).toBe(2);
      expect((await pageAll(t, z, 'Zone', 'sessions', 'status: EXPIRED', 1)).ids).toEqual([encodeGlobalID('UserSession', sibling.id)]);
      expect((await pageAll(t, z, 'Zone', 'sessions', `userId: "${encodeGlobalID('ZoneUser', userIds[0]!)}"`, 3)).totalCount).toBe(4);
      expect((await pageAll(t, encodeGlobalID('UserSession', web.id), 'UserSession', 'children', 'status: ACTIVE', 1)).ids).toEqual([encodeGlobalID('UserSession', child.id)]);
    });

    it('updates an active session', async () => {
      const later = new Date(Date.now() + 3 * HOUR).toISOString();
      const { session } = await must(t, 'updateSession', { id: encodeGlobalID('ApplicationSession', appSession.id), expiresAt: later, metadata: { note: 'extended' } }, 'session { expiresAt metadata }');
      expect(session).toEqual({ expiresAt: later, metadata: { note: 'extended' } });
      await refuses(t, 'updateSession', { id: encodeGlobalID('UserSession', sibling.id), metadata: {} }, 'ConflictError', 'id');
      await refuses(t, 'updateSession', { id: encodeGlobalID('UserSession', 'nope') }, 'NotFoundError', 'id');
    });

    it('revoking a session revokes its descendants, in one transaction', async () => {
      const { session, revokedCount } = await must(t, 'deleteSession', { id: encodeGlobalID('UserSession', child.id) }, 'session { status } revokedCount');
      expect(session.status).toBe('REVOKED');
      expect(revokedCount).toBe(2);
      const [after] = await t.app.store.zones.sessions.byIds([grandchild.id]);
      expect(after!.revokedAt?.getTime()).toBe((await t.app.store.zones.sessions.byIds([child.id]))[0]!.revokedAt?.getTime());
      const top = await must(t, 'deleteSession', { id: encodeGlobalID('UserSession', web.id) }, 'revokedCount');
      // web itself and the expired sibling; child and grandchild were revoked already.
      expect(top.revokedCount).toBe(2);
      expect((await pageAll(t, z, 'Zone', 'sessions', 'status: REVOKED', 2)).totalCount).toBe(4);
      await refuses(t, 'deleteSession', { id: encodeGlobalID('UserSession', 'nope') }, 'NotFoundError', 'id');
    });

    it('a failure while revoking leaves every session as it was', async () => {
      const activity = t.app.services.zones.activity;
      const base = { sessionType: 'USER' as const, zoneUserId: userIds[1]!, applicationId: null, userAgentId: null, providerId: null, issuer: null, subject: null, metadata: null, authenticatedAt: null, expiresAt: null, sessionData: {} };
      const root = await activity.recordSession(zoneId, { ...base, parentId: null, name: 'root' });
      const leaf = await activity.recordSession(zoneId, { ...base, parentId: root.id, name: 'leaf' });
      const store = t.app.store;
      await expect(
        store.transaction(async (tx) => {
          await tx.zones.sessions.revoke(await tx.zones.sessions.descendantsAndSelf(root.id), new Date());
          throw new Error('boom');
        }),
      ).rejects.toThrow('boom');
      const rows = await store.zones.sessions.byIds([root.id, leaf.id]);
      expect(rows.map((r) => r!.revokedAt)).toEqual([null, null]);
    });
  });

  it('refreshedAt (reference 001): null until the zone records a refresh of a grant with a refresh token; never on a revoked grant', async () => {
    const READ = `query($id: ID!) { node(id: $id) { ... on DelegatedGrant { refreshedAt refreshTokenSet } } }`;
    const activity = t.app.services.zones.activity;
    const extra = (await activity.recordDelegatedGrant(zoneId, { resourceId: local(res), providerId: local(idp), refreshTokenSet: true, zoneUserId: userIds[2]!, scopes: ['mail.read'], expiresAt: new Date(Date.now() + HOUR) })).id;
    const id = encodeGlobalID('DelegatedGrant', extra);
    expect((await t.ok<Json, Json>(READ, { id })).node).toEqual({ refreshedAt: null, refreshTokenSet: true });
    const at = new Date(Date.now() - 60_000);
    await activity.recordDelegatedGrantRefresh(extra, at);
    expect((await t.ok<Json, Json>(READ, { id })).node).toEqual({ refreshedAt: at.toISOString(), refreshTokenSet: true });
    const without = (await activity.recordDelegatedGrant(zoneId, { resourceId: local(res), providerId: local(idp), refreshTokenSet: false, zoneUserId: userIds[2]!, scopes: ['mail.read'], expiresAt: new Date(Date.now() + HOUR) })).id;
    await expect(activity.recordDelegatedGrantRefresh(without)).rejects.toThrow(/no refresh token/);
    const deleted = await t.ok<Json, Json>(`mutation($i: DeleteDelegatedGrantInput!) { deleteDelegatedGrant(input: $i) { errors { message } } }`, { i: { id } });
    expect(deleted.deleteDelegatedGrant.errors).toEqual([]);
    await expect(activity.recordDelegatedGrantRefresh(extra)).rejects.toThrow(/revoked/);
    expect((await t.ok<Json, Json>(READ, { id })).node.refreshedAt).toBe(at.toISOString());
  });
});
