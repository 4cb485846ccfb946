// Request -> Principal. The Authorization header carries one of:
// - a keygraph secret (`kgs_...` service-account token, `kgk_...` API key): its format and checksum are
//   checked before any database read, then its SHA-256 digest is looked up;
// - `Basic base64(clientId:clientSecret)`: a service-account credential (reference 004);
// - a keygraph session token (its session must exist, belong to the token's subject - a user or a
//   service account - and be unexpired and unrevoked);
// - a token of a trusted external issuer whose (iss, sub) is linked to a keygraph user.
// Anything else fails with one generic error; a paused API key fails with its own, clear one.
import type { Principal } from '../domain/authz/authorizer.js';
import { LruMap } from '../domain/lru.js';
import type { ApiKeyService } from '../domain/machine/api-keys.js';
import type { ServiceAccountService } from '../domain/machine/service-accounts.js';
import { apiKeyPrincipal, serviceAccountBar, serviceAccountPrincipal } from '../domain/machine/standing.js';
import type { ChangeMark, Store, SubjectGrants } from '../domain/store.js';
import type { UserService } from '../domain/user/service.js';
import { AuthenticationError, type VerifiedToken } from './tokens.js';

export interface AuthenticatorOptions {
  verify: (token: string) => Promise<VerifiedToken>;
  store: Store;
  serviceAccounts: ServiceAccountService;
  apiKeys: ApiKeyService;
  users: UserService;
}

/**
 * The principal, and the grants snapshot already read with its session (one statement for both): `held` is the
 * snapshot of `subjectId`, the subject the principal acts as, when the authenticator read it.
 */
export interface Authenticated {
  principal: Principal;
  held?: { subjectId: string; grants: SubjectGrants };
  /**
   * Session tokens: the store's change mark taken before the session was read or recalled, or on PostgreSQL the one
   * read with the session (SessionRepo.byIdWithGrants); see Authorizer.asOf.
   */
  mark?: ChangeMark;
}

export type Authenticate = (authorization: string | null) => Promise<Authenticated>;

/** A valid API key that its owners paused: the caller is told so (it holds the key, nothing leaks). */
export class ApiKeyPausedError extends Error {
  constructor() {
    super('this API key is paused; resume it with setApiKeyActive');
    this.name = 'ApiKeyPausedError';
  }
}

const KEYGRAPH_SECRET = /^kg[a-z]_/;

/** Users' sessions kept with their grants snapshot, by token (least recently used dropped first). */
export const KNOWN_SESSIONS = 10_000;
/** A snapshot of more grants and groups than this is not kept (memory stays bounded by KNOWN_SESSIONS times this). */
const KNOWN_SNAPSHOT_ROWS = 1_000;

/** An Authenticated shared by requests: frozen, its snapshot's lists and grants too. */
function frozen(result: Authenticated): Authenticated {
  if (result.held) {
    for (const grant of result.held.grants.grants) Object.freeze(grant);
    Object.freeze(result.held.grants.grants);
    Object.freeze(result.held.grants.groupIds);
    Object.freeze(result.held.grants);
    Object.freeze(result.held);
  }
  Object.freeze(result.principal);
  return Object.freeze(result);
}

