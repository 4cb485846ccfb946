// Policy sets and their attested versions (reference 001 zones.policy_sets.*, versions; api-map:
// Zone.policySets, createPolicySet, updatePolicySet, archivePolicySet, PolicySet.versions,
// createPolicySetVersion, activatePolicySetVersion, archivePolicySetVersion, PolicySetVersion.policies,
// PolicySetVersion.attestation). A PolicySet carries the binding fields of PolicySetWithBinding.
import { encodeGlobalID } from '@pothos/plugin-relay';
import type { Attestation, ManifestEntry, PolicySet, PolicySetDraft, PolicySetVersion, PolicyVersion } from '../../../domain/zone/model.js';
import type { Context } from '../../context.js';
import { builder } from '../../builder.js';
import { connectionOf, searchTerm } from '../../connection.js';
import { loadVisible } from '../../visibility.js';
import { ActorRef, loadActor } from '../actor.js';
import { attempt, localId, payload } from '../errors.js';
import { entityLoadedBy, permissionFields, visibleLoadMany } from '../node.js';
import { zoneList } from './common.js';
import { PolicyVersionRef } from './policy.js';
import { listConnection, PolicyFormatEnum } from './policy-schema.js';
import { OwnerTypeEnum } from './refs.js';
import { ZoneRef } from './zone.js';

export const PolicySetRef = builder.objectRef<PolicySet>('PolicySet');
export const PolicySetVersionRef = builder.objectRef<PolicySetVersion>('PolicySetVersion');

const PolicySetScopeEnum = builder.enumType('PolicySetScope', {
  description: 'Where a policy set applies.',
  values: {
    ZONE: { description: 'Every request in the zone.' },
    RESOURCE: { description: 'Requests for one resource (scopeTargetId).' },
    USER: { description: 'Requests of one zone user (scopeTargetId).' },
    SESSION: { description: 'Requests in one session (scopeTargetId).' },
  },
});
const BindingModeEnum = builder.enumType('PolicySetBindingMode', {
  description: 'How a bound policy-set version takes part in decisions.',
  values: {
    ACTIVE: { description: 'It decides.' },
    SHADOW: { description: 'It is evaluated beside the active ones and never changes the answer.' },
  },
});

const ManifestEntryRef = builder.objectRef<ManifestEntry>('PolicySetManifestEntry').implement({
  description: 'A policy version pinned by a policy-set version, by id and content hash.',
  fields: (t) => ({
    policyId: t.id({ description: 'Global id of the policy.', resolve: (e) => encodeGlobalID('Policy', e.policy_id) }),
    policyVersionId: t.id({ description: 'Global id of the policy version.', resolve: (e) => encodeGlobalID('PolicyVersion', e.policy_version_id) }),
    sha: t.exposeString('sha', { description: 'The sha of the policy version (hex SHA-256 of the RFC 8785 form of its cedarJson), filled by the server.' }),
  }),
});

const AttestationRef = builder.objectRef<Attestation>('PolicySetAttestation').implement({
  description:
    "JWS Flattened JSON Serialization (RFC 7515 section 7.2.2) of the attestation of a policy-set version, signed (RS256) with the zone's key: verify it with the zone's JWKS (protocols.oauth2.jwksUri). The payload is the base64url of the RFC 8785 form of { type: \"policy_set_attestation\", v: 1, zone_id, policy_set_id, policy_set_version, manifest, manifest_sha, attested_at, attested_by, status }; its ids are keygraph's local ids (the part after the type in a global id).",
  fields: (t) => ({
    protected: t.exposeString('protected', { description: 'Base64url of the protected header: alg (RS256) and kid.' }),
    payload: t.exposeString('payload', { description: 'Base64url of the RFC 8785 form of the attestation statement.' }),
    signature: t.exposeString('signature', { description: 'Base64url of the signature over ASCII(protected) || "." || payload.' }),
  }),
});

