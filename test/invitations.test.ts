// Invitations (issue 5, reference 000) end to end through the GraphQL API: creation with assignments and
// its outbox message, acceptance by a new person or an existing user (counts, permissions, login), every
// refusal as a typed error that changes nothing, concurrency, expiry and resend, revocation, updates,
// group invitations, anti-escalation, validation, lists and paging, atomicity, and the outbox itself
// (sealed payloads, failed deliveries kept with their error and retried).
import { decodeGlobalID } from '@pothos/plugin-relay';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CreateUserDocument, CreateWorkspaceDocument } from './generated/graphql.js';
import { account, group } from './support/fixtures.js';
import { capturingSender } from './support/outbox.js';
import { provider, startTestApp, type Caller, type TestApp } from './support/harness.js';
import type { MessageSender, OutgoingMessage } from '../src/domain/machine/outbox.js';
import { hashToken, issueToken } from '../src/domain/credentials/token.js';

// Responses are checked field by field below; their shape is the schema's.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Json = any;
type Vars = Record<string, unknown>;

const PASSWORD = 'a long enough password';
const DAY = 24 * 3600 * 1000;

const ERRORS = `errors { __typename message field }`;
const ASSIGNMENT_FIELDS = `assignmentKind position grantKind capabilityKey roleKey resourceType resourceId group { id name }`;
const INVITATION_FIELDS = `id email status note locale expiresAt acceptedAt createdAt updatedAt
  account { id } group { id name } acceptedUser { id email }
  createdBy { __typename ... on User { id } }
  assignments { ${ASSIGNMENT_FIELDS} }`;

const CREATE = `mutation($i: CreateInvitationInput!) { createInvitation(input: $i) { invitation { ${INVITATION_FIELDS} } ${ERRORS} } }`;
const CREATE_GROUP = `mutation($i: CreateGroupInvitationInput!) { createGroupInvitation(input: $i) { invitation { ${INVITATION_FIELDS} } ${ERRORS} } }`;
const UPDATE = `mutation($i: UpdateInvitationInput!) { updateInvitation(input: $i) { invitation { ${INVITATION_FIELDS} } ${ERRORS} } }`;
const RESEND = `mutation($i: ResendInvitationInput!) { resendInvitation(input: $i) { invitation { ${INVITATION_FIELDS} } ${ERRORS} } }`;
const DELETE = `mutation($i: DeleteInvitationInput!) { deleteInvitation(input: $i) { invitation { ${INVITATION_FIELDS} } ${ERRORS} } }`;
const ACCEPT_FIELDS = `mode status
    assignmentCount grantCount roleAssignmentCount groupMembershipCount
    permissionContext { subjectType subjectId directCapabilityKeys assignedBundleKeys resolvedCapabilityKeys ownerAssignments { accountId } status }
    ${ERRORS}`;
/** As a signed-in invitee: with the user and account joined. */
const ACCEPT = `mutation($i: AcceptInvitationInput!) { acceptInvitation(input: $i) { acceptedUser { id email } account { id } ${ACCEPT_FIELDS} } }`;
/** Anonymously (a new person): User and Account need a signed-in caller, so only the counts and context. */
const ACCEPT_ANONYMOUS = `mutation($i: AcceptInvitationInput!) {
  acceptInvitation(input: $i) {
    mode status
    assignmentCount grantCount roleAssignmentCount groupMembershipCount
    permissionContext { subjectType subjectId directCapabilityKeys assignedBundleKeys resolvedCapabilityKeys ownerAssignments { accountId } status }
    ${ERRORS}
  }
}`;
const LIST = `query($id: ID!, $email: String, $status: InvitationStatus, $first: Int, $after: String) {
  account(id: $id) {
    invitations(email: $email, status: $status, first: $first, after: $after) {
      totalCount pageInfo { hasNextPage endCursor } edges { cursor node { id email status } }
    }
  }
}`;
const READ = `query($id: ID!) { node(id: $id) { ... on Invitation { ${INVITATION_FIELDS} } } }`;
const GRANT = `mutation($i: GrantAuthorizationInput!) { grantAuthorization(input: $i) { authorizationGrant { id } ${ERRORS} } }`;
/** What a user holds in an account, as the super administrator sees it. */
const HOLDINGS = `query($a: ID!, $u: ID!, $search: String!) {
  account(id: $a) {
    users(search: $search, first: 10) { totalCount edges { node { id email } } }
    authorizationGrants(subjectId: $u, first: 100) { totalCount edges { node { grantKind capabilityKey resourceType resourceId } } }
    roleAssignments(subjectId: $u, first: 100) { totalCount edges { node { roleKey resourceType resourceId } } }
  }
}`;
const MEMBERS = `query($g: ID!) { node(id: $g) { ... on Group { id name members(first: 100) { totalCount edges { node { subjectType user { id email } } } } } } }`;

type MutationError = { __typename: string; message: string; field: string | null };

/** A capturing sender that can be made to fail: every send while `failing` is set, or to recipients matching `failFor`. */
function flakySender() {
  const capture = capturingSender();
  const attempts: string[] = [];
  const sender: MessageSender & { failing: boolean; failFor: RegExp | null; attempts: string[]; messages: OutgoingMessage[]; tokenFor(email: string): string } = {
    failing: false,
    failFor: null,
    attempts,
    messages: capture.messages,
    tokenFor: (email) => capture.tokenFor(email),
    async send(message) {
      attempts.push(message.to);
      if (sender.failing) throw new Error('smtp: connection refused');
      if (sender.failFor?.test(message.to)) throw new Error('smtp: 550 no such mailbox');
      await capture.send(message);
    },
  };
  return sender;
}

