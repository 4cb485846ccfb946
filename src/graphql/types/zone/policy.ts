// Policies and their immutable versions (reference 001 zones.policies.*, zones.policies.versions.*;
// api-map: Zone.policies, createPolicy, updatePolicy, archivePolicy, Policy.versions,
// createPolicyVersion, archivePolicyVersion). A version read through Policy.versions(format:) has the
// form asked for populated (cedarJson for JSON, the default; cedarRaw for CEDAR).
import { encodeGlobalID } from '@pothos/plugin-relay';
import type { CedarDiagnostic } from '../../../domain/zone/policy-engine.js';
import { PolicyValidationError } from '../../../domain/zone/policies.js';
import type { Policy, PolicyDraft, PolicyVersion } from '../../../domain/zone/model.js';
import { builder } from '../../builder.js';
import { connectionOf, searchTerm } from '../../connection.js';
import { ActorRef, loadActor } from '../actor.js';
import { attempt, localId, mutationErrorType, payload } from '../errors.js';
import { entityLoadedBy, permissionFields, visibleLoadMany } from '../node.js';
import { zoneList } from './common.js';
import { PolicyFormatEnum, type PolicyFormat } from './policy-schema.js';
import { OwnerTypeEnum } from './refs.js';
import { ZoneRef } from './zone.js';

/** A version as one field asked for it; without a format (node(id:), payloads) the JSON form. */
type VersionView = PolicyVersion & { format?: PolicyFormat };

export const PolicyRef = builder.objectRef<Policy>('Policy');
export const PolicyVersionRef = builder.objectRef<VersionView>('PolicyVersion');

/** Line and column (1-based) of a character offset. */
function position(source: string | null, offset: number | null): { line: number; column: number } | null {
  if (source === null || offset === null) return null;
  const before = source.slice(0, offset).split('\n');
  return { line: before.length, column: before.at(-1)!.length + 1 };
}

interface DiagnosticView extends CedarDiagnostic {
  source: string | null;
}

const PolicySourceLocationRef = builder.objectRef<{ start: number; end: number; source: string | null }>('PolicySourceLocation').implement({
  description: 'Where in the Cedar text of a policy a problem is.',
  fields: (t) => ({
    start: t.exposeInt('start', { description: 'Offset of the first character (0-based).' }),
    end: t.exposeInt('end', { description: 'Offset just past the last character.' }),
    line: t.int({ nullable: true, description: 'Line of the first character (1-based).', resolve: (l) => position(l.source, l.start)?.line ?? null }),
    column: t.int({ nullable: true, description: 'Column of the first character (1-based).', resolve: (l) => position(l.source, l.start)?.column ?? null }),
    snippet: t.string({ nullable: true, description: 'The text at the location.', resolve: (l) => l.source?.slice(l.start, l.end) ?? null }),
  }),
});

const PolicyDiagnosticRef = builder.objectRef<DiagnosticView>('PolicyDiagnostic').implement({
  description: 'One problem Cedar found in a policy.',
  fields: (t) => ({
    message: t.exposeString('message', { description: "Cedar's message." }),
    help: t.exposeString('help', { nullable: true, description: "Cedar's help, when it has some (e.g. a suggested attribute)." }),
    location: t.field({
      type: PolicySourceLocationRef,
      nullable: true,
      description: 'Where in the policy text it is, when Cedar says.',
      resolve: (d) => (d.start === null || d.end === null ? null : { start: d.start, end: d.end, source: d.source }),
    }),
  }),
});

mutationErrorType(
  PolicyValidationError,
  'PolicyValidationError',
  'The policy does not parse, or does not validate (strict mode) against its policy schema version. Nothing was stored.',
  (e) => ({ diagnostics: e.diagnostics, source: e.source }),
  (t) => ({
    diagnostics: t.field({ type: [PolicyDiagnosticRef], description: "Cedar's diagnostics: message, help and source location.", resolve: (e) => e.detail.diagnostics.map((d) => ({ ...d, source: e.detail.source })) }),
    source: t.string({ nullable: true, description: 'The Cedar text the locations point into: the text given, or the Cedar text of the JSON given.', resolve: (e) => e.detail.source }),
  }),
);

