// Application credentials (reference 001 zones.application_credentials.*): one interface, five kinds.
// A password credential's password appears once, in the createApplicationCredential payload.
import type { ObjectRef } from '@pothos/core';
import { loadVisible } from '../../visibility.js';
import { entityLoadedBy, visibleLoadMany, permissionFields } from '../node.js';
import { encodeGlobalID } from '@pothos/plugin-relay';
import type { ApplicationCredential, CredentialType } from '../../../domain/zone/model.js';
import { builder, type Types } from '../../builder.js';
import { attempt, localId, payload } from '../errors.js';
import { zoneList } from './common.js';
import { connectionOf } from '../../connection.js';
import { ApplicationCredentialRef, ApplicationRef, ProviderRef } from './refs.js';
import { ZoneRef } from './zone.js';

export const CredentialTypeEnum = builder.enumType('ApplicationCredentialType', {
  description: 'The kinds of application credential.',
  values: {
    TOKEN: { description: 'Tokens issued by a provider (optionally for one subject) identify the application.' },
    PASSWORD: { description: 'A client id and a generated password (OAuth 2.0 client secret).' },
    PUBLIC_KEY: { description: 'A client id whose keys are published at a JWKS URI.' },
    URL: { description: 'The application is identified by a URL (e.g. a client id metadata document).' },
    PUBLIC: { description: 'A public client: a client id without a secret.' },
  },
});

/** The global id typenames of the five kinds. */
export const CREDENTIAL_TYPENAMES: Record<CredentialType, string> = {
  TOKEN: 'TokenCredential',
  PASSWORD: 'PasswordCredential',
  PUBLIC_KEY: 'PublicKeyCredential',
  URL: 'UrlCredential',
  PUBLIC: 'PublicCredential',
};
const TYPENAMES = Object.values(CREDENTIAL_TYPENAMES);

export const credentialLocalId = (globalId: string, field: string) => localId(globalId, TYPENAMES, field, 'ApplicationCredential');

ApplicationCredentialRef.implement({
  description: 'A credential an application authenticates with. Five kinds implement it.',
  interfaces: [builder.nodeInterfaceRef()],
  resolveType: (c) => CREDENTIAL_TYPENAMES[c.type],
  fields: (t) => ({
    id: t.id({ description: 'Opaque global id; use it with node(id:).', resolve: (c) => encodeGlobalID(CREDENTIAL_TYPENAMES[c.type], c.id) }),
    ...permissionFields(t, 'ApplicationCredential'),
    type: t.field({ type: CredentialTypeEnum, description: 'The kind of credential.', resolve: (c) => c.type }),
    slug: t.exposeString('slug', { description: 'URL-safe identifier, unique within the zone.' }),
    identifier: t.exposeString('identifier', { description: 'What identifies the application with this credential: the subject or "*" (token), the client id (password, public key, public) or the URL.' }),
    application: t.field({ type: ApplicationRef, nullable: true, description: 'The application; null when the caller may not see it.', resolve: (c, _a, ctx) => loadVisible(ctx, 'Application', c.applicationId) }),
    zone: t.field({ type: ZoneRef, description: 'The zone.', resolve: async (c, _a, ctx) => (await ctx.loaders.zones.zone.load(c.zoneId))! }),
    createdAt: t.expose('createdAt', { type: 'DateTime', description: 'When the credential was created.' }),
    updatedAt: t.expose('updatedAt', { type: 'DateTime', description: 'When the credential last changed.' }),
  }),
});

function kind(type: CredentialType, description: string, fields?: (t: PothosSchemaTypes.ObjectFieldBuilder<Types, ApplicationCredential>) => Record<string, unknown>) {
  const ref = builder.objectRef<ApplicationCredential>(CREDENTIAL_TYPENAMES[type]) as ObjectRef<Types, ApplicationCredential>;
  builder.node(ref, {
    description,
    interfaces: [ApplicationCredentialRef],
    isTypeOf: (c) => (c as ApplicationCredential).type === type,
    id: { resolve: (c) => c.id },
    loadMany: (ids, ctx) => visibleLoadMany('ApplicationCredential')(ids, ctx).map(async (p) => ((await p)?.type === type ? p : null)),
    fields: (t) => ({ ...((fields?.(t) ?? {}) as object) }) as never,
  });
  entityLoadedBy(ref, 'ApplicationCredential', [CREDENTIAL_TYPENAMES[type]]);
  return ref;
}

