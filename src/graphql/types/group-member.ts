import { encodeGlobalID } from '@pothos/plugin-relay';
import type { GroupMember, MembershipStats, User } from '../../domain/model.js';
import type { MembershipChange } from '../../domain/group/service.js';
import { builder } from '../builder.js';
import { GROUP_LISTS } from '../../domain/group/service.js';
import type { Context } from '../context.js';
import { connectionOf, relationConnection, searchTerm } from '../connection.js';
import { attempt, localId, payload } from './errors.js';
import { GroupRef } from './group.js';
import { ServiceAccountRef } from './service-account.js';
import { UserRef } from './user.js';
import { permissionFields, visibleLoadMany } from './node.js';

const MemberSubjectTypeEnum = builder.enumType('GroupMemberSubjectType', {
  description: 'What kind of subject a group member is.',
  values: { USER: { description: 'A user.' }, GROUP: { description: 'A group (a subgroup).' }, SERVICE_ACCOUNT: { description: 'A service account.' } } as const,
});

export const GroupMemberRef = builder.objectRef<GroupMember>('GroupMember');

builder.node(GroupMemberRef, {
  description: 'A direct member of a group: a user, a service account or a subgroup.',
  id: { resolve: (m) => m.id },
  loadMany: visibleLoadMany('GroupMember'),
  fields: (t) => ({
    ...permissionFields(t, 'GroupMember'),
    subjectType: t.field({ type: MemberSubjectTypeEnum, description: 'Whether the member is a user or a group.', resolve: (m) => m.subjectType }),
    subjectId: t.id({
      description: 'Global id of the member (a User, a Group or a ServiceAccount).',
      resolve: (m) =>
        m.subjectType === 'USER' ? encodeGlobalID('User', m.userId!) : m.subjectType === 'GROUP' ? encodeGlobalID('Group', m.memberGroupId!) : encodeGlobalID('ServiceAccount', m.serviceAccountId!),
    }),
    resolved: t.boolean({
      description: 'Whether the member resolves to an existing user, group or service account.',
      resolve: async (m, _args, ctx) => (await subject(m, ctx)) !== null,
    }),
    user: t.field({ type: UserRef, nullable: true, description: 'The member, when it is a user.', resolve: (m, _args, ctx) => (m.userId ? (ctx.loaders.readAlong<User>('user', m.userId) ?? ctx.loaders.user.load(m.userId)) : null) }),
    group: t.field({
      type: GroupRef,
      nullable: true,
      description: 'The member, when it is a group (a subgroup).',
      resolve: (m, _args, ctx) => (m.memberGroupId ? ctx.loaders.group.load(m.memberGroupId) : null),
    }),
    serviceAccount: t.field({
      type: ServiceAccountRef,
      nullable: true,
      description: 'The member, when it is a service account.',
      resolve: (m, _args, ctx) => (m.serviceAccountId ? ctx.loaders.serviceAccount.load(m.serviceAccountId) : null),
    }),
    memberOf: t.field({ type: GroupRef, description: 'The group this is a member of.', resolve: async (m, _args, ctx) => (await ctx.loaders.group.load(m.groupId))! }),
    createdAt: t.expose('createdAt', { type: 'DateTime', description: 'When the member was added.' }),
  }),
});

function subject(m: GroupMember, ctx: Context) {
  if (m.userId) return ctx.loaders.user.load(m.userId);
  if (m.serviceAccountId) return ctx.loaders.serviceAccount.load(m.serviceAccountId);
  return ctx.loaders.group.load(m.memberGroupId!);
}

export const GroupMemberConnection = connectionOf(GroupMemberRef, 'GroupMember', 'group members');

builder.objectField(GroupRef, 'members', (t) =>
  t.connection(
    {
      type: GroupMemberRef,
      description: 'The direct members of the group (users and subgroups), in the order they were added.',
      args: { search: t.arg.string({ description: "Case-insensitive text matched against a user's email, username and names, or a subgroup's name." }) },
      resolve: (group, args, ctx) =>
        relationConnection(ctx, {
          list: GROUP_LISTS.members,
          filter: { search: searchTerm(args.search) },
          parentId: group.id,
          args,
          load: ctx.loaders.groupMember,
        }),
    },
    GroupMemberConnection,
  ),
);

const MembershipStatsRef = builder.objectRef<MembershipStats>('MembershipStats').implement({
  description: 'Counts over the group and everything nested in it, after the change.',
  fields: (t) => ({
    groupEdges: t.exposeInt('groupEdges', { description: 'Group-in-group edges in the subtree.' }),
    userEdges: t.exposeInt('userEdges', { description: 'User-in-group edges in the subtree.' }),
    totalEdges: t.exposeInt('totalEdges', { description: 'groupEdges + userEdges.' }),
    groupsSeen: t.exposeInt('groupsSeen', { description: 'Groups in the subtree, the group itself included.' }),
  }),
});

function membershipPayload(name: string, mutation: string) {
  return payload<MembershipChange>(name, `The result of ${mutation}.`, (t) => ({
    group: t.field({ type: GroupRef, nullable: true, description: 'The group whose members changed.', resolve: (p) => p.group ?? null }),
    changed: t.boolean({ nullable: true, description: 'Whether anything changed (adding a member twice changes nothing).', resolve: (p) => p.changed ?? null }),
    membershipStats: t.field({ type: MembershipStatsRef, nullable: true, description: 'Counts over the group subtree after the change.', resolve: (p) => p.stats ?? null }),
  }));
}

