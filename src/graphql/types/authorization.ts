// Grants, role assignments, the capability and role catalogs, permission contexts and explanations.
import { decodeGlobalID, encodeGlobalID } from '@pothos/plugin-relay';
import { createGraphQLError } from 'graphql-yoga';
import { CAPABILITIES, ROLES, expandRole, type Capability, type Role } from '../../domain/authz/catalog.js';
import { toFacts } from '../../domain/authz/authorizer.js';
import { mayReadHoldings } from '../../domain/authz/access.js';
import { permissionContext, type AccessPath, type PermissionContext, type Subject } from '../../domain/authz/service.js';
import { NotFoundError, ValidationError } from '../../domain/errors.js';
import type { GrantKind, SubjectType } from '../../domain/model.js';
import type { GrantRecord, RoleAssignmentRecord } from '../../domain/store.js';
import { builder } from '../builder.js';
import { AUTHZ_LISTS } from '../../domain/authz/service.js';
import { loadVisible } from '../visibility.js';
import type { Context } from '../context.js';
import { connectionOf, pageArgs, relationConnection, toConnection } from '../connection.js';
import { AccountRef } from './account.js';
import { attempt, localId, payload } from './errors.js';
import { GroupRef, ResourceTypeEnum } from './group.js';
import { entityLoadedBy, permissionFields, visibleLoadMany } from './node.js';
import { UserRef } from './user.js';

export const GrantKindEnum = builder.enumType('GrantKind', {
  description: 'Kinds of authorization grant (reference 000).',
  values: {
    CAPABILITY: { description: 'One capability of the catalog, account-wide or on one resource.' },
    ACCOUNT_OWNER: { description: 'Every capability on the account.' },
    SUPER_ADMIN: { description: 'Every capability on every account.' },
  } as const,
});

const SubjectTypeEnum = builder.enumType('SubjectType', {
  description: 'Who a grant or role assignment is for.',
  values: { USER: { description: 'A user.' }, GROUP: { description: 'A group: every member, transitively.' }, SERVICE_ACCOUNT: { description: 'A service account.' } } as const,
});

export const RoleKeyEnum = builder.enumType('RoleKey', {
  description: 'The code-defined roles of reference 000.',
  values: Object.fromEntries(ROLES.map((r) => [r.key.toUpperCase(), { value: r.key, description: r.description }])) as Record<string, { value: string; description: string }>,
});

/** Resources of these types are keygraph objects, named by global id; others are free identifiers. */
const NODE_RESOURCES: Record<string, string> = { account: 'Account', workspace: 'Workspace' };

export function resourceIdIn(type: string | null | undefined, id: string | null | undefined, field = 'resourceId'): string | null {
  if (!type || !id) return id ?? null;
  const typename = NODE_RESOURCES[type];
  return typename ? localId(id, typename, field) : id;
}

export function resourceIdOut(type: string | null, id: string | null): string | null {
  if (!type || !id) return id;
  const typename = NODE_RESOURCES[type];
  return typename ? encodeGlobalID(typename, id) : id;
}

function subjectIn(type: SubjectType, id: string): Subject {
  const typename = type === 'USER' ? 'User' : type === 'GROUP' ? 'Group' : 'ServiceAccount';
  return { type, id: localId(id, typename, 'subjectId') };
}

function subjectIdOut(type: SubjectType, id: string): string {
  return encodeGlobalID(type === 'USER' ? 'User' : type === 'GROUP' ? 'Group' : 'ServiceAccount', id);
}

