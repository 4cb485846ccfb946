// Policy schemas (reference 001 zones.policy_schemas.*; api-map: Zone.policySchemas,
// setDefaultPolicySchema). The versions are keygraph's own (src/domain/zone/policy-schemas.ts); a zone
// sees each with isDefault. `format` chooses which form is populated, as the reference's format=.
import type { PolicySchema } from '../../../domain/zone/policy-schemas.js';
import type { Zone } from '../../../domain/zone/model.js';
import { builder } from '../../builder.js';
import { connectionOf, encodeCursor, pageArgs, type Connection, type RelayArgs } from '../../connection.js';
import { attempt, localId, payload } from '../errors.js';
import { ZoneRef } from './zone.js';

export type PolicyFormat = 'JSON' | 'CEDAR';

export const PolicyFormatEnum = builder.enumType('PolicyFormat', {
  description: 'Which form of a Cedar schema or policy to return.',
  values: {
    JSON: { description: "Cedar's JSON format (cedarSchemaJson, cedarJson): the default." },
    CEDAR: { description: 'Cedar syntax (cedarSchema, cedarRaw).' },
  },
});

export const PolicySchemaStatusEnum = builder.enumType('PolicySchemaStatus', {
  description: 'What can be done with a policy schema version.',
  values: {
    ACTIVE: { description: 'New policy versions can be created and validated against it.' },
    DEPRECATED: { description: 'Superseded by a newer version, but still accepts new policy versions.' },
    ARCHIVED: { description: 'Closed to new policy versions; what is already pinned to it still evaluates.' },
  },
});

/** A schema as one field asked for it: in `format`. */
export interface PolicySchemaView {
  schema: PolicySchema;
  format: PolicyFormat;
}

export const PolicySchemaRef = builder.objectRef<PolicySchemaView>('PolicySchema').implement({
  description: "A versioned Cedar schema keygraph ships: the entity model (User, Application, Resource), the actions and their context, against which a zone's policies are validated.",
  fields: (t) => ({
    version: t.string({ description: 'The version (a date).', resolve: (v) => v.schema.version }),
    status: t.field({ type: PolicySchemaStatusEnum, description: 'ACTIVE, DEPRECATED or ARCHIVED.', resolve: (v) => v.schema.status }),
    isDefault: t.boolean({ description: "Whether this is the zone's default schema (the one new policy versions are validated against when they name none).", resolve: (v) => v.schema.isDefault }),
    cedarSchema: t.string({ nullable: true, description: 'The schema in Cedar syntax; populated when format is CEDAR.', resolve: (v) => (v.format === 'CEDAR' ? v.schema.cedarSchema : null) }),
    cedarSchemaJson: t.field({ type: 'JSONObject', nullable: true, description: "The schema in Cedar's JSON format; populated when format is JSON.", resolve: (v) => (v.format === 'JSON' ? v.schema.cedarSchemaJson() : null) }),
    createdAt: t.field({ type: 'DateTime', description: 'When the version was published.', resolve: (v) => v.schema.createdAt }),
    updatedAt: t.field({ type: 'DateTime', description: 'When its status last changed.', resolve: (v) => v.schema.updatedAt }),
    deprecatedAt: t.field({ type: 'DateTime', nullable: true, description: 'When it was deprecated.', resolve: (v) => v.schema.deprecatedAt }),
    archivedAt: t.field({ type: 'DateTime', nullable: true, description: 'When it was archived.', resolve: (v) => v.schema.archivedAt }),
  }),
});

export const PolicySchemaConnection = connectionOf(PolicySchemaRef, 'PolicySchema', 'policy schemas');

