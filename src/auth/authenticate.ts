// Request -> Principal. A bearer token is either a keygraph session token (its session must exist,
// belong to the token's subject, be unexpired and unrevoked) or a token of a trusted external issuer
// whose (iss, sub) is linked to a keygraph user. Anything else fails with one generic error.
import type { Principal } from '../domain/authz/authorizer.js';
import type { Store } from '../domain/store.js';
import { AuthenticationError, type VerifiedToken } from './tokens.js';

export interface AuthenticatorOptions {
  verify: (token: string) => Promise<VerifiedToken>;
  store: Store;
}

export type Authenticate = (authorization: string | null) => Promise<Principal>;

export function createAuthenticator({ verify, store }: AuthenticatorOptions): Authenticate {
  return async (authorization) => {
    if (authorization === null || authorization.trim() === '') return { kind: 'anonymous' };
    const match = /^Bearer +([A-Za-z0-9\-_=.]+)$/.exec(authorization.trim());
    if (!match) throw new AuthenticationError('malformed Authorization header');
    const token = await verify(match[1]!);
    if (token.kind === 'session') {
      const session = await store.sessions.byId(token.sessionId);
      if (!session || session.userId !== token.userId) throw new AuthenticationError('unknown session');
      if (session.revokedAt !== null) throw new AuthenticationError('revoked session');
      if (session.expiresAt.getTime() <= Date.now()) throw new AuthenticationError('expired session');
      return { kind: 'user', userId: session.userId, sessionId: session.id, expiresAt: session.expiresAt };
    }
    let userId = await store.identities.userFor(token.issuer, token.subject);
    if (userId === null && token.email !== null && token.emailVerified) {
      // First sight of this external subject: link it to the keygraph user with the same verified email.
      const user = await store.users.findByEmail(token.email.toLowerCase());
      if (user) {
        await store.identities.link(token.issuer, token.subject, user.id);
        userId = user.id;
      }
    }
    if (userId === null) throw new AuthenticationError('external subject is not linked to a user');
    return { kind: 'user', userId, sessionId: null, expiresAt: token.expiresAt };
  };
}