const userMembershipInput = (name: string) =>
  builder.inputType(name, {
    description: 'A group and a user of the same account.',
    fields: (t) => ({
      groupId: t.id({ required: true, description: 'Global id of the group.' }),
      userId: t.id({ required: true, description: 'Global id of the user.' }),
    }),
  });

const groupMembershipInput = (name: string) =>
  builder.inputType(name, {
    description: 'A group and a group nested (or to nest) in it, of the same account.',
    fields: (t) => ({
      groupId: t.id({ required: true, description: 'Global id of the parent group.' }),
      childGroupId: t.id({ required: true, description: 'Global id of the nested group.' }),
    }),
  });

builder.mutationFields((t) => ({
  addGroupMemberUser: t.field({
    type: membershipPayload('AddGroupMemberUserPayload', 'addGroupMemberUser'),
    description: 'Adds a user of the account to a group. Adding a member twice changes nothing.',
    args: { input: t.arg({ type: userMembershipInput('AddGroupMemberUserInput'), required: true, description: 'The group and the user.' }) },
    resolve: (_root, { input }, ctx) =>
      attempt(() => ctx.services.groups.addGroupMemberUser(ctx.authz, localId(input.groupId, 'Group', 'groupId'), localId(input.userId, 'User', 'userId'))),
  }),
  removeGroupMemberUser: t.field({
    type: membershipPayload('RemoveGroupMemberUserPayload', 'removeGroupMemberUser'),
    description: 'Removes a user from a group.',
    args: { input: t.arg({ type: userMembershipInput('RemoveGroupMemberUserInput'), required: true, description: 'The group and the user.' }) },
    resolve: (_root, { input }, ctx) =>
      attempt(() => ctx.services.groups.removeGroupMemberUser(ctx.authz, localId(input.groupId, 'Group', 'groupId'), localId(input.userId, 'User', 'userId'))),
  }),
  addGroupMemberGroup: t.field({
    type: membershipPayload('AddGroupMemberGroupPayload', 'addGroupMemberGroup'),
    description: 'Nests a group in another group of the same account. A group has one parent; a cycle is a GroupCycleError.',
    args: { input: t.arg({ type: groupMembershipInput('AddGroupMemberGroupInput'), required: true, description: 'The parent and the group to nest.' }) },
    resolve: (_root, { input }, ctx) =>
      attempt(() => ctx.services.groups.addGroupMemberGroup(ctx.authz, localId(input.groupId, 'Group', 'groupId'), localId(input.childGroupId, 'Group', 'childGroupId'))),
  }),
  removeGroupMemberGroup: t.field({
    type: membershipPayload('RemoveGroupMemberGroupPayload', 'removeGroupMemberGroup'),
    description: 'Takes a subgroup out of its parent; it becomes a top-level group.',
    args: { input: t.arg({ type: groupMembershipInput('RemoveGroupMemberGroupInput'), required: true, description: 'The parent and the subgroup.' }) },
    resolve: (_root, { input }, ctx) =>
      attempt(() => ctx.services.groups.removeGroupMemberGroup(ctx.authz, localId(input.groupId, 'Group', 'groupId'), localId(input.childGroupId, 'Group', 'childGroupId'))),
  }),
}));

const serviceAccountMembershipInput = (name: string) =>
  builder.inputType(name, {
    description: 'A group and a service account of the same account.',
    fields: (t) => ({
      groupId: t.id({ required: true, description: 'Global id of the group.' }),
      serviceAccountId: t.id({ required: true, description: 'Global id of the service account.' }),
    }),
  });

builder.mutationFields((t) => ({
  addGroupMemberServiceAccount: t.field({
    type: membershipPayload('AddGroupMemberServiceAccountPayload', 'addGroupMemberServiceAccount'),
    description: 'Adds a service account of the account to a group: it holds what the group holds. Adding it twice changes nothing.',
    args: { input: t.arg({ type: serviceAccountMembershipInput('AddGroupMemberServiceAccountInput'), required: true, description: 'The group and the service account.' }) },
    resolve: (_root, { input }, ctx) =>
      attempt(() =>
        ctx.services.groups.addGroupMemberServiceAccount(ctx.authz, localId(input.groupId, 'Group', 'groupId'), localId(input.serviceAccountId, 'ServiceAccount', 'serviceAccountId')),
      ),
  }),
  removeGroupMemberServiceAccount: t.field({
    type: membershipPayload('RemoveGroupMemberServiceAccountPayload', 'removeGroupMemberServiceAccount'),
    description: 'Removes a service account from a group.',
    args: { input: t.arg({ type: serviceAccountMembershipInput('RemoveGroupMemberServiceAccountInput'), required: true, description: 'The group and the service account.' }) },
    resolve: (_root, { input }, ctx) =>
      attempt(() =>
        ctx.services.groups.removeGroupMemberServiceAccount(ctx.authz, localId(input.groupId, 'Group', 'groupId'), localId(input.serviceAccountId, 'ServiceAccount', 'serviceAccountId')),
      ),
  }),
}));