export const AuthorizationGrantRef = builder.objectRef<GrantRecord>('AuthorizationGrant');
builder.node(AuthorizationGrantRef, {
  description: 'A grant of reference 000: a capability, account ownership or super administration, given to a user or group.',
  id: { resolve: (g) => g.id },
  loadMany: visibleLoadMany('AuthorizationGrant'),
  fields: (t) => ({
    ...permissionFields(t, 'AuthorizationGrant'),
    account: t.field({ type: AccountRef, description: 'The account the grant is on.', resolve: async (g, _a, ctx) => (await ctx.loaders.account.load(g.accountId))! }),
    grantKind: t.field({ type: GrantKindEnum, description: 'What the grant gives.', resolve: (g) => g.grantKind }),
    subjectType: t.field({ type: SubjectTypeEnum, description: 'Who the grant is for.', resolve: (g) => g.subjectType }),
    subjectId: t.id({ description: 'Global id of the user, group or service account.', resolve: (g) => subjectIdOut(g.subjectType, g.subjectId) }),
    capabilityKey: t.exposeString('capabilityKey', { nullable: true, description: 'The capability, for CAPABILITY grants.' }),
    resourceType: t.field({ type: ResourceTypeEnum, nullable: true, description: 'The resource the grant is limited to, if any.', resolve: (g) => g.resourceType as never }),
    resourceId: t.id({ nullable: true, description: 'The resource id (a global id for accounts and workspaces).', resolve: (g) => resourceIdOut(g.resourceType, g.resourceId) }),
    createdAt: t.expose('createdAt', { type: 'DateTime', description: 'When the grant was made.' }),
    revokedAt: t.expose('revokedAt', { type: 'DateTime', nullable: true, description: 'When the grant was revoked; null while active.' }),
  }),
});
entityLoadedBy(AuthorizationGrantRef, 'AuthorizationGrant');

export const RoleAssignmentRef = builder.objectRef<RoleAssignmentRecord>('RoleAssignment');
builder.node(RoleAssignmentRef, {
  description: 'A code-defined role given to a user or group on a resource.',
  id: { resolve: (r) => r.id },
  loadMany: visibleLoadMany('RoleAssignment'),
  fields: (t) => ({
    ...permissionFields(t, 'RoleAssignment'),
    account: t.field({ type: AccountRef, description: 'The account the assignment is on.', resolve: async (r, _a, ctx) => (await ctx.loaders.account.load(r.accountId))! }),
    roleKey: t.field({ type: RoleKeyEnum, description: 'The role.', resolve: (r) => r.roleKey }),
    subjectType: t.field({ type: SubjectTypeEnum, description: 'Who the role is for.', resolve: (r) => r.subjectType }),
    subjectId: t.id({ description: 'Global id of the user, group or service account.', resolve: (r) => subjectIdOut(r.subjectType, r.subjectId) }),
    resourceType: t.field({ type: ResourceTypeEnum, description: 'The kind of resource the role is on.', resolve: (r) => r.resourceType as never }),
    resourceId: t.id({ description: 'The resource id (a global id for accounts and workspaces).', resolve: (r) => resourceIdOut(r.resourceType, r.resourceId)! }),
    expandedCapabilityKeys: t.stringList({ description: 'The capabilities the role expands to.', resolve: (r) => expandRole(r.roleKey) }),
    createdAt: t.expose('createdAt', { type: 'DateTime', description: 'When the role was assigned.' }),
    revokedAt: t.expose('revokedAt', { type: 'DateTime', nullable: true, description: 'When the assignment was deleted; null while active.' }),
  }),
});
entityLoadedBy(RoleAssignmentRef, 'RoleAssignment');

const GrantConnection = connectionOf(AuthorizationGrantRef, 'AuthorizationGrant', 'authorization grants');
const RoleAssignmentConnection = connectionOf(RoleAssignmentRef, 'RoleAssignment', 'role assignments');