export function createAuthenticator({ verify, store, serviceAccounts, apiKeys, users }: AuthenticatorOptions, knownSessions = KNOWN_SESSIONS): Authenticate {
  // A user's session token, once its session and grants were read, answers with the same principal and snapshot
  // for as long as the store's change mark stays the same (nothing written since, by anyone: see
  // Store.changeMark) and the session has not expired; any write in between sends the next request to the
  // database again. Where the store cannot tell (PostgreSQL), every request reads.
  const known = new LruMap<string, { mark: number; until: number; result: Authenticated }>(knownSessions);
  const recall = (bearer: string, mark: number | undefined): Authenticated | undefined => {
    const hit = mark === undefined ? undefined : known.get(bearer);
    return hit && hit.mark === mark && hit.until > Date.now() ? hit.result : undefined;
  };
  const remember = (bearer: string, mark: number | undefined, until: number, result: Authenticated): Authenticated => {
    const held = result.held?.grants;
    if (mark === undefined || knownSessions <= 0 || (held && held.grants.length + held.groupIds.length > KNOWN_SNAPSHOT_ROWS)) return result;
    const kept = frozen(result);
    known.set(bearer, { mark, until, result: kept });
    return kept;
  };

  const fromSecret = async (secret: string): Promise<Principal> => {
    if (secret.startsWith('kgk_')) {
      const found = await apiKeys.authenticate(secret);
      if (found === 'paused') throw new ApiKeyPausedError();
      if (typeof found === 'string') throw new AuthenticationError(`API key ${found}`);
      return apiKeyPrincipal(found.apiKey, found.workspaceIds);
    }
    const found = await serviceAccounts.authenticateToken(secret);
    if (typeof found === 'string') throw new AuthenticationError(`service account token ${found}`);
    return serviceAccountPrincipal(found, null);
  };

  const fromBasic = async (encoded: string): Promise<Principal> => {
    const decoded = Buffer.from(encoded, 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    if (colon < 0) throw new AuthenticationError('malformed Basic credentials');
    const found = await serviceAccounts.authenticateClient(decoded.slice(0, colon), decoded.slice(colon + 1));
    if (typeof found === 'string') throw new AuthenticationError(`client credentials ${found}`);
    return serviceAccountPrincipal(found, null);
  };

  const principalOnly = async (promise: Promise<Principal>): Promise<Authenticated> => ({ principal: await promise });

  return async (authorization) => {
    if (authorization === null || authorization.trim() === '') return { principal: { kind: 'anonymous' } };
    // Scheme names are case-insensitive (RFC 9110).
    const basic = /^Basic +([A-Za-z0-9+/=]+)$/i.exec(authorization.trim());
    if (basic) return principalOnly(fromBasic(basic[1]!));
    const match = /^Bearer +([A-Za-z0-9\-_=.]+)$/i.exec(authorization.trim());
    if (!match) throw new AuthenticationError('malformed Authorization header');
    const bearer = match[1]!;
    if (KEYGRAPH_SECRET.test(bearer)) return principalOnly(fromSecret(bearer));
    // Taken before anything is read: a write after it, even during the read, makes what is read here stale.
    const mark = store.changeMark();
    const recalled = recall(bearer, mark);
    if (recalled) return recalled;
    const token = await verify(bearer);
    if (token.kind === 'session') {
      // The session and the grants of the subject its token names, in one statement; the grants are used only
      // once the session is found to belong to that subject, open and unexpired.
      const read = await store.sessions.byIdWithGrants(token.sessionId, token.userId);
      const { session, held } = read;
      if (!session || (session.userId ?? session.serviceAccountId) !== token.userId) throw new AuthenticationError('unknown session');
      if (session.revokedAt !== null) throw new AuthenticationError('revoked session');
      if (session.expiresAt.getTime() <= Date.now()) throw new AuthenticationError('expired session');
      const snapshot = { subjectId: token.userId, grants: held };
      // The request's mark: taken before the read, or (PostgreSQL) read with it.
      const asOf = mark ?? ('mark' in read ? read.mark : undefined);
      if (session.userId !== null) {
        const until = Math.min(session.expiresAt.getTime(), token.expiresAt.getTime());
        return remember(bearer, mark, until, { principal: { kind: 'user', userId: session.userId, sessionId: session.id, expiresAt: session.expiresAt }, held: snapshot, mark: asOf });
      }
      // A service account's session lives only as long as the service account stays usable.
      const [serviceAccount] = await store.serviceAccounts.byIds([session.serviceAccountId!]);
      if (!serviceAccount || serviceAccountBar(serviceAccount)) throw new AuthenticationError('service account revoked or expired');
      return { principal: serviceAccountPrincipal(serviceAccount, session.id, session.expiresAt), held: snapshot, mark: asOf };
    }
    // Linking by email, and what a proven email does to an unverified user, is the domain's decision.
    const userId = await users.signInExternal(token);
    if (userId === null) throw new AuthenticationError('external subject is not linked to a user');
    return { principal: { kind: 'user', userId, sessionId: null, expiresAt: token.expiresAt } };
  };
}
