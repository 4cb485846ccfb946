// Who is calling (whoami), and logging in and out.
import type { Principal } from '../../domain/authz/authorizer.js';
import { builder } from '../builder.js';
import { attempt, payload } from './errors.js';
import { ServiceAccountRef } from './service-account.js';
import { UserRef } from './user.js';
import { ApiKeyRef } from './api-key.js';

const PrincipalTypeEnum = builder.enumType('PrincipalType', {
  description: 'What kind of principal a caller is.',
  values: {
    ANONYMOUS: { description: 'No credentials were presented.' },
    USER: { description: 'A person, through a session token or a trusted external issuer.' },
    SERVICE_ACCOUNT: { description: 'A machine identity, through its token, a client credential or a session.' },
    API_KEY: { description: 'An API key.' },
  } as const,
});

const PRINCIPAL_TYPES = { anonymous: 'ANONYMOUS', user: 'USER', service_account: 'SERVICE_ACCOUNT', api_key: 'API_KEY' } as const;

const ViewerRef = builder.objectRef<Principal>('Viewer').implement({
  description: 'The caller, as keygraph sees it (whoami). Works without authentication.',
  fields: (t) => ({
    authenticated: t.boolean({ description: 'Whether the caller presented valid credentials.', resolve: (p) => p.kind !== 'anonymous' }),
    principalType: t.field({ type: PrincipalTypeEnum, description: 'What kind of principal the caller is.', resolve: (p) => PRINCIPAL_TYPES[p.kind] }),
    user: t.field({ type: UserRef, nullable: true, description: 'The user, when the caller is one.', resolve: (p, _args, ctx) => (p.kind === 'user' ? ctx.loaders.user.load(p.userId) : null) }),
    serviceAccount: t.field({
      type: ServiceAccountRef,
      nullable: true,
      description: 'The service account, when the caller is one.',
      resolve: (p, _args, ctx) => (p.kind === 'service_account' ? ctx.loaders.serviceAccount.load(p.serviceAccountId) : null),
    }),
    apiKey: t.field({ type: ApiKeyRef, nullable: true, description: 'The API key, when the caller is one.', resolve: (p, _args, ctx) => (p.kind === 'api_key' ? ctx.loaders.apiKey.load(p.apiKeyId) : null) }),
    expiresAt: t.field({ type: 'DateTime', nullable: true, description: "When the caller's credentials expire; null for never.", resolve: (p) => (p.kind === 'anonymous' ? null : p.expiresAt) }),
  }),
});

builder.queryField('viewer', (t) =>
  t.field({ type: ViewerRef, description: 'The caller (whoami).', resolve: (_root, _args, ctx) => ctx.authz.principal }),
);

const LoginInput = builder.inputType('LoginInput', {
  description: "Credentials: a person's (exactly one of identifier, email or username, and a password), or a service account's token.",
  fields: (t) => ({
    identifier: t.string({ description: 'An email address or a username.' }),
    email: t.string({ description: 'An email address.' }),
    username: t.string({ description: 'A username.' }),
    password: t.string({ description: "The person's password." }),
    serviceAccountToken: t.string({ description: 'A service account token (kgs_...), instead of a person\'s credentials: starts a session for the service account.' }),
  }),
});

const LoginPayload = payload<{ token: string; expiresAt: Date; principal: Principal }>('LoginPayload', 'The result of login.', (t) => ({
  token: t.string({ nullable: true, description: 'The session token: send it as `Authorization: Bearer <token>`. Shown only here.', resolve: (p) => p.token ?? null }),
  expiresAt: t.field({ type: 'DateTime', nullable: true, description: 'When the session ends.', resolve: (p) => p.expiresAt ?? null }),
  viewer: t.field({ type: ViewerRef, nullable: true, description: 'The caller as the new session sees it.', resolve: (p) => p.principal ?? null }),
}));

const LogoutPayload = payload<{ loggedOut: boolean }>('LogoutPayload', 'The result of logout.', (t) => ({
  loggedOut: t.boolean({ nullable: true, description: "Whether a session was revoked (false without one).", resolve: (p) => p.loggedOut ?? null }),
}));

builder.mutationFields((t) => ({
  login: t.field({
    type: LoginPayload,
    description: 'Starts a session. Wrong credentials are a top-level UNAUTHENTICATED error that does not say which part was wrong.',
    args: { input: t.arg({ type: LoginInput, required: true, description: 'The credentials.' }) },
    resolve: (_root, { input }, ctx) =>
      attempt(async () => {
        const result = await ctx.services.auth.login(input);
        const principal: Principal = result.principal;
        // The rest of this response is read as the new session.
        ctx.authz = ctx.authz.as(principal);
        return { token: result.token, expiresAt: result.expiresAt, principal };
      }),
  }),
  logout: t.field({
    type: LogoutPayload,
    description: "Revokes the caller's session: its token stops working at once.",
    resolve: (_root, _args, ctx) => attempt(async () => ({ loggedOut: await ctx.services.auth.logout(ctx.authz) })),
  }),
}));