const PolicyVersionConnection = connectionOf(PolicyVersionRef, 'PolicyVersion', 'policy versions');

type DraftView = PolicyDraft & { format?: PolicyFormat };
const PolicyDraftRef = builder.objectRef<DraftView>('PolicyDraft').implement({
  description: 'The one mutable working copy of a policy, validated when saved; a version can be cut from it (createPolicyVersion fromDraft).',
  fields: (t) => ({
    policyId: t.id({ description: 'Global id of the policy.', resolve: (d) => encodeGlobalID('Policy', d.policyId) }),
    schemaVersion: t.exposeString('schemaVersion', { description: 'The policy schema version it validated against.' }),
    cedarJson: t.field({ type: 'JSONObject', nullable: true, description: "The draft in Cedar's JSON format; populated when format is JSON (the default).", resolve: (d) => (d.format === 'CEDAR' ? null : d.cedarJson) }),
    cedarRaw: t.string({ nullable: true, description: 'The draft in Cedar syntax; populated when format is CEDAR.', resolve: (d) => (d.format === 'CEDAR' ? d.cedarRaw : null) }),
    updatedBy: t.field({ type: ActorRef, nullable: true, description: 'Who last saved it; null when gone or not visible to the caller.', resolve: (d, _a, ctx) => loadActor(ctx, d.updatedById) }),
    createdAt: t.expose('createdAt', { type: 'DateTime', description: 'When it was first saved.' }),
    updatedAt: t.expose('updatedAt', { type: 'DateTime', description: 'When it was last saved.' }),
  }),
});

builder.node(PolicyRef, {
  description: 'A Cedar policy of a zone. Its text lives in immutable versions.',
  id: { resolve: (p) => p.id },
  loadMany: visibleLoadMany('Policy'),
  fields: (t) => ({
    ...permissionFields(t, 'Policy'),
    name: t.exposeString('name', { description: 'Name, unique within the zone.' }),
    description: t.exposeString('description', { nullable: true, description: 'Free text, up to 2048 characters.' }),
    ownerType: t.field({ type: OwnerTypeEnum, description: 'PLATFORM policies cannot be changed through the API.', resolve: (p) => p.ownerType }),
    latestVersion: t.exposeInt('latestVersion', { nullable: true, description: 'The number of the newest version (1, 2, ...); null before the first.' }),
    latestVersionId: t.id({ nullable: true, description: 'Global id of the newest version.', resolve: (p) => (p.latestVersionId ? encodeGlobalID('PolicyVersion', p.latestVersionId) : null) }),
    createdBy: t.field({ type: ActorRef, nullable: true, description: 'Who created the policy; null when gone or not visible to the caller.', resolve: (p, _a, ctx) => loadActor(ctx, p.createdById) }),
    updatedBy: t.field({ type: ActorRef, nullable: true, description: 'Who last changed it (or added a version); null when gone or not visible to the caller.', resolve: (p, _a, ctx) => loadActor(ctx, p.updatedById) }),
    archivedAt: t.expose('archivedAt', { type: 'DateTime', nullable: true, description: 'When the policy was archived; it then takes no new versions.' }),
    zone: t.field({ type: ZoneRef, description: 'The zone.', resolve: async (p, _a, ctx) => (await ctx.loaders.zones.zone.load(p.zoneId))! }),
    versions: t.connection(
      {
        type: PolicyVersionRef,
        description: 'The versions of the policy, oldest first.',
        args: {
          format: t.arg({ type: PolicyFormatEnum, defaultValue: 'JSON', required: true, description: 'Which form to populate: cedarJson (JSON, the default) or cedarRaw (CEDAR).' }),
          includeArchived: t.arg.boolean({ description: 'Also list archived versions (default true).' }),
        },
        resolve: async (p, args, ctx) => {
          const connection = await zoneList(ctx, {
            table: 'policyVersions',
            parent: 'policyId',
            parentId: p.id,
            args,
            filter: { equals: args.includeArchived === false ? { archivedAt: null } : {} },
            load: ctx.loaders.zones.policyVersion,
          });
          return { ...connection, edges: connection.edges.map((e) => ({ cursor: e.cursor, node: { ...e.node, format: args.format } })) };
        },
      },
      PolicyVersionConnection,
    ),
    draft: t.field({
      type: PolicyDraftRef,
      nullable: true,
      description: 'The working copy of the policy; null until one is saved.',
      args: { format: t.arg({ type: PolicyFormatEnum, defaultValue: 'JSON', required: true, description: 'Which form to populate.' }) },
      resolve: async (p, args, ctx) => {
        const draft = await ctx.loaders.zones.policyDraft.load(p.id);
        return draft ? { ...draft, format: args.format } : null;
      },
    }),
    createdAt: t.expose('createdAt', { type: 'DateTime', description: 'When the policy was created.' }),
    updatedAt: t.expose('updatedAt', { type: 'DateTime', description: 'When the policy last changed.' }),
  }),
});
entityLoadedBy(PolicyRef, 'Policy');

