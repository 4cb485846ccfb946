// Zone secrets (reference 001 zones.secrets.*). The value is a separate field needing
// secret.value.read; everything else needs secret.read.
import { decodeGlobalID } from '@pothos/plugin-relay';
import { loadVisible } from '../../visibility.js';
import { visibleLoadMany, entityLoadedBy, permissionFields } from '../node.js';
import type { Secret, SecretValue } from '../../../domain/zone/model.js';
import { builder } from '../../builder.js';
import { connectionOf, searchTerm } from '../../connection.js';
import type { Context } from '../../context.js';
import { attempt, localId, payload } from '../errors.js';
import { zoneList } from './common.js';
import { ApplicationRef, ProviderRef, ResourceRef, SecretRef } from './refs.js';
import { ZoneRef } from './zone.js';

export const SecretTypeEnum = builder.enumType('SecretType', {
  description: 'The kinds of secret.',
  values: { TOKEN: { description: 'A token.' }, PASSWORD: { description: 'A username and password.' } },
});

const TokenSecretValueRef = builder.objectRef<Extract<SecretValue, { type: 'TOKEN' }>>('TokenSecretValue').implement({
  description: 'The value of a token secret.',
  isTypeOf: (v) => (v as SecretValue).type === 'TOKEN',
  fields: (t) => ({ token: t.exposeString('token', { description: 'The token.' }) }),
});
const PasswordSecretValueRef = builder.objectRef<Extract<SecretValue, { type: 'PASSWORD' }>>('PasswordSecretValue').implement({
  description: 'The value of a password secret.',
  isTypeOf: (v) => (v as SecretValue).type === 'PASSWORD',
  fields: (t) => ({
    username: t.exposeString('username', { description: 'The username.' }),
    password: t.exposeString('password', { description: 'The password.' }),
  }),
});
const SecretValueUnion = builder.unionType('SecretValue', {
  description: 'The decrypted value of a secret.',
  types: [TokenSecretValueRef, PasswordSecretValueRef],
  resolveType: (v) => (v.type === 'TOKEN' ? 'TokenSecretValue' : 'PasswordSecretValue'),
});

const SecretEntityUnion = builder.unionType('SecretEntity', {
  description: 'What a secret belongs to: an application, resource or provider of its zone.',
  types: [ApplicationRef, ResourceRef, ProviderRef],
  resolveType: (o) => (o as { kind?: string }).kind ?? 'Application',
});

async function entityOf(secret: Secret, ctx: Context) {
  if (!secret.entityId) return null;
  const [application, resource, provider] = await Promise.all([
    loadVisible(ctx, 'Application', secret.entityId),
    loadVisible(ctx, 'Resource', secret.entityId),
    loadVisible(ctx, 'Provider', secret.entityId),
  ]);
  if (application) return { ...application, kind: 'Application' };
  if (resource) return { ...resource, kind: 'Resource' };
  if (provider) return { ...provider, kind: 'Provider' };
  return null;
}

builder.node(SecretRef, {
  description: 'A secret of a zone (a token, or a username and password), encrypted at rest.',
  id: { resolve: (s) => s.id },
  loadMany: visibleLoadMany('Secret'),
  fields: (t) => ({
    ...permissionFields(t, 'Secret'),
    name: t.exposeString('name', { description: 'Name, unique within the zone.' }),
    type: t.field({ type: SecretTypeEnum, description: 'The kind of secret.', resolve: (s) => s.type }),
    description: t.exposeString('description', { nullable: true, description: 'Free text, up to 128 characters.' }),
    metadata: t.field({ type: 'JSONObject', nullable: true, description: 'Free-form metadata (not encrypted).', resolve: (s) => s.metadata }),
    version: t.exposeInt('version', { description: 'Starts at 1; every change of the value increments it.' }),
    entity: t.field({ type: SecretEntityUnion, nullable: true, description: 'What the secret belongs to, when it belongs to something the caller can see.', resolve: (s, _a, ctx) => entityOf(s, ctx) as never }),
    value: t.field({
      type: SecretValueUnion,
      nullable: true,
      description: 'The decrypted value. Needs secret.value.read on the secret (its zone or the account).',
      resolve: (s, _a, ctx) => ctx.services.zones.secrets.value(ctx.authz, s),
    }),
    zone: t.field({ type: ZoneRef, description: 'The zone.', resolve: async (s, _a, ctx) => (await ctx.loaders.zones.zone.load(s.zoneId))! }),
    createdAt: t.expose('createdAt', { type: 'DateTime', description: 'When the secret was created.' }),
    updatedAt: t.expose('updatedAt', { type: 'DateTime', description: 'When the secret last changed.' }),
  }),
});
entityLoadedBy(SecretRef, 'Secret');

export const SecretConnection = connectionOf(SecretRef, 'Secret', 'secrets');

builder.objectField(ZoneRef, 'secrets', (t) =>
  t.connection(
    {
      type: SecretRef,
      description: 'The secrets of the zone, oldest first.',
      args: {
        search: t.arg.string({ description: 'Only secrets whose name contains this text (case-insensitive).' }),
        type: t.arg({ type: SecretTypeEnum, description: 'Only secrets of this kind.' }),
      },
      resolve: (z, args, ctx) =>
        zoneList(ctx, { table: 'secrets', parent: 'zoneId', parentId: z.id, args, filter: { search: searchTerm(args.search), equals: args.type ? { type: args.type } : {} }, load: ctx.loaders.zones.secret }),
    },
    SecretConnection,
  ),
);

