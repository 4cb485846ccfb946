import type { Authorizer } from '../authz/authorizer.js';
import { requireDominatesStored } from '../authz/dominance.js';
import { hashToken, issueToken, parseToken } from '../credentials/token.js';
import { ConflictError, ForbiddenError, NotFoundError, ValidationError } from '../errors.js';
import type { OutboxDispatcher } from '../machine/outbox.js';
import type { User } from '../model.js';
import type { EmailProofPurpose, Store } from '../store.js';
import { LIMITS, email, optionalText, password, username } from '../validation.js';
import { proveEmail } from './claims.js';
import { defineList, type Search } from '../lists.js';
import { authorizeCreate, authorizeInScope } from '../authz/access.js';

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

/** What a trusted external issuer says about the person signing in. */
export interface ExternalClaims {
  issuer: string;
  subject: string;
  email: string | null;
  emailVerified: boolean;
}

/** How long an emailed link stays usable. */
export const EMAIL_PROOF_TTL_MINUTES = { VERIFY_EMAIL: 24 * 60, RESET_PASSWORD: 60 } as const;

export interface UserServiceOptions {
  outbox: OutboxDispatcher;
  /** The link a message carries for a proof token (verification or password reset). */
  emailProofUrl: (purpose: EmailProofPurpose, token: string) => string;
}

/** The lists of users (domain list queries: the GraphQL layer pages them through its loaders). */
export const USER_LISTS = {
  byAccount: defineList<Search>('account.users', (s, ids, args, f) => s.users.pagesByAccount(ids, args, f.search), (s, ids, f) => s.users.countsByAccount(ids, f.search)),
} as const;

export class UserService {
  constructor(
    private readonly store: Store,
    private readonly hasher: PasswordHasher,
    private readonly options: UserServiceOptions,
  ) {}

  /**
   * Creates a user and adds it to the account. An email or username already registered anywhere is a
   * conflict: existing people join further accounts through invitations, never by an administrator
   * claiming their address. The email is unverified until the person proves it.
   */
  async createUser(actor: Authorizer, accountId: string, input: NewUserInput): Promise<User> {
    await authorizeCreate(actor, 'User', 'Account', { accountId }, 'accountId');
    const fields = {
      email: email('email', input.email),
      username: username('username', input.username),
      firstName: optionalText('firstName', input.firstName, LIMITS.personName),
      lastName: optionalText('lastName', input.lastName, LIMITS.personName),
    };
    // Hash before the transaction: it takes a while on purpose, and must not hold locks.
    const passwordHash = input.password ? await this.hasher.hash(password('password', input.password)) : null;
    return this.store.transaction(async (tx) => {
      if (!(await tx.lockAccount(accountId))) throw new NotFoundError('Account', 'accountId');
      await this.assertUnique(tx, fields.email, fields.username, null);
      const user = await tx.users.create({ ...fields, passwordHash });
      await tx.users.addToAccount(accountId, user.id);
      return user;
    });
  }

  /**
   * Updates the profile of a user of the account; users of other accounts read as not found. The actor
   * must dominate the user there; a new email is unverified until the person proves it.
   */
  async updateUser(actor: Authorizer, accountId: string, userId: string, patch: UserPatch): Promise<User> {
    await authorizeInScope(actor, 'User', { accountId }, 'userId');
    const changes = this.profileChanges(patch);
    return this.store.transaction(async (tx) => {
      await tx.lockAccount(accountId);
      const accounts = (await tx.users.accountsOf([userId])).get(userId) ?? [];
      if (!accounts.includes(accountId)) throw new NotFoundError('User', 'userId');
      await requireDominatesStored(tx, actor, { type: 'USER', id: userId }, accountId, 'this user');
      // A person who also belongs to other accounts is not one account's to rename or re-address: an
      // email changed by one tenant's administrator would move that person's sign-in (and external
      // identity links) away from them in every other tenant.
      if (accounts.some((other) => other !== accountId)) throw new ConflictError('this user also belongs to other accounts; only they can change their profile', 'userId');
      return this.applyProfile(tx, userId, changes);
    });
  }

  /** The signed-in person changes their own profile. A new email is unverified until they prove it. */
  async updateViewerProfile(actor: Authorizer, patch: UserPatch): Promise<User> {
    const userId = this.person(actor);
    const changes = this.profileChanges(patch);
    return this.store.transaction((tx) => this.applyProfile(tx, userId, changes));
  }

