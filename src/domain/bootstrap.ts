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
    const user = await tx.users.create({ email, username: null, firstName: null, lastName: null, passwordHash });
    const account = await tx.accounts.create({ name: accountName, description: null });
    await tx.users.addToAccount(account.id, user.id);
    await tx.grants.create({ accountId: account.id, grantKind: 'SUPER_ADMIN', subjectType: 'USER', subjectId: user.id });
    await tx.grants.create({ accountId: account.id, grantKind: 'ACCOUNT_OWNER', subjectType: 'USER', subjectId: user.id });
    return { created: true, userId: user.id, accountId: account.id };
  });
}