function scopeTargetGlobalId(set: PolicySet, ctx: Context): Promise<string | null> | string | null {
  if (!set.scopeTargetId) return null;
  if (set.scopeType === 'RESOURCE') return encodeGlobalID('Resource', set.scopeTargetId);
  if (set.scopeType === 'USER') return encodeGlobalID('ZoneUser', set.scopeTargetId);
  return ctx.loaders.zones.session.load(set.scopeTargetId).then((s) => (s ? encodeGlobalID(s.sessionType === 'USER' ? 'UserSession' : 'ApplicationSession', s.id) : null));
}

const PolicySetDraftRef = builder.objectRef<PolicySetDraft>('PolicySetDraft').implement({
  description: 'The one mutable working copy of a policy set, validated when saved; a version can be cut from it (createPolicySetVersion fromDraft).',
  fields: (t) => ({
    policySetId: t.id({ description: 'Global id of the policy set.', resolve: (d) => encodeGlobalID('PolicySet', d.policySetId) }),
    schemaVersion: t.exposeString('schemaVersion', { description: 'The policy schema version its entries validated against together.' }),
    entries: t.field({ type: [ManifestEntryRef], description: 'The pinned policy versions, in order (sha filled by the server).', resolve: (d) => d.entries }),
    updatedBy: t.field({ type: ActorRef, nullable: true, description: 'Who last saved it; null when gone or not visible to the caller.', resolve: (d, _a, ctx) => loadActor(ctx, d.updatedById) }),
    createdAt: t.expose('createdAt', { type: 'DateTime', description: 'When it was first saved.' }),
    updatedAt: t.expose('updatedAt', { type: 'DateTime', description: 'When it was last saved.' }),
  }),
});

const PolicySetVersionConnection = connectionOf(PolicySetVersionRef, 'PolicySetVersion', 'policy-set versions');
const PinnedPolicyVersionConnection = connectionOf(PolicyVersionRef, 'PinnedPolicyVersion', 'pinned policy versions');

builder.node(PolicySetRef, {
  description: 'A policy set of a zone, with its binding: at most one version is bound, ACTIVE or SHADOW.',
  id: { resolve: (s) => s.id },
  loadMany: visibleLoadMany('PolicySet'),
  fields: (t) => ({
    ...permissionFields(t, 'PolicySet'),
    name: t.exposeString('name', { description: 'Name, unique within the zone.' }),
    ownerType: t.field({ type: OwnerTypeEnum, description: 'PLATFORM policy sets cannot be changed through the API.', resolve: (s) => s.ownerType }),
    scopeType: t.field({ type: PolicySetScopeEnum, description: 'Where the set applies.', resolve: (s) => s.scopeType }),
    scopeTargetId: t.id({ nullable: true, description: 'Global id of the resource, zone user or session it applies to; null for ZONE.', resolve: (s, _a, ctx) => scopeTargetGlobalId(s, ctx) }),
    latestVersion: t.exposeInt('latestVersion', { nullable: true, description: 'The number of the newest version; null before the first.' }),
    latestVersionId: t.id({ nullable: true, description: 'Global id of the newest version.', resolve: (s) => (s.latestVersionId ? encodeGlobalID('PolicySetVersion', s.latestVersionId) : null) }),
    active: t.boolean({ description: 'Whether a version is bound.', resolve: (s) => s.activeVersionId !== null }),
    activeVersionId: t.id({ nullable: true, description: 'Global id of the bound version.', resolve: (s) => (s.activeVersionId ? encodeGlobalID('PolicySetVersion', s.activeVersionId) : null) }),
    activeVersion: t.int({ nullable: true, description: 'The number of the bound version.', resolve: async (s, _a, ctx) => (s.activeVersionId ? ((await ctx.loaders.zones.policySetVersion.load(s.activeVersionId))?.version ?? null) : null) }),
    mode: t.field({ type: BindingModeEnum, nullable: true, description: 'How the bound version takes part (ACTIVE or SHADOW); null when none is bound.', resolve: (s) => s.mode }),
    createdBy: t.field({ type: ActorRef, nullable: true, description: 'Who created the set; null when gone or not visible to the caller.', resolve: (s, _a, ctx) => loadActor(ctx, s.createdById) }),
    updatedBy: t.field({ type: ActorRef, nullable: true, description: 'Who last changed it; null when gone or not visible to the caller.', resolve: (s, _a, ctx) => loadActor(ctx, s.updatedById) }),
    archivedAt: t.expose('archivedAt', { type: 'DateTime', nullable: true, description: 'When the set was archived (which unbound it).' }),
    zone: t.field({ type: ZoneRef, description: 'The zone.', resolve: async (s, _a, ctx) => (await ctx.loaders.zones.zone.load(s.zoneId))! }),
    versions: t.connection(
      {
        type: PolicySetVersionRef,
        description: 'The versions of the set, oldest first.',
        resolve: (s, args, ctx) => zoneList(ctx, { table: 'policySetVersions', parent: 'policySetId', parentId: s.id, args, load: ctx.loaders.zones.policySetVersion }),
      },
      PolicySetVersionConnection,
    ),
    draft: t.field({ type: PolicySetDraftRef, nullable: true, description: 'The working copy of the set; null until one is saved.', resolve: (s, _a, ctx) => ctx.loaders.zones.policySetDraft.load(s.id) }),
    createdAt: t.expose('createdAt', { type: 'DateTime', description: 'When the set was created.' }),
    updatedAt: t.expose('updatedAt', { type: 'DateTime', description: 'When the set last changed.' }),
  }),
});
entityLoadedBy(PolicySetRef, 'PolicySet');