builder.objectFields(AccountRef, (t) => ({
  authorizationGrants: t.connection(
    {
      type: AuthorizationGrantRef,
      description: 'Grants on the account, oldest first; active ones unless includeRevoked.',
      args: {
        capabilityKey: t.arg.string({ description: 'Only grants of this capability.' }),
        grantKind: t.arg({ type: GrantKindEnum, description: 'Only grants of this kind.' }),
        includeRevoked: t.arg.boolean({ description: 'Include revoked grants (default false).' }),
        subjectId: t.arg.id({ description: 'Only grants to this user or group (global id).' }),
        subjectType: t.arg({ type: SubjectTypeEnum, description: 'Only grants to this kind of subject.' }),
      },
      resolve: (account, args, ctx) => {
        const filter = {
          capabilityKey: args.capabilityKey ?? null,
          grantKind: (args.grantKind as GrantKind | null | undefined) ?? null,
          includeRevoked: args.includeRevoked ?? false,
          subjectType: args.subjectType ?? null,
          subjectId: args.subjectId ? safeLocal(args.subjectId) : null,
        };
        return relationConnection(ctx, {
          list: AUTHZ_LISTS.grants,
          filter: filter,
          parentId: account.id,
          args,
          load: ctx.loaders.grant,
        });
      },
    },
    GrantConnection,
  ),
  roleAssignments: t.connection(
    {
      type: RoleAssignmentRef,
      description: 'Role assignments on the account, oldest first; active ones unless includeRevoked.',
      args: {
        includeRevoked: t.arg.boolean({ description: 'Include deleted assignments (default false).' }),
        roleKey: t.arg({ type: RoleKeyEnum, description: 'Only assignments of this role.' }),
        subjectId: t.arg.id({ description: 'Only assignments to this user or group (global id).' }),
        subjectType: t.arg({ type: SubjectTypeEnum, description: 'Only assignments to this kind of subject.' }),
      },
      resolve: (account, args, ctx) => {
        const filter = {
          includeRevoked: args.includeRevoked ?? false,
          roleKey: args.roleKey ?? null,
          subjectType: args.subjectType ?? null,
          subjectId: args.subjectId ? safeLocal(args.subjectId) : null,
        };
        return relationConnection(ctx, {
          list: AUTHZ_LISTS.roleAssignments,
          filter: filter,
          parentId: account.id,
          args,
          load: ctx.loaders.roleAssignment,
        });
      },
    },
    RoleAssignmentConnection,
  ),
}));

/** A filter id that names nothing matches nothing. */
function safeLocal(globalId: string): string {
  try {
    return decodeGlobalID(globalId).id;
  } catch {
    return '-';
  }
}

// Catalogs

const CapabilityRef = builder.objectRef<Capability>('Capability').implement({
  description: 'A capability of the catalog.',
  fields: (t) => ({
    key: t.exposeString('key', { description: 'The key, e.g. "group.manage".' }),
    description: t.exposeString('description', { description: 'What it allows.' }),
    implies: t.stringList({ description: 'Capabilities it implies.', resolve: (c) => [...c.implies] }),
  }),
});

const RoleRef = builder.objectRef<Role>('Role').implement({
  description: 'A code-defined role: a named bundle of capabilities.',
  fields: (t) => ({
    key: t.field({ type: RoleKeyEnum, description: 'The role key.', resolve: (r) => r.key }),
    description: t.exposeString('description', { description: 'What the role is for.' }),
    capabilityKeys: t.stringList({ description: 'The capabilities it expands to (implications included).', resolve: (r) => expandRole(r.key) }),
  }),
});

function staticConnection<T extends { key: string }>(items: readonly T[], args: Parameters<typeof pageArgs>[0]) {
  const page = pageArgs(args);
  let start = page.after ? items.findIndex((i) => i.key === page.after) + 1 : 0;
  let end = page.before ? items.findIndex((i) => i.key === page.before) : items.length;
  if (end < 0) end = items.length;
  const size = page.first ?? page.last ?? 100;
  if (page.last !== undefined) start = Math.max(start, end - size);
  else end = Math.min(end, start + size);
  return toConnection(
    { edges: items.slice(start, end).map((i) => ({ cursor: i.key, id: i.key })), hasNextPage: end < items.length, hasPreviousPage: start > 0 },
    async (ids) => ids.map((id) => items.find((i) => i.key === id) ?? null),
    async () => items.length,
  );
}

const RoleConnection = connectionOf(RoleRef, 'Role', 'roles');
const CapabilityConnection = connectionOf(CapabilityRef, 'Capability', 'capabilities');

builder.queryFields((t) => ({
  roles: t.connection({ type: RoleRef, description: 'The code-defined roles with their capability keys.', resolve: (_r, args) => staticConnection(ROLES, args) }, RoleConnection),
  capabilities: t.connection({ type: CapabilityRef, description: 'The capability catalog.', resolve: (_r, args) => staticConnection(CAPABILITIES, args) }, CapabilityConnection),
}));

// Permission contexts

const OwnerAssignmentRef = builder.objectRef<{ accountId: string }>('OwnerAssignment').implement({
  description: 'An account the subject owns.',
  fields: (t) => ({ accountId: t.id({ description: 'Global id of the account.', resolve: (o) => encodeGlobalID('Account', o.accountId) }) }),
});

const PermissionStatusEnum = builder.enumType('PermissionStatus', {
  description: 'Whether a subject holds anything on the account.',
  values: { ACTIVE: { description: 'It holds at least one capability.' }, NO_ACCESS: { description: 'It holds nothing.' } } as const,
});

