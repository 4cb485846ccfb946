// Zone signing keys (issue 14; api-map: Zone.signingKeys, rotateZoneSigningKey): the public half of
// each key, and the mutations that rotate and retire them. The JWKS itself is served over HTTP at the
// zone's protocols.oauth2.jwksUri (src/server/app.ts).
import type { Zone, ZoneSigningKey } from '../../../domain/zone/model.js';
import { builder } from '../../builder.js';
import { connectionOf } from '../../connection.js';
import { entityLoadedBy, permissionFields, visibleLoadMany } from '../node.js';
import { attempt, localId, payload } from '../errors.js';
import { zoneList } from './common.js';
import { ZoneRef } from './zone.js';

export const ZoneSigningKeyRef = builder.objectRef<ZoneSigningKey>('ZoneSigningKey');

builder.node(ZoneSigningKeyRef, {
  description: "A signing key of a zone (RS256), used for its policy-set attestations. Only the public key is readable; the private key is encrypted at rest and never leaves the server.",
  id: { resolve: (k) => k.id },
  loadMany: visibleLoadMany('ZoneSigningKey'),
  fields: (t) => ({
    ...permissionFields(t, 'ZoneSigningKey'),
    kid: t.exposeString('kid', { description: 'The key id (the RFC 7638 SHA-256 thumbprint of the public key), as in the JWS header and the JWKS.' }),
    alg: t.exposeString('alg', { description: 'The signing algorithm: RS256.' }),
    publicJwk: t.field({ type: 'JSONObject', description: 'The public key as a JWK (RFC 7517).', resolve: (k) => ({ ...k.publicJwk, kid: k.kid, alg: k.alg, use: 'sig' }) }),
    current: t.exposeBoolean('current', { description: 'Whether new signatures are made with this key (one per zone).' }),
    retiredAt: t.expose('retiredAt', { type: 'DateTime', nullable: true, description: "When the key was withdrawn from the zone's JWKS; null while it is published." }),
    zone: t.field({ type: ZoneRef, description: 'The zone.', resolve: async (k, _a, ctx) => (await ctx.loaders.zones.zone.load(k.zoneId))! }),
    createdAt: t.expose('createdAt', { type: 'DateTime', description: 'When the key was created.' }),
    updatedAt: t.expose('updatedAt', { type: 'DateTime', description: 'When the key last changed.' }),
  }),
});
entityLoadedBy(ZoneSigningKeyRef, 'ZoneSigningKey');

export const ZoneSigningKeyConnection = connectionOf(ZoneSigningKeyRef, 'ZoneSigningKey', 'zone signing keys');

builder.objectField(ZoneRef, 'signingKeys', (t) =>
  t.connection(
    {
      type: ZoneSigningKeyRef,
      description: "The signing keys of the zone, oldest first. A zone gets its first key on first need (its JWKS, a signature or a rotation).",
      args: { includeRetired: t.arg.boolean({ description: 'Also list retired keys (default false).' }) },
      resolve: (z, args, ctx) =>
        zoneList(ctx, {
          table: 'signingKeys',
          parent: 'zoneId',
          parentId: z.id,
          args,
          filter: { equals: args.includeRetired ? {} : { retiredAt: null } },
          load: ctx.loaders.zones.signingKey,
        }),
    },
    ZoneSigningKeyConnection,
  ),
);

const RotateZoneSigningKeyInput = builder.inputType('RotateZoneSigningKeyInput', {
  description: 'The zone whose signing key to rotate.',
  fields: (t) => ({ zoneId: t.id({ required: true, description: 'Global id of the zone.' }) }),
});
const RetireZoneSigningKeyInput = builder.inputType('RetireZoneSigningKeyInput', {
  description: "The signing key to withdraw from its zone's JWKS.",
  fields: (t) => ({ id: t.id({ required: true, description: 'Global id of the zone signing key.' }) }),
});

const RotateZoneSigningKeyPayload = payload<{ zone: Zone; signingKey: ZoneSigningKey; resignedPolicySetVersions: number }>('RotateZoneSigningKeyPayload', 'The result of rotateZoneSigningKey.', (t) => ({
  resignedPolicySetVersions: t.int({ nullable: true, description: 'How many policy-set versions (those not archived) were re-attested with the new key (status "re_signed").', resolve: (p) => p.resignedPolicySetVersions ?? null }),
  signingKey: t.field({ type: ZoneSigningKeyRef, nullable: true, description: 'The new current key.', resolve: (p) => p.signingKey ?? null }),
  zone: t.field({ type: ZoneRef, nullable: true, description: 'The zone.', resolve: (p) => p.zone ?? null }),
}));
const RetireZoneSigningKeyPayload = payload<{ signingKey: ZoneSigningKey }>('RetireZoneSigningKeyPayload', 'The result of retireZoneSigningKey.', (t) => ({
  signingKey: t.field({ type: ZoneSigningKeyRef, nullable: true, description: 'The retired key.', resolve: (p) => p.signingKey ?? null }),
}));

builder.mutationFields((t) => ({
  rotateZoneSigningKey: t.field({
    type: RotateZoneSigningKeyPayload,
    description: "Makes a new current signing key for a zone (zone.manage on it) and re-attests every policy-set version of the zone that is not archived with it (status re_signed). Older keys stay in the zone's JWKS until retired.",
    args: { input: t.arg({ type: RotateZoneSigningKeyInput, required: true, description: 'The zone.' }) },
    resolve: (_root, { input }, ctx) => attempt(() => ctx.services.zones.keys.rotateZoneSigningKey(ctx.authz, localId(input.zoneId, 'Zone', 'zoneId'))),
  }),
  retireZoneSigningKey: t.field({
    type: RetireZoneSigningKeyPayload,
    description: "Withdraws a signing key from its zone's JWKS (zone.manage on the zone); signatures made with it no longer verify. The current key cannot be retired (ConflictError): rotate first.",
    args: { input: t.arg({ type: RetireZoneSigningKeyInput, required: true, description: 'The key.' }) },
    resolve: (_root, { input }, ctx) => attempt(async () => ({ signingKey: await ctx.services.zones.keys.retireZoneSigningKey(ctx.authz, localId(input.id, 'ZoneSigningKey', 'id')) })),
  }),
}));
