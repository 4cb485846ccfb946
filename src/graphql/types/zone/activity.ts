// What happens in a zone (reference 001): delegated grants, user and application sessions, user agents
// and zone users. Read-only lists, plus updating and revoking grants and sessions.
import { encodeGlobalID } from '@pothos/plugin-relay';
import { loadVisible } from '../../visibility.js';
import { visibleLoadMany, entityLoadedBy, permissionFields } from '../node.js';
import type { DelegatedGrant, ZoneSession } from '../../../domain/zone/model.js';
import { statusAt } from '../../../domain/zone/model.js';
import { builder } from '../../builder.js';
import { connectionOf, searchTerm } from '../../connection.js';
import { attempt, localId, payload } from '../errors.js';
import { requestNow, zoneList } from './common.js';
import { ApplicationRef, DelegatedGrantRef, ProviderRef, ResourceRef, SessionRef, UserAgentRef, ZoneUserRef } from './refs.js';
import { ZoneRef } from './zone.js';

export const ZoneStatusEnum = builder.enumType('ZoneGrantStatus', {
  description: 'The state of a delegated grant or session, computed from its expiry and revocation.',
  values: {
    ACTIVE: { description: 'Neither expired nor revoked.' },
    EXPIRED: { description: 'Past its expiry, not revoked.' },
    REVOKED: { description: 'Revoked (whatever its expiry).' },
  },
});

export const SessionTypeEnum = builder.enumType('SessionType', {
  description: 'The kinds of zone session.',
  values: { USER: { description: 'An end user authenticated in the zone.' }, APPLICATION: { description: 'An application authenticated in the zone.' } },
});

builder.node(ZoneUserRef, {
  description: 'A user authenticated in a zone (an end user of its applications, not a keygraph account user).',
  id: { resolve: (u) => u.id },
  loadMany: visibleLoadMany('ZoneUser'),
  fields: (t) => ({
    ...permissionFields(t, 'ZoneUser'),
    email: t.exposeString('email', { description: 'Email address.' }),
    emailVerified: t.exposeBoolean('emailVerified', { description: 'Whether the email address is verified.' }),
    issuer: t.exposeString('issuer', { nullable: true, description: 'Issuer of the identity provider.' }),
    subject: t.exposeString('subject', { nullable: true, description: 'Subject at the identity provider.' }),
    provider: t.field({ type: ProviderRef, nullable: true, description: 'The identity provider; null when it was deleted.', resolve: (u, _a, ctx) => loadVisible(ctx, 'Provider', u.providerId) }),
    authenticatedAt: t.field({ type: 'DateTime', nullable: true, description: 'When the user last authenticated.', resolve: (u) => u.authenticatedAt }),
    zone: t.field({ type: ZoneRef, description: 'The zone.', resolve: async (u, _a, ctx) => (await ctx.loaders.zones.zone.load(u.zoneId))! }),
    createdAt: t.expose('createdAt', { type: 'DateTime', description: 'When the user first appeared.' }),
    updatedAt: t.expose('updatedAt', { type: 'DateTime', description: 'When the user last changed.' }),
  }),
});

builder.node(UserAgentRef, {
  description: 'A user agent (browser, desktop app, CLI) that starts user sessions through Dynamic Client Registration.',
  id: { resolve: (u) => u.id },
  loadMany: visibleLoadMany('UserAgent'),
  fields: (t) => ({
    ...permissionFields(t, 'UserAgent'),
    identifier: t.exposeString('identifier', { description: 'The OAuth client id of the user agent: ua:<sha256>.' }),
    name: t.exposeString('name', { description: 'Human-readable name.' }),
    slug: t.exposeString('slug', { description: 'URL-safe identifier, unique within the zone.' }),
    zone: t.field({ type: ZoneRef, description: 'The zone.', resolve: async (u, _a, ctx) => (await ctx.loaders.zones.zone.load(u.zoneId))! }),
    createdAt: t.expose('createdAt', { type: 'DateTime', description: 'When the user agent registered.' }),
    updatedAt: t.expose('updatedAt', { type: 'DateTime', description: 'When the user agent last changed.' }),
  }),
});

