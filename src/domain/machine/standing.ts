// Whether a machine identity may act now, and the principal it acts as: one answer for authentication,
// sessions, and re-checking an invitation's creator.
import type { ApiKeyPrincipal, Principal } from '../authz/authorizer.js';
import type { ApiKey, ServiceAccount } from '../model.js';
import type { Store } from '../store.js';

const expired = (expiresAt: Date | null, now: Date) => expiresAt !== null && expiresAt.getTime() <= now.getTime();

/** Why a service account may not act now; null when it may. */
export function serviceAccountBar(serviceAccount: ServiceAccount, now = new Date()): 'revoked' | 'expired' | null {
  if (serviceAccount.revokedAt) return 'revoked';
  return expired(serviceAccount.expiresAt, now) ? 'expired' : null;
}

/** Why an API key may not act now; null when it may. */
export function apiKeyBar(apiKey: ApiKey, now = new Date()): 'revoked' | 'expired' | 'paused' | null {
  if (apiKey.revokedAt) return 'revoked';
  if (expired(apiKey.expiresAt, now)) return 'expired';
  return apiKey.active ? null : 'paused';
}

/**
 * Why an API key may not act now; null when it may. A key made by a service account dies with it (a
 * person's key loses its grants when they leave the account).
 */
export async function apiKeyStanding(store: Store, apiKey: ApiKey, now = new Date()): Promise<'revoked' | 'expired' | 'paused' | 'creator revoked' | null> {
  const bar = apiKeyBar(apiKey, now);
  if (bar || apiKey.createdByType !== 'SERVICE_ACCOUNT') return bar;
  const [creator] = await store.serviceAccounts.byIds([apiKey.createdById]);
  return creator && serviceAccountBar(creator, now) === null ? null : 'creator revoked';
}

export function serviceAccountPrincipal(serviceAccount: ServiceAccount, sessionId: string | null, expiresAt: Date | null = serviceAccount.expiresAt): Principal {
  return { kind: 'service_account', serviceAccountId: serviceAccount.id, accountId: serviceAccount.accountId, sessionId, expiresAt };
}

export function apiKeyPrincipal(apiKey: ApiKey, workspaceIds: readonly string[]): ApiKeyPrincipal {
  return {
    kind: 'api_key',
    apiKeyId: apiKey.id,
    accountId: apiKey.accountId,
    creator: { type: apiKey.createdByType, id: apiKey.createdById },
    permissions: apiKey.permissions,
    workspaceIds,
    readOnly: apiKey.mcpReadOnly,
    expiresAt: apiKey.expiresAt,
  };
}

/** lastUsedAt is written at most once a minute per identity: not a write on every request. */
export const TOUCH_INTERVAL_MS = 60_000;

export function dueForTouch(lastUsedAt: Date | null, now: Date): boolean {
  return lastUsedAt === null || now.getTime() - lastUsedAt.getTime() > TOUCH_INTERVAL_MS;
}