  /** The signed-in person changes their password, proving the current one; their other sessions end. */
  async changeViewerPassword(actor: Authorizer, current: string, next: string): Promise<User> {
    const userId = this.person(actor);
    const hash = await this.store.users.passwordHash(userId);
    if (!hash || !(await this.hasher.verify(current, hash))) throw new ValidationError('the current password is not right', 'currentPassword');
    const passwordHash = await this.hasher.hash(password('newPassword', next));
    return this.store.transaction(async (tx) => {
      await tx.sessions.revokeAllOfUser(userId, 'sessionId' in actor.principal ? actor.principal.sessionId : null);
      return tx.users.update(userId, { passwordHash });
    });
  }

  /**
   * Removes the user from the account: its group memberships there go, its grants and role assignments
   * there are revoked. SUPER_ADMIN is platform-level and stays. The actor must dominate the user.
   */
  async removeUser(actor: Authorizer, accountId: string, userId: string): Promise<User> {
    await authorizeInScope(actor, 'User', { accountId }, 'userId');
    return this.store.transaction(async (tx) => {
      // The account row lock orders this removal against concurrent group changes of the account.
      await tx.lockAccount(accountId);
      if (!(await tx.users.inAccount(accountId, [userId])).has(userId)) throw new NotFoundError('User', 'userId');
      await requireDominatesStored(tx, actor, { type: 'USER', id: userId }, accountId, 'this user');
      const [user] = await tx.users.byIds([userId]);
      await tx.users.removeFromAccount(accountId, userId);
      return user!;
    });
  }

  /**
   * The keygraph user a trusted issuer's token names: the one its (issuer, subject) is linked to, or on
   * first sight the user whose email the token proves (`email_verified: true`), which it then links. A
   * proven email also proves the user's, which resets an unverified user (see claims.ts).
   */
  async signInExternal(claims: ExternalClaims): Promise<string | null> {
    const linked = await this.store.identities.userFor(claims.issuer, claims.subject);
    const address = claims.email?.trim().toLowerCase() ?? null;
    const proves = claims.emailVerified && address !== null;
    if (linked !== null) {
      if (proves) {
        const [user] = await this.store.users.byIds([linked]);
        if (user && user.emailVerifiedAt === null && user.email === address) await this.prove(user, claims);
      }
      return linked;
    }
    if (!proves) return null;
    const user = await this.store.users.findByEmail(address);
    if (!user) return null;
    await this.prove(user, claims);
    return user.id;
  }

  /** Sends the signed-in person a link that proves their current email when they follow it signed in. */
  async sendEmailVerification(actor: Authorizer, locale: string | null = null): Promise<User> {
    const userId = this.person(actor);
    const [user] = await this.store.users.byIds([userId]);
    if (!user) throw new NotFoundError('User', null);
    if (user.emailVerifiedAt !== null) throw new ConflictError('your email is already verified', null);
    await this.sendProof(user, 'VERIFY_EMAIL', optionalText('locale', locale, 35));
    return user;
  }

  /**
   * Follows a verification link. It proves the address to the person who asked for it, so it must be
   * followed signed in as that user (nobody else can turn someone's typed address into a proven one).
   */
  async verifyEmail(actor: Authorizer, token: string): Promise<User> {
    const userId = this.person(actor);
    return this.store.transaction(async (tx) => {
      const proof = await this.useProof(tx, token, 'VERIFY_EMAIL');
      const [user] = await tx.users.byIds([proof.userId]);
      if (!user || user.id !== userId) throw new ValidationError('this link was sent to someone else: sign in as them to follow it', 'token');
      if (user.email !== proof.email) throw new ConflictError('your email changed since this link was sent; ask for a new one', 'token');
      return tx.users.update(userId, { emailVerifiedAt: user.emailVerifiedAt ?? new Date() });
    });
  }

  /**
   * Sends a password-reset link to the address, if a user has it. Always answers the same way, so that
   * it tells nobody whether the address is registered.
   */
  async requestPasswordReset(address: string): Promise<void> {
    const user = await this.store.users.findByEmail(email('email', address));
    if (user) await this.sendProof(user, 'RESET_PASSWORD');
  }