builder.node(DelegatedGrantRef, {
  description: "A user's authorization for a resource to be accessed on their behalf, issued through a provider.",
  id: { resolve: (g) => g.id },
  loadMany: visibleLoadMany('DelegatedGrant'),
  fields: (t) => ({
    ...permissionFields(t, 'DelegatedGrant'),
    status: t.field({ type: ZoneStatusEnum, description: 'ACTIVE, EXPIRED or REVOKED, as of this request.', resolve: (g, _a, ctx) => statusAt(g, requestNow(ctx)) }),
    scopes: t.stringList({ description: 'The granted OAuth scopes.', resolve: (g) => g.scopes }),
    expiresAt: t.expose('expiresAt', { type: 'DateTime', description: 'When the grant expires.' }),
    refreshTokenSet: t.exposeBoolean('refreshTokenSet', { description: 'Whether a refresh token is stored (such grants can be refreshed after the access token expires).' }),
    refreshedAt: t.field({ type: 'DateTime', nullable: true, description: "When the grant's tokens were last refreshed; null when never.", resolve: (g) => g.refreshedAt }),
    revokedAt: t.field({ type: 'DateTime', nullable: true, description: 'When the grant was revoked.', resolve: (g) => g.revokedAt }),
    user: t.field({ type: ZoneUserRef, nullable: true, description: 'The user who granted access.', resolve: (g, _a, ctx) => loadVisible(ctx, 'ZoneUser', g.zoneUserId) }),
    resource: t.field({ type: ResourceRef, nullable: true, description: 'The resource receiving the grant; null when deleted or not visible.', resolve: (g, _a, ctx) => loadVisible(ctx, 'Resource', g.resourceId) }),
    provider: t.field({ type: ProviderRef, nullable: true, description: 'The provider that issued the grant; null when deleted or not visible.', resolve: (g, _a, ctx) => loadVisible(ctx, 'Provider', g.providerId) }),
    zone: t.field({ type: ZoneRef, description: 'The zone.', resolve: async (g, _a, ctx) => (await ctx.loaders.zones.zone.load(g.zoneId))! }),
    createdAt: t.expose('createdAt', { type: 'DateTime', description: 'When the grant was issued.' }),
    updatedAt: t.expose('updatedAt', { type: 'DateTime', description: 'When the grant last changed.' }),
  }),
});

SessionRef.implement({
  description: 'An authenticated session in a zone: a user session or an application session.',
  interfaces: [builder.nodeInterfaceRef()],
  resolveType: (s) => (s.sessionType === 'USER' ? 'UserSession' : 'ApplicationSession'),
  fields: (t) => ({
    id: t.id({ description: 'Opaque global id; use it with node(id:).', resolve: (s) => encodeGlobalID(s.sessionType === 'USER' ? 'UserSession' : 'ApplicationSession', s.id) }),
    ...permissionFields(t, 'ZoneSession'),
    sessionType: t.field({ type: SessionTypeEnum, description: 'USER or APPLICATION.', resolve: (s) => s.sessionType }),
    name: t.exposeString('name', { description: 'Name of the initiating application or user agent.' }),
    status: t.field({ type: ZoneStatusEnum, description: 'ACTIVE, EXPIRED or REVOKED, as of this request.', resolve: (s, _a, ctx) => statusAt(s, requestNow(ctx)) }),
    claims: t.field({ type: 'JSONObject', description: 'Session claims (ID token claims for users, application claims for applications).', resolve: (s) => s.sessionData }),
    metadata: t.field({ type: 'JSONObject', nullable: true, description: 'Session metadata.', resolve: (s) => s.metadata }),
    issuer: t.exposeString('issuer', { nullable: true, description: 'Issuer URL of the identity provider.' }),
    subject: t.exposeString('subject', { nullable: true, description: 'Subject claim from the identity provider.' }),
    provider: t.field({ type: ProviderRef, nullable: true, description: 'The identity provider.', resolve: (s, _a, ctx) => loadVisible(ctx, 'Provider', s.providerId) }),
    application: t.field({ type: ApplicationRef, nullable: true, description: 'The application that initiated the session.', resolve: (s, _a, ctx) => loadVisible(ctx, 'Application', s.applicationId) }),
    authenticatedAt: t.field({ type: 'DateTime', nullable: true, description: 'When the session was authenticated.', resolve: (s) => s.authenticatedAt }),
    expiresAt: t.field({ type: 'DateTime', nullable: true, description: 'When the session expires.', resolve: (s) => s.expiresAt }),
    revokedAt: t.field({ type: 'DateTime', nullable: true, description: 'When the session was revoked.', resolve: (s) => s.revokedAt }),
    zone: t.field({ type: ZoneRef, description: 'The zone.', resolve: async (s, _a, ctx) => (await ctx.loaders.zones.zone.load(s.zoneId))! }),
    createdAt: t.expose('createdAt', { type: 'DateTime', description: 'When the session started.' }),
    updatedAt: t.expose('updatedAt', { type: 'DateTime', description: 'When the session last changed.' }),
  }),
});