kind('TOKEN', 'A token credential: tokens of a provider (for one subject, or any) identify the application.', (t) => ({
  provider: t.field({ type: ProviderRef, nullable: true, description: 'The provider issuing the tokens; null when the caller may not see it.', resolve: (c, _a, ctx) => loadVisible(ctx, 'Provider', c.providerId) }),
  subject: t.exposeString('subject', { nullable: true, description: 'The subject the tokens must name; null for any subject ("*").' }),
}));
kind('PASSWORD', 'A password credential: the identifier is the OAuth 2.0 client id; the password was returned once, on creation.');
kind('PUBLIC_KEY', 'A public-key credential: the identifier is the client id, its keys are at the JWKS URI.', (t) => ({
  jwksUri: t.string({ description: 'Where the public keys are published.', resolve: (c) => c.jwksUri ?? '' }),
}));
kind('URL', 'A URL credential: the identifier is a URL.');
kind('PUBLIC', 'A public credential: a client id without a secret.');

export const ApplicationCredentialConnection = connectionOf(ApplicationCredentialRef, 'ApplicationCredential', 'application credentials');

builder.objectField(ZoneRef, 'applicationCredentials', (t) =>
  t.connection(
    {
      type: ApplicationCredentialRef,
      description: 'The application credentials of the zone, oldest first.',
      args: {
        type: t.arg({ type: CredentialTypeEnum, description: 'Only credentials of this kind.' }),
        applicationId: t.arg.id({ description: 'Only credentials of this application (global id).' }),
        search: t.arg.string({ description: 'Only credentials whose identifier or slug contains this text (case-insensitive).' }),
      },
      resolve: (z, args, ctx) => {
        const equals: Record<string, string> = {};
        if (args.type) equals.type = args.type;
        if (args.applicationId) {
          try {
            equals.applicationId = localId(args.applicationId, 'Application', 'applicationId');
          } catch {
            equals.applicationId = '';
          }
        }
        return zoneList(ctx, {
          table: 'credentials',
          parent: 'zoneId',
          parentId: z.id,
          args,
          filter: { equals, search: args.search?.trim().toLowerCase() || null },
          load: ctx.loaders.zones.credential,
        });
      },
    },
    ApplicationCredentialConnection,
  ),
);

builder.objectField(ApplicationRef, 'credentials', (t) =>
  t.connection(
    {
      type: ApplicationCredentialRef,
      description: 'The credentials of the application, oldest first.',
      args: { type: t.arg({ type: CredentialTypeEnum, description: 'Only credentials of this kind.' }) },
      resolve: (a, args, ctx) =>
        zoneList(ctx, { table: 'credentials', parent: 'applicationId', parentId: a.id, args, filter: { equals: args.type ? { type: args.type } : {} }, load: ctx.loaders.zones.credential }),
    },
    ApplicationCredentialConnection,
  ),
);

const TokenCredentialInput = builder.inputType('TokenCredentialInput', {
  description: 'A token credential.',
  fields: (t) => ({
    providerId: t.id({ required: true, description: 'Global id of the provider of the zone issuing the tokens.' }),
    subject: t.string({ description: 'The subject the tokens must name; omit for any subject.' }),
  }),
});
const PasswordCredentialInput = builder.inputType('PasswordCredentialInput', {
  description: 'A password credential; the password is generated and returned once.',
  fields: (t) => ({ identifier: t.string({ description: 'The client id, unique within the zone; generated when omitted.' }) }),
});
const PublicKeyCredentialInput = builder.inputType('PublicKeyCredentialInput', {
  description: 'A public-key credential.',
  fields: (t) => ({
    identifier: t.string({ description: 'The client id, unique within the zone; generated when omitted.' }),
    jwksUri: t.string({ required: true, description: 'Where the public keys are published (http or https URL).' }),
  }),
});
const UrlCredentialInput = builder.inputType('UrlCredentialInput', {
  description: 'A URL credential.',
  fields: (t) => ({ identifier: t.string({ required: true, description: 'The URL (http or https).' }) }),
});
const PublicCredentialInput = builder.inputType('PublicCredentialInput', {
  description: 'A public credential.',
  fields: (t) => ({ identifier: t.string({ description: 'The client id, unique within the zone; generated when omitted.' }) }),
});

const CreateApplicationCredentialInput = builder.inputType('CreateApplicationCredentialInput', {
  description: 'A new credential for an application: set exactly one of token, password, publicKey, url and public.',
  fields: (t) => ({
    applicationId: t.id({ required: true, description: 'Global id of the application.' }),
    slug: t.string({ description: 'URL-safe identifier, unique within the zone; derived when omitted.' }),
    token: t.field({ type: TokenCredentialInput, description: 'A token credential.' }),
    password: t.field({ type: PasswordCredentialInput, description: 'A password credential.' }),
    publicKey: t.field({ type: PublicKeyCredentialInput, description: 'A public-key credential.' }),
    url: t.field({ type: UrlCredentialInput, description: 'A URL credential.' }),
    public: t.field({ type: PublicCredentialInput, description: 'A public credential.' }),
  }),
});