  /**
   * Follows a password-reset link: it proves the address, sets the password and ends every session. On
   * an unverified user the proof first resets what the previous holder had (see claims.ts).
   */
  async resetPassword(token: string, newPassword: string): Promise<User> {
    const passwordHash = await this.hasher.hash(password('password', newPassword));
    return this.store.transaction(async (tx) => {
      const proof = await this.useProof(tx, token, 'RESET_PASSWORD');
      const [user] = await tx.users.byIds([proof.userId]);
      if (!user || user.email !== proof.email) throw new ConflictError('this account\'s email changed since the link was sent; ask for a new one', 'token');
      await proveEmail(tx, this.options.outbox, user, { how: 'followed a password-reset link sent to it' });
      await tx.sessions.revokeAllOfUser(user.id);
      return tx.users.update(user.id, { passwordHash });
    }).finally(() => this.options.outbox.kick());
  }

  private async prove(user: User, claims: ExternalClaims): Promise<void> {
    const identity = { issuer: claims.issuer, subject: claims.subject };
    await this.store.transaction(async (tx) => {
      // Read again under the transaction: two first sign-ins at once reset and notify once.
      const [now] = await tx.users.byIds([user.id]);
      if (!now || now.email !== user.email) return;
      await tx.identities.link(identity.issuer, identity.subject, user.id);
      await proveEmail(tx, this.options.outbox, now, { how: `signed in through ${claims.issuer}`, identity });
    });
    this.options.outbox.kick();
  }

  private async sendProof(user: User, purpose: EmailProofPurpose, locale: string | null = null): Promise<void> {
    const issued = issueToken('emailProof');
    const link = this.options.emailProofUrl(purpose, issued.token);
    const expiresAt = new Date(Date.now() + EMAIL_PROOF_TTL_MINUTES[purpose] * 60_000);
    await this.store.transaction(async (tx) => {
      await tx.emailProofs.create({ userId: user.id, email: user.email, purpose, tokenHash: issued.hash, expiresAt });
      await this.options.outbox.enqueue(tx, {
        kind: purpose === 'VERIFY_EMAIL' ? 'verify-email' : 'reset-password',
        to: user.email,
        subject: purpose === 'VERIFY_EMAIL' ? 'Verify your email address' : 'Reset your keygraph password',
        text:
          purpose === 'VERIFY_EMAIL'
            ? `Follow this link, signed in to keygraph, to verify ${user.email} (valid until ${expiresAt.toISOString()}): ${link}`
            : `Someone asked to reset the password of ${user.email}. If it was you, follow this link before ${expiresAt.toISOString()}: ${link}\nIf not, ignore this message.`,
        link,
        locale,
      });
    });
    this.options.outbox.kick();
  }

  /** Consumes a valid, unused, unexpired proof of `purpose`; anything else fails alike. */
  private async useProof(tx: Store, token: string, purpose: EmailProofPurpose) {
    const invalid = () => new ValidationError('this link is not valid, was already used, or has expired; ask for a new one', 'token');
    if (parseToken(token)?.kind !== 'emailProof') throw invalid();
    const proof = await tx.emailProofs.findByTokenHash(hashToken(token));
    const now = new Date();
    if (!proof || proof.purpose !== purpose || proof.usedAt !== null || proof.expiresAt.getTime() <= now.getTime()) throw invalid();
    if (!(await tx.emailProofs.use(proof.id, now))) throw invalid();
    return proof;
  }

  private person(actor: Authorizer): string {
    actor.requireAuthenticated();
    actor.requireWritable();
    if (actor.userId === null) throw new ForbiddenError('viewer.profile', 'only a person signed in as themselves has a profile to change');
    return actor.userId;
  }

  private profileChanges(patch: UserPatch): Parameters<Store['users']['update']>[1] {
    const changes: Parameters<Store['users']['update']>[1] = {};
    if (patch.email !== undefined && patch.email !== null) changes.email = email('email', patch.email);
    if (patch.username !== undefined) changes.username = username('username', patch.username);
    if (patch.firstName !== undefined) changes.firstName = optionalText('firstName', patch.firstName, LIMITS.personName);
    if (patch.lastName !== undefined) changes.lastName = optionalText('lastName', patch.lastName, LIMITS.personName);
    return changes;
  }

  /** Writes profile changes; a changed email is a new, unproven claim. */
  private async applyProfile(tx: Store, userId: string, changes: Parameters<Store['users']['update']>[1]): Promise<User> {
    const [user] = await tx.users.byIds([userId]);
    if (!user) throw new NotFoundError('User', 'userId');
    await this.assertUnique(tx, changes.email ?? null, changes.username ?? null, userId);
    if (changes.email !== undefined && changes.email !== user.email) changes.emailVerifiedAt = null;
    return tx.users.update(userId, changes);
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