/** A Relay connection over a short list held in memory (cursors: each item's key). */
export function listConnection<T>(items: readonly T[], key: (item: T) => string, args: RelayArgs): Connection<T> {
  const page = pageArgs(args);
  let start = 0;
  let end = items.length;
  if (page.after !== undefined) start = Math.max(start, items.findIndex((i) => key(i) === page.after) + 1);
  if (page.before !== undefined) {
    const at = items.findIndex((i) => key(i) === page.before);
    if (at >= 0) end = Math.min(end, at);
  }
  let slice = items.slice(start, end);
  let hasNextPage = end < items.length;
  let hasPreviousPage = start > 0;
  if (page.first !== undefined && slice.length > page.first) {
    slice = slice.slice(0, page.first);
    hasNextPage = true;
  }
  if (page.last !== undefined && slice.length > page.last) {
    slice = slice.slice(slice.length - page.last);
    hasPreviousPage = true;
  }
  const edges = slice.map((node) => ({ cursor: encodeCursor(key(node)), node }));
  return {
    edges,
    pageInfo: { hasNextPage, hasPreviousPage, startCursor: edges[0]?.cursor ?? null, endCursor: edges.at(-1)?.cursor ?? null },
    totalCount: async () => items.length,
  };
}

builder.objectFields(ZoneRef, (t) => ({
  policySchemas: t.connection(
    {
      type: PolicySchemaRef,
      description: 'The policy schema versions keygraph ships, newest first, with isDefault for this zone (policy.read on the zone).',
      args: {
        format: t.arg({ type: PolicyFormatEnum, defaultValue: 'JSON', required: true, description: 'Which form to populate: cedarSchemaJson (JSON, the default) or cedarSchema (CEDAR).' }),
        status: t.arg({ type: PolicySchemaStatusEnum, description: 'Only versions with this status.' }),
      },
      resolve: (z, args, ctx) =>
        listConnection(
          ctx.services.zones.policySchemas.forZone(z, args.status).map((schema) => ({ schema, format: args.format })),
          (v) => v.schema.version,
          args,
        ) as never,
    },
    PolicySchemaConnection,
  ),
  policySchema: t.field({
    type: PolicySchemaRef,
    nullable: true,
    description: 'One policy schema version, with isDefault for this zone; null when keygraph ships no such version (policy.read on the zone).',
    args: {
      version: t.arg.string({ required: true, description: 'The version.' }),
      format: t.arg({ type: PolicyFormatEnum, defaultValue: 'JSON', required: true, description: 'Which form to populate.' }),
    },
    resolve: (z, args, ctx) => {
      const schema = ctx.services.zones.policySchemas.one(z, args.version);
      return schema ? { schema, format: args.format } : null;
    },
  }),
}));

const SetDefaultPolicySchemaInput = builder.inputType('SetDefaultPolicySchemaInput', {
  description: "The zone's new default policy schema.",
  fields: (t) => ({
    zoneId: t.id({ required: true, description: 'Global id of the zone.' }),
    version: t.string({ required: true, description: 'A policy schema version that is not ARCHIVED.' }),
  }),
});

const SetDefaultPolicySchemaPayload = payload<{ zone: Zone; policySchema: PolicySchema }>('SetDefaultPolicySchemaPayload', 'The result of setDefaultPolicySchema.', (t) => ({
  zone: t.field({ type: ZoneRef, nullable: true, description: 'The zone.', resolve: (p) => p.zone ?? null }),
  policySchema: t.field({ type: PolicySchemaRef, nullable: true, description: 'The new default schema (JSON form).', resolve: (p) => (p.policySchema ? { schema: p.policySchema, format: 'JSON' as const } : null) }),
}));

builder.mutationFields((t) => ({
  setDefaultPolicySchema: t.field({
    type: SetDefaultPolicySchemaPayload,
    description: "Chooses the zone's default policy schema (policy.manage on the zone). An ARCHIVED version is refused (ConflictError), an unknown one is NotFoundError. It has no effect on evaluation.",
    args: { input: t.arg({ type: SetDefaultPolicySchemaInput, required: true, description: 'The zone and version.' }) },
    resolve: (_root, { input }, ctx) => attempt(() => ctx.services.zones.policySchemas.setDefaultPolicySchema(ctx.authz, localId(input.zoneId, 'Zone', 'zoneId'), input.version)),
  }),
}));