const UpdateApplicationCredentialInput = builder.inputType('UpdateApplicationCredentialInput', {
  description: 'Changes to a credential; what can change depends on its kind.',
  fields: (t) => ({
    id: t.id({ required: true, description: 'Global id of the credential.' }),
    slug: t.string({ description: 'New slug.' }),
    subject: t.string({ description: 'Token credentials: the new subject; null for any subject.' }),
    jwksUri: t.string({ description: 'Public-key credentials: the new JWKS URI.' }),
    identifier: t.string({ description: 'URL credentials: the new URL.' }),
  }),
});

const DeleteApplicationCredentialInput = builder.inputType('DeleteApplicationCredentialInput', {
  description: 'The credential to delete.',
  fields: (t) => ({ id: t.id({ required: true, description: 'Global id of the credential.' }) }),
});

const CreateApplicationCredentialPayload = payload<{ applicationCredential: ApplicationCredential; password: string | null }>(
  'CreateApplicationCredentialPayload',
  'The result of createApplicationCredential.',
  (t) => ({
    applicationCredential: t.field({ type: ApplicationCredentialRef, nullable: true, description: 'The new credential.', resolve: (p) => p.applicationCredential ?? null }),
    password: t.string({ nullable: true, description: 'Password credentials only: the generated password (the OAuth 2.0 client secret). Shown this once; store it securely.', resolve: (p) => p.password ?? null }),
  }),
);
const UpdateApplicationCredentialPayload = payload<{ applicationCredential: ApplicationCredential }>('UpdateApplicationCredentialPayload', 'The result of updateApplicationCredential.', (t) => ({
  applicationCredential: t.field({ type: ApplicationCredentialRef, nullable: true, description: 'The credential, as it is now.', resolve: (p) => p.applicationCredential ?? null }),
}));
const DeleteApplicationCredentialPayload = payload<{ deletedApplicationCredentialId: string }>('DeleteApplicationCredentialPayload', 'The result of deleteApplicationCredential.', (t) => ({
  deletedApplicationCredentialId: t.id({ nullable: true, description: 'Global id of the deleted credential.', resolve: (p) => p.deletedApplicationCredentialId ?? null }),
}));

builder.mutationFields((t) => ({
  createApplicationCredential: t.field({
    type: CreateApplicationCredentialPayload,
    description: 'Creates a credential for an application (credential.manage on it).',
    args: { input: t.arg({ type: CreateApplicationCredentialInput, required: true, description: 'The credential to create.' }) },
    resolve: (_root, { input }, ctx) =>
      attempt(async () => {
        const applicationId = localId(input.applicationId, 'Application', 'applicationId');
        const base = { applicationId, slug: input.slug };
        const given = {
          ...base,
          token: input.token ? { providerId: localId(input.token.providerId, 'Provider', 'token.providerId'), subject: input.token.subject } : input.token,
          password: input.password,
          publicKey: input.publicKey,
          url: input.url,
          public: input.public,
        };
        const { credential, password } = await ctx.services.zones.applications.createApplicationCredential(ctx.authz, given as never);
        return { applicationCredential: credential, password };
      }),
  }),
  updateApplicationCredential: t.field({
    type: UpdateApplicationCredentialPayload,
    description: 'Changes a credential (credential.manage on it).',
    args: { input: t.arg({ type: UpdateApplicationCredentialInput, required: true, description: 'The changes.' }) },
    resolve: (_root, { input }, ctx) =>
      attempt(async () => ({
        applicationCredential: await ctx.services.zones.applications.updateApplicationCredential(ctx.authz, credentialLocalId(input.id, 'id'), {
          slug: input.slug,
          subject: input.subject,
          jwksUri: input.jwksUri,
          identifier: input.identifier,
        }),
      })),
  }),
  deleteApplicationCredential: t.field({
    type: DeleteApplicationCredentialPayload,
    description: 'Deletes a credential (credential.manage on it).',
    args: { input: t.arg({ type: DeleteApplicationCredentialInput, required: true, description: 'The credential to delete.' }) },
    resolve: (_root, { input }, ctx) =>
      attempt(async () => {
        await ctx.services.zones.applications.deleteApplicationCredential(ctx.authz, credentialLocalId(input.id, 'id'));
        return { deletedApplicationCredentialId: input.id };
      }),
  }),
}));