export const PermissionContextRef = builder.objectRef<PermissionContext>('PermissionContext').implement({
  description: "A subject's permissions on one account (reference 000 permission_context).",
  fields: (t) => ({
    subjectType: t.field({ type: SubjectTypeEnum, description: 'The kind of subject.', resolve: (p) => p.subjectType }),
    subjectId: t.id({ description: 'Global id of the subject.', resolve: (p) => subjectIdOut(p.subjectType, p.subjectId) }),
    directCapabilityKeys: t.stringList({ description: 'Capabilities granted to the subject itself.', resolve: (p) => p.directCapabilityKeys }),
    assignedBundleKeys: t.stringList({ description: 'Roles assigned to the subject itself.', resolve: (p) => p.assignedBundleKeys }),
    resolvedCapabilityKeys: t.stringList({ description: 'Everything it holds account-wide: direct, through roles and through its groups.', resolve: (p) => p.resolvedCapabilityKeys }),
    ownerAssignments: t.field({ type: [OwnerAssignmentRef], description: 'Accounts it owns, directly or through groups.', resolve: (p) => p.ownerAssignments }),
    status: t.field({ type: PermissionStatusEnum, description: 'ACTIVE when it holds anything on the account.', resolve: (p) => p.status }),
  }),
});

export async function contextFor(ctx: Context, subject: Subject, accountId: string): Promise<PermissionContext | null> {
  if (!(await mayReadHoldings(ctx.authz, subject, accountId))) return null;
  return permissionContext(toFacts(subject.type, subject.id, await ctx.loaders.heldBy.load(subject.id)), accountId);
}

builder.objectField(UserRef, 'permissionContext', (t) =>
  t.field({
    type: PermissionContextRef,
    nullable: true,
    description: "The user's permissions on an account; null unless the caller has auth.read there or is the user.",
    args: { account: t.arg.id({ required: true, description: 'Global id of the account.' }) },
    resolve: (user, args, ctx) => {
      try {
        return contextFor(ctx, { type: 'USER', id: user.id }, localId(args.account, 'Account', 'account'));
      } catch {
        return null;
      }
    },
  }),
);

builder.objectField(GroupRef, 'permissionContext', (t) =>
  t.field({
    type: PermissionContextRef,
    nullable: true,
    description: "The group's permissions on its account (with what its parent groups hold); null without auth.read.",
    resolve: (group, _args, ctx) => contextFor(ctx, { type: 'GROUP', id: group.id }, group.accountId),
  }),
);

// Explanations

export const AccessPathRef = builder.objectRef<AccessPath>('AccessPath').implement({
  description: 'One way a subject holds a capability: a grant, a role assignment or a zone membership, possibly through groups.',
  fields: (t) => ({
    source: t.string({ description: 'CAPABILITY, ACCOUNT_OWNER, SUPER_ADMIN, ROLE or ZONE_ROLE (a zone membership).', resolve: (p) => p.grant.kind }),
    grant: t.field({
      type: AuthorizationGrantRef,
      nullable: true,
      description: 'The grant, when the path is a grant (null when the caller may not see it).',
      resolve: (p, _a, ctx) => (p.grant.kind === 'ROLE' || p.grant.kind === 'ZONE_ROLE' ? null : loadVisible(ctx, 'AuthorizationGrant', p.grant.id)),
    }),
    roleAssignment: t.field({
      type: RoleAssignmentRef,
      nullable: true,
      description: 'The role assignment, when the path is a role (null when the caller may not see it).',
      resolve: (p, _a, ctx) => (p.grant.kind === 'ROLE' ? loadVisible(ctx, 'RoleAssignment', p.grant.id) : null),
    }),
    viaGroups: t.field({
      type: [GroupRef],
      description: "The groups it comes through, from the subject's own group up to the group holding it; empty when direct.",
      resolve: async (p, _a, ctx) => (await Promise.all(p.viaGroupIds.map((id) => ctx.loaders.group.load(id)))).filter((g) => g !== null),
    }),
  }),
});