describe(`invitations (${provider})`, () => {
  const sender = flakySender();
  let t: TestApp;
  let acme: string;
  let eng: string;
  let ops: string;
  let adminUser: string;

  const gqlAs = (caller: Caller, doc: string, i: Vars) => caller.gql<Json, Vars>(doc, { i });
  const create = async (input: Vars, caller: Caller = t): Promise<{ invitation: Json; errors: MutationError[] }> =>
    (await caller.ok<Json, Vars>(CREATE, { i: { accountId: acme, ...input } })).createInvitation;
  /** Accepts anonymously, or as `caller` when given. */
  const accept = async (input: Vars, caller?: Caller): Promise<Json> => (await (caller ?? t.as(null)).ok<Json, Vars>(caller ? ACCEPT : ACCEPT_ANONYMOUS, { i: input })).acceptInvitation;
  /** The users of Acme whose email is `email`. */
  const usersNamed = async (email: string): Promise<{ id: string; email: string; username: string | null; firstName: string | null; lastName: string | null }[]> =>
    (await t.ok<Json, Vars>(`query($a: ID!, $s: String!) { account(id: $a) { users(search: $s, first: 10) { edges { node { id email username firstName lastName } } } } }`, { a: acme, s: email })).account.users.edges
      .map((e: Json) => e.node)
      .filter((u: Json) => u.email === email);
  /** No user with this email, in Acme or anywhere (read raw). */
  const nobody = async (email: string) => (await usersNamed(email)).length === 0 && (await t.app.db.prisma.user.count({ where: { email } })) === 0;
  const read = async (id: string): Promise<Json> => (await t.ok<Json, Vars>(READ, { id })).node;
  const holdings = async (userId: string, email: string): Promise<Json> => (await t.ok<Json, Vars>(HOLDINGS, { a: acme, u: userId, search: email })).account;
  const members = async (groupId: string): Promise<{ totalCount: number; emails: string[] }> => {
    const node = (await t.ok<Json, Vars>(MEMBERS, { g: groupId })).node;
    return { totalCount: node.members.totalCount, emails: node.members.edges.map((e: Json) => e.node.user?.email).filter(Boolean) };
  };
  /** Sends what is queued and returns the token of the last message to `email`. */
  const tokenFor = async (email: string): Promise<string> => {
    await t.app.services.outbox.flush();
    return sender.tokenFor(email);
  };
  const messagesTo = (email: string) => sender.messages.filter((m) => m.to === email.toLowerCase());
  /** Moves an invitation's expiry into the past (test-only backdoor to the database). */
  const expire = (globalId: string) => t.app.db.prisma.invitation.update({ where: { id: decodeGlobalID(globalId).id }, data: { expiresAt: new Date(Date.now() - 60_000) } });

  /** A user with a password, in `accountId`, and a caller signed in as them. */
  async function person(email: string, accountId = acme): Promise<{ id: string; caller: Caller }> {
    const { createUser } = await t.ok(CreateUserDocument, { input: { accountId, email, password: PASSWORD } });
    expect(createUser.errors).toEqual([]);
    return { id: createUser.user!.id, caller: t.as(await t.login(email, PASSWORD)) };
  }

  beforeAll(async () => {
    t = await startTestApp({}, { sender });
    acme = await account(t, 'Acme');
    eng = await group(t, acme, 'Engineering');
    ops = await group(t, acme, 'Operations');
    adminUser = (await t.ok<Json, Vars>('{ viewer { user { id } } }')).viewer.user.id;
  });
  afterAll(() => t.close());

  describe('createInvitation', () => {
    it('creates a PENDING invitation with its assignments in order, expiring in 7 days, and one outbox message with a kgi_ token that no response shows', async () => {
      const before = Date.now();
      const outboxBefore = await t.app.db.prisma.outboxMessage.count();
      const { invitation, errors } = await create({
        email: '  Dana@Example.TEST ',
        note: 'Welcome aboard',
        locale: 'pt-BR',
        assignments: [{ capabilityKey: 'workspace.read' }, { roleKey: 'VIEWER' }, { groupId: eng }],
      });
      expect(errors).toEqual([]);
      expect(invitation).toMatchObject({
        email: 'dana@example.test',
        status: 'PENDING',
        note: 'Welcome aboard',
        locale: 'pt-BR',
        acceptedAt: null,
        acceptedUser: null,
        account: { id: acme },
        group: null,
        createdBy: { __typename: 'User', id: adminUser },
      });
      expect(invitation.assignments).toEqual([
        { assignmentKind: 'GRANT', position: 0, grantKind: 'CAPABILITY', capabilityKey: 'workspace.read', roleKey: null, resourceType: null, resourceId: null, group: null },
        { assignmentKind: 'ROLE', position: 1, grantKind: null, capabilityKey: null, roleKey: 'VIEWER', resourceType: 'ACCOUNT', resourceId: acme, group: null },
        { assignmentKind: 'GROUP', position: 2, grantKind: null, capabilityKey: null, roleKey: null, resourceType: null, resourceId: null, group: { id: eng, name: 'Engineering' } },
      ]);
      const expiresAt = new Date(invitation.expiresAt).getTime();
      expect(expiresAt).toBeGreaterThanOrEqual(before + 7 * DAY - 1000);
      expect(expiresAt).toBeLessThanOrEqual(Date.now() + 7 * DAY + 1000);

      // Exactly one message, written with the invitation, to the invitee, with a kgi_ token in its link.
      expect(await t.app.db.prisma.outboxMessage.count()).toBe(outboxBefore + 1);
      const token = await tokenFor('dana@example.test');
      expect(messagesTo('dana@example.test')).toHaveLength(1);
      const [message] = messagesTo('dana@example.test');
      expect(message).toMatchObject({ kind: 'invitation', locale: 'pt-BR', subject: expect.stringContaining('Acme') });
      expect(message!.link).toBe(`${t.app.config.publicUrl}/accept-invitation#token=${token}`);
      expect(message!.text).toContain(message!.link);
      expect(message!.text).toContain('Welcome aboard');
      expect(token).toMatch(/^kgi_[0-9A-Za-z]{46}$/);

      // The token (and its digest) appears in no response: not in the create payload, not in a list read.
      const listed = await t.gql<Json, Vars>(
        `query($id: ID!) { account(id: $id) { invitations(first: 100) { totalCount edges { cursor node { ${INVITATION_FIELDS} viewerPermissions } } } } }`,
        { id: acme },
      );
      expect(listed.errors).toBeUndefined();
      expect(listed.data.account.invitations.edges.map((e: Json) => e.node.id)).toContain(invitation.id);
      for (const text of [JSON.stringify({ invitation, errors }), JSON.stringify(listed), JSON.stringify(await t.gql<Json, Vars>(READ, { id: invitation.id }))]) {
        expect(text).not.toContain(token);
        expect(text).not.toContain(token.slice(4));
        expect(text).not.toContain(hashToken(token));
      }
    });

    it('accepts role and grant assignments limited to a resource', async () => {
      const { invitation, errors } = await create({
        email: 'scoped@example.test',
        assignments: [
          { capabilityKey: 'domain.manage', resourceType: 'DOMAIN', resourceId: 'example.org' },
          { roleKey: 'DNS_MANAGER', resourceType: 'DOMAIN', resourceId: 'example.org' },
          { roleKey: 'EDITOR', resourceType: 'ACCOUNT', resourceId: acme },
          { grantKind: 'ACCOUNT_OWNER' },
        ],
      });
      expect(errors).toEqual([]);
      expect(invitation.assignments.map((a: Json) => [a.position, a.assignmentKind, a.grantKind, a.capabilityKey, a.roleKey, a.resourceType, a.resourceId])).toEqual([
        [0, 'GRANT', 'CAPABILITY', 'domain.manage', null, 'DOMAIN', 'example.org'],
        [1, 'ROLE', null, null, 'DNS_MANAGER', 'DOMAIN', 'example.org'],
        [2, 'ROLE', null, null, 'EDITOR', 'ACCOUNT', acme],
        [3, 'GRANT', 'ACCOUNT_OWNER', null, null, null, null],
      ]);
    });
  });

  describe('workspace-scoped assignments', () => {
    const workspace = async (accountId: string, name: string) => {
      const { createWorkspace } = await t.ok(CreateWorkspaceDocument, { input: { accountId, name } });
      expect(createWorkspace.errors).toEqual([]);
      return createWorkspace.workspace!.id;
    };

    it('gives a grant and a role on a workspace of the account, and the invitee reads that workspace only', async () => {
      const blue = await workspace(acme, 'Blue');
      const green = await workspace(acme, 'Green');
      const email = 'wendy@example.test';
      const { invitation, errors } = await create({
        email,
        assignments: [
          { capabilityKey: 'workspace.read', resourceType: 'WORKSPACE', resourceId: blue },
          { roleKey: 'EDITOR', resourceType: 'WORKSPACE', resourceId: blue },
        ],
      });
      expect(errors).toEqual([]);
      expect(invitation.assignments.map((a: Json) => [a.resourceType, a.resourceId])).toEqual([
        ['WORKSPACE', blue],
        ['WORKSPACE', blue],
      ]);
      const accepted = await accept({ token: await tokenFor(email), password: PASSWORD });
      expect(accepted.errors).toEqual([]);
      expect(accepted).toMatchObject({ grantCount: 1, roleAssignmentCount: 1 });
      const wendy = t.as(await t.login(email, PASSWORD));
      const seen = await wendy.ok<Json, Vars>(`query($b: ID!, $g: ID!) { blue: node(id: $b) { id } green: node(id: $g) { id } }`, { b: blue, g: green });
      expect(seen).toEqual({ blue: { id: blue }, green: null });
    });

    it('refuses a workspace of another account, or one that does not exist, as grantAuthorization does (NotFoundError), creating nothing', async () => {
      const other = await account(t, 'Other for workspaces');
      const foreign = await workspace(other, 'Foreign');
      const missing = Buffer.from('Workspace:01ARZ3NDEKTSV4RRFFQ69G5FAV').toString('base64');
      // The reference point: a direct grant on the foreign workspace is refused.
      const direct = await gqlAs(t, GRANT, { accountId: acme, grantKind: 'CAPABILITY', capabilityKey: 'workspace.read', subjectType: 'GROUP', subjectId: eng, resourceType: 'WORKSPACE', resourceId: foreign });
      expect(direct.data.grantAuthorization.errors).toEqual([expect.objectContaining({ __typename: 'NotFoundError', field: 'resourceId' })]);

      const invitations = await t.app.db.prisma.invitation.count();
      for (const resourceId of [foreign, missing]) {
        for (const assignment of [{ capabilityKey: 'workspace.read' }, { roleKey: 'VIEWER' }]) {
          const { invitation, errors } = await create({ email: 'xavier@example.test', assignments: [{ capabilityKey: 'user.read' }, { ...assignment, resourceType: 'WORKSPACE', resourceId }] });
          expect(errors).toEqual([expect.objectContaining({ __typename: 'NotFoundError', field: 'assignments[1].resourceId' })]);
          expect(invitation).toBeNull();
        }
      }
      expect(await t.app.db.prisma.invitation.count()).toBe(invitations);
    });
  });

  describe('acceptInvitation', () => {
    it('creates a new person (NEW_USER) with every assignment, who can then sign in with the password and read the group', async () => {
      const email = 'erin@example.test';
      const { invitation } = await create({ email, assignments: [{ capabilityKey: 'workspace.read' }, { roleKey: 'VIEWER' }, { groupId: eng }] });
      const membersBefore = await members(eng);
      const token = await tokenFor(email);
      // Nobody can sign in as the invitee before acceptance.
      await expect(t.login(email, PASSWORD)).rejects.toThrow();

      const accepted = await accept({ token, password: PASSWORD, username: 'erin', firstName: 'Erin', lastName: 'Example' });
      expect(accepted.errors).toEqual([]);
      expect(accepted).toMatchObject({ mode: 'NEW_USER', status: 'ACCEPTED', assignmentCount: 3, grantCount: 1, roleAssignmentCount: 1, groupMembershipCount: 1 });
      expect(accepted.permissionContext).toMatchObject({ subjectType: 'USER', directCapabilityKeys: ['workspace.read'], assignedBundleKeys: ['viewer'], status: 'ACTIVE' });
      expect(accepted.permissionContext.resolvedCapabilityKeys).toEqual(expect.arrayContaining(['account.read', 'workspace.read', 'group.read', 'user.read']));
      expect(accepted.permissionContext.resolvedCapabilityKeys).not.toContain('group.manage');

      // The user exists, belongs to the account, holds the grant and the role, and is in the group.
      const users = await usersNamed(email);
      expect(users).toHaveLength(1);
      const userId = users[0]!.id;
      expect(users[0]).toMatchObject({ email, username: 'erin', firstName: 'Erin', lastName: 'Example' });
      expect(accepted.permissionContext.subjectId).toBe(userId);
      const held = await holdings(userId, email);
      expect(held.users.totalCount).toBe(1);
      expect(held.authorizationGrants.edges.map((e: Json) => e.node)).toEqual([{ grantKind: 'CAPABILITY', capabilityKey: 'workspace.read', resourceType: null, resourceId: null }]);
      expect(held.roleAssignments.edges.map((e: Json) => e.node.roleKey)).toEqual(['VIEWER']);
      const after = await members(eng);
      expect(after.totalCount).toBe(membersBefore.totalCount + 1);
      expect(after.emails).toContain(email);

      // The invitation reads ACCEPTED, with who accepted it.
      expect(await read(invitation.id)).toMatchObject({ status: 'ACCEPTED', acceptedUser: { id: userId, email }, acceptedAt: expect.any(String) });

      // The new user signs in with the chosen password and reads the group through the invitation's role.
      const erin = t.as(await t.login(email, PASSWORD));
      const seen = await erin.ok<Json, Vars>(MEMBERS, { g: eng });
      expect(seen.node).toMatchObject({ id: eng, name: 'Engineering' });
      const refused = await erin.gql<Json, Vars>(`mutation($a: ID!) { createGroup(input: { accountId: $a, name: "Erin's" }) { group { id } } }`, { a: acme });
      expect(refused.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    });

    it('lets an existing user signed in with the invited email accept (EXISTING_USER), with no password', async () => {
      const other = await account(t, 'Elsewhere');
      const email = 'frank@example.test';
      const frank = await person(email, other);
      const { invitation } = await create({ email: 'FRANK@example.test', assignments: [{ capabilityKey: 'group.read' }, { groupId: ops }] });
      const token = await tokenFor(email);
      expect((await holdings(frank.id, email)).users.totalCount).toBe(0);

      const accepted = await accept({ token }, frank.caller);
      expect(accepted.errors).toEqual([]);
      expect(accepted).toMatchObject({ mode: 'EXISTING_USER', status: 'ACCEPTED', acceptedUser: { id: frank.id, email }, account: { id: acme }, assignmentCount: 2, grantCount: 1, roleAssignmentCount: 0, groupMembershipCount: 1 });
      expect(accepted.permissionContext.resolvedCapabilityKeys).toEqual(['account.read', 'group.read']);
      expect((await holdings(frank.id, email)).users.totalCount).toBe(1);
      expect((await members(ops)).emails).toContain(email);
      expect((await read(invitation.id)).acceptedUser).toEqual({ id: frank.id, email });
      // Frank now reads Acme's groups with the account he already had.
      expect((await frank.caller.ok<Json, Vars>(MEMBERS, { g: ops })).node).toMatchObject({ id: ops, name: 'Operations' });
    });

    it('refuses an anonymous acceptance when a user with a verified email exists (ConflictError token), and changes nothing', async () => {
      const email = 'gina@example.test';
      const gina = await person(email);
      // Gina proved her address; an unverified one is claimed instead (identity.test.ts).
      await t.app.store.users.update(decodeGlobalID(gina.id).id, { emailVerifiedAt: new Date() });
      const { invitation } = await create({ email, assignments: [{ capabilityKey: 'workspace.read' }] });
      const token = await tokenFor(email);
      const refused = await accept({ token, password: 'another long password' });
      expect(refused.errors).toEqual([expect.objectContaining({ __typename: 'ConflictError', field: 'token' })]);
      expect(refused.mode).toBeNull();
      expect((await read(invitation.id)).status).toBe('PENDING');
      expect((await holdings(gina.id, email)).authorizationGrants.totalCount).toBe(0);
      // The existing password still works; the one offered was not set.
      await expect(t.login(email, 'another long password')).rejects.toThrow();
      await t.login(email, PASSWORD);
    });

    it('refuses a service account (only a person accepts), leaving the invitation pending', async () => {
      const email = 'robot@example.test';
      const { invitation } = await create({ email, assignments: [{ capabilityKey: 'workspace.read' }] });
      const token = await tokenFor(email);
      const created = await t.ok<Json, Vars>(`mutation($i: CreateServiceAccountInput!) { createServiceAccount(input: $i) { token ${ERRORS} } }`, { i: { accountId: acme, name: 'robot' } });
      expect(created.createServiceAccount.errors).toEqual([]);
      const robot = t.as(created.createServiceAccount.token);
      const refused = await robot.gql<Json, Vars>(ACCEPT, { i: { token } });
      expect(refused.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
      expect((await read(invitation.id)).status).toBe('PENDING');
      expect((await accept({ token, password: PASSWORD })).errors).toEqual([]);
    });

    it('refuses a signed-in user whose email is not the invited one (ValidationError token)', async () => {
      const henry = await person('henry@example.test');
      const { invitation } = await create({ email: 'ivy@example.test', assignments: [{ capabilityKey: 'workspace.read' }] });
      const token = await tokenFor('ivy@example.test');
      const refused = await accept({ token }, henry.caller);
      expect(refused.errors).toEqual([expect.objectContaining({ __typename: 'ValidationError', field: 'token' })]);
      expect((await read(invitation.id)).status).toBe('PENDING');
      expect((await holdings(henry.id, 'henry@example.test')).authorizationGrants.totalCount).toBe(0);
    });

    it('refuses a new person without a password (ValidationError password), or with a too short one', async () => {
      const email = 'jack@example.test';
      const { invitation } = await create({ email, assignments: [{ capabilityKey: 'workspace.read' }] });
      const token = await tokenFor(email);
      for (const password of [undefined, null, '', 'short']) {
        const refused = await accept({ token, password });
        expect(refused.errors).toEqual([expect.objectContaining({ __typename: 'ValidationError', field: 'password' })]);
      }
      expect((await read(invitation.id)).status).toBe('PENDING');
      expect(await nobody(email)).toBe(true);
      // The invitation still works afterwards.
      expect((await accept({ token, password: PASSWORD })).errors).toEqual([]);
    });

    it('refuses a second acceptance (ConflictError token) and changes nothing the second time', async () => {
      const email = 'kate@example.test';
      await create({ email, assignments: [{ capabilityKey: 'workspace.read' }, { roleKey: 'VIEWER' }, { groupId: ops }] });
      const token = await tokenFor(email);
      const first = await accept({ token, password: PASSWORD });
      expect(first.errors).toEqual([]);
      const userId = first.permissionContext.subjectId;
      const kate = t.as(await t.login(email, PASSWORD));
      const heldBefore = await holdings(userId, email);
      const membersBefore = await members(ops);
      expect(heldBefore.authorizationGrants.totalCount).toBe(1);
      expect(heldBefore.roleAssignments.totalCount).toBe(1);

      for (const caller of [t.as(null), kate]) {
        const again = await accept(caller === kate ? { token } : { token, password: PASSWORD }, caller);
        expect(again.errors).toEqual([expect.objectContaining({ __typename: 'ConflictError', field: 'token' })]);
        expect(again.grantCount).toBeNull();
      }
      expect(await holdings(userId, email)).toEqual(heldBefore);
      expect(await members(ops)).toEqual(membersBefore);
    });

    it('lets exactly one of two concurrent acceptances by the same signed-in user win', async () => {
      const email = 'liam@example.test';
      const liam = await person(email);
      await create({ email, assignments: [{ capabilityKey: 'workspace.read' }, { groupId: eng }] });
      const token = await tokenFor(email);
      const results = await Promise.all([0, 1].map(() => liam.caller.gql<Json, Vars>(ACCEPT, { i: { token } })));
      const payloads = results.map((r) => {
        expect(r.errors).toBeUndefined();
        return r.data.acceptInvitation;
      });
      const won = payloads.filter((p) => p.errors.length === 0);
      const lost = payloads.filter((p) => p.errors.length > 0);
      expect(won).toHaveLength(1);
      expect(won[0]).toMatchObject({ mode: 'EXISTING_USER', grantCount: 1, groupMembershipCount: 1 });
      expect(lost).toHaveLength(1);
      expect(lost[0].errors).toEqual([expect.objectContaining({ __typename: 'ConflictError', field: 'token' })]);
      const held = await holdings(liam.id, email);
      expect(held.authorizationGrants.totalCount).toBe(1);
      expect((await members(eng)).emails.filter((e) => e === email)).toHaveLength(1);
    });

    it('lets exactly one of two concurrent anonymous acceptances create the user', async () => {
      const email = 'mia@example.test';
      await create({ email, assignments: [{ capabilityKey: 'workspace.read' }] });
      const token = await tokenFor(email);
      const results = await Promise.all([0, 1].map(() => t.as(null).gql<Json, Vars>(ACCEPT_ANONYMOUS, { i: { token, password: PASSWORD } })));
      const payloads = results.map((r) => {
        expect(r.errors).toBeUndefined();
        return r.data.acceptInvitation;
      });
      const won = payloads.filter((p) => p.errors.length === 0);
      const lost = payloads.filter((p) => p.errors.length > 0);
      expect(won).toHaveLength(1);
      expect(won[0]).toMatchObject({ mode: 'NEW_USER', grantCount: 1 });
      expect(lost).toHaveLength(1);
      expect(lost[0].errors).toEqual([expect.objectContaining({ __typename: 'ConflictError' })]);
      const users = await usersNamed(email);
      expect(users).toHaveLength(1);
      expect(await t.app.db.prisma.user.count({ where: { email } })).toBe(1);
      expect((await holdings(users[0]!.id, email)).authorizationGrants.totalCount).toBe(1);
    });
  });

  describe('expiry and resend', () => {
    it('reads an invitation past its expiry as EXPIRED, refuses it, and renews it with a new token on resend', async () => {
      const email = 'nora@example.test';
      const { invitation } = await create({ email, assignments: [{ capabilityKey: 'workspace.read' }] });
      const oldToken = await tokenFor(email);
      await expire(invitation.id);

      expect((await read(invitation.id)).status).toBe('EXPIRED');
      const expired = await t.ok<Json, Vars>(LIST, { id: acme, email, status: 'EXPIRED' });
      expect(expired.account.invitations.edges.map((e: Json) => e.node)).toEqual([{ id: invitation.id, email, status: 'EXPIRED' }]);
      expect((await t.ok<Json, Vars>(LIST, { id: acme, email, status: 'PENDING' })).account.invitations.totalCount).toBe(0);

      const refused = await accept({ token: oldToken, password: PASSWORD });
      expect(refused.errors).toEqual([expect.objectContaining({ __typename: 'ConflictError', field: 'token' })]);
      expect(await nobody(email)).toBe(true);

      const sentBefore = messagesTo(email).length;
      const before = Date.now();
      const { resendInvitation } = await t.ok<Json, Vars>(RESEND, { i: { id: invitation.id, locale: 'fr' } });
      expect(resendInvitation.errors).toEqual([]);
      expect(resendInvitation.invitation).toMatchObject({ id: invitation.id, status: 'PENDING', locale: 'fr' });
      expect(new Date(resendInvitation.invitation.expiresAt).getTime()).toBeGreaterThanOrEqual(before + 7 * DAY - 1000);
      const newToken = await tokenFor(email);
      expect(messagesTo(email)).toHaveLength(sentBefore + 1);
      expect(messagesTo(email).at(-1)!.locale).toBe('fr');
      expect(newToken).not.toBe(oldToken);
      expect(JSON.stringify(resendInvitation)).not.toContain(newToken);

      // The old token names nothing any more; the new one works.
      const stale = await accept({ token: oldToken, password: PASSWORD });
      expect(stale.errors).toEqual([expect.objectContaining({ __typename: 'NotFoundError', field: 'token' })]);
      const accepted = await accept({ token: newToken, password: PASSWORD });
      expect(accepted.errors).toEqual([]);
      expect(accepted).toMatchObject({ mode: 'NEW_USER', status: 'ACCEPTED', grantCount: 1 });
    });

    it('resends a pending invitation: the first token stops working at once', async () => {
      const email = 'oscar@example.test';
      const { invitation } = await create({ email, assignments: [{ capabilityKey: 'workspace.read' }] });
      const first = await tokenFor(email);
      expect((await t.ok<Json, Vars>(RESEND, { i: { id: invitation.id } })).resendInvitation.errors).toEqual([]);
      const second = await tokenFor(email);
      expect(second).not.toBe(first);
      expect((await accept({ token: first, password: PASSWORD })).errors).toEqual([expect.objectContaining({ __typename: 'NotFoundError', field: 'token' })]);
      expect((await accept({ token: second, password: PASSWORD })).errors).toEqual([]);
      // An accepted invitation cannot be resent.
      const again = await t.ok<Json, Vars>(RESEND, { i: { id: invitation.id } });
      expect(again.resendInvitation.errors).toEqual([expect.objectContaining({ __typename: 'ConflictError', field: 'id' })]);
    });
  });

  describe('deleteInvitation and updateInvitation', () => {
    it('revokes a pending invitation: REVOKED, its token refused, a second delete a ConflictError', async () => {
      const email = 'paula@example.test';
      const { invitation } = await create({ email, assignments: [{ capabilityKey: 'workspace.read' }] });
      const token = await tokenFor(email);
      const { deleteInvitation } = await t.ok<Json, Vars>(DELETE, { i: { id: invitation.id } });
      expect(deleteInvitation.errors).toEqual([]);
      expect(deleteInvitation.invitation).toMatchObject({ id: invitation.id, status: 'REVOKED' });
      expect((await read(invitation.id)).status).toBe('REVOKED');

      const refused = await accept({ token, password: PASSWORD });
      expect(refused.errors).toEqual([expect.objectContaining({ __typename: 'ConflictError', field: 'token' })]);
      expect(await nobody(email)).toBe(true);

      const again = await t.ok<Json, Vars>(DELETE, { i: { id: invitation.id } });
      expect(again.deleteInvitation.errors).toEqual([expect.objectContaining({ __typename: 'ConflictError', field: 'id' })]);
      // Neither resend nor update brings a revoked invitation back.
      expect((await t.ok<Json, Vars>(RESEND, { i: { id: invitation.id } })).resendInvitation.errors).toEqual([expect.objectContaining({ __typename: 'ConflictError' })]);
      expect((await t.ok<Json, Vars>(UPDATE, { i: { id: invitation.id, note: 'x' } })).updateInvitation.errors).toEqual([expect.objectContaining({ __typename: 'ConflictError' })]);
      expect((await read(invitation.id)).status).toBe('REVOKED');
    });

    it('revokes an expired invitation too', async () => {
      const { invitation } = await create({ email: 'quinn@example.test' });
      await expire(invitation.id);
      const { deleteInvitation } = await t.ok<Json, Vars>(DELETE, { i: { id: invitation.id } });
      expect(deleteInvitation.errors).toEqual([]);
      expect((await read(invitation.id)).status).toBe('REVOKED');
    });

    it('changes the assignments and note of a pending invitation, and what acceptance gives with them', async () => {
      const email = 'rosa@example.test';
      const { invitation } = await create({ email, note: 'first', assignments: [{ capabilityKey: 'workspace.read' }] });
      const token = await tokenFor(email);

      const noteOnly = await t.ok<Json, Vars>(UPDATE, { i: { id: invitation.id, note: 'second' } });
      expect(noteOnly.updateInvitation.errors).toEqual([]);
      expect(noteOnly.updateInvitation.invitation.note).toBe('second');
      expect(noteOnly.updateInvitation.invitation.assignments.map((a: Json) => a.capabilityKey)).toEqual(['workspace.read']);

      const replaced = await t.ok<Json, Vars>(UPDATE, { i: { id: invitation.id, assignments: [{ groupId: ops }, { capabilityKey: 'user.read' }] } });
      expect(replaced.updateInvitation.errors).toEqual([]);
      expect(replaced.updateInvitation.invitation).toMatchObject({ note: 'second', status: 'PENDING' });
      expect(replaced.updateInvitation.invitation.assignments.map((a: Json) => [a.position, a.assignmentKind, a.capabilityKey, a.group?.id ?? null])).toEqual([
        [0, 'GROUP', null, ops],
        [1, 'GRANT', 'user.read', null],
      ]);

      const cleared = await t.ok<Json, Vars>(UPDATE, { i: { id: invitation.id, note: null } });
      expect(cleared.updateInvitation.invitation.note).toBeNull();
      // An invalid update is refused and changes nothing.
      const invalid = await t.ok<Json, Vars>(UPDATE, { i: { id: invitation.id, assignments: [{ capabilityKey: 'root.everything' }] } });
      expect(invalid.updateInvitation.errors).toEqual([expect.objectContaining({ __typename: 'ValidationError', field: 'assignments[0]' })]);
      expect((await read(invitation.id)).assignments).toHaveLength(2);

      // Updating does not change the token: the original one gives the new assignments.
      const accepted = await accept({ token, password: PASSWORD });
      expect(accepted.errors).toEqual([]);
      expect(accepted).toMatchObject({ assignmentCount: 2, grantCount: 1, groupMembershipCount: 1, roleAssignmentCount: 0 });
      expect(accepted.permissionContext.directCapabilityKeys).toEqual(['user.read']);
      expect((await members(ops)).emails).toContain(email);

      const late = await t.ok<Json, Vars>(UPDATE, { i: { id: invitation.id, note: 'too late' } });
      expect(late.updateInvitation.errors).toEqual([expect.objectContaining({ __typename: 'ConflictError', field: 'id' })]);
      expect((await read(invitation.id)).note).toBeNull();
    });
  });

  describe('createGroupInvitation', () => {
    it('invites into one group, and acceptance makes the user a member', async () => {
      const email = 'sam@example.test';
      const qa = await group(t, acme, 'QA');
      const { createGroupInvitation } = await t.ok<Json, Vars>(CREATE_GROUP, { i: { groupId: qa, email, note: 'join QA', locale: 'en' } });
      expect(createGroupInvitation.errors).toEqual([]);
      expect(createGroupInvitation.invitation).toMatchObject({ email, status: 'PENDING', note: 'join QA', locale: 'en', account: { id: acme }, group: { id: qa, name: 'QA' } });
      expect(createGroupInvitation.invitation.assignments).toEqual([
        { assignmentKind: 'GROUP', position: 0, grantKind: null, capabilityKey: null, roleKey: null, resourceType: null, resourceId: null, group: { id: qa, name: 'QA' } },
      ]);
      expect((await members(qa)).totalCount).toBe(0);
      const token = await tokenFor(email);
      const accepted = await accept({ token, password: PASSWORD });
      expect(accepted.errors).toEqual([]);
      expect(accepted).toMatchObject({ mode: 'NEW_USER', assignmentCount: 1, grantCount: 0, roleAssignmentCount: 0, groupMembershipCount: 1 });
      expect(await members(qa)).toEqual({ totalCount: 1, emails: [email] });
    });

    it('for a user already in the account: no invitation, they join the group at once, and the answer is the membership result (reference 000)', async () => {
      const DIRECT = `mutation($i: CreateGroupInvitationInput!) { createGroupInvitation(input: $i) {
        invitation { id } mode acceptedSubjectId acceptedUser { id email } email assignmentCount grantCount roleAssignmentCount groupMembershipCount
        permissionContext { subjectType subjectId status } errors { __typename message field } } }`;
      const member = await person('already-member@example.test');
      const qa2 = await group(t, acme, 'QA 2');
      const invitations = await t.app.db.prisma.invitation.count();
      const sent = sender.messages.length;
      const first = (await t.ok<Json, Vars>(DIRECT, { i: { groupId: qa2, email: 'Already-Member@example.test' } })).createGroupInvitation;
      expect(first).toEqual({
        invitation: null,
        mode: 'EXISTING_MEMBER',
        acceptedSubjectId: member.id,
        acceptedUser: { id: member.id, email: 'already-member@example.test' },
        email: 'already-member@example.test',
        assignmentCount: 1,
        grantCount: 0,
        roleAssignmentCount: 0,
        groupMembershipCount: 1,
        permissionContext: { subjectType: 'USER', subjectId: member.id, status: expect.any(String) },
        errors: [],
      });
      expect(await members(qa2)).toEqual({ totalCount: 1, emails: ['already-member@example.test'] });
      // Again: already in the group, nothing added.
      const again = (await t.ok<Json, Vars>(DIRECT, { i: { groupId: qa2, email: 'already-member@example.test' } })).createGroupInvitation;
      expect(again).toMatchObject({ invitation: null, mode: 'EXISTING_MEMBER', groupMembershipCount: 0, errors: [] });
      await t.app.services.outbox.flush();
      expect([await t.app.db.prisma.invitation.count(), sender.messages.length]).toEqual([invitations, sent]);

      // A keygraph user of another account only is invited as anyone else: they have an account to join.
      const elsewhere = await account(t, 'Elsewhere for group invitations');
      await person('other-account@example.test', elsewhere);
      const outside = (await t.ok<Json, Vars>(DIRECT, { i: { groupId: qa2, email: 'other-account@example.test' } })).createGroupInvitation;
      expect(outside).toMatchObject({ invitation: { id: expect.any(String) }, mode: null, acceptedSubjectId: null, groupMembershipCount: null, errors: [] });
      expect((await members(qa2)).totalCount).toBe(1);
    });

    it('does not tell someone who may not read the users whether an email is a member: they get an invitation like anyone', async () => {
      const blind = await person('blind-inviter@example.test');
      for (const capabilityKey of ['invitation.manage', 'group.manage']) {
        const { data } = await gqlAs(t, GRANT, { accountId: acme, grantKind: 'CAPABILITY', capabilityKey, subjectType: 'USER', subjectId: blind.id });
        expect(data.grantAuthorization.errors).toEqual([]);
      }
      await person('seen-member@example.test');
      const qa3 = await group(t, acme, 'QA 3');
      const answer = await blind.caller.ok<Json, Vars>(`mutation($i: CreateGroupInvitationInput!) { createGroupInvitation(input: $i) { invitation { id status } mode acceptedSubjectId errors { message } } }`, {
        i: { groupId: qa3, email: 'seen-member@example.test' },
      });
      expect(answer.createGroupInvitation).toEqual({ invitation: { id: expect.any(String), status: 'PENDING' }, mode: null, acceptedSubjectId: null, errors: [] });
      expect((await members(qa3)).totalCount).toBe(0);
    });

    it('gives each assignment an id, distinct within and across invitations', async () => {
      const one = await create({ email: 'ids-1@example.test', assignments: [{ roleKey: 'VIEWER' }, { groupId: eng }] });
      const two = await create({ email: 'ids-2@example.test', assignments: [{ roleKey: 'VIEWER' }] });
      const ids = async (id: string) => (await t.ok<Json, Vars>(`query($id: ID!) { node(id: $id) { ... on Invitation { assignments { id position } } } }`, { id })).node.assignments.map((a: Json) => a.id);
      const all = [...(await ids(one.invitation.id)), ...(await ids(two.invitation.id))];
      expect(all).toHaveLength(3);
      expect(new Set(all).size).toBe(3);
      expect(await ids(one.invitation.id)).toEqual(all.slice(0, 2));
    });

    it("permissionContext: null while not accepted; once accepted, the invitee's permissions on the account", async () => {
      const CONTEXT = `query($id: ID!) { node(id: $id) { ... on Invitation { status permissionContext { subjectType subjectId assignedBundleKeys resolvedCapabilityKeys status } } } }`;
      const { invitation } = await create({ email: 'context@example.test', assignments: [{ roleKey: 'VIEWER' }] });
      expect((await t.ok<Json, Vars>(CONTEXT, { id: invitation.id })).node).toEqual({ status: 'PENDING', permissionContext: null });
      const accepted = await accept({ token: await tokenFor('context@example.test'), password: PASSWORD });
      expect(accepted.errors).toEqual([]);
      const [user] = await usersNamed('context@example.test');
      const after = (await t.ok<Json, Vars>(CONTEXT, { id: invitation.id })).node;
      expect(after).toMatchObject({ status: 'ACCEPTED', permissionContext: { subjectType: 'USER', subjectId: user!.id, assignedBundleKeys: ['viewer'], status: 'ACTIVE' } });
      expect(after.permissionContext.resolvedCapabilityKeys).toContain('group.read');
    });

    it('refuses an unknown group, a bad email and a bad locale', async () => {
      const missing = Buffer.from('Group:01ARZ3NDEKTSV4RRFFQ69G5FAV').toString('base64');
      const cases: [Vars, string, string][] = [
        [{ groupId: missing, email: 'x@example.test' }, 'NotFoundError', 'groupId'],
        [{ groupId: acme, email: 'x@example.test' }, 'NotFoundError', 'groupId'],
        [{ groupId: eng, email: 'not an email' }, 'ValidationError', 'email'],
        [{ groupId: eng, email: 'x@example.test', locale: 'not a locale!' }, 'ValidationError', 'locale'],
      ];
      const count = await t.app.db.prisma.invitation.count();
      for (const [input, typename, field] of cases) {
        const { createGroupInvitation } = await t.ok<Json, Vars>(CREATE_GROUP, { i: input });
        expect(createGroupInvitation.errors).toEqual([expect.objectContaining({ __typename: typename, field })]);
        expect(createGroupInvitation.invitation).toBeNull();
      }
      expect(await t.app.db.prisma.invitation.count()).toBe(count);
    });
  });

  describe('escalation', () => {
    let manager: { id: string; caller: Caller };

    beforeAll(async () => {
      manager = await person('manager@example.test');
      for (const capabilityKey of ['invitation.manage', 'auth.read']) {
        const { data } = await gqlAs(t, GRANT, { accountId: acme, grantKind: 'CAPABILITY', capabilityKey, subjectType: 'USER', subjectId: manager.id });
        expect(data.grantAuthorization.errors).toEqual([]);
      }
      // domain.manage on one domain only.
      const { data } = await gqlAs(t, GRANT, { accountId: acme, grantKind: 'CAPABILITY', capabilityKey: 'domain.manage', subjectType: 'USER', subjectId: manager.id, resourceType: 'DOMAIN', resourceId: 'mine.example' });
      expect(data.grantAuthorization.errors).toEqual([]);
    });

    it('lets a manager give a capability it holds on one resource, on that resource only', async () => {
      const mine = await create({ email: 'scoped-ok@example.test', assignments: [{ capabilityKey: 'domain.manage', resourceType: 'DOMAIN', resourceId: 'mine.example' }] }, manager.caller);
      expect(mine.errors).toEqual([]);
      for (const assignment of [{ capabilityKey: 'domain.manage' }, { capabilityKey: 'domain.manage', resourceType: 'DOMAIN', resourceId: 'theirs.example' }]) {
        const refused = await manager.caller.gql<Json, Vars>(CREATE, { i: { accountId: acme, email: 'scoped-no@example.test', assignments: [assignment] } });
        expect(refused.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
      }
      expect((await t.ok<Json, Vars>(LIST, { id: acme, email: 'scoped-no@example.test' })).account.invitations.totalCount).toBe(0);
    });

    it('lets a manager with invitation.manage invite with what it holds', async () => {
      const { invitation, errors } = await create({ email: 'held@example.test', assignments: [{ capabilityKey: 'auth.read' }, { capabilityKey: 'user.read' }] }, manager.caller);
      expect(errors).toEqual([]);
      expect(invitation.createdBy).toEqual({ __typename: 'User', id: manager.id });
    });

    // Thunks: the groups exist only once beforeAll has run.
    it.each([
      ['an ACCOUNT_OWNER grant', () => [{ grantKind: 'ACCOUNT_OWNER' }]],
      ['a SUPER_ADMIN grant', () => [{ grantKind: 'SUPER_ADMIN' }]],
      ['a capability it lacks', () => [{ capabilityKey: 'auth.read' }, { capabilityKey: 'workspace.manage' }]],
      ['a role wider than what it holds', () => [{ roleKey: 'VIEWER' }]],
      ['a group membership (needs group.manage)', () => [{ groupId: eng }]],
    ])('refuses an invitation with %s (FORBIDDEN), creating nothing and sending nothing', async (_case, thunk) => {
      const assignments = thunk();
      expect(assignments.length).toBeGreaterThan(0);
      const invitations = await t.app.db.prisma.invitation.count();
      const outbox = await t.app.db.prisma.outboxMessage.count();
      const result = await manager.caller.gql<Json, Vars>(CREATE, { i: { accountId: acme, email: 'escalate@example.test', assignments } });
      expect(result.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
      expect(result.data?.createInvitation ?? null).toBeNull();
      expect(await t.app.db.prisma.invitation.count()).toBe(invitations);
      expect(await t.app.db.prisma.outboxMessage.count()).toBe(outbox);
      await t.app.services.outbox.flush();
      expect(messagesTo('escalate@example.test')).toEqual([]);
    });

    it('refuses to widen an invitation through updateInvitation, and to invite into a group', async () => {
      const { invitation } = await create({ email: 'widen@example.test', assignments: [{ capabilityKey: 'user.read' }] }, manager.caller);
      const widened = await manager.caller.gql<Json, Vars>(UPDATE, { i: { id: invitation.id, assignments: [{ grantKind: 'ACCOUNT_OWNER' }] } });
      expect(widened.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
      expect((await read(invitation.id)).assignments.map((a: Json) => a.capabilityKey)).toEqual(['user.read']);
      const outbox = await t.app.db.prisma.outboxMessage.count();
      const grouped = await manager.caller.gql<Json, Vars>(CREATE_GROUP, { i: { groupId: eng, email: 'grouped@example.test' } });
      expect(grouped.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
      expect(await t.app.db.prisma.outboxMessage.count()).toBe(outbox);
    });

    it('checks the inviter again at acceptance: a capability they lost since is not passed on, and nothing is applied', async () => {
      const inviter = await person('fading@example.test');
      const grants: string[] = [];
      for (const capabilityKey of ['invitation.manage', 'billing.read']) {
        const { data } = await gqlAs(t, GRANT, { accountId: acme, grantKind: 'CAPABILITY', capabilityKey, subjectType: 'USER', subjectId: inviter.id });
        grants.push(data.grantAuthorization.authorizationGrant.id);
      }
      const { errors } = await create({ email: 'late@example.test', assignments: [{ capabilityKey: 'billing.read' }] }, inviter.caller);
      expect(errors).toEqual([]);
      const token = await tokenFor('late@example.test');
      // The inviter loses billing.read before the invitee accepts.
      const revoked = await t.ok<Json, Vars>(`mutation($i: RevokeAuthorizationInput!) { revokeAuthorization(input: $i) { errors { message } } }`, { i: { id: grants[1] } });
      expect(revoked.revokeAuthorization.errors).toEqual([]);
      const refused = await t.as(null).ok<Json, Vars>(ACCEPT_ANONYMOUS, { i: { token, password: PASSWORD } });
      expect(refused.acceptInvitation.errors).toEqual([expect.objectContaining({ __typename: 'ConflictError', field: 'token' })]);
      expect(await nobody('late@example.test')).toBe(true);
      // Given back, the same token works.
      await gqlAs(t, GRANT, { accountId: acme, grantKind: 'CAPABILITY', capabilityKey: 'billing.read', subjectType: 'USER', subjectId: inviter.id });
      const accepted = await accept({ token, password: PASSWORD });
      expect(accepted.errors).toEqual([]);
      expect(accepted.grantCount).toBe(1);
    });

    it('refuses a user without invitation.manage, and an anonymous caller', async () => {
      const plain = await person('plain@example.test');
      const refused = await create({ email: 'x@example.test' }, plain.caller);
      expect(refused.errors).toEqual([expect.objectContaining({ __typename: 'NotFoundError', field: 'accountId' })]);
      const anonymous = await t.as(null).gql<Json, Vars>(CREATE, { i: { accountId: acme, email: 'x@example.test' } });
      expect(anonymous.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
    });
  });

  describe('validation', () => {
    const tooMany = Array.from({ length: 51 }, () => ({ capabilityKey: 'workspace.read' }));
    it.each([
      ['a bad email', { email: 'nobody' }, 'ValidationError', 'email'],
      ['an empty email', { email: '   ' }, 'ValidationError', 'email'],
      ['more than 50 assignments', { assignments: tooMany }, 'ValidationError', 'assignments'],
      ['an assignment with two kinds', { assignments: [{ capabilityKey: 'workspace.read' }, { roleKey: 'VIEWER', capabilityKey: 'workspace.read' }] }, 'ValidationError', 'assignments[1]'],
      ['an assignment with no kind', { assignments: [{}] }, 'ValidationError', 'assignments[0]'],
      ['an unknown capability', { assignments: [{ capabilityKey: 'root.everything' }] }, 'ValidationError', 'assignments[0]'],
      // (the field is 'resourceId' today; 'assignments[0].resourceId' would be more precise: both are accepted)
      ['an account resource that is not a global id', { assignments: [{ capabilityKey: 'workspace.read', resourceType: 'ACCOUNT', resourceId: 'acme' }] }, 'NotFoundError', expect.stringMatching(/^(assignments\[0\]\.)?resourceId$/)],
      ['a resource type without an id', { assignments: [{ capabilityKey: 'domain.read', resourceType: 'DOMAIN' }] }, 'ValidationError', 'assignments[0]'],
      ['an owner grant with a capability', { assignments: [{ grantKind: 'ACCOUNT_OWNER', capabilityKey: 'workspace.read' }] }, 'ValidationError', 'assignments[0]'],
      ['an undecodable group id', { assignments: [{ groupId: 'other' }] }, 'NotFoundError', 'assignments[0].groupId'],
      ['a bad locale', { locale: 'english please' }, 'ValidationError', 'locale'],
      ['a note over 2048 characters', { note: 'n'.repeat(2049) }, 'ValidationError', 'note'],
    ])('createInvitation refuses %s', async (_case, input, typename, field) => {
      const invitations = await t.app.db.prisma.invitation.count();
      const outbox = await t.app.db.prisma.outboxMessage.count();
      const { invitation, errors } = await create({ email: 'valid@example.test', ...input });
      expect(errors).toEqual([expect.objectContaining({ __typename: typename, field })]);
      expect(invitation).toBeNull();
      expect(await t.app.db.prisma.invitation.count()).toBe(invitations);
      expect(await t.app.db.prisma.outboxMessage.count()).toBe(outbox);
    });

    it('createInvitation refuses an unknown roleKey or resource type at the schema: a request error, nothing created', async () => {
      const invitations = await t.app.db.prisma.invitation.count();
      for (const assignment of [{ roleKey: 'OVERLORD' }, { roleKey: 'viewer' }, { capabilityKey: 'domain.read', resourceType: 'PLANET', resourceId: 'mars' }]) {
        const result = await t.gql<Json, Vars>(CREATE, { i: { accountId: acme, email: 'valid@example.test', assignments: [assignment] } });
        expect(result.data ?? null).toBeNull();
        expect(result.errors?.[0]?.message).toMatch(/does not exist in "(RoleKey|ResourceType)" enum/);
      }
      expect(await t.app.db.prisma.invitation.count()).toBe(invitations);
    });

    it('createInvitation refuses another account as an account resource', async () => {
      const other = await account(t, 'Other for resources');
      const { errors } = await create({ email: 'valid@example.test', assignments: [{ capabilityKey: 'workspace.read', resourceType: 'ACCOUNT', resourceId: other }] });
      expect(errors).toEqual([expect.objectContaining({ __typename: 'ValidationError', field: 'assignments[0]' })]);
    });

    it('createInvitation refuses a group of another account as not found', async () => {
      const other = await account(t, 'Other for groups');
      const foreign = await group(t, other, 'Foreign');
      const { errors } = await create({ email: 'valid@example.test', assignments: [{ groupId: foreign }] });
      expect(errors).toEqual([expect.objectContaining({ __typename: 'NotFoundError', field: 'assignments[0].groupId' })]);
    });

    it('accepts exactly 50 assignments', async () => {
      const { invitation, errors } = await create({ email: 'fifty@example.test', assignments: Array.from({ length: 50 }, () => ({ capabilityKey: 'workspace.read' })) });
      expect(errors).toEqual([]);
      expect(invitation.assignments).toHaveLength(50);
      expect(invitation.assignments.at(-1).position).toBe(49);
    });

    it('updateInvitation, resendInvitation and deleteInvitation refuse unknown ids and bad input', async () => {
      const missing = Buffer.from('Invitation:01ARZ3NDEKTSV4RRFFQ69G5FAV').toString('base64');
      for (const [doc, name] of [
        [UPDATE, 'updateInvitation'],
        [RESEND, 'resendInvitation'],
        [DELETE, 'deleteInvitation'],
      ] as const) {
        for (const id of [missing, eng]) {
          const result = await t.ok<Json, Vars>(doc, { i: { id } });
          expect(result[name].errors).toEqual([expect.objectContaining({ __typename: 'NotFoundError', field: 'id' })]);
        }
      }
      const { invitation } = await create({ email: 'upd@example.test' });
      const tooMany = await t.ok<Json, Vars>(UPDATE, { i: { id: invitation.id, assignments: Array.from({ length: 51 }, () => ({ capabilityKey: 'workspace.read' })) } });
      expect(tooMany.updateInvitation.errors).toEqual([expect.objectContaining({ __typename: 'ValidationError', field: 'assignments' })]);
      const longNote = await t.ok<Json, Vars>(UPDATE, { i: { id: invitation.id, note: 'n'.repeat(2049) } });
      expect(longNote.updateInvitation.errors).toEqual([expect.objectContaining({ __typename: 'ValidationError', field: 'note' })]);
      const badLocale = await t.ok<Json, Vars>(RESEND, { i: { id: invitation.id, locale: '!!' } });
      expect(badLocale.resendInvitation.errors).toEqual([expect.objectContaining({ __typename: 'ValidationError', field: 'locale' })]);
    });

    it('acceptInvitation refuses malformed tokens (ValidationError token) before any database read, and an unknown token as not found', async () => {
      const { invitation } = await create({ email: 'tokens@example.test' });
      const real = await tokenFor('tokens@example.test');
      const flipped = real.slice(0, -1) + (real.endsWith('a') ? 'b' : 'a');
      const malformed = ['', 'nonsense', 'kgi_short', flipped, real.replace(/^kgi_/, 'kgs_'), issueToken('serviceAccount').token, `${real} `];
      for (const token of malformed) {
        const before = await t.statements();
        const refused = await accept({ token, password: PASSWORD });
        expect(refused.errors).toEqual([expect.objectContaining({ __typename: 'ValidationError', field: 'token' })]);
        expect(await t.statements()).toBe(before);
      }
      const unknown = await accept({ token: issueToken('invitation').token, password: PASSWORD });
      expect(unknown.errors).toEqual([expect.objectContaining({ __typename: 'NotFoundError', field: 'token' })]);
      expect((await read(invitation.id)).status).toBe('PENDING');
    });
  });

  describe('lists', () => {
    let listed: string;
    const ids: Record<string, string> = {};

    beforeAll(async () => {
      listed = await account(t, 'Listed');
      const make = async (email: string) => {
        const { createInvitation } = await t.ok<Json, Vars>(CREATE, { i: { accountId: listed, email } });
        expect(createInvitation.errors).toEqual([]);
        return createInvitation.invitation.id as string;
      };
      ids.pending1 = await make('Pat@Example.test');
      ids.pending2 = await make('pat@example.test');
      ids.pending3 = await make('other@example.test');
      ids.accepted = await make('accepted@example.test');
      ids.revoked = await make('revoked@example.test');
      ids.expired = await make('expired@example.test');
      const accepted = await accept({ token: await tokenFor('accepted@example.test'), password: PASSWORD });
      expect(accepted.errors).toEqual([]);
      expect((await t.ok<Json, Vars>(DELETE, { i: { id: ids.revoked } })).deleteInvitation.errors).toEqual([]);
      await expire(ids.expired!);
    });

    const list = async (vars: Vars) => (await t.ok<Json, Vars>(LIST, { id: listed, ...vars })).account.invitations;

    it('lists every invitation of the account, oldest first, and none of another account', async () => {
      const all = await list({});
      expect(all.totalCount).toBe(6);
      expect(all.edges.map((e: Json) => e.node.id)).toEqual([ids.pending1, ids.pending2, ids.pending3, ids.accepted, ids.revoked, ids.expired]);
    });

    it('filters by email, case-insensitively', async () => {
      for (const email of ['pat@example.test', 'PAT@EXAMPLE.TEST', ' Pat@example.test ']) {
        const found = await list({ email });
        expect(found.totalCount).toBe(2);
        expect(found.edges.map((e: Json) => e.node.id)).toEqual([ids.pending1, ids.pending2]);
      }
      expect((await list({ email: 'nobody@example.test' })).totalCount).toBe(0);
    });

    it.each([
      ['PENDING', ['pending1', 'pending2', 'pending3']],
      ['ACCEPTED', ['accepted']],
      ['REVOKED', ['revoked']],
      ['EXPIRED', ['expired']],
    ])('filters by status %s', async (status, names) => {
      const found = await list({ status });
      expect(found.totalCount).toBe(names.length);
      expect(found.edges.map((e: Json) => e.node.id)).toEqual(names.map((n) => ids[n]));
      expect(found.edges.every((e: Json) => e.node.status === status)).toBe(true);
    });

    it('combines the email and status filters', async () => {
      expect((await list({ email: 'accepted@example.test', status: 'ACCEPTED' })).totalCount).toBe(1);
      expect((await list({ email: 'accepted@example.test', status: 'PENDING' })).totalCount).toBe(0);
    });

    it('pages with first/after, keeping totalCount', async () => {
      const seen: string[] = [];
      let after: string | null = null;
      let pages = 0;
      for (;;) {
        const page: Json = await list({ first: 4, after, status: null });
        expect(page.totalCount).toBe(6);
        seen.push(...page.edges.map((e: Json) => e.node.id));
        pages++;
        if (!page.pageInfo.hasNextPage) break;
        after = page.pageInfo.endCursor;
      }
      expect(pages).toBe(2);
      expect(seen).toEqual([ids.pending1, ids.pending2, ids.pending3, ids.accepted, ids.revoked, ids.expired]);
      const filtered = await list({ status: 'PENDING', first: 2 });
      expect(filtered.totalCount).toBe(3);
      expect(filtered.edges).toHaveLength(2);
      const rest = await list({ status: 'PENDING', first: 2, after: filtered.pageInfo.endCursor });
      expect(rest.edges.map((e: Json) => e.node.id)).toEqual([ids.pending3]);
      expect(rest.pageInfo.hasNextPage).toBe(false);
    });

    it('needs invitation.read: auth.read alone is refused (FORBIDDEN), invitation.read shows the list', async () => {
      const viewer = await person('listviewer@example.test', listed);
      const grant = async (capabilityKey: string) =>
        expect((await gqlAs(t, GRANT, { accountId: listed, grantKind: 'CAPABILITY', capabilityKey, subjectType: 'USER', subjectId: viewer.id })).data.grantAuthorization.errors).toEqual([]);
      await grant('auth.read');
      const refused = await viewer.caller.gql<Json, Vars>(LIST, { id: listed });
      expect(refused.errors?.[0]).toMatchObject({ path: ['account', 'invitations'], extensions: { code: 'FORBIDDEN' } });
      expect(refused.data?.account ?? null).toBeNull();
      await grant('invitation.read');
      const allowed = await viewer.caller.ok<Json, Vars>(LIST, { id: listed });
      expect(allowed.account.invitations.totalCount).toBe(6);
      // Reading is not managing.
      const create = await viewer.caller.gql<Json, Vars>(CREATE, { i: { accountId: listed, email: 'nope@example.test' } });
      expect(create.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    });
  });

  describe('atomicity', () => {
    it('refuses an invitation whose group was deleted, applying nothing (no user, no grant, still PENDING)', async () => {
      const email = 'tara@example.test';
      const doomed = await group(t, acme, 'Doomed');
      const { invitation } = await create({ email, assignments: [{ capabilityKey: 'workspace.read' }, { roleKey: 'VIEWER' }, { groupId: ops }, { groupId: doomed }] });
      const token = await tokenFor(email);
      const opsBefore = await members(ops);
      const grants = await t.app.db.prisma.authorizationGrant.count();
      const roles = await t.app.db.prisma.roleAssignment.count();
      const deleted = await t.gql<Json, Vars>(`mutation($id: ID!) { deleteGroup(input: { id: $id }) { errors { __typename } } }`, { id: doomed });
      expect(deleted.errors).toBeUndefined();
      expect(deleted.data.deleteGroup.errors).toEqual([]);

      const refused = await accept({ token, password: PASSWORD });
      expect(refused.errors).toEqual([expect.objectContaining({ __typename: 'ConflictError', field: 'token' })]);
      expect(await nobody(email)).toBe(true);
      expect(await t.app.db.prisma.user.count({ where: { email } })).toBe(0);
      expect(await t.app.db.prisma.authorizationGrant.count()).toBe(grants);
      expect(await t.app.db.prisma.roleAssignment.count()).toBe(roles);
      expect(await members(ops)).toEqual(opsBefore);
      expect((await read(invitation.id)).status).toBe('PENDING');
      await expect(t.login(email, PASSWORD)).rejects.toThrow();

      // Fixed by its manager, the same token then works.
      const fixed = await t.ok<Json, Vars>(UPDATE, { i: { id: invitation.id, assignments: [{ capabilityKey: 'workspace.read' }, { groupId: ops }] } });
      expect(fixed.updateInvitation.errors).toEqual([]);
      const accepted = await accept({ token, password: PASSWORD });
      expect(accepted.errors).toEqual([]);
      expect(accepted).toMatchObject({ grantCount: 1, groupMembershipCount: 1 });
    });
  });

  describe('outbox', () => {
    it('stores the message sealed: no token, link or note in clear in the database', async () => {
      const email = 'uma@example.test';
      const { invitation } = await create({ email, note: 'a very distinctive note' });
      const token = await tokenFor(email);
      const rows = await t.app.db.prisma.outboxMessage.findMany();
      expect(rows.length).toBeGreaterThan(0);
      const raw = JSON.stringify(rows);
      expect(raw).toContain(email); // the recipient is stored in clear (it routes the message); the rest is not
      expect(raw).not.toContain(token);
      expect(raw).not.toContain(token.slice(4, 44));
      expect(raw).not.toContain('accept-invitation');
      expect(raw).not.toContain('a very distinctive note');
      const stored = JSON.stringify(await t.app.db.prisma.invitation.findMany());
      expect(stored).not.toContain(token);
      expect(stored).toContain(hashToken(token));
      expect((await read(invitation.id)).status).toBe('PENDING');
    });

    it('keeps a message whose delivery fails, with its error and attempts, and delivers it on a later flush', async () => {
      const email = 'victor@example.test';
      sender.failing = true;
      let invitation: Json;
      try {
        ({ invitation } = await create({ email, assignments: [{ capabilityKey: 'workspace.read' }] }));
        expect(invitation.status).toBe('PENDING');
        expect(await t.app.services.outbox.flush()).toBe(0);
      } finally {
        sender.failing = false;
      }
      const tries = sender.attempts.filter((to) => to === email).length;
      expect(tries).toBeGreaterThanOrEqual(1);
      expect(messagesTo(email)).toEqual([]);
      const [queued] = await t.app.db.prisma.outboxMessage.findMany({ where: { recipient: email } });
      expect(queued).toMatchObject({ deliveredAt: null, attempts: tries, lastError: expect.stringContaining('connection refused') });
      // It backs off: not retried before its time (30 s after a first failure) ...
      expect(queued!.nextAttemptAt!.getTime()).toBeGreaterThan(Date.now() + 20_000);
      expect(await t.app.services.outbox.flush()).toBe(0);
      // ... and delivered once it is due (moved into the past: test-only backdoor).
      await t.app.db.prisma.outboxMessage.update({ where: { id: queued!.id }, data: { nextAttemptAt: new Date(Date.now() - 1000) } });

      expect(await t.app.services.outbox.flush()).toBe(1);
      const [delivered] = await t.app.db.prisma.outboxMessage.findMany({ where: { recipient: email } });
      expect(delivered).toMatchObject({ deliveredAt: expect.any(Date), attempts: tries + 1, lastError: null });
      expect(messagesTo(email)).toHaveLength(1);
      // A delivered message is not sent again.
      expect(await t.app.services.outbox.flush()).toBe(0);
      expect(messagesTo(email)).toHaveLength(1);
      // The late message carries a working token.
      const accepted = await accept({ token: sender.tokenFor(email), password: PASSWORD });
      expect(accepted.errors).toEqual([]);
    });

    it('leaves no invitation token of this file in clear anywhere in the database (raw scan of every table)', async () => {
      await t.app.services.outbox.flush();
      const tokens = sender.messages.map((m) => /token=([^&]+)/.exec(m.link ?? '')?.[1]).filter((token): token is string => Boolean(token));
      expect(tokens.length).toBeGreaterThan(20);
      const prisma = t.app.db.prisma;
      const tables =
        provider === 'sqlite'
          ? await prisma.$queryRawUnsafe<{ name: string }[]>(`SELECT name FROM sqlite_master WHERE type = 'table'`)
          : await prisma.$queryRawUnsafe<{ name: string }[]>(`SELECT table_name AS name FROM information_schema.tables WHERE table_schema = current_schema()`);
      expect(tables.map((table) => table.name)).toEqual(expect.arrayContaining(['Invitation', 'OutboxMessage']));
      let dump = '';
      for (const { name } of tables) {
        const rows = await prisma.$queryRawUnsafe<unknown[]>(`SELECT * FROM "${name}"`);
        dump += JSON.stringify(rows, (_key, value: unknown) => (typeof value === 'bigint' ? value.toString() : value));
      }
      // The scan sees what is stored: digests of the tokens, the invitees' addresses.
      expect(dump).toContain(hashToken(tokens.at(-1)!));
      expect(dump).toContain('dana@example.test');
      for (const token of tokens) {
        expect(dump).not.toContain(token);
        expect(dump).not.toContain(token.slice(14, 44));
      }
    });

    it('still delivers new messages when 100 older ones keep failing (no head-of-line blocking)', async () => {
      // 100 messages to a mailbox the mailer refuses for good, queued before a new invitation.
      sender.failFor = /@bounce\.example$/;
      const poison = Array.from({ length: 100 }, (_, i) => ({ kind: 'invitation', to: `p${i}@bounce.example`, subject: 's', text: 't', link: null, locale: null }));
      try {
        await t.app.store.transaction(async (tx) => {
          for (const message of poison) await t.app.services.outbox.enqueue(tx, message);
        });
        await t.app.services.outbox.flush();
        const email = 'yara@example.test';
        await create({ email });
        await t.app.services.outbox.flush();
        await t.app.services.outbox.flush();
        expect(messagesTo(email)).toHaveLength(1);
      } finally {
        sender.failFor = null;
        await t.app.db.prisma.outboxMessage.updateMany({ where: { recipient: { endsWith: '@bounce.example' } }, data: { deliveredAt: new Date() } });
      }
    });
  });
});
