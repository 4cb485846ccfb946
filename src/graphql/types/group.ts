import type { Group, LinkedScope } from '../../domain/model.js';
import { RESOURCE_TYPES } from '../../domain/validation.js';
import { builder } from '../builder.js';
import { GROUP_LISTS } from '../../domain/group/service.js';
import { connectionOf, relationConnection, searchTerm } from '../connection.js';
import { AccountRef } from './account.js';
import { attempt, localId, payload } from './errors.js';
import { entityLoadedBy, permissionFields, visibleLoadMany } from './node.js';

export const ResourceTypeEnum = builder.enumType('ResourceType', {
  description: 'Kinds of resource a scope or grant can point at (reference 000).',
  values: Object.fromEntries(RESOURCE_TYPES.map((type) => [type.toUpperCase(), { value: type, description: `A ${type.replace('_', ' ')}.` }])) as Record<
    string,
    { value: (typeof RESOURCE_TYPES)[number]; description: string }
  >,
});

const LinkedScopeRef = builder.objectRef<LinkedScope>('LinkedScope').implement({
  description: 'A resource a group is linked to.',
  fields: (t) => ({
    resourceType: t.field({ type: ResourceTypeEnum, description: 'Kind of the resource.', resolve: (s) => s.resourceType as (typeof RESOURCE_TYPES)[number] }),
    resourceId: t.exposeID('resourceId', { description: 'Identifier of the resource.' }),
  }),
});

const LinkedScopeInput = builder.inputType('LinkedScopeInput', {
  description: 'A resource to link a group to.',
  fields: (t) => ({
    resourceType: t.field({ type: ResourceTypeEnum, required: true, description: 'Kind of the resource.' }),
    resourceId: t.id({ required: true, description: 'Identifier of the resource, 1..255 characters.' }),
  }),
});

export const GroupRef = builder.objectRef<Group>('Group');

export const GroupConnection = connectionOf(GroupRef, 'Group', 'groups');

builder.node(GroupRef, {
  description: 'A group of an account. Its members are users and other groups (subgroups); a group has at most one parent.',
  id: { resolve: (group) => group.id },
  loadMany: visibleLoadMany('Group'),
  fields: (t) => ({
    ...permissionFields(t, 'Group'),
    name: t.exposeString('name', { description: 'Name, unique within the account, 1..255 characters, no "/".' }),
    description: t.exposeString('description', { nullable: true, description: 'Free text, up to 2048 characters.' }),
    attributes: t.field({ type: 'JSONObject', description: 'Free-form attributes (a JSON object, up to 16 KiB).', resolve: (g) => g.attributes }),
    linkedScopes: t.field({ type: [LinkedScopeRef], description: 'Resources the group is linked to.', resolve: (g) => g.linkedScopes }),
    account: t.field({ type: AccountRef, description: 'The account the group belongs to.', resolve: async (g, _args, ctx) => (await ctx.loaders.account.load(g.accountId))! }),
    parent: t.field({
      type: GroupRef,
      nullable: true,
      description: 'The group this group is a member of; null for a top-level group.',
      resolve: async (g, _args, ctx) => {
        const parentId = await ctx.loaders.groupParent.load(g.id);
        return parentId ? ctx.loaders.group.load(parentId) : null;
      },
    }),
    path: t.string({
      description: 'Names from the top-level group down to this one, e.g. "/Engineering/Backend".',
      resolve: async (g, _args, ctx) => `/${(await ctx.loaders.groupPath.load(g.id)).map((a) => a.name).join('/')}`,
    }),
    subgroups: t.connection(
      {
        type: GroupRef,
        description: 'The groups directly in this group, in the order they were added.',
        resolve: (g, args, ctx) =>
          relationConnection(ctx, {
            list: GROUP_LISTS.subgroups,
            filter: {},
            parentId: g.id,
            args,
            load: ctx.loaders.group,
          }),
      },
      GroupConnection,
    ),
    createdAt: t.expose('createdAt', { type: 'DateTime', description: 'When the group was created.' }),
    updatedAt: t.expose('updatedAt', { type: 'DateTime', description: 'When the group last changed.' }),
  }),
});
entityLoadedBy(GroupRef, 'Group');