const AccessExplanationRef = builder.objectRef<{ allowed: boolean; paths: AccessPath[] }>('AccessExplanation').implement({
  description: 'Whether a subject holds a capability on a resource, and every path that gives it.',
  fields: (t) => ({
    allowed: t.exposeBoolean('allowed', { description: 'Whether the subject holds the capability there.' }),
    paths: t.field({ type: [AccessPathRef], description: 'Every grant and role that gives it (empty when not allowed).', resolve: (e) => e.paths }),
  }),
});

const AccessResourceInput = builder.inputType('AccessResourceInput', {
  description: 'Where to check: an account, or one resource of it.',
  fields: (t) => ({
    accountId: t.id({ required: true, description: 'Global id of the account.' }),
    resourceType: t.field({ type: ResourceTypeEnum, description: 'A resource of the account (omit for the account as a whole).' }),
    resourceId: t.id({ description: 'The resource id (a global id for accounts and workspaces).' }),
    zoneId: t.id({ description: 'Global id of a zone of the account, to check there (instead of resourceType and resourceId).' }),
  }),
});

builder.queryField('explainAccess', (t) =>
  t.field({
    type: AccessExplanationRef,
    nullable: true,
    description: 'Explains whether a user or group holds a capability on a resource: which grant, which role, through which groups. Needs auth.read on the account (or asking about oneself); null otherwise.',
    args: {
      subject: t.arg.id({ required: true, description: 'Global id of a user, group or service account.' }),
      capability: t.arg.string({ required: true, description: 'A capability key.' }),
      resource: t.arg({ type: AccessResourceInput, required: true, description: 'Where to check.' }),
    },
    resolve: async (_root, args, ctx) => {
      try {
        const decoded = decodeGlobalID(args.subject);
        const type: SubjectType =
          decoded.typename === 'User' ? 'USER' : decoded.typename === 'Group' ? 'GROUP' : decoded.typename === 'ServiceAccount' ? 'SERVICE_ACCOUNT' : (() => { throw new NotFoundError('Subject', 'subject'); })();
        const accountId = localId(args.resource.accountId, 'Account', 'accountId');
        const resourceType = args.resource.resourceType ?? null;
        const zoneId = args.resource.zoneId ? localId(args.resource.zoneId, 'Zone', 'zoneId') : null;
        if (zoneId !== null && resourceType !== null) throw createGraphQLError('pass resourceType or zoneId, not both', { extensions: { code: 'BAD_USER_INPUT' } });
        const scope =
          zoneId !== null
            ? { accountId, resource: { type: 'zone', id: zoneId } }
            : resourceType
              ? { accountId, resource: { type: resourceType, id: resourceIdIn(resourceType, args.resource.resourceId)! } }
              : { accountId };
        return await ctx.services.authorization.explainAccess(ctx.authz, { type, id: decoded.id }, args.capability, scope, await ctx.loaders.heldBy.load(decoded.id));
      } catch (error) {
        if (error instanceof NotFoundError) return null;
        // An unknown capability (or another bad argument) is the caller's mistake, not an internal error.
        if (error instanceof ValidationError) throw createGraphQLError(error.message, { extensions: { code: 'BAD_USER_INPUT', field: error.field } });
        throw error;
      }
    },
  }),
);

// Mutations

const GrantAuthorizationInput = builder.inputType('GrantAuthorizationInput', {
  description: 'A grant to make.',
  fields: (t) => ({
    accountId: t.id({ required: true, description: 'Global id of the account.' }),
    grantKind: t.field({ type: GrantKindEnum, required: true, description: 'What to grant.' }),
    subjectType: t.field({ type: SubjectTypeEnum, required: true, description: 'Who to grant it to.' }),
    subjectId: t.id({ required: true, description: 'Global id of the user, group or service account.' }),
    capabilityKey: t.string({ description: 'The capability, for CAPABILITY grants.' }),
    resourceType: t.field({ type: ResourceTypeEnum, description: 'Limit the grant to one resource (CAPABILITY grants only).' }),
    resourceId: t.id({ description: 'The resource id (a global id for accounts and workspaces).' }),
  }),
});