builder.node(PolicyVersionRef, {
  description: 'An immutable version of a policy: one static Cedar policy, validated against the schema version it pins.',
  id: { resolve: (v) => v.id },
  loadMany: visibleLoadMany('PolicyVersion'),
  fields: (t) => ({
    ...permissionFields(t, 'PolicyVersion'),
    version: t.exposeInt('version', { description: 'The version number within the policy (1, 2, ...).' }),
    schemaVersion: t.exposeString('schemaVersion', { description: 'The policy schema version it was validated against.' }),
    sha: t.exposeString('sha', { description: "Hex SHA-256 of the RFC 8785 (JCS) canonical form of cedarJson." }),
    cedarJson: t.field({ type: 'JSONObject', nullable: true, description: "The policy in Cedar's JSON format; populated when format is JSON (the default).", resolve: (v) => (v.format === 'CEDAR' ? null : v.cedarJson) }),
    cedarRaw: t.string({ nullable: true, description: 'The policy in Cedar syntax; populated when format is CEDAR.', resolve: (v) => (v.format === 'CEDAR' ? v.cedarRaw : null) }),
    policyId: t.id({ description: 'Global id of the policy.', resolve: (v) => encodeGlobalID('Policy', v.policyId) }),
    policy: t.field({ type: PolicyRef, description: 'The policy.', resolve: async (v, _a, ctx) => (await ctx.loaders.zones.policy.load(v.policyId))! }),
    zone: t.field({ type: ZoneRef, description: 'The zone.', resolve: async (v, _a, ctx) => (await ctx.loaders.zones.zone.load(v.zoneId))! }),
    createdBy: t.field({ type: ActorRef, nullable: true, description: 'Who created the version; null when gone or not visible to the caller.', resolve: (v, _a, ctx) => loadActor(ctx, v.createdById) }),
    archivedAt: t.expose('archivedAt', { type: 'DateTime', nullable: true, description: 'When the version was archived.' }),
    archivedBy: t.field({ type: ActorRef, nullable: true, description: 'Who archived it; null when not archived, gone, or not visible to the caller.', resolve: (v, _a, ctx) => loadActor(ctx, v.archivedById) }),
    createdAt: t.expose('createdAt', { type: 'DateTime', description: 'When the version was created.' }),
  }),
});
entityLoadedBy(PolicyVersionRef, 'PolicyVersion');

export const PolicyConnection = connectionOf(PolicyRef, 'Policy', 'policies');

builder.objectField(ZoneRef, 'policies', (t) =>
  t.connection(
    {
      type: PolicyRef,
      description: 'The policies of the zone, oldest first (policy.read on the zone).',
      args: {
        search: t.arg.string({ description: 'Only policies whose name contains this text (case-insensitive).' }),
        ownerType: t.arg({ type: OwnerTypeEnum, description: 'Only policies with this owner.' }),
        includeArchived: t.arg.boolean({ description: 'Also list archived policies (default false).' }),
      },
      resolve: (z, args, ctx) =>
        zoneList(ctx, {
          table: 'policies',
          parent: 'zoneId',
          parentId: z.id,
          args,
          filter: { search: searchTerm(args.search), equals: { ...(args.ownerType ? { ownerType: args.ownerType } : {}), ...(args.includeArchived ? {} : { archivedAt: null }) } },
          load: ctx.loaders.zones.policy,
        }),
    },
    PolicyConnection,
  ),
);