const UserSessionRef = builder.objectRef<ZoneSession>('UserSession');
const ApplicationSessionRef = builder.objectRef<ZoneSession>('ApplicationSession');
export const SessionConnection = connectionOf(SessionRef, 'Session', 'sessions');
const SESSION_TYPENAMES = ['UserSession', 'ApplicationSession'];
export const sessionLocalId = (globalId: string, field: string) => localId(globalId, SESSION_TYPENAMES, field, 'Session');

builder.node(UserSessionRef, {
  description: 'A session of an end user. A top-level one is a web session; children are derived from their parent (token refresh, delegation).',
  interfaces: [SessionRef],
  isTypeOf: (s) => (s as ZoneSession).sessionType === 'USER',
  id: { resolve: (s) => s.id },
  loadMany: (ids, ctx) => visibleLoadMany('ZoneSession')(ids, ctx).map(async (p) => ((await p)?.sessionType === 'USER' ? p : null)),
  fields: (t) => ({
    user: t.field({ type: ZoneUserRef, nullable: true, description: 'The user.', resolve: (s, _a, ctx) => loadVisible(ctx, 'ZoneUser', s.zoneUserId) }),
    userAgent: t.field({ type: UserAgentRef, nullable: true, description: 'The user agent that started the session.', resolve: (s, _a, ctx) => loadVisible(ctx, 'UserAgent', s.userAgentId) }),
    parent: t.field({ type: UserSessionRef, nullable: true, description: 'The session this one derives from; null for a web (top-level) session.', resolve: (s, _a, ctx) => loadVisible(ctx, 'ZoneSession', s.parentId) }),
    children: t.connection(
      {
        type: UserSessionRef,
        description: 'Sessions derived from this one, oldest first.',
        args: { status: t.arg({ type: ZoneStatusEnum, description: 'Only sessions in this state.' }) },
        resolve: (s, args, ctx) =>
          zoneList(ctx, {
            table: 'sessions',
            parent: 'parentId',
            parentId: s.id,
            args,
            filter: { status: args.status ? { value: args.status, now: requestNow(ctx) } : null },
            load: ctx.loaders.zones.session,
          }),
      },
      { name: 'UserSessionConnection', description: 'A page of user sessions.', fields: (t) => ({ totalCount: t.int({ description: 'How many items the whole list holds (with the same filters), across all pages.', resolve: (p) => (p as unknown as { totalCount: () => Promise<number> }).totalCount() }) }) },
      { name: 'UserSessionEdge', description: 'One of the user sessions, with its cursor.' },
    ),
  }),
});
entityLoadedBy(UserSessionRef, 'ZoneSession', ['UserSession']);

builder.node(ApplicationSessionRef, {
  description: 'A session of an application (service to service). Application sessions have no parent.',
  interfaces: [SessionRef],
  isTypeOf: (s) => (s as ZoneSession).sessionType === 'APPLICATION',
  id: { resolve: (s) => s.id },
  loadMany: (ids, ctx) => visibleLoadMany('ZoneSession')(ids, ctx).map(async (p) => ((await p)?.sessionType === 'APPLICATION' ? p : null)),
  fields: () => ({}),
});

export const ZoneUserConnection = connectionOf(ZoneUserRef, 'ZoneUser', 'zone users');
export const UserAgentConnection = connectionOf(UserAgentRef, 'UserAgent', 'user agents');
export const DelegatedGrantConnection = connectionOf(DelegatedGrantRef, 'DelegatedGrant', 'delegated grants');

