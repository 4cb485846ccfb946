// Login and logout. A login creates a server-side session; its token names the session (jti), so that
// logging out revokes the token at once.
import type { Authorizer } from '../authz/authorizer.js';
import { UnauthenticatedError, ValidationError } from '../errors.js';
import type { Store } from '../store.js';
import type { PasswordHasher } from '../user/service.js';

export interface LoginInput {
  identifier?: string | null;
  email?: string | null;
  username?: string | null;
  password: string;
}

/** Signs a session token (implemented in src/auth with jose). */
export interface SessionTokenIssuer {
  issue(session: { id: string; userId: string; expiresAt: Date }): Promise<string>;
}

export interface LoginResult {
  token: string;
  userId: string;
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
  ) {}

  async login(input: LoginInput): Promise<LoginResult> {
    const given = [input.identifier, input.email, input.username].filter((v): v is string => typeof v === 'string' && v.trim() !== '');
    if (given.length !== 1) throw new ValidationError('give exactly one of identifier, email or username', 'identifier');
    const name = given[0]!.trim().toLowerCase();
    const user = name.includes('@') && input.username == null ? await this.store.users.findByEmail(name) : await this.store.users.findByUsername(name);
    const hash = user ? await this.store.users.passwordHash(user.id) : null;
    this.decoy ??= this.hasher.hash('keygraph decoy password');
    const matches = await this.hasher.verify(input.password, hash ?? (await this.decoy));
    if (!user || !hash || !matches) throw new UnauthenticatedError();
    // Whole seconds: the token's exp claim and the session end at the same instant.
    const expiresAt = new Date((Math.floor(Date.now() / 1000) + this.sessionTtlSeconds) * 1000);
    const session = await this.store.sessions.create({ userId: user.id, expiresAt });
    const token = await this.tokens.issue({ id: session.id, userId: user.id, expiresAt: session.expiresAt });
    return { token, userId: user.id, sessionId: session.id, expiresAt: session.expiresAt };
  }

  /** Revokes the caller's session; false when the caller has none (anonymous, or an external token). */
  async logout(actor: Authorizer): Promise<boolean> {
    const principal = actor.principal;
    if (principal.kind !== 'user' || principal.sessionId === null) return false;
    return this.store.sessions.revoke(principal.sessionId);
  }
}