builder.node(PolicySetVersionRef, {
  description: 'An immutable, attested version of a policy set: the policy versions it pins (its manifest).',
  id: { resolve: (v) => v.id },
  loadMany: visibleLoadMany('PolicySetVersion'),
  fields: (t) => ({
    ...permissionFields(t, 'PolicySetVersion'),
    version: t.exposeInt('version', { description: 'The version number within the set.' }),
    schemaVersion: t.exposeString('schemaVersion', { description: 'The policy schema version pinned: all entries validate together against it.' }),
    entries: t.field({ type: [ManifestEntryRef], description: 'The manifest: the pinned policy versions, in order.', resolve: (v) => v.entries }),
    manifestSha: t.exposeString('manifestSha', { description: 'Hex SHA-256 of the RFC 8785 form of { entries } (local ids, as in the attestation).' }),
    attestation: t.field({ type: AttestationRef, description: "The attestation, signed with the zone's key when the version was created.", resolve: (v) => v.attestation }),
    active: t.boolean({ description: "Whether this version is bound with mode ACTIVE.", resolve: async (v, _a, ctx) => { const set = await ctx.loaders.zones.policySet.load(v.policySetId); return set?.activeVersionId === v.id && set.mode === 'ACTIVE'; } }),
    policies: t.connection(
      {
        type: PolicyVersionRef,
        description: 'The pinned policy versions, in manifest order (those the caller may see).',
        args: { format: t.arg({ type: PolicyFormatEnum, defaultValue: 'JSON', required: true, description: 'Which form to populate: cedarJson (JSON, the default) or cedarRaw (CEDAR).' }) },
        resolve: async (v, args, ctx) => {
          const loaded = await Promise.all(v.entries.map((e) => loadVisible(ctx, 'PolicyVersion', e.policy_version_id)));
          const visible = loaded.filter((p): p is PolicyVersion => p !== null).map((p) => ({ ...p, format: args.format }));
          return listConnection(visible, (p) => p.id, args) as never;
        },
      },
      PinnedPolicyVersionConnection,
    ),
    policySetId: t.id({ description: 'Global id of the policy set.', resolve: (v) => encodeGlobalID('PolicySet', v.policySetId) }),
    policySet: t.field({ type: PolicySetRef, description: 'The policy set.', resolve: async (v, _a, ctx) => (await ctx.loaders.zones.policySet.load(v.policySetId))! }),
    createdBy: t.field({ type: ActorRef, nullable: true, description: 'Who created the version; null when gone or not visible to the caller.', resolve: (v, _a, ctx) => loadActor(ctx, v.createdById) }),
    archivedAt: t.expose('archivedAt', { type: 'DateTime', nullable: true, description: 'When the version was archived.' }),
    archivedBy: t.field({ type: ActorRef, nullable: true, description: 'Who archived it.', resolve: (v, _a, ctx) => loadActor(ctx, v.archivedById) }),
    createdAt: t.expose('createdAt', { type: 'DateTime', description: 'When the version was created (and attested).' }),
  }),
});
entityLoadedBy(PolicySetVersionRef, 'PolicySetVersion');