const CreatePolicyInput = builder.inputType('CreatePolicyInput', {
  description: 'A new policy (customer-owned, without versions).',
  fields: (t) => ({
    zoneId: t.id({ required: true, description: 'Global id of the zone.' }),
    name: t.string({ required: true, description: 'Name, unique within the zone, 1..255 characters.' }),
    description: t.string({ description: 'Free text, up to 2048 characters.' }),
  }),
});
const UpdatePolicyInput = builder.inputType('UpdatePolicyInput', {
  description: 'Changes to a policy (its text changes through new versions).',
  fields: (t) => ({
    id: t.id({ required: true, description: 'Global id of the policy.' }),
    name: t.string({ description: 'New name.' }),
    description: t.string({ description: 'New description; null clears it.' }),
  }),
});
const ArchivePolicyInput = builder.inputType('ArchivePolicyInput', {
  description: 'The policy to archive.',
  fields: (t) => ({ id: t.id({ required: true, description: 'Global id of the policy.' }) }),
});
const CreatePolicyVersionInput = builder.inputType('CreatePolicyVersionInput', {
  description: 'A new immutable version of a policy: set exactly one of cedar, cedarJson and fromDraft.',
  fields: (t) => ({
    policyId: t.id({ required: true, description: 'Global id of the policy.' }),
    fromDraft: t.boolean({ description: "true: cut the version from the policy's draft (its text and schema version, validated again)." }),
    cedar: t.string({ description: 'One static Cedar policy in Cedar syntax.' }),
    cedarJson: t.field({ type: 'JSONObject', description: "One static Cedar policy in Cedar's JSON policy format." }),
    schemaVersion: t.string({ description: "The policy schema version to validate against and pin; the zone's default when omitted. ARCHIVED versions are refused." }),
  }),
});
const SavePolicyDraftInput = builder.inputType('SavePolicyDraftInput', {
  description: "The policy's working copy: set exactly one of cedar and cedarJson.",
  fields: (t) => ({
    policyId: t.id({ required: true, description: 'Global id of the policy.' }),
    cedar: t.string({ description: 'One static Cedar policy in Cedar syntax.' }),
    cedarJson: t.field({ type: 'JSONObject', description: "One static Cedar policy in Cedar's JSON policy format." }),
    schemaVersion: t.string({ description: "The policy schema version to validate against; the zone's default when omitted." }),
  }),
});
const SavePolicyDraftPayload = payload<{ policy: Policy; draft: PolicyDraft }>('SavePolicyDraftPayload', 'The result of savePolicyDraft.', (t) => ({
  draft: t.field({ type: PolicyDraftRef, nullable: true, description: 'The saved draft (JSON form).', resolve: (p) => p.draft ?? null }),
  policy: t.field({ type: PolicyRef, nullable: true, description: 'The policy.', resolve: (p) => p.policy ?? null }),
}));

const ArchivePolicyVersionInput = builder.inputType('ArchivePolicyVersionInput', {
  description: 'The policy version to archive.',
  fields: (t) => ({ id: t.id({ required: true, description: 'Global id of the policy version.' }) }),
});

const policyPayload = (name: string, what: string) =>
  payload<{ policy: Policy }>(name, `The result of ${what}.`, (t) => ({
    policy: t.field({ type: PolicyRef, nullable: true, description: 'The policy, as it is now.', resolve: (p) => p.policy ?? null }),
  }));
const CreatePolicyVersionPayload = payload<{ policy: Policy; policyVersion: PolicyVersion }>('CreatePolicyVersionPayload', 'The result of createPolicyVersion.', (t) => ({
  policyVersion: t.field({ type: PolicyVersionRef, nullable: true, description: 'The new version (JSON form).', resolve: (p) => p.policyVersion ?? null }),
  policy: t.field({ type: PolicyRef, nullable: true, description: 'The policy, with its new latest version.', resolve: (p) => p.policy ?? null }),
}));
const ArchivePolicyVersionPayload = payload<{ policyVersion: PolicyVersion }>('ArchivePolicyVersionPayload', 'The result of archivePolicyVersion.', (t) => ({
  policyVersion: t.field({ type: PolicyVersionRef, nullable: true, description: 'The archived version.', resolve: (p) => p.policyVersion ?? null }),
}));

