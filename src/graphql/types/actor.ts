// Who did something: a user, a service account or an API key (createdBy / revokedBy fields).
import type { ApiKey, ServiceAccount, User } from '../../domain/model.js';
import { builder } from '../builder.js';
import type { Context } from '../context.js';
import { isVisible } from '../visibility.js';
import { ApiKeyRef } from './api-key.js';
import { InvitationRef } from './invitation.js';
import { ServiceAccountRef } from './service-account.js';
import { UserRef } from './user.js';

export const ActorRef = builder.unionType('Actor', {
  description: 'Who did something: a user, a service account or an API key.',
  types: [UserRef, ServiceAccountRef, ApiKeyRef],
  resolveType: (value) => ('email' in value ? UserRef : 'tokenPrefix' in value ? ServiceAccountRef : ApiKeyRef),
});

/**
 * The actor with this local id (ids are unique across kinds), each kind through its batched loader; null
 * when it is gone or the caller may not see it.
 */
export async function loadActor(ctx: Context, id: string | null): Promise<User | ServiceAccount | ApiKey | null> {
  if (id === null) return null;
  const user = await ctx.loaders.user.load(id);
  if (user) return (await isVisible(ctx, 'User', user)) ? user : null;
  const serviceAccount = await ctx.loaders.serviceAccount.load(id);
  if (serviceAccount) return (await isVisible(ctx, 'ServiceAccount', serviceAccount)) ? serviceAccount : null;
  const apiKey = await ctx.loaders.apiKey.load(id);
  return apiKey && (await isVisible(ctx, 'ApiKey', apiKey)) ? apiKey : null;
}

builder.objectFields(ServiceAccountRef, (t) => ({
  createdBy: t.field({ type: ActorRef, nullable: true, description: 'Who created it; null when gone or not visible to the caller.', resolve: (o, _args, ctx) => loadActor(ctx, o.createdById) }),
  revokedBy: t.field({ type: ActorRef, nullable: true, description: 'Who revoked it; null when not revoked, gone, or not visible to the caller.', resolve: (o, _args, ctx) => loadActor(ctx, o.revokedById) }),
}));

builder.objectFields(ApiKeyRef, (t) => ({
  createdBy: t.field({ type: ActorRef, nullable: true, description: 'Who created the key (a user or a service account); null when gone or not visible to the caller.', resolve: (o, _args, ctx) => loadActor(ctx, o.createdById) }),
  revokedBy: t.field({ type: ActorRef, nullable: true, description: 'Who revoked it; null when not revoked, gone, or not visible to the caller.', resolve: (o, _args, ctx) => loadActor(ctx, o.revokedById) }),
}));

builder.objectFields(InvitationRef, (t) => ({
  createdBy: t.field({ type: ActorRef, nullable: true, description: 'Who created the invitation; null when gone or not visible to the caller.', resolve: (o, _args, ctx) => loadActor(ctx, o.createdById) }),
}));