const TokenSecretInput = builder.inputType('TokenSecretInput', {
  description: 'A token secret value.',
  fields: (t) => ({ token: t.string({ required: true, description: 'The token.' }) }),
});
const PasswordSecretInput = builder.inputType('PasswordSecretInput', {
  description: 'A password secret value.',
  fields: (t) => ({
    username: t.string({ required: true, description: 'The username.' }),
    password: t.string({ required: true, description: 'The password.' }),
  }),
});
const SecretValueInput = builder.inputType('SecretValueInput', {
  description: 'A secret value: set exactly one of token and password.',
  fields: (t) => ({
    token: t.field({ type: TokenSecretInput, description: 'A token.' }),
    password: t.field({ type: PasswordSecretInput, description: 'A username and password.' }),
  }),
});

const CreateSecretInput = builder.inputType('CreateSecretInput', {
  description: 'A new secret.',
  fields: (t) => ({
    zoneId: t.id({ required: true, description: 'Global id of the zone.' }),
    name: t.string({ required: true, description: 'Name, unique within the zone.' }),
    description: t.string({ description: 'Free text, up to 128 characters.' }),
    metadata: t.field({ type: 'JSONObject', description: 'Free-form metadata (not encrypted).' }),
    entityId: t.id({ description: 'Global id of an application, resource or provider of the zone the secret belongs to.' }),
    value: t.field({ type: SecretValueInput, required: true, description: 'The value (encrypted at rest).' }),
  }),
});
const UpdateSecretInput = builder.inputType('UpdateSecretInput', {
  description: 'Changes to a secret; a new value increments its version.',
  fields: (t) => ({
    id: t.id({ required: true, description: 'Global id of the secret.' }),
    name: t.string({ description: 'New name.' }),
    description: t.string({ description: 'New description; null clears it.' }),
    metadata: t.field({ type: 'JSONObject', description: 'New metadata; null clears it.' }),
    entityId: t.id({ description: 'New owning entity; null clears it.' }),
    value: t.field({ type: SecretValueInput, description: 'New value.' }),
  }),
});
const DeleteSecretInput = builder.inputType('DeleteSecretInput', {
  description: 'The secret to delete.',
  fields: (t) => ({ id: t.id({ required: true, description: 'Global id of the secret.' }) }),
});

const secretPayload = (name: string, what: string) =>
  payload<{ secret: Secret }>(name, `The result of ${what}.`, (t) => ({
    secret: t.field({ type: SecretRef, nullable: true, description: 'The secret, as it is now.', resolve: (p) => p.secret ?? null }),
  }));
const DeleteSecretPayload = payload<{ deletedSecretId: string }>('DeleteSecretPayload', 'The result of deleteSecret.', (t) => ({
  deletedSecretId: t.id({ nullable: true, description: 'Global id of the deleted secret.', resolve: (p) => p.deletedSecretId ?? null }),
}));

function entityRef(value: string | null | undefined) {
  if (value === undefined || value === null) return value;
  const kinds = ['Application', 'Resource', 'Provider'] as const;
  const id = localId(value, kinds, 'entityId', 'Entity');
  const typename = decodeGlobalID(value).typename as (typeof kinds)[number];
  return { kind: typename, id };
}

builder.mutationFields((t) => ({
  createSecret: t.field({
    type: secretPayload('CreateSecretPayload', 'createSecret'),
    description: 'Creates a secret in a zone (secret.manage on the zone); its value is encrypted at rest.',
    args: { input: t.arg({ type: CreateSecretInput, required: true, description: 'The secret to create.' }) },
    resolve: (_root, { input }, ctx) =>
      attempt(async () => ({
        secret: await ctx.services.zones.secrets.createSecret(ctx.authz, localId(input.zoneId, 'Zone', 'zoneId'), { ...input, entityId: entityRef(input.entityId) }),
      })),
  }),
  updateSecret: t.field({
    type: secretPayload('UpdateSecretPayload', 'updateSecret'),
    description: 'Changes a secret (secret.manage on it); a new value increments its version.',
    args: { input: t.arg({ type: UpdateSecretInput, required: true, description: 'The changes.' }) },
    resolve: (_root, { input }, ctx) =>
      attempt(async () => ({
        secret: await ctx.services.zones.secrets.updateSecret(ctx.authz, localId(input.id, 'Secret', 'id'), {
          name: input.name ?? undefined,
          description: input.description,
          metadata: input.metadata,
          entityId: entityRef(input.entityId),
          value: input.value ?? undefined,
        }),
      })),
  }),
  deleteSecret: t.field({
    type: DeleteSecretPayload,
    description: 'Deletes a secret (secret.manage on it).',
    args: { input: t.arg({ type: DeleteSecretInput, required: true, description: 'The secret to delete.' }) },
    resolve: (_root, { input }, ctx) =>
      attempt(async () => {
        await ctx.services.zones.secrets.deleteSecret(ctx.authz, localId(input.id, 'Secret', 'id'));
        return { deletedSecretId: input.id };
      }),
  }),
}));