export const PolicySetConnection = connectionOf(PolicySetRef, 'PolicySet', 'policy sets');

builder.objectField(ZoneRef, 'policySets', (t) =>
  t.connection(
    {
      type: PolicySetRef,
      description: 'The policy sets of the zone, oldest first (policy.read on the zone).',
      args: {
        search: t.arg.string({ description: 'Only sets whose name contains this text (case-insensitive).' }),
        scopeType: t.arg({ type: PolicySetScopeEnum, description: 'Only sets of this scope.' }),
        includeArchived: t.arg.boolean({ description: 'Also list archived sets (default false).' }),
      },
      resolve: (z, args, ctx) =>
        zoneList(ctx, {
          table: 'policySets',
          parent: 'zoneId',
          parentId: z.id,
          args,
          filter: { search: searchTerm(args.search), equals: { ...(args.scopeType ? { scopeType: args.scopeType } : {}), ...(args.includeArchived ? {} : { archivedAt: null }) } },
          load: ctx.loaders.zones.policySet,
        }),
    },
    PolicySetConnection,
  ),
);

const SCOPE_TARGET_TYPES = ['Resource', 'ZoneUser', 'UserSession', 'ApplicationSession'] as const;
const scopeTarget = (value: string | null | undefined) => (value === undefined || value === null ? value : localId(value, SCOPE_TARGET_TYPES, 'scopeTargetId', 'ScopeTarget'));

