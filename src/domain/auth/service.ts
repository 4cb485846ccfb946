// Login and logout. A login creates a server-side session; its token names the session (jti), so that
// logging out revokes the token at once.
import type { Authorizer, Principal } from '../authz/authorizer.js';
import type { ServiceAccountService } from '../machine/service-accounts.js';
import { UnauthenticatedError, ValidationError } from '../errors.js';
import type { Store } from '../store.js';
import type { PasswordHasher } from '../user/service.js';
import { LIMITS } from '../validation.js';

export interface LoginInput {
  identifier?: string | null;
  email?: string | null;
  username?: string | null;
  password?: string | null;
  /** A service account's token instead of a person's credentials. */
  serviceAccountToken?: string | null;
}

/** Signs a session token (implemented in src/auth with jose); `userId` is the subject: a user or a service account. */
export interface SessionTokenIssuer {
  issue(session: { id: string; userId: string; expiresAt: Date }): Promise<string>;
}

export interface LoginResult {
  token: string;
  principal: Extract<Principal, { kind: 'user' } | { kind: 'service_account' }>;
  sessionId: string;
  expiresAt: Date;
}

export class AuthService {
  /** A hash of nothing in particular, verified when the user does not exist so that timing tells nothing. */
  private decoy: Promise<string> | undefined;

  constructor(
    private readonly store: Store,
    private readonly hasher: PasswordHasher,
    private readonly tokens: SessionTokenIssuer,
    private readonly sessionTtlSeconds: number,
    private readonly serviceAccounts: ServiceAccountService,
  ) {}

  async login(input: LoginInput): Promise<LoginResult> {
    if (input.serviceAccountToken !== undefined && input.serviceAccountToken !== null) return this.loginServiceAccount(input);
    if (!input.password) throw new ValidationError('give a password, or a serviceAccountToken', 'password');
    if (input.password.length > LIMITS.password) throw new ValidationError(`password must be at most ${LIMITS.password} characters`, 'password');
    const given = [input.identifier, input.email, input.username].filter((v): v is string => typeof v === 'string' && v.trim() !== '');
    if (given.length !== 1) throw new ValidationError('give exactly one of identifier, email or username', 'identifier');
    const name = given[0]!.trim().toLowerCase();
    const user = name.includes('@') && input.username == null ? await this.store.users.findByEmail(name) : await this.store.users.findByUsername(name);
    const hash = user ? await this.store.users.passwordHash(user.id) : null;
    this.decoy ??= this.hasher.hash('keygraph decoy password');
    const matches = await this.hasher.verify(input.password, hash ?? (await this.decoy));
    if (!user || !hash || !matches) throw new UnauthenticatedError();
    return this.startSession(user.id);
  }

  /** A new session for a user who has just proven who they are (a login, or accepting an invitation as a new user). */
  async startSession(userId: string): Promise<LoginResult> {
    // Whole seconds: the token's exp claim and the session end at the same instant.
    const expiresAt = new Date((Math.floor(Date.now() / 1000) + this.sessionTtlSeconds) * 1000);
    const session = await this.store.sessions.create({ userId, expiresAt });
    const token = await this.tokens.issue({ id: session.id, userId, expiresAt: session.expiresAt });
    return { token, principal: { kind: 'user', userId, sessionId: session.id, expiresAt: session.expiresAt }, sessionId: session.id, expiresAt: session.expiresAt };
  }

  /** A session for a service account, ending no later than the service account itself. */
  private async loginServiceAccount(input: LoginInput): Promise<LoginResult> {
    if ([input.identifier, input.email, input.username, input.password].some((v) => v !== undefined && v !== null)) {
      throw new ValidationError('a serviceAccountToken login takes no other credentials', 'serviceAccountToken');
    }
    const found = await this.serviceAccounts.authenticateToken(input.serviceAccountToken!);
    if (typeof found === 'string') throw new UnauthenticatedError();
    const ttlEnd = (Math.floor(Date.now() / 1000) + this.sessionTtlSeconds) * 1000;
    const expiresAt = new Date(found.expiresAt ? Math.min(ttlEnd, Math.floor(found.expiresAt.getTime() / 1000) * 1000) : ttlEnd);
    const session = await this.store.sessions.create({ serviceAccountId: found.id, expiresAt });
    const token = await this.tokens.issue({ id: session.id, userId: found.id, expiresAt });
    return { token, principal: { kind: 'service_account', serviceAccountId: found.id, accountId: found.accountId, sessionId: session.id, expiresAt }, sessionId: session.id, expiresAt };
  }

  /** Revokes the caller's session; false when the caller has none (anonymous, or an external token). */
  async logout(actor: Authorizer): Promise<boolean> {
    const principal = actor.principal;
    if (!('sessionId' in principal) || principal.sessionId === null) return false;
    return this.store.sessions.revoke(principal.sessionId);
  }
}
