// Users of an account: creation (with a hashed password), profile updates, search, removal.
import { decodeGlobalID } from '@pothos/plugin-relay';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AccountUsersDocument, CreateUserDocument, GroupMembersDocument, RemoveUserDocument, UpdateUserDocument } from './generated/graphql.js';
import { account, addUser, group, user } from './support/fixtures.js';
import { provider, startTestApp, type TestApp } from './support/harness.js';

describe(`users (${provider})`, () => {
  let t: TestApp;
  let acme: string;
  let other: string;

  beforeAll(async () => {
    t = await startTestApp();
    acme = await account(t, 'Acme');
    other = await account(t, 'Other');
  });
  afterAll(() => t.close());

  it('creates a user with a memory-hard password hash, never the password', async () => {
    const { createUser } = await t.ok(CreateUserDocument, {
      input: { accountId: acme, email: ' Ada@Example.COM ', username: 'Ada.L', firstName: 'Ada', lastName: 'Lovelace', password: 'analytical engine' },
    });
    expect(createUser).toMatchObject({ errors: [], user: { email: 'ada@example.com', username: 'ada.l', firstName: 'Ada', lastName: 'Lovelace' } });
    const stored = await t.app.store.users.passwordHash(decodeGlobalID(createUser.user!.id).id);
    expect(stored).toMatch(/^scrypt\$ln=\d+,r=8,p=1\$/);
    expect(stored).not.toContain('analytical engine');
    const hasher = (await import('../src/infra/crypto/password.js')).ScryptHasher;
    expect(await new hasher(10).verify('analytical engine', stored!)).toBe(true);
    expect(await new hasher(10).verify('analytical engin', stored!)).toBe(false);
  });

  it.each([
    ['a malformed email', { email: 'not-an-email' }, 'ValidationError', 'email'],
    ['a short username', { email: 'u1@example.com', username: 'ab' }, 'ValidationError', 'username'],
    ['a username with spaces', { email: 'u2@example.com', username: 'a b c' }, 'ValidationError', 'username'],
    ['a short password', { email: 'u3@example.com', password: 'short' }, 'ValidationError', 'password'],
    ['a registered email in any case', { email: 'ADA@example.com' }, 'ConflictError', 'email'],
    ['a taken username', { email: 'u4@example.com', username: 'ADA.L' }, 'ConflictError', 'username'],
  ])('refuses %s', async (_case, input, typename, field) => {
    const before = (await t.ok(AccountUsersDocument, { id: acme })).account!.users.totalCount;
    const { createUser } = await t.ok(CreateUserDocument, { input: { accountId: acme, ...input } });
    expect(createUser).toEqual({ user: null, errors: [expect.objectContaining({ __typename: typename, field })] });
    expect((await t.ok(AccountUsersDocument, { id: acme })).account!.users.totalCount).toBe(before);
  });

  it('refuses an email registered through another account too', async () => {
    await user(t, other, 'grace@example.com');
    const { createUser } = await t.ok(CreateUserDocument, { input: { accountId: acme, email: 'grace@example.com' } });
    expect(createUser.errors).toEqual([expect.objectContaining({ __typename: 'ConflictError', field: 'email' })]);
  });

  it('updates a profile, and only for users of the account', async () => {
    const id = await user(t, acme, 'linus@example.com', { firstName: 'Linus' });
    const { updateUser } = await t.ok(UpdateUserDocument, { input: { accountId: acme, userId: id, lastName: 'Torvalds', username: 'linus', email: 'LT@example.com' } });
    expect(updateUser).toMatchObject({ errors: [], user: { email: 'lt@example.com', username: 'linus', firstName: 'Linus', lastName: 'Torvalds' } });
    const cleared = (await t.ok(UpdateUserDocument, { input: { accountId: acme, userId: id, firstName: null } })).updateUser;
    expect(cleared.user).toMatchObject({ firstName: null, lastName: 'Torvalds' });
    const foreign = (await t.ok(UpdateUserDocument, { input: { accountId: other, userId: id, firstName: 'Mallory' } })).updateUser;
    expect(foreign.errors).toEqual([expect.objectContaining({ __typename: 'NotFoundError', field: 'userId' })]);
    const clash = (await t.ok(UpdateUserDocument, { input: { accountId: acme, userId: id, email: 'ada@example.com' } })).updateUser;
    expect(clash.errors).toEqual([expect.objectContaining({ __typename: 'ConflictError', field: 'email' })]);
    const search = (await t.ok(AccountUsersDocument, { id: acme, search: 'torv' })).account!.users;
    expect(search.edges.map((e) => e.node.id)).toEqual([id]);
  });

  it("leaves the profile of a person shared with other accounts to that person", async () => {
    const shared = await user(t, acme, 'shared@example.com', { firstName: 'Sam' });
    await t.app.store.users.addToAccount(decodeGlobalID(other).id, decodeGlobalID(shared).id);
    for (const accountId of [acme, other]) {
      const { updateUser } = await t.ok(UpdateUserDocument, { input: { accountId, userId: shared, email: 'attacker@example.com' } });
      expect(updateUser.errors).toEqual([expect.objectContaining({ __typename: 'ConflictError', field: 'userId' })]);
    }
    expect(await t.app.store.users.findByEmail('shared@example.com')).not.toBeNull();
  });

  it('removes a user from the account with its group memberships, keeping the user', async () => {
    const id = await user(t, acme, 'temp@example.com');
    const team = await group(t, acme, 'Temps');
    await addUser(t, team, id);
    const { removeUser } = await t.ok(RemoveUserDocument, { input: { accountId: acme, userId: id } });
    expect(removeUser).toEqual({ removedUserId: id, errors: [] });
    const members = (await t.ok(GroupMembersDocument, { id: team })).node as { members: { totalCount: number } };
    expect(members.members.totalCount).toBe(0);
    expect((await t.ok(AccountUsersDocument, { id: acme, search: 'temp@' })).account!.users.totalCount).toBe(0);
    expect(await t.app.store.users.findByEmail('temp@example.com')).not.toBeNull();
    const again = (await t.ok(RemoveUserDocument, { input: { accountId: acme, userId: id } })).removeUser;
    expect(again.errors).toEqual([expect.objectContaining({ __typename: 'NotFoundError', field: 'userId' })]);
  });
});