const CreatePolicySetInput = builder.inputType('CreatePolicySetInput', {
  description: 'A new policy set (customer-owned, unbound).',
  fields: (t) => ({
    zoneId: t.id({ required: true, description: 'Global id of the zone.' }),
    name: t.string({ required: true, description: 'Name, unique within the zone.' }),
    scopeType: t.field({ type: PolicySetScopeEnum, required: true, description: 'Where the set applies.' }),
    scopeTargetId: t.id({ description: 'Global id of the resource, zone user or session (not for ZONE).' }),
  }),
});
const UpdatePolicySetInput = builder.inputType('UpdatePolicySetInput', {
  description: 'Changes to a policy set.',
  fields: (t) => ({
    id: t.id({ required: true, description: 'Global id of the policy set.' }),
    name: t.string({ description: 'New name.' }),
    scopeTargetId: t.id({ description: 'New scope target (of the same scope type).' }),
  }),
});
const ArchivePolicySetInput = builder.inputType('ArchivePolicySetInput', {
  description: 'The policy set to archive (and unbind).',
  fields: (t) => ({ id: t.id({ required: true, description: 'Global id of the policy set.' }) }),
});
const ManifestEntryInput = builder.inputType('PolicySetManifestEntryInput', {
  description: 'A policy version to pin; the server fills its sha.',
  fields: (t) => ({ policyVersionId: t.id({ required: true, description: 'Global id of the policy version.' }) }),
});
const CreatePolicySetVersionInput = builder.inputType('CreatePolicySetVersionInput', {
  description: 'A new immutable, attested version of a policy set.',
  fields: (t) => ({
    policySetId: t.id({ required: true, description: 'Global id of the policy set.' }),
    entries: t.field({ type: [ManifestEntryInput], description: 'The policy versions to pin (1..100, one per policy); or fromDraft.' }),
    fromDraft: t.boolean({ description: "true: cut the version from the set's draft (its entries and schema version, checked again)." }),
    schemaVersion: t.string({ description: "The policy schema version all entries must validate against together; the zone's default (or the draft's) when omitted." }),
  }),
});
const SavePolicySetDraftInput = builder.inputType('SavePolicySetDraftInput', {
  description: "The policy set's working copy.",
  fields: (t) => ({
    policySetId: t.id({ required: true, description: 'Global id of the policy set.' }),
    entries: t.field({ type: [ManifestEntryInput], required: true, description: 'The policy versions to pin (1..100, one per policy).' }),
    schemaVersion: t.string({ description: "The policy schema version all entries must validate against together; the zone's default when omitted." }),
  }),
});
const SavePolicySetDraftPayload = payload<{ policySet: PolicySet; draft: PolicySetDraft }>('SavePolicySetDraftPayload', 'The result of savePolicySetDraft.', (t) => ({
  draft: t.field({ type: PolicySetDraftRef, nullable: true, description: 'The saved draft.', resolve: (p) => p.draft ?? null }),
  policySet: t.field({ type: PolicySetRef, nullable: true, description: 'The policy set.', resolve: (p) => p.policySet ?? null }),
}));
const ActivatePolicySetVersionInput = builder.inputType('ActivatePolicySetVersionInput', {
  description: 'The policy-set version to bind, and how.',
  fields: (t) => ({
    id: t.id({ required: true, description: 'Global id of the policy-set version.' }),
    mode: t.field({ type: BindingModeEnum, required: true, description: 'ACTIVE or SHADOW.' }),
  }),
});
const ArchivePolicySetVersionInput = builder.inputType('ArchivePolicySetVersionInput', {
  description: 'The policy-set version to archive.',
  fields: (t) => ({ id: t.id({ required: true, description: 'Global id of the policy-set version.' }) }),
});

const setPayload = (name: string, what: string) =>
  payload<{ policySet: PolicySet }>(name, `The result of ${what}.`, (t) => ({
    policySet: t.field({ type: PolicySetRef, nullable: true, description: 'The policy set, as it is now.', resolve: (p) => p.policySet ?? null }),
  }));
const setVersionPayload = (name: string, what: string) =>
  payload<{ policySet: PolicySet; policySetVersion: PolicySetVersion }>(name, `The result of ${what}.`, (t) => ({
    policySetVersion: t.field({ type: PolicySetVersionRef, nullable: true, description: 'The policy-set version.', resolve: (p) => p.policySetVersion ?? null }),
    policySet: t.field({ type: PolicySetRef, nullable: true, description: 'The policy set, as it is now.', resolve: (p) => p.policySet ?? null }),
  }));
const ArchivePolicySetVersionPayload = payload<{ policySetVersion: PolicySetVersion }>('ArchivePolicySetVersionPayload', 'The result of archivePolicySetVersion.', (t) => ({
  policySetVersion: t.field({ type: PolicySetVersionRef, nullable: true, description: 'The archived version.', resolve: (p) => p.policySetVersion ?? null }),
}));