const CreateRoleAssignmentInput = builder.inputType('CreateRoleAssignmentInput', {
  description: 'A role to assign.',
  fields: (t) => ({
    accountId: t.id({ required: true, description: 'Global id of the account.' }),
    roleKey: t.field({ type: RoleKeyEnum, required: true, description: 'The role.' }),
    subjectType: t.field({ type: SubjectTypeEnum, required: true, description: 'Who to assign it to.' }),
    subjectId: t.id({ required: true, description: 'Global id of the user, group or service account.' }),
    resourceType: t.field({ type: ResourceTypeEnum, required: true, description: 'The kind of resource the role is on (ACCOUNT for the whole account).' }),
    resourceId: t.id({ required: true, description: 'The resource id (a global id for accounts and workspaces).' }),
  }),
});

const ByIdInput = (name: string, what: string) =>
  builder.inputType(name, { description: `The ${what}.`, fields: (t) => ({ id: t.id({ required: true, description: `Global id of the ${what}.` }) }) });

const grantPayload = (name: string) =>
  payload<{ authorizationGrant: GrantRecord }>(name, `The result of ${name.replace('Payload', '').replace(/^./, (c) => c.toLowerCase())}.`, (t) => ({
    authorizationGrant: t.field({ type: AuthorizationGrantRef, nullable: true, description: 'The grant, as it is now.', resolve: (p) => p.authorizationGrant ?? null }),
  }));

const rolePayload = (name: string) =>
  payload<{ roleAssignment: RoleAssignmentRecord }>(name, `The result of ${name.replace('Payload', '').replace(/^./, (c) => c.toLowerCase())}.`, (t) => ({
    roleAssignment: t.field({ type: RoleAssignmentRef, nullable: true, description: 'The role assignment, as it is now.', resolve: (p) => p.roleAssignment ?? null }),
  }));

builder.mutationFields((t) => ({
  grantAuthorization: t.field({
    type: grantPayload('GrantAuthorizationPayload'),
    description: 'Grants a capability, account ownership or super administration (needs auth.manage, and holding what is granted).',
    args: { input: t.arg({ type: GrantAuthorizationInput, required: true, description: 'The grant.' }) },
    resolve: (_root, { input }, ctx) =>
      attempt(async () => ({
        authorizationGrant: await ctx.services.authorization.grantAuthorization(ctx.authz, localId(input.accountId, 'Account', 'accountId'), {
          grantKind: input.grantKind as GrantKind,
          subject: subjectIn(input.subjectType, input.subjectId),
          capabilityKey: input.capabilityKey,
          resourceType: input.resourceType ?? null,
          resourceId: resourceIdIn(input.resourceType, input.resourceId),
        }),
      })),
  }),
  revokeAuthorization: t.field({
    type: grantPayload('RevokeAuthorizationPayload'),
    description: 'Revokes a grant; it stays in the history with revokedAt.',
    args: { input: t.arg({ type: ByIdInput('RevokeAuthorizationInput', 'grant to revoke'), required: true, description: 'The grant.' }) },
    resolve: (_root, { input }, ctx) =>
      attempt(async () => ({ authorizationGrant: await ctx.services.authorization.revokeAuthorization(ctx.authz, localId(input.id, 'AuthorizationGrant', 'id')) })),
  }),
  createRoleAssignment: t.field({
    type: rolePayload('CreateRoleAssignmentPayload'),
    description: 'Assigns a role on a resource (needs auth.manage, and holding what the role gives).',
    args: { input: t.arg({ type: CreateRoleAssignmentInput, required: true, description: 'The assignment.' }) },
    resolve: (_root, { input }, ctx) =>
      attempt(async () => ({
        roleAssignment: await ctx.services.authorization.createRoleAssignment(ctx.authz, localId(input.accountId, 'Account', 'accountId'), {
          roleKey: input.roleKey,
          subject: subjectIn(input.subjectType, input.subjectId),
          resourceType: input.resourceType,
          resourceId: resourceIdIn(input.resourceType, input.resourceId)!,
        }),
      })),
  }),
  deleteRoleAssignment: t.field({
    type: rolePayload('DeleteRoleAssignmentPayload'),
    description: 'Deletes a role assignment; it stays in the history with revokedAt.',
    args: { input: t.arg({ type: ByIdInput('DeleteRoleAssignmentInput', 'role assignment to delete'), required: true, description: 'The assignment.' }) },
    resolve: (_root, { input }, ctx) =>
      attempt(async () => ({ roleAssignment: await ctx.services.authorization.deleteRoleAssignment(ctx.authz, localId(input.id, 'RoleAssignment', 'id')) })),
  }),
}));
