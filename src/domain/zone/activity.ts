// What happens in a zone: delegated grants (user -> resource via provider) and sessions (user and
// application), and the zone users and user agents they involve (reference 001). The API reads them,
// updates and revokes grants and sessions; they are created by the zone's own flows, which here are the
// `record*` functions (used by the demo seed and tests, never exposed as mutations).
import type { Authorizer } from '../authz/authorizer.js';
import { requiredText } from '../validation.js';
import { ConflictError, NotFoundError, ValidationError } from '../errors.js';
import type { Store } from '../store.js';
import { mustLoad, objectFor } from './common.js';
import { statusAt, type DelegatedGrant, type UserAgent, type ZoneSession, type ZoneUser } from './model.js';
import type { NewDelegatedGrant, NewUserAgent, NewZoneSession, NewZoneUser } from './store.js';
import { jsonObject, scopeList, slug as slugRule, ZONE_LIMITS } from './validation.js';

export interface GrantPatch {
  scopes?: string[] | null;
  expiresAt?: Date | null;
}

export interface SessionPatch {
  expiresAt?: Date | null;
  metadata?: Record<string, unknown> | null;
}

export class ActivityService {
  constructor(
    private readonly store: Store,
    private readonly now: () => Date = () => new Date(),
  ) {}

  /** Narrows a grant's scopes or moves its expiry. A revoked grant cannot change. */
  updateDelegatedGrant(actor: Authorizer, grantId: string, patch: GrantPatch): Promise<DelegatedGrant> {
    const scopes = patch.scopes === undefined || patch.scopes === null ? undefined : scopeList('scopes', patch.scopes);
    if (patch.expiresAt === null) throw new ValidationError('expiresAt cannot be cleared: a grant always expires', 'expiresAt');
    return this.store.transaction(async (tx) => {
      const grant = await objectFor(actor, tx.zones.delegatedGrants, 'DelegatedGrant', grantId);
      if (grant.revokedAt) throw new ConflictError('the grant is revoked', 'id');
      if (scopes) {
        const extra = scopes.filter((s) => !grant.scopes.includes(s));
        if (extra.length) throw new ValidationError(`scopes can only narrow the granted scopes (not granted: ${extra.join(' ')})`, 'scopes');
      }
      return tx.zones.delegatedGrants.update(grant.id, { scopes, expiresAt: patch.expiresAt ?? undefined });
    });
  }

  /** Revokes a grant (the reference's delete): it stays listed with status REVOKED. */
  deleteDelegatedGrant(actor: Authorizer, grantId: string): Promise<DelegatedGrant> {
    return this.store.transaction(async (tx) => {
      const grant = await objectFor(actor, tx.zones.delegatedGrants, 'DelegatedGrant', grantId);
      if (grant.revokedAt) return grant;
      return tx.zones.delegatedGrants.update(grant.id, { revokedAt: this.now() });
    });
  }

  updateSession(actor: Authorizer, sessionId: string, patch: SessionPatch): Promise<ZoneSession> {
    const metadata = patch.metadata === undefined ? undefined : jsonObject('metadata', patch.metadata);
    return this.store.transaction(async (tx) => {
      const session = await objectFor(actor, tx.zones.sessions, 'ZoneSession', sessionId);
      if (statusAt(session, this.now()) !== 'ACTIVE') throw new ConflictError('only an active session can change', 'id');
      return tx.zones.sessions.update(session.id, { expiresAt: patch.expiresAt === undefined ? undefined : patch.expiresAt, metadata });
    });
  }

  /** Revokes a session and, in the same transaction, every session derived from it. Returns how many were revoked. */
  deleteSession(actor: Authorizer, sessionId: string): Promise<{ session: ZoneSession; revokedCount: number }> {
    return this.store.transaction(async (tx) => {
      const session = await objectFor(actor, tx.zones.sessions, 'ZoneSession', sessionId);
      const ids = await tx.zones.sessions.descendantsAndSelf(session.id);
      const revokedCount = await tx.zones.sessions.revoke(ids, this.now());
      const [after] = await tx.zones.sessions.byIds([session.id]);
      return { session: after!, revokedCount };
    });
  }

  // --- the zone's own flows (no caller: the platform records what happened) ---

