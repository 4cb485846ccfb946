import type { Authorizer } from '../authz/authorizer.js';
import { ConflictError, NotFoundError } from '../errors.js';
import type { User } from '../model.js';
import type { Store } from '../store.js';
import { LIMITS, email, optionalText, password, username } from '../validation.js';

/** Memory-hard password hashing, implemented in infra. */
export interface PasswordHasher {
  hash(password: string): Promise<string>;
  verify(password: string, hash: string): Promise<boolean>;
}

export interface NewUserInput {
  email: string;
  username?: string | null;
  firstName?: string | null;
  lastName?: string | null;
  password?: string | null;
}

/** Profile changes; undefined leaves a field alone, null clears it (email cannot be cleared: null leaves it). */
export interface UserPatch {
  email?: string | null;
  username?: string | null;
  firstName?: string | null;
  lastName?: string | null;
}

export class UserService {
  constructor(
    private readonly store: Store,
    private readonly hasher: PasswordHasher,
  ) {}

  /**
   * Creates a user and adds it to the account. An email or username already registered anywhere is a
   * conflict: existing people join further accounts through invitations, never by an administrator
   * claiming their address.
   */
  async createUser(actor: Authorizer, accountId: string, input: NewUserInput): Promise<User> {
    await actor.authorize('user.manage', { accountId }, { see: 'account.read', entity: 'Account', field: 'accountId' });
    const fields = {
      email: email('email', input.email),
      username: username('username', input.username),
      firstName: optionalText('firstName', input.firstName, LIMITS.personName),
      lastName: optionalText('lastName', input.lastName, LIMITS.personName),
    };
    // Hash before the transaction: it takes a while on purpose, and must not hold locks.
    const passwordHash = input.password ? await this.hasher.hash(password('password', input.password)) : null;
    return this.store.transaction(async (tx) => {
      if (!(await tx.accounts.byIds([accountId]))[0]) throw new NotFoundError('Account', 'accountId');
      await this.assertUnique(tx, fields.email, fields.username, null);
      const user = await tx.users.create({ ...fields, passwordHash });
      await tx.users.addToAccount(accountId, user.id);
      return user;
    });
  }

  /** Updates the profile of a user of the account; users of other accounts read as not found. */
  async updateUser(actor: Authorizer, accountId: string, userId: string, patch: UserPatch): Promise<User> {
    await actor.authorize('user.manage', { accountId }, { see: 'user.read', entity: 'User', field: 'userId' });
    const changes: Parameters<Store['users']['update']>[1] = {};
    if (patch.email !== undefined && patch.email !== null) changes.email = email('email', patch.email);
    if (patch.username !== undefined) changes.username = username('username', patch.username);
    if (patch.firstName !== undefined) changes.firstName = optionalText('firstName', patch.firstName, LIMITS.personName);
    if (patch.lastName !== undefined) changes.lastName = optionalText('lastName', patch.lastName, LIMITS.personName);
    return this.store.transaction(async (tx) => {
      const accounts = (await tx.users.accountsOf([userId])).get(userId) ?? [];
      if (!accounts.includes(accountId)) throw new NotFoundError('User', 'userId');
      // A person who also belongs to other accounts is not one account's to rename or re-address: an
      // email changed by one tenant's administrator would move that person's sign-in (and external
      // identity links) away from them in every other tenant.
      if (accounts.some((other) => other !== accountId)) throw new ConflictError('this user also belongs to other accounts; only they can change their profile', 'userId');
      await this.assertUnique(tx, changes.email ?? null, changes.username ?? null, userId);
      return tx.users.update(userId, changes);
    });
  }

  /** Removes the user from the account: its group memberships there go, its grants there are revoked. */
  async removeUser(actor: Authorizer, accountId: string, userId: string): Promise<User> {
    await actor.authorize('user.manage', { accountId }, { see: 'user.read', entity: 'User', field: 'userId' });
    return this.store.transaction(async (tx) => {
      if (!(await tx.users.inAccount(accountId, [userId])).has(userId)) throw new NotFoundError('User', 'userId');
      const [user] = await tx.users.byIds([userId]);
      await tx.users.removeFromAccount(accountId, userId);
      return user!;
    });
  }

  private async assertUnique(tx: Store, emailValue: string | null, usernameValue: string | null, self: string | null): Promise<void> {
    if (emailValue !== null) {
      const other = await tx.users.findByEmail(emailValue);
      if (other && other.id !== self) throw new ConflictError('this email is already registered; invite the person to the account instead', 'email');
    }
    if (usernameValue !== null) {
      const other = await tx.users.findByUsername(usernameValue);
      if (other && other.id !== self) throw new ConflictError('this username is taken', 'username');
    }
  }
}
