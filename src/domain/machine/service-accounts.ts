// Service accounts (references 000 and 004): machine identities of one account, with a bearer token
// shown once and client credentials. They are subjects of grants, roles and groups like users.
import type { Authorizer } from '../authz/authorizer.js';
import { loadFor, authorizeCreate } from '../authz/access.js';
import { requireDominatesStored } from '../authz/dominance.js';
import { ConflictError, NotFoundError, ValidationError } from '../errors.js';
import type { ServiceAccount, ServiceAccountCredential } from '../model.js';
import type { Store } from '../store.js';
import { issueToken, newClientId, parseToken, tokenMatches, hashToken } from '../credentials/token.js';
import { LIMITS, optionalText, requiredText } from '../validation.js';
import { futureDate } from './common.js';
import { dueForTouch, serviceAccountBar } from './standing.js';
import { defineList, type NoFilter } from '../lists.js';

export interface ServiceAccountInput {
  name: string;
  description?: string | null;
  expiresAt?: Date | null;
}

export interface CredentialInput {
  name: string;
  description?: string | null;
}

/** The longest a rotated-out token may stay valid. */
export const MAX_ROTATION_GRACE_SECONDS = 7 * 24 * 3600;


/** Why a presented secret was not accepted (for logs; callers get one generic answer). */
export type MachineAuthFailure = 'malformed' | 'unknown' | 'revoked' | 'expired' | 'rotated';

/** The lists of service accounts and their credentials (domain list queries: the GraphQL layer pages them through its loaders). */
export const SERVICE_ACCOUNT_LISTS = {
  byAccount: defineList<{ includeRevoked: boolean }>(
    'account.serviceAccounts',
    (s, ids, args, f) => s.serviceAccounts.pagesByAccount(ids, args, f.includeRevoked),
    (s, ids, f) => s.serviceAccounts.countsByAccount(ids, f.includeRevoked),
  ),
  credentials: defineList<NoFilter>('serviceAccount.credentials', (s, ids, args) => s.serviceAccounts.credentialPages(ids, args), (s, ids) => s.serviceAccounts.credentialCounts(ids)),
} as const;

export class ServiceAccountService {
  constructor(private readonly store: Store) {}

  async createServiceAccount(actor: Authorizer, accountId: string, input: ServiceAccountInput): Promise<{ serviceAccount: ServiceAccount; token: string }> {
    await authorizeCreate(actor, 'ServiceAccount', 'Account', { accountId }, 'accountId');
    const name = requiredText('name', input.name);
    const description = optionalText('description', input.description, LIMITS.description);
    const expiresAt = futureDate('expiresAt', input.expiresAt);
    const issued = issueToken('serviceAccount');
    const serviceAccount = await this.store.transaction(async (tx) => {
      if (!(await tx.lockAccount(accountId))) throw new NotFoundError('Account', 'accountId');
      return tx.serviceAccounts.create({ accountId, name, description, expiresAt, createdById: actor.actorId, token: issued });
    });
    return { serviceAccount, token: issued.token };
  }

  updateServiceAccount(actor: Authorizer, id: string, patch: Partial<ServiceAccountInput>): Promise<ServiceAccount> {
    const name = patch.name === undefined || patch.name === null ? undefined : requiredText('name', patch.name);
    const description = patch.description === undefined ? undefined : optionalText('description', patch.description, LIMITS.description);
    const expiresAt = patch.expiresAt === undefined ? undefined : futureDate('expiresAt', patch.expiresAt);
    return this.store.transaction(async (tx) => {
      const serviceAccount = await this.load(tx, actor, id);
      if (serviceAccount.revokedAt) throw new ConflictError('the service account is revoked', 'id');
      return tx.serviceAccounts.update(id, { name, description, expiresAt });
    });
  }

  /**
   * A new token; the old one dies now, or after `graceSeconds`. Rotations of one service account are
   * serialised (account row lock), so of concurrent rotations exactly one token survives.
   */
  async rotateServiceAccountToken(actor: Authorizer, id: string, graceSeconds = 0): Promise<{ serviceAccount: ServiceAccount; token: string }> {
    if (!Number.isInteger(graceSeconds) || graceSeconds < 0 || graceSeconds > MAX_ROTATION_GRACE_SECONDS) {
      throw new ValidationError(`gracePeriodSeconds must be an integer from 0 to ${MAX_ROTATION_GRACE_SECONDS}`, 'gracePeriodSeconds');
    }
    const issued = issueToken('serviceAccount');
    // Authorised before the transaction opens: the actor's grants load on a pool connection of their own,
    // and transactions that each hold a connection while waiting for another starve the pool (PostgreSQL,
    // as many concurrent rotations as connections). The account of a service account never changes.
    const current = await this.load(this.store, actor, id);
    const serviceAccount = await this.store.transaction(async (tx) => {
      await tx.lockAccount(current.accountId);
      const [locked] = await tx.serviceAccounts.byIds([id]);
      if (!locked) throw new NotFoundError('ServiceAccount', 'id');
      const bar = serviceAccountBar(locked);
      if (bar === 'revoked') throw new ConflictError('the service account is revoked; create a new one', 'id');
      if (bar === 'expired') throw new ConflictError('the service account has expired; extend expiresAt first', 'id');
      const rotated = await tx.serviceAccounts.rotate(id, issued, graceSeconds > 0 ? new Date(Date.now() + graceSeconds * 1000) : null);
      // Sessions started with a (possibly leaked) old token end with the rotation.
      await tx.sessions.revokeAllOfServiceAccount(id);
      return rotated;
    });
    return { serviceAccount, token: issued.token };
  }