  async recordZoneUser(zoneId: string, input: Omit<NewZoneUser, 'accountId' | 'zoneId'>): Promise<ZoneUser> {
    const zone = await mustLoad(this.store.zones.zones, zoneId, 'Zone', 'zoneId');
    if (!/^[^\s@]+@[^\s@]+$/.test(input.email)) throw new ValidationError('email must be an email address', 'email');
    return this.store.zones.zoneUsers.create({ ...input, email: input.email.toLowerCase(), accountId: zone.accountId, zoneId: zone.id });
  }

  async recordUserAgent(zoneId: string, input: Omit<NewUserAgent, 'accountId' | 'zoneId'>): Promise<UserAgent> {
    const zone = await mustLoad(this.store.zones.zones, zoneId, 'Zone', 'zoneId');
    if (!/^ua:[0-9a-f]{64}$/.test(input.identifier)) throw new ValidationError('identifier must be ua:<sha256 hex>', 'identifier');
    return this.store.zones.userAgents.create({ ...input, name: requiredText('name', input.name, ZONE_LIMITS.name), slug: slugRule('slug', input.slug), accountId: zone.accountId, zoneId: zone.id });
  }

  /** The zone's token endpoint refreshed a grant's tokens: it records when (refreshedAt). */
  async recordDelegatedGrantRefresh(grantId: string, at: Date = new Date()): Promise<DelegatedGrant> {
    return this.store.transaction(async (tx) => {
      const grant = await mustLoad(tx.zones.delegatedGrants, grantId, 'DelegatedGrant', 'grantId');
      if (grant.revokedAt) throw new ConflictError('the delegated grant is revoked', 'grantId');
      if (!grant.refreshTokenSet) throw new ConflictError('the delegated grant has no refresh token', 'grantId');
      return tx.zones.delegatedGrants.update(grant.id, { refreshedAt: at });
    });
  }

  async recordDelegatedGrant(zoneId: string, input: Omit<NewDelegatedGrant, 'accountId' | 'zoneId' | 'revokedAt' | 'refreshedAt'> & { refreshedAt?: Date | null }): Promise<DelegatedGrant> {
    return this.store.transaction(async (tx) => {
      const zone = await mustLoad(tx.zones.zones, zoneId, 'Zone', 'zoneId');
      for (const [table, id, field] of [
        [tx.zones.zoneUsers, input.zoneUserId, 'zoneUserId'],
        [tx.zones.resources, input.resourceId, 'resourceId'],
        [tx.zones.providers, input.providerId, 'providerId'],
      ] as const) {
        const [object] = await (table as { byIds(ids: string[]): Promise<({ zoneId: string } | null)[]> }).byIds([id]);
        if (!object || object.zoneId !== zone.id) throw new NotFoundError(field, field);
      }
      return tx.zones.delegatedGrants.create({ ...input, scopes: scopeList('scopes', input.scopes), refreshedAt: input.refreshedAt ?? null, revokedAt: null, accountId: zone.accountId, zoneId: zone.id });
    });
  }

  /** Records a session. Only user sessions have parents, and a parent is a user session of the same zone. */
  async recordSession(zoneId: string, input: Omit<NewZoneSession, 'accountId' | 'zoneId' | 'revokedAt'>): Promise<ZoneSession> {
    return this.store.transaction(async (tx) => {
      const zone = await mustLoad(tx.zones.zones, zoneId, 'Zone', 'zoneId');
      if (input.sessionType === 'APPLICATION') {
        if (input.parentId) throw new ValidationError('application sessions cannot have a parent', 'parentId');
        if (!input.applicationId) throw new ValidationError('an application session names its application', 'applicationId');
      } else if (!input.zoneUserId) throw new ValidationError('a user session names its user', 'zoneUserId');
      if (input.parentId) {
        const [parent] = await tx.zones.sessions.byIds([input.parentId]);
        if (!parent || parent.zoneId !== zone.id || parent.sessionType !== 'USER') throw new NotFoundError('ZoneSession', 'parentId');
      }
      return tx.zones.sessions.create({ ...input, revokedAt: null, accountId: zone.accountId, zoneId: zone.id });
    });
  }
}