builder.objectField(AccountRef, 'groups', (t) =>
  t.connection(
    {
      type: GroupRef,
      description: "The account's groups, at every level of nesting, oldest first.",
      args: { search: t.arg.string({ description: 'Case-insensitive text matched against the group name.' }) },
      resolve: (account, args, ctx) =>
        relationConnection(ctx, {
          list: GROUP_LISTS.byAccount,
          filter: { search: searchTerm(args.search) },
          parentId: account.id,
          args,
          load: ctx.loaders.group,
        }),
    },
    GroupConnection,
  ),
);

const CreateGroupInput = builder.inputType('CreateGroupInput', {
  description: 'A new group.',
  fields: (t) => ({
    accountId: t.id({ required: true, description: 'Global id of the account.' }),
    name: t.string({ required: true, description: 'Name, unique within the account, 1..255 characters, no "/".' }),
    description: t.string({ description: 'Free text, up to 2048 characters.' }),
    attributes: t.field({ type: 'JSONObject', description: 'Free-form attributes (a JSON object, up to 16 KiB).' }),
    linkedScopes: t.field({ type: [LinkedScopeInput], description: 'Resources to link the group to (at most 100).' }),
  }),
});

const UpdateGroupInput = builder.inputType('UpdateGroupInput', {
  description: 'Changes to a group; omitted fields stay as they are.',
  fields: (t) => ({
    id: t.id({ required: true, description: 'Global id of the group.' }),
    name: t.string({ description: 'New name.' }),
    description: t.string({ description: 'New description; null clears it.' }),
    attributes: t.field({ type: 'JSONObject', description: 'New attributes, replacing the old ones.' }),
    linkedScopes: t.field({ type: [LinkedScopeInput], description: 'New linked scopes, replacing the old ones.' }),
  }),
});

const DeleteGroupInput = builder.inputType('DeleteGroupInput', {
  description: 'The group to delete.',
  fields: (t) => ({ id: t.id({ required: true, description: 'Global id of the group.' }) }),
});

const groupPayload = (name: string, mutation: string) =>
  payload<{ group: Group }>(name, `The result of ${mutation}.`, (t) => ({
    group: t.field({ type: GroupRef, nullable: true, description: 'The group, as it is now.', resolve: (p) => p.group ?? null }),
  }));

const DeleteGroupPayload = payload<{ deletedGroupId: string; detachedSubgroupCount: number }>('DeleteGroupPayload', 'The result of deleteGroup.', (t) => ({
  deletedGroupId: t.id({ nullable: true, description: 'Global id of the deleted group.', resolve: (p) => p.deletedGroupId ?? null }),
  detachedSubgroupCount: t.int({ nullable: true, description: 'How many subgroups became top-level groups.', resolve: (p) => p.detachedSubgroupCount ?? null }),
}));

builder.mutationFields((t) => ({
  createGroup: t.field({
    type: groupPayload('CreateGroupPayload', 'createGroup'),
    description: 'Creates a top-level group in an account.',
    args: { input: t.arg({ type: CreateGroupInput, required: true, description: 'The group to create.' }) },
    resolve: (_root, { input }, ctx) => attempt(async () => ({ group: await ctx.services.groups.createGroup(ctx.authz, localId(input.accountId, 'Account', 'accountId'), input) })),
  }),
  updateGroup: t.field({
    type: groupPayload('UpdateGroupPayload', 'updateGroup'),
    description: "Changes a group's name, description, attributes or linked scopes.",
    args: { input: t.arg({ type: UpdateGroupInput, required: true, description: 'The changes.' }) },
    resolve: (_root, { input }, ctx) =>
      attempt(async () => {
        const { id, name, attributes, linkedScopes, description } = input;
        return {
          group: await ctx.services.groups.updateGroup(ctx.authz, localId(id, 'Group', 'id'), {
            name: name ?? undefined,
            description,
            attributes: attributes === null ? {} : attributes,
            linkedScopes: linkedScopes === null ? [] : linkedScopes,
          }),
        };
      }),
  }),
  deleteGroup: t.field({
    type: DeleteGroupPayload,
    description: 'Deletes a group and its member edges; its subgroups become top-level groups, grants to it are revoked.',
    args: { input: t.arg({ type: DeleteGroupInput, required: true, description: 'The group to delete.' }) },
    resolve: (_root, { input }, ctx) =>
      attempt(async () => {
        const { detachedSubgroups } = await ctx.services.groups.deleteGroup(ctx.authz, localId(input.id, 'Group', 'id'));
        return { deletedGroupId: input.id, detachedSubgroupCount: detachedSubgroups };
      }),
  }),
}));