  revokeServiceAccount(actor: Authorizer, id: string): Promise<ServiceAccount> {
    return this.store.transaction(async (tx) => {
      const serviceAccount = await this.load(tx, actor, id);
      if (serviceAccount.revokedAt) throw new ConflictError('the service account is already revoked', 'id');
      return tx.serviceAccounts.revoke(id, actor.actorId);
    });
  }

  deleteServiceAccount(actor: Authorizer, id: string): Promise<ServiceAccount> {
    return this.store.transaction(async (tx) => {
      const serviceAccount = await this.load(tx, actor, id);
      await tx.serviceAccounts.delete(id);
      return serviceAccount;
    });
  }

  async createServiceAccountCredential(actor: Authorizer, serviceAccountId: string, input: CredentialInput): Promise<{ credential: ServiceAccountCredential; clientSecret: string }> {
    const name = requiredText('name', input.name);
    const description = optionalText('description', input.description, LIMITS.description);
    const secret = issueToken('clientSecret');
    const serviceAccount = await this.load(this.store, actor, serviceAccountId, 'serviceAccountId');
    const credential = await this.store.transaction(async (tx) => {
      if (serviceAccount.revokedAt) throw new ConflictError('the service account is revoked', 'serviceAccountId');
      return tx.serviceAccounts.createCredential({ serviceAccountId, accountId: serviceAccount.accountId, name, description, clientId: newClientId(), secretHash: secret.hash });
    });
    return { credential, clientSecret: secret.token };
  }

  updateServiceAccountCredential(actor: Authorizer, id: string, patch: Partial<CredentialInput>): Promise<ServiceAccountCredential> {
    const name = patch.name === undefined || patch.name === null ? undefined : requiredText('name', patch.name);
    const description = patch.description === undefined ? undefined : optionalText('description', patch.description, LIMITS.description);
    return this.store.transaction(async (tx) => {
      await this.loadCredential(tx, actor, id);
      return tx.serviceAccounts.updateCredential(id, { name, description });
    });
  }

  deleteServiceAccountCredential(actor: Authorizer, id: string): Promise<ServiceAccountCredential> {
    return this.store.transaction(async (tx) => {
      const credential = await this.loadCredential(tx, actor, id);
      await tx.serviceAccounts.deleteCredential(id);
      return credential;
    });
  }

  /**
   * The service account a bearer token names, if it may act now. Malformed tokens and bad checksums
   * fail before any database read; the digest lookup is then confirmed in constant time.
   */
  async authenticateToken(token: string, now = new Date()): Promise<ServiceAccount | MachineAuthFailure> {
    if (parseToken(token)?.kind !== 'serviceAccount') return 'malformed';
    const match = await this.store.serviceAccounts.findByTokenHash(hashToken(token));
    if (!match) return 'unknown';
    const { serviceAccount } = match;
    const bar = serviceAccountBar(serviceAccount, now);
    if (bar) return bar;
    if (!match.current && !(match.previousExpiresAt && match.previousExpiresAt.getTime() > now.getTime())) return 'rotated';
    await this.touch(serviceAccount, now);
    return serviceAccount;
  }

  /** The service account behind a client id and secret (reference 004's credentials). */
  async authenticateClient(clientId: string, clientSecret: string, now = new Date()): Promise<ServiceAccount | MachineAuthFailure> {
    if (parseToken(clientSecret)?.kind !== 'clientSecret' || !/^kgcid_[0-9A-Za-z]{22}$/.test(clientId)) return 'malformed';
    const found = await this.store.serviceAccounts.findCredentialByClientId(clientId);
    if (!found || !tokenMatches(clientSecret, found.secretHash)) return 'unknown';
    const [serviceAccount] = await this.store.serviceAccounts.byIds([found.credential.serviceAccountId]);
    if (!serviceAccount) return 'unknown';
    const bar = serviceAccountBar(serviceAccount, now);
    if (bar) return bar;
    if (dueForTouch(found.credential.lastUsedAt, now)) await this.store.serviceAccounts.touchCredential(found.credential.id, now);
    await this.touch(serviceAccount, now);
    return serviceAccount;
  }

  /** lastUsedAt, written at most once a minute per service account (not a write on every request). */
  private async touch(serviceAccount: ServiceAccount, now: Date): Promise<void> {
    if (dueForTouch(serviceAccount.lastUsedAt, now)) await this.store.serviceAccounts.touch(serviceAccount.id, now);
  }

  private async load(tx: Store, actor: Authorizer, id: string, field = 'id'): Promise<ServiceAccount> {
    const serviceAccount = await loadFor(tx, actor, 'ServiceAccount', id, 'manage', { field });
    // Changing, revoking or deleting a service account, or handing out a secret of it (which carries all
    // it holds), is acting on a principal: the actor must dominate it.
    await requireDominatesStored(tx, actor, { type: 'SERVICE_ACCOUNT', id: serviceAccount.id }, null, 'this service account');
    return serviceAccount;
  }

  private async loadCredential(tx: Store, actor: Authorizer, id: string): Promise<ServiceAccountCredential> {
    const credential = await loadFor(tx, actor, 'ServiceAccountCredential', id, 'manage');
    await requireDominatesStored(tx, actor, { type: 'SERVICE_ACCOUNT', id: credential.serviceAccountId }, null, 'the service account of this credential');
    return credential;
  }
}