builder.mutationFields((t) => ({
  createPolicy: t.field({
    type: policyPayload('CreatePolicyPayload', 'createPolicy'),
    description: 'Creates a customer-owned policy in a zone (policy.manage on the zone); its text comes with createPolicyVersion.',
    args: { input: t.arg({ type: CreatePolicyInput, required: true, description: 'The policy.' }) },
    resolve: (_root, { input }, ctx) => attempt(async () => ({ policy: await ctx.services.zones.policies.createPolicy(ctx.authz, localId(input.zoneId, 'Zone', 'zoneId'), input) })),
  }),
  updatePolicy: t.field({
    type: policyPayload('UpdatePolicyPayload', 'updatePolicy'),
    description: 'Renames or describes a policy (policy.manage on it). PLATFORM policies are refused (PlatformOwnedError), archived ones too (ConflictError).',
    args: { input: t.arg({ type: UpdatePolicyInput, required: true, description: 'The changes.' }) },
    resolve: (_root, { input }, ctx) =>
      attempt(async () => ({ policy: await ctx.services.zones.policies.updatePolicy(ctx.authz, localId(input.id, 'Policy', 'id'), { name: input.name ?? undefined, description: input.description }) })),
  }),
  archivePolicy: t.field({
    type: policyPayload('ArchivePolicyPayload', 'archivePolicy'),
    description: 'Archives a policy (policy.manage on it): it stays readable with its versions and takes no new versions.',
    args: { input: t.arg({ type: ArchivePolicyInput, required: true, description: 'The policy.' }) },
    resolve: (_root, { input }, ctx) => attempt(async () => ({ policy: await ctx.services.zones.policies.archivePolicy(ctx.authz, localId(input.id, 'Policy', 'id')) })),
  }),
  createPolicyVersion: t.field({
    type: CreatePolicyVersionPayload,
    description:
      'Creates an immutable version of a policy (policy.manage on it): the policy is parsed and validated in strict mode against the pinned schema version; when it does not validate, PolicyValidationError carries Cedar\'s diagnostics and nothing is stored.',
    args: { input: t.arg({ type: CreatePolicyVersionInput, required: true, description: 'The version.' }) },
    resolve: (_root, { input }, ctx) =>
      attempt(() =>
        ctx.services.zones.policies.createPolicyVersion(ctx.authz, localId(input.policyId, 'Policy', 'policyId'), {
          cedar: input.cedar,
          cedarJson: input.cedarJson as Record<string, unknown> | null | undefined,
          schemaVersion: input.schemaVersion,
          fromDraft: input.fromDraft,
        }),
      ),
  }),
  savePolicyDraft: t.field({
    type: SavePolicyDraftPayload,
    description: "Saves the policy's working copy (policy.manage on it), validated like a version (PolicyValidationError otherwise); no version is made.",
    args: { input: t.arg({ type: SavePolicyDraftInput, required: true, description: 'The draft.' }) },
    resolve: (_root, { input }, ctx) =>
      attempt(() =>
        ctx.services.zones.policies.savePolicyDraft(ctx.authz, localId(input.policyId, 'Policy', 'policyId'), {
          cedar: input.cedar,
          cedarJson: input.cedarJson as Record<string, unknown> | null | undefined,
          schemaVersion: input.schemaVersion,
        }),
      ),
  }),
  archivePolicyVersion: t.field({
    type: ArchivePolicyVersionPayload,
    description: 'Archives a policy version (policy.manage on it).',
    args: { input: t.arg({ type: ArchivePolicyVersionInput, required: true, description: 'The version.' }) },
    resolve: (_root, { input }, ctx) => attempt(async () => ({ policyVersion: await ctx.services.zones.policies.archivePolicyVersion(ctx.authz, localId(input.id, 'PolicyVersion', 'id')) })),
  }),
}));
