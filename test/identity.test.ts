// Issue 10: nobody acts above themselves. Each of the seven reproduced takeover paths, refused; SUPER_ADMIN
// is platform-level; emails are claims until proven; the invariants hold under concurrency on PostgreSQL;
// the outbox delivers each message once across instances.
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config.js';
import { createApp } from '../src/server/app.js';
import { ADMIN_PASSWORD, provider, startTestApp, type TestApp } from './support/harness.js';
import { account, addUser, group, user } from './support/fixtures.js';
import { startIdp, type TestIdp } from './support/idp.js';
import { capturingSender, type CapturingSender } from './support/outbox.js';
import { encodeGlobalID } from '@pothos/plugin-relay';

const PASSWORD = 'a long enough password';
/** Concurrency rounds: PostgreSQL is where transactions interleave; SQLite serialises writes. */
const ROUNDS = provider === 'postgresql' ? 24 : 6;

type Errors = { __typename: string; message: string; field: string | null }[];

describe(`who may act on whom (${provider})`, () => {
  let t: TestApp;
  let idp: TestIdp;
  let sender: CapturingSender;
  /** The bootstrap account, its super admin, and an ACCOUNT_OWNER of it who is not a super admin. */
  let operators: string;
  let root: string;
  let owner: { id: string; token: string };

  const external = (claims: Record<string, unknown>) => idp.sign(claims);

  const gql = async <T = Record<string, unknown>>(token: string | null, query: string, variables: Record<string, unknown> = {}) => t.as(token).gql<T, Record<string, unknown>>(query, variables);

  /** A mutation's outcome: FORBIDDEN (top level), the typenames of its payload errors, or 'ok'. */
  async function outcome(token: string, mutation: string, input: Record<string, unknown>, select = ''): Promise<string> {
    const result = await gql<Record<string, { errors: Errors }>>(token, `mutation($input: ${mutation[0]!.toUpperCase()}${mutation.slice(1)}Input!) { ${mutation}(input: $input) { ${select} errors { __typename message field } } }`, { input });
    if (result.errors?.length) return String(result.errors[0]!.extensions?.code ?? result.errors[0]!.message);
    const errors = result.data![mutation]!.errors;
    return errors.length ? errors.map((e) => e.__typename).join(',') : 'ok';
  }

  async function person(accountId: string, email: string, password: string | null = PASSWORD, by: string = t.admin.token): Promise<{ id: string; token: string }> {
    const created = await t.as(by).ok<{ createUser: { user: { id: string }; errors: Errors } }, Record<string, unknown>>(
      'mutation($input: CreateUserInput!) { createUser(input: $input) { user { id } errors { __typename message field } } }',
      { input: { accountId, email, ...(password ? { password } : {}) } },
    );
    expect(created.createUser.errors).toEqual([]);
    return { id: created.createUser.user.id, token: password ? await t.login(email, password) : '' };
  }

  async function grant(accountId: string, subjectId: string, grantKind: string, capabilityKey: string | null = null, by: string = t.admin.token): Promise<string> {
    const result = await t.as(by).ok<{ grantAuthorization: { authorizationGrant: { id: string }; errors: Errors } }, Record<string, unknown>>(
      'mutation($input: GrantAuthorizationInput!) { grantAuthorization(input: $input) { authorizationGrant { id } errors { __typename message field } } }',
      { input: { accountId, grantKind, subjectType: 'USER', subjectId, ...(capabilityKey ? { capabilityKey } : {}) } },
    );
    expect(result.grantAuthorization.errors).toEqual([]);
    return result.grantAuthorization.authorizationGrant.id;
  }

  async function viewerEmail(token: string): Promise<string | null> {
    const result = await gql<{ viewer: { user: { email: string } | null } }>(token, '{ viewer { user { email } } }');
    return result.errors ? null : (result.data?.viewer.user?.email ?? null);
  }

  async function userRow(id: string) {
    const [row] = await t.app.store.users.byIds([local(id)]);
    return row!;
  }

  const local = (globalId: string) => Buffer.from(globalId, 'base64').toString('utf8').split(':').slice(1).join(':');

  beforeAll(async () => {
    idp = await startIdp();
    sender = capturingSender();
    t = await startTestApp({ KEYGRAPH_TRUSTED_ISSUERS: idp.trustedIssuers }, { sender });
    operators = encodeGlobalID('Account', t.admin.accountId);
    root = encodeGlobalID('User', t.admin.userId);
    owner = await person(operators, 'owner@operators.test');
    await grant(operators, owner.id, 'ACCOUNT_OWNER');
  });
  afterAll(async () => {
    await t.close();
    await idp.close();
  });

  describe('the seven reproduced paths', () => {
    it("1. an account owner cannot re-address the super admin, so a stranger's verified token cannot become them", async () => {
      expect(await outcome(owner.token, 'updateUser', { accountId: operators, userId: root, email: 'attacker@idp.test' })).toBe('FORBIDDEN');
      expect((await userRow(root)).email).toBe('root@keygraph.test');
      const token = await external({ sub: 'attacker', email: 'attacker@idp.test', email_verified: true });
      expect(await viewerEmail(token)).toBeNull();
      expect(await outcome(token, 'createAccount', { name: 'Mine' }, 'account { id }')).not.toBe('ok');
    });

    it('2. an account owner cannot remove the only super admin; a super admin can, and SUPER_ADMIN stays', async () => {
      expect(await outcome(owner.token, 'removeUser', { accountId: operators, userId: root })).toBe('FORBIDDEN');
      expect(await t.app.store.grants.hasActive(t.admin.accountId, 'SUPER_ADMIN', 'USER', t.admin.userId)).toBe(true);

      // A super admin removes another super admin from the account: the SUPER_ADMIN grant stays.
      const other = await person(operators, 'second-root@operators.test');
      await grant(operators, other.id, 'SUPER_ADMIN');
      expect(await outcome(owner.token, 'removeUser', { accountId: operators, userId: other.id })).toBe('FORBIDDEN');
      expect(await outcome(t.admin.token, 'removeUser', { accountId: operators, userId: other.id })).toBe('ok');
      expect(await t.app.store.grants.hasActive(t.admin.accountId, 'SUPER_ADMIN', 'USER', local(other.id))).toBe(true);
      expect(await outcome(other.token, 'createAccount', { name: 'Still a super admin' }, 'account { id }')).toBe('ok');
    });

    it("3. an account owner cannot edit the super admin's name, username or email; their password login keeps working", async () => {
      for (const patch of [{ firstName: 'Mallory' }, { username: 'mallory' }, { email: 'mallory@operators.test' }]) {
        expect(await outcome(owner.token, 'updateUser', { accountId: operators, userId: root, ...patch })).toBe('FORBIDDEN');
      }
      expect(await userRow(root)).toMatchObject({ email: 'root@keygraph.test', firstName: null, username: null });
      expect(await t.login('root@keygraph.test', ADMIN_PASSWORD)).toMatch(/^ey/);
    });

    it("4. a holder of user.manage alone cannot change the account owner's email, but can change a plain member's", async () => {
      const acme = await account(t, 'Acme four');
      const acmeOwner = await person(acme, 'owner@acme4.test');
      await grant(acme, acmeOwner.id, 'ACCOUNT_OWNER');
      const manager = await person(acme, 'manager@acme4.test');
      await grant(acme, manager.id, 'CAPABILITY', 'user.manage');
      const plain = await person(acme, 'plain@acme4.test');
      expect(await outcome(manager.token, 'updateUser', { accountId: acme, userId: acmeOwner.id, email: 'mine@acme4.test' })).toBe('FORBIDDEN');
      expect((await userRow(acmeOwner.id)).email).toBe('owner@acme4.test');
      expect(await outcome(manager.token, 'removeUser', { accountId: acme, userId: acmeOwner.id })).toBe('FORBIDDEN');
      expect(await outcome(manager.token, 'updateUser', { accountId: acme, userId: plain.id, email: 'renamed@acme4.test' })).toBe('ok');
      // An administrator's address is a claim: the changed email is unverified.
      expect((await userRow(plain.id)).emailVerifiedAt).toBeNull();
    });

    it("5. an account cannot pre-register someone's address to read another tenant's data later", async () => {
      const bravo = await account(t, 'Bravo');
      const victim = await account(t, 'Victim');
      const bravoOwner = await person(bravo, 'owner@bravo.test');
      await grant(bravo, bravoOwner.id, 'ACCOUNT_OWNER');
      const victimOwner = await person(victim, 'owner@victim.test');
      await grant(victim, victimOwner.id, 'ACCOUNT_OWNER');
      // Bravo's owner creates a user with the victim's CEO's address and his own password.
      await t.as(bravoOwner.token).ok('mutation($input: CreateUserInput!) { createUser(input: $input) { errors { __typename } } }', { input: { accountId: bravo, email: 'ceo@victim.test', password: 'bravo owner password' } });
      const squatter = await t.login('ceo@victim.test', 'bravo owner password');
      // Victim invites its CEO; the CEO signs in through the IdP (a proven claim) and accepts.
      await t.as(victimOwner.token).ok('mutation($input: CreateInvitationInput!) { createInvitation(input: $input) { errors { __typename } } }', {
        input: { accountId: victim, email: 'ceo@victim.test', assignments: [{ capabilityKey: 'user.read' }] },
      });
      await t.app.services.outbox.flush();
      const ceo = await external({ sub: 'ceo', email: 'ceo@victim.test', email_verified: true });
      expect(await viewerEmail(ceo)).toBe('ceo@victim.test');
      expect(await outcome(ceo, 'acceptInvitation', { token: sender.tokenFor('ceo@victim.test') })).toBe('ok');
      // Bravo's owner's password and session for that user are gone: he cannot read Victim's users.
      expect(await viewerEmail(squatter)).toBeNull();
      await expect(t.login('ceo@victim.test', 'bravo owner password')).rejects.toThrow();
      // Bravo's owner was told.
      await t.app.services.outbox.flush();
      expect(sender.messages.find((m) => m.kind === 'email-claimed' && m.to === 'owner@bravo.test')?.text).toContain('ceo@victim.test');
      expect((await t.app.store.users.findByEmail('ceo@victim.test'))!.emailVerifiedAt).not.toBeNull();
    });

    it('5b. without an IdP, accepting an invitation signed out claims an unverified user; a verified one must sign in', async () => {
      const charlie = await account(t, 'Charlie');
      const squatter = await person(charlie, 'cfo@victim.test', 'squatter password');
      await t.ok('mutation($input: CreateInvitationInput!) { createInvitation(input: $input) { errors { __typename } } }', { input: { accountId: operators, email: 'cfo@victim.test' } });
      await t.app.services.outbox.flush();
      const accepted = await gql<{ acceptInvitation: { token: string | null; acceptedUser: { emailVerified: boolean } | null; errors: Errors } }>(
        null,
        'mutation($input: AcceptInvitationInput!) { acceptInvitation(input: $input) { token acceptedUser { emailVerified } errors { __typename message field } } }',
        { input: { token: sender.tokenFor('cfo@victim.test'), password: 'the real cfo password' } },
      );
      expect(accepted.data!.acceptInvitation.errors).toEqual([]);
      expect(accepted.data!.acceptInvitation.acceptedUser).toEqual({ emailVerified: true });
      expect(await viewerEmail(accepted.data!.acceptInvitation.token!)).toBe('cfo@victim.test');
      expect(await viewerEmail(squatter.token)).toBeNull();
      await expect(t.login('cfo@victim.test', 'squatter password')).rejects.toThrow();

      // Now verified: a second invitation cannot be accepted signed out.
      await t.ok('mutation($input: CreateInvitationInput!) { createInvitation(input: $input) { errors { __typename } } }', { input: { accountId: charlie, email: 'cfo@victim.test' } });
      await t.app.services.outbox.flush();
      expect(await outcome('', 'acceptInvitation', { token: sender.tokenFor('cfo@victim.test'), password: 'another password!' })).toBe('ConflictError');
    });
  });

  describe('emails are claims until proven', () => {
    it('links an external identity by email only to a proven address; an administrator change unproves it', async () => {
      const delta = await account(t, 'Delta');
      const dora = await person(delta, 'dora@delta.test');
      expect((await userRow(dora.id)).emailVerifiedAt).toBeNull();
      // Dora proves her address through a verification link, signed in as herself.
      expect(await outcome(dora.token, 'sendEmailVerification', {})).toBe('ok');
      await t.app.services.outbox.flush();
      const link = sender.messages.filter((m) => m.kind === 'verify-email' && m.to === 'dora@delta.test').at(-1)!.link!;
      const token = /token=(kge_\w+)/.exec(link)![1]!;
      expect(await outcome(owner.token, 'verifyEmail', { token })).toBe('ValidationError');
      expect(await outcome(dora.token, 'verifyEmail', { token })).toBe('ok');
      expect(await outcome(dora.token, 'verifyEmail', { token })).toBe('ValidationError');
      expect((await userRow(dora.id)).emailVerifiedAt).not.toBeNull();
      // A verified address links on first sight, and keeps her password and session.
      const idToken = await external({ sub: 'dora', email: 'dora@delta.test', email_verified: true });
      expect(await viewerEmail(idToken)).toBe('dora@delta.test');
      expect(await viewerEmail(dora.token)).toBe('dora@delta.test');
      // Changed by herself: unverified again.
      expect(await outcome(dora.token, 'updateViewerProfile', { email: 'dora2@delta.test', firstName: 'Dora' })).toBe('ok');
      expect(await userRow(dora.id)).toMatchObject({ email: 'dora2@delta.test', firstName: 'Dora', emailVerifiedAt: null });
      // An email_verified: false claim never links.
      expect(await viewerEmail(await external({ sub: 'someone', email: 'dora2@delta.test', email_verified: false }))).toBeNull();
    });

    it('a password-reset link proves the address and sets the password; it tells nobody whether the address exists', async () => {
      const echo = await account(t, 'Echo');
      const eve = await person(echo, 'eve@echo.test');
      for (const email of ['eve@echo.test', 'nobody@echo.test']) {
        expect(await outcome('', 'requestPasswordReset', { email }, 'requested')).toBe('ok');
      }
      await t.app.services.outbox.flush();
      expect(sender.messages.some((m) => m.to === 'nobody@echo.test')).toBe(false);
      const token = /token=(kge_\w+)/.exec(sender.messages.filter((m) => m.kind === 'reset-password' && m.to === 'eve@echo.test').at(-1)!.link!)![1]!;
      expect(await outcome('', 'resetPassword', { token, password: 'eve new password' })).toBe('ok');
      expect(await viewerEmail(eve.token)).toBeNull();
      expect(await t.login('eve@echo.test', 'eve new password')).toMatch(/^ey/);
      expect(await outcome('', 'resetPassword', { token, password: 'eve newer password' })).toBe('ValidationError');
    });

    it('changeViewerPassword needs the current password and ends the other sessions', async () => {
      const foxtrot = await account(t, 'Foxtrot');
      const fay = await person(foxtrot, 'fay@foxtrot.test');
      const other = await t.login('fay@foxtrot.test', PASSWORD);
      expect(await outcome(fay.token, 'changeViewerPassword', { currentPassword: 'wrong password', newPassword: 'fay new password' })).toBe('ValidationError');
      expect(await outcome(fay.token, 'changeViewerPassword', { currentPassword: PASSWORD, newPassword: 'fay new password' })).toBe('ok');
      expect(await viewerEmail(other)).toBeNull();
      expect(await viewerEmail(fay.token)).toBe('fay@foxtrot.test');
    });
  });

  describe('granting through groups', () => {
    it('adding someone to a group needs everything the group holds', async () => {
      const golf = await account(t, 'Golf');
      const admins = await group(t, golf, 'Admins');
      await t.ok('mutation($input: GrantAuthorizationInput!) { grantAuthorization(input: $input) { errors { __typename } } }', { input: { accountId: golf, grantKind: 'ACCOUNT_OWNER', subjectType: 'GROUP', subjectId: admins } });
      const groupie = await person(golf, 'groupie@golf.test');
      await grant(golf, groupie.id, 'CAPABILITY', 'group.manage');
      expect(await outcome(groupie.token, 'addGroupMemberUser', { groupId: admins, userId: groupie.id })).toBe('FORBIDDEN');
      const plain = await group(t, golf, 'Plain');
      expect(await outcome(groupie.token, 'addGroupMemberUser', { groupId: plain, userId: groupie.id })).toBe('ok');

      // Nor through an invitation: for someone new, or as the immediate membership of an existing member.
      await grant(golf, groupie.id, 'CAPABILITY', 'invitation.manage');
      await grant(golf, groupie.id, 'CAPABILITY', 'user.read');
      const groupieToken = await t.login('groupie@golf.test', PASSWORD);
      expect(await outcome(groupieToken, 'createInvitation', { accountId: golf, email: 'alt@golf.test', assignments: [{ groupId: admins }] })).toBe('FORBIDDEN');
      expect(await outcome(groupieToken, 'createGroupInvitation', { groupId: admins, email: 'groupie@golf.test' })).toBe('FORBIDDEN');
      expect(await outcome(groupieToken, 'createGroupInvitation', { groupId: plain, email: 'alt@golf.test' })).toBe('ok');
      const admin = (await t.app.store.groups.memberPages([local(admins)], { first: 10 }, null)).get(local(admins))!;
      expect(admin.edges).toEqual([]);
    });
  });

  describe('6. atomic invariants under concurrency', () => {
    it(`the last super admin survives concurrent revocations (${ROUNDS} rounds)`, async () => {
      const hotel = await account(t, 'Hotel');
      let current = { token: t.admin.token, grantId: '' };
      for (const g of (await t.app.store.grants.activeSubjectsOfKind('SUPER_ADMIN')).filter((s) => s.subjectId !== t.admin.userId)) {
        const grants = await t.app.store.grants.pages([g.accountId], { first: 100 }, { grantKind: 'SUPER_ADMIN', subjectId: g.subjectId });
        for (const edge of grants.get(g.accountId)!.edges) await t.app.store.grants.revoke(edge.id);
      }
      current.grantId = encodeGlobalID('AuthorizationGrant', (await t.app.store.grants.pages([t.admin.accountId], { first: 1 }, { grantKind: 'SUPER_ADMIN', subjectId: t.admin.userId })).get(t.admin.accountId)!.edges[0]!.id);
      for (let round = 0; round < ROUNDS; round++) {
        // Whoever is the super admin now makes the next one; then each revokes the other, at once.
        const next = await person(hotel, `root-${round}@hotel.test`, PASSWORD, current.token);
        const nextGrant = await grant(hotel, next.id, 'SUPER_ADMIN', null, current.token);
        const [a, b] = await Promise.all([
          outcome(current.token, 'revokeAuthorization', { id: nextGrant }),
          outcome(next.token, 'revokeAuthorization', { id: current.grantId }),
        ]);
        const people = (await t.app.store.grants.activeSubjectsOfKind('SUPER_ADMIN')).filter((g) => g.subjectType === 'USER');
        expect(people.length, `round ${round}: ${a} / ${b}`).toBe(1);
        expect([a, b].filter((o) => o === 'ok'), `round ${round}: ${a} / ${b}`).toEqual(['ok']);
        if (b === 'ok') current = { token: next.token, grantId: nextGrant };
      }
      // The tests after this one act as the bootstrap administrator: make it a super admin again.
      if (current.token !== t.admin.token) await grant(operators, root, 'SUPER_ADMIN', null, current.token);
    });

    it(`removeUser racing addGroupMemberUser leaves no membership behind (${ROUNDS} rounds)`, async () => {
      const india = await account(t, 'India');
      const readers = await group(t, india, 'Readers');
      await t.ok('mutation($input: GrantAuthorizationInput!) { grantAuthorization(input: $input) { errors { __typename } } }', { input: { accountId: india, grantKind: 'CAPABILITY', capabilityKey: 'user.read', subjectType: 'GROUP', subjectId: readers } });
      for (let round = 0; round < ROUNDS; round++) {
        const member = await person(india, `member-${round}@india.test`);
        await Promise.all([outcome(t.admin.token, 'removeUser', { accountId: india, userId: member.id }), outcome(t.admin.token, 'addGroupMemberUser', { groupId: readers, userId: member.id })]);
        const inAccount = (await t.app.store.users.inAccount(local(india), [local(member.id)])).size === 1;
        expect(inAccount).toBe(false);
        const membership = await t.app.store.groups.memberPages([local(readers)], { first: 100 }, null);
        expect(membership.get(local(readers))!.edges.length, `round ${round}`).toBe(0);
        const read = await gql<{ account: { users: { totalCount: number } } | null }>(member.token, 'query($id: ID!) { account(id: $id) { users { totalCount } } }', { id: india });
        expect(read.data?.account ?? null).toBeNull();
      }
    });
  });

  it('7. two instances sharing one database deliver each message once', async () => {
    const sent = new Map<string, number>();
    const slow = {
      send: async (message: { to: string }) => {
        sent.set(message.to, (sent.get(message.to) ?? 0) + 1);
        await new Promise((resolve) => setTimeout(resolve, 2));
      },
    };
    const config = loadConfig({ DATABASE_URL: t.database.url, KEYGRAPH_DATA_DIR: t.database.dataDir });
    const [one, two] = await Promise.all([createApp(config, { log: pino({ level: 'silent' }), sender: slow, migrate: false }), createApp(config, { log: pino({ level: 'silent' }), sender: slow, migrate: false })]);
    try {
      // Whatever earlier tests left queued is delivered first, so that only this test's messages count.
      await one.services.outbox.flush();
      sent.clear();
      await one.store.transaction(async (tx) => {
        for (let i = 0; i < 60; i++) await one.services.outbox.enqueue(tx, { kind: 'test', to: `once-${i}@juliet.test`, subject: 's', text: 't', link: null, locale: null });
      });
      await Promise.all([one.services.outbox.flush(), two.services.outbox.flush(), one.services.outbox.flush(), two.services.outbox.flush()]);
      expect(sent.size).toBe(60);
      expect([...sent.values()].filter((n) => n !== 1)).toEqual([]);
    } finally {
      await Promise.all([one.close(), two.close()]);
    }
  });
});
