// The first administrator: a super-admin user and an account it owns, created once.
import { ConflictError } from './errors.js';
import type { Store } from './store.js';
import type { PasswordHasher } from './user/service.js';
import { email as emailRule, password as passwordRule, requiredText } from './validation.js';

export interface BootstrapInput {
  email: string;
  password: string;
  accountName?: string;
}

export type BootstrapResult =
  | { created: true; userId: string; accountId: string }
  /** The same email was bootstrapped before: nothing changed. */
  | { created: false; userId: string; accountId: string };

export async function bootstrap(store: Store, hasher: PasswordHasher, input: BootstrapInput): Promise<BootstrapResult> {
  const email = emailRule('email', input.email);
  const password = passwordRule('password', input.password);
  const accountName = requiredText('accountName', input.accountName ?? 'Default account');
  const passwordHash = await hasher.hash(password);
  return store.transaction(async (tx) => {
    const admins = await tx.grants.activeSubjectsOfKind('SUPER_ADMIN');
    const existing = await tx.users.findByEmail(email);
    const own = existing && admins.find((a) => a.subjectType === 'USER' && a.subjectId === existing.id);
    if (own) return { created: false, userId: own.subjectId, accountId: own.accountId };
    if (admins.length > 0) throw new ConflictError('keygraph already has a super administrator; add more people through the API', 'email');
    if (existing) throw new ConflictError('a user with this email already exists and is not a super administrator', 'email');
    // Whoever runs this on the server vouches for the address: the first administrator's email is verified.
    const user = await tx.users.create({ email, username: null, firstName: null, lastName: null, passwordHash, emailVerifiedAt: new Date() });
    const account = await tx.accounts.create({ name: accountName, description: null });
    await tx.users.addToAccount(account.id, user.id);
    await tx.grants.create({ accountId: account.id, grantKind: 'SUPER_ADMIN', subjectType: 'USER', subjectId: user.id });
    await tx.grants.create({ accountId: account.id, grantKind: 'ACCOUNT_OWNER', subjectType: 'USER', subjectId: user.id });
    return { created: true, userId: user.id, accountId: account.id };
  });
}

export interface RepairInput {
  email: string;
  /** A new password for the user; without one an existing user keeps theirs. */
  password?: string | null;
  accountName?: string;
}

export type RepairResult = { repaired: true; userId: string; accountId: string; createdUser: boolean };

/**
 * Break-glass: when no person holds SUPER_ADMIN any more (a database edited by hand, a restore gone
 * wrong - the API never lets the last one go), whoever has shell access to the server makes the user
 * with this email a super administrator, creating the user (and an account) if needed. Refused while a
 * person still is one: they can act through the API.
 */
export async function repairSuperAdmin(store: Store, hasher: PasswordHasher, input: RepairInput): Promise<RepairResult> {
  const email = emailRule('email', input.email);
  const passwordHash = input.password ? await hasher.hash(passwordRule('password', input.password)) : null;
  const accountName = requiredText('accountName', input.accountName ?? 'Operators');
  return store.transaction(async (tx) => {
    await tx.lockPlatform();
    const people = (await tx.grants.activeSubjectsOfKind('SUPER_ADMIN')).filter((g) => g.subjectType === 'USER');
    if (people.length > 0) throw new ConflictError('keygraph has a super administrator; ask them (break-glass repair is only for a platform with none)', 'email');
    let user = await tx.users.findByEmail(email);
    const createdUser = user === null;
    if (user === null) {
      if (passwordHash === null) throw new ConflictError('no user has this email: give a password to create one', 'password');
      user = await tx.users.create({ email, username: null, firstName: null, lastName: null, passwordHash, emailVerifiedAt: new Date() });
    } else {
      await tx.users.update(user.id, { emailVerifiedAt: user.emailVerifiedAt ?? new Date(), ...(passwordHash ? { passwordHash } : {}) });
      if (passwordHash) await tx.sessions.revokeAllOfUser(user.id);
    }
    let accountId = ((await tx.users.accountsOf([user.id])).get(user.id) ?? [])[0];
    if (accountId === undefined) {
      accountId = (await tx.accounts.create({ name: accountName, description: null })).id;
      await tx.users.addToAccount(accountId, user.id);
      await tx.grants.create({ accountId, grantKind: 'ACCOUNT_OWNER', subjectType: 'USER', subjectId: user.id });
    }
    await tx.grants.create({ accountId, grantKind: 'SUPER_ADMIN', subjectType: 'USER', subjectId: user.id });
    return { repaired: true, userId: user.id, accountId, createdUser };
  });
}