builder.mutationFields((t) => ({
  createPolicySet: t.field({
    type: setPayload('CreatePolicySetPayload', 'createPolicySet'),
    description: 'Creates a policy set in a zone (policy.manage on the zone).',
    args: { input: t.arg({ type: CreatePolicySetInput, required: true, description: 'The policy set.' }) },
    resolve: (_root, { input }, ctx) =>
      attempt(async () => ({ policySet: await ctx.services.zones.policySets.createPolicySet(ctx.authz, localId(input.zoneId, 'Zone', 'zoneId'), { name: input.name, scopeType: input.scopeType, scopeTargetId: scopeTarget(input.scopeTargetId) }) })),
  }),
  updatePolicySet: t.field({
    type: setPayload('UpdatePolicySetPayload', 'updatePolicySet'),
    description: 'Renames a policy set or changes its target (policy.manage on it).',
    args: { input: t.arg({ type: UpdatePolicySetInput, required: true, description: 'The changes.' }) },
    resolve: (_root, { input }, ctx) =>
      attempt(async () => ({ policySet: await ctx.services.zones.policySets.updatePolicySet(ctx.authz, localId(input.id, 'PolicySet', 'id'), { name: input.name, scopeTargetId: scopeTarget(input.scopeTargetId) }) })),
  }),
  archivePolicySet: t.field({
    type: setPayload('ArchivePolicySetPayload', 'archivePolicySet'),
    description: 'Archives a policy set and unbinds it (policy.manage on it).',
    args: { input: t.arg({ type: ArchivePolicySetInput, required: true, description: 'The policy set.' }) },
    resolve: (_root, { input }, ctx) => attempt(async () => ({ policySet: await ctx.services.zones.policySets.archivePolicySet(ctx.authz, localId(input.id, 'PolicySet', 'id')) })),
  }),
  createPolicySetVersion: t.field({
    type: setVersionPayload('CreatePolicySetVersionPayload', 'createPolicySetVersion'),
    description:
      "Creates an immutable version of a policy set (policy.manage on it): the entries must validate together against the pinned schema (PolicyValidationError otherwise); the server fills each entry's sha, computes manifestSha and attests the version with the zone's key.",
    args: { input: t.arg({ type: CreatePolicySetVersionInput, required: true, description: 'The version.' }) },
    resolve: (_root, { input }, ctx) =>
      attempt(() =>
        ctx.services.zones.policySets.createPolicySetVersion(ctx.authz, localId(input.policySetId, 'PolicySet', 'policySetId'), {
          policyVersionIds: input.entries ? input.entries.map((e) => localId(e.policyVersionId, 'PolicyVersion', 'entries')) : null,
          schemaVersion: input.schemaVersion,
          fromDraft: input.fromDraft,
        }),
      ),
  }),
  savePolicySetDraft: t.field({
    type: SavePolicySetDraftPayload,
    description: "Saves the policy set's working copy (policy.manage on it), checked like a version (entries validate together); no version is made.",
    args: { input: t.arg({ type: SavePolicySetDraftInput, required: true, description: 'The draft.' }) },
    resolve: (_root, { input }, ctx) =>
      attempt(() =>
        ctx.services.zones.policySets.savePolicySetDraft(ctx.authz, localId(input.policySetId, 'PolicySet', 'policySetId'), {
          policyVersionIds: input.entries.map((e) => localId(e.policyVersionId, 'PolicyVersion', 'entries')),
          schemaVersion: input.schemaVersion,
        }),
      ),
  }),
  activatePolicySetVersion: t.field({
    type: setVersionPayload('ActivatePolicySetVersionPayload', 'activatePolicySetVersion'),
    description: 'Binds a version of a policy set, ACTIVE or SHADOW, in place of the bound one (policy.manage on it).',
    args: { input: t.arg({ type: ActivatePolicySetVersionInput, required: true, description: 'The version and mode.' }) },
    resolve: (_root, { input }, ctx) => attempt(() => ctx.services.zones.policySets.activatePolicySetVersion(ctx.authz, localId(input.id, 'PolicySetVersion', 'id'), input.mode)),
  }),
  archivePolicySetVersion: t.field({
    type: ArchivePolicySetVersionPayload,
    description: 'Archives a policy-set version (policy.manage on it); the bound version is refused (ConflictError).',
    args: { input: t.arg({ type: ArchivePolicySetVersionInput, required: true, description: 'The version.' }) },
    resolve: (_root, { input }, ctx) => attempt(async () => ({ policySetVersion: await ctx.services.zones.policySets.archivePolicySetVersion(ctx.authz, localId(input.id, 'PolicySetVersion', 'id')) })),
  }),
}));