function maybeLocal(value: string | null | undefined, typename: string): string | undefined {
  if (!value) return undefined;
  try {
    return localId(value, typename, 'filter');
  } catch {
    return ''; // names nothing: the list is empty
  }
}

builder.objectFields(ZoneRef, (t) => ({
  users: t.connection(
    {
      type: ZoneUserRef,
      description: 'The users of the zone, oldest first.',
      args: { search: t.arg.string({ description: 'Only users whose email or subject contains this text (case-insensitive).' }) },
      resolve: (z, args, ctx) =>
        zoneList(ctx, { table: 'zoneUsers', parent: 'zoneId', parentId: z.id, args, filter: { search: searchTerm(args.search) }, load: ctx.loaders.zones.zoneUser }),
    },
    ZoneUserConnection,
  ),
  userAgents: t.connection(
    {
      type: UserAgentRef,
      description: 'The user agents of the zone, oldest first.',
      args: { search: t.arg.string({ description: 'Only user agents whose name, identifier or slug contains this text (case-insensitive).' }) },
      resolve: (z, args, ctx) =>
        zoneList(ctx, { table: 'userAgents', parent: 'zoneId', parentId: z.id, args, filter: { search: searchTerm(args.search) }, load: ctx.loaders.zones.userAgent }),
    },
    UserAgentConnection,
  ),
  delegatedGrants: t.connection(
    {
      type: DelegatedGrantRef,
      description: 'The delegated grants of the zone, oldest first.',
      args: {
        status: t.arg({ type: ZoneStatusEnum, description: 'Only grants in this state.' }),
        userId: t.arg.id({ description: 'Only grants of this zone user (global id).' }),
        resourceId: t.arg.id({ description: 'Only grants for this resource (global id).' }),
      },
      resolve: (z, args, ctx) => {
        const equals: Record<string, string> = {};
        const user = maybeLocal(args.userId, 'ZoneUser');
        const resource = maybeLocal(args.resourceId, 'Resource');
        if (user !== undefined) equals.zoneUserId = user;
        if (resource !== undefined) equals.resourceId = resource;
        return zoneList(ctx, {
          table: 'delegatedGrants',
          parent: 'zoneId',
          parentId: z.id,
          args,
          filter: { equals, status: args.status ? { value: args.status, now: requestNow(ctx) } : null },
          load: ctx.loaders.zones.delegatedGrant,
        });
      },
    },
    DelegatedGrantConnection,
  ),
  sessions: t.connection(
    {
      type: SessionRef,
      description: 'The sessions of the zone, oldest first.',
      args: {
        status: t.arg({ type: ZoneStatusEnum, description: 'Only sessions in this state.' }),
        sessionType: t.arg({ type: SessionTypeEnum, description: 'Only sessions of this kind.' }),
        userId: t.arg.id({ description: 'Only sessions of this zone user (global id).' }),
        topLevelOnly: t.arg.boolean({ description: 'Only sessions without a parent (web sessions and application sessions).' }),
      },
      resolve: (z, args, ctx) => {
        const equals: Record<string, string | null> = {};
        if (args.sessionType) equals.sessionType = args.sessionType;
        const user = maybeLocal(args.userId, 'ZoneUser');
        if (user !== undefined) equals.zoneUserId = user;
        if (args.topLevelOnly) equals.parentId = null;
        return zoneList(ctx, {
          table: 'sessions',
          parent: 'zoneId',
          parentId: z.id,
          args,
          filter: { equals, status: args.status ? { value: args.status, now: requestNow(ctx) } : null },
          load: ctx.loaders.zones.session,
        });
      },
    },
    SessionConnection,
  ),
}));

const UpdateDelegatedGrantInput = builder.inputType('UpdateDelegatedGrantInput', {
  description: 'Changes to a delegated grant: narrower scopes or another expiry.',
  fields: (t) => ({
    id: t.id({ required: true, description: 'Global id of the grant.' }),
    scopes: t.stringList({ description: 'The scopes to keep (a subset of the granted ones).' }),
    expiresAt: t.field({ type: 'DateTime', description: 'The new expiry.' }),
  }),
});
const DeleteDelegatedGrantInput = builder.inputType('DeleteDelegatedGrantInput', {
  description: 'The delegated grant to revoke.',
  fields: (t) => ({ id: t.id({ required: true, description: 'Global id of the grant.' }) }),
});
const UpdateSessionInput = builder.inputType('UpdateSessionInput', {
  description: 'Changes to an active session.',
  fields: (t) => ({
    id: t.id({ required: true, description: 'Global id of the session.' }),
    expiresAt: t.field({ type: 'DateTime', description: 'The new expiry; null for none.' }),
    metadata: t.field({ type: 'JSONObject', description: 'New metadata; null clears it.' }),
  }),
});
const DeleteSessionInput = builder.inputType('DeleteSessionInput', {
  description: 'The session to revoke, with every session derived from it.',
  fields: (t) => ({ id: t.id({ required: true, description: 'Global id of the session.' }) }),
});

const grantPayload = (name: string, what: string) =>
  payload<{ delegatedGrant: DelegatedGrant }>(name, `The result of ${what}.`, (t) => ({
    delegatedGrant: t.field({ type: DelegatedGrantRef, nullable: true, description: 'The grant, as it is now.', resolve: (p) => p.delegatedGrant ?? null }),
  }));
const UpdateSessionPayload = payload<{ session: ZoneSession }>('UpdateSessionPayload', 'The result of updateSession.', (t) => ({
  session: t.field({ type: SessionRef, nullable: true, description: 'The session, as it is now.', resolve: (p) => p.session ?? null }),
}));
const DeleteSessionPayload = payload<{ session: ZoneSession; revokedCount: number }>('DeleteSessionPayload', 'The result of deleteSession.', (t) => ({
  session: t.field({ type: SessionRef, nullable: true, description: 'The revoked session.', resolve: (p) => p.session ?? null }),
  revokedCount: t.int({ nullable: true, description: 'How many sessions were revoked: the session and its descendants that were not revoked yet.', resolve: (p) => p.revokedCount ?? null }),
}));

builder.mutationFields((t) => ({
  updateDelegatedGrant: t.field({
    type: grantPayload('UpdateDelegatedGrantPayload', 'updateDelegatedGrant'),
    description: 'Narrows the scopes or moves the expiry of a delegated grant (zone.manage).',
    args: { input: t.arg({ type: UpdateDelegatedGrantInput, required: true, description: 'The changes.' }) },
    resolve: (_root, { input }, ctx) =>
      attempt(async () => ({ delegatedGrant: await ctx.services.zones.activity.updateDelegatedGrant(ctx.authz, localId(input.id, 'DelegatedGrant', 'id'), { scopes: input.scopes, expiresAt: input.expiresAt }) })),
  }),
  deleteDelegatedGrant: t.field({
    type: grantPayload('DeleteDelegatedGrantPayload', 'deleteDelegatedGrant'),
    description: 'Revokes a delegated grant (zone.manage); it stays listed with status REVOKED.',
    args: { input: t.arg({ type: DeleteDelegatedGrantInput, required: true, description: 'The grant to revoke.' }) },
    resolve: (_root, { input }, ctx) => attempt(async () => ({ delegatedGrant: await ctx.services.zones.activity.deleteDelegatedGrant(ctx.authz, localId(input.id, 'DelegatedGrant', 'id')) })),
  }),
  updateSession: t.field({
    type: UpdateSessionPayload,
    description: 'Changes the expiry or metadata of an active session (zone.manage).',
    args: { input: t.arg({ type: UpdateSessionInput, required: true, description: 'The changes.' }) },
    resolve: (_root, { input }, ctx) =>
      attempt(async () => ({ session: await ctx.services.zones.activity.updateSession(ctx.authz, sessionLocalId(input.id, 'id'), { expiresAt: input.expiresAt, metadata: input.metadata }) })),
  }),
  deleteSession: t.field({
    type: DeleteSessionPayload,
    description: 'Revokes a session and every session derived from it, in one transaction (zone.manage).',
    args: { input: t.arg({ type: DeleteSessionInput, required: true, description: 'The session to revoke.' }) },
    resolve: (_root, { input }, ctx) => attempt(() => ctx.services.zones.activity.deleteSession(ctx.authz, sessionLocalId(input.id, 'id'))),
  }),
}));
