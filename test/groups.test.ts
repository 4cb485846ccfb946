// Groups: validation, nesting (one parent, no cycles), membership counts, paths, search, deletion,
// and the transitive "groups of a user" query the authorization work relies on.
import { decodeGlobalID } from '@pothos/plugin-relay';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  AddGroupMemberGroupDocument,
  AddGroupMemberUserDocument,
  CreateGroupDocument,
  DeleteGroupDocument,
  GroupDocument,
  GroupMembersDocument,
  AccountGroupsDocument,
  RemoveGroupMemberGroupDocument,
  RemoveGroupMemberUserDocument,
  UpdateGroupDocument,
} from './generated/graphql.js';
import { account, addUser, group, nest, user } from './support/fixtures.js';
import { provider, startTestApp, type TestApp } from './support/harness.js';

const local = (globalId: string) => decodeGlobalID(globalId).id;

describe(`groups (${provider})`, () => {
  let t: TestApp;
  let acme: string;
  let other: string;

  beforeAll(async () => {
    t = await startTestApp();
    acme = await account(t, 'Acme');
    other = await account(t, 'Other');
  });
  afterAll(() => t.close());

  type GroupNode = Extract<NonNullable<Awaited<ReturnType<typeof readNode>>>, { name: string }>;
  const readNode = async (id: string) => (await t.ok(GroupDocument, { id })).node;
  const readGroup = async (id: string) => (await readNode(id)) as GroupNode | null;

  describe('createGroup', () => {
    it('creates a group with attributes and linked scopes', async () => {
      const { createGroup } = await t.ok(CreateGroupDocument, {
        input: {
          accountId: acme,
          name: '  Engineering ',
          description: 'Builders',
          attributes: { costCenter: 'R&D', tier: 2 },
          linkedScopes: [{ resourceType: 'WORKSPACE', resourceId: 'ws-1' }],
        },
      });
      expect(createGroup.errors).toEqual([]);
      expect(createGroup.group).toMatchObject({
        name: 'Engineering',
        description: 'Builders',
        attributes: { costCenter: 'R&D', tier: 2 },
        linkedScopes: [{ resourceType: 'WORKSPACE', resourceId: 'ws-1' }],
        path: '/Engineering',
        parent: null,
      });
    });

    it.each([
      ['an empty name', { name: '   ' }, 'ValidationError', 'name'],
      ['a name with a slash', { name: 'a/b' }, 'ValidationError', 'name'],
      ['a name over 255 characters', { name: 'x'.repeat(256) }, 'ValidationError', 'name'],
      ['a description over 2048 characters', { name: 'Long', description: 'd'.repeat(2049) }, 'ValidationError', 'description'],
      ['attributes over 16 KiB', { name: 'Big', attributes: { blob: 'b'.repeat(17_000) } }, 'ValidationError', 'attributes'],
      [
        'a repeated linked scope',
        { name: 'Twice', linkedScopes: [{ resourceType: 'DOMAIN' as const, resourceId: 'd' }, { resourceType: 'DOMAIN' as const, resourceId: 'd' }] },
        'ValidationError',
        'linkedScopes',
      ],
      ['a name already used in the account', { name: 'Engineering' }, 'ConflictError', 'name'],
    ])('refuses %s', async (_case, input, typename, field) => {
      const before = (await t.ok(AccountGroupsDocument, { id: acme })).account!.groups.totalCount;
      const { createGroup } = await t.ok(CreateGroupDocument, { input: { accountId: acme, ...input } });
      expect(createGroup.group).toBeNull();
      expect(createGroup.errors).toEqual([expect.objectContaining({ __typename: typename, field })]);
      expect((await t.ok(AccountGroupsDocument, { id: acme })).account!.groups.totalCount).toBe(before);
    });

    it('allows the same name in another account', async () => {
      const { createGroup } = await t.ok(CreateGroupDocument, { input: { accountId: other, name: 'Engineering' } });
      expect(createGroup.errors).toEqual([]);
    });

    it('reads an unknown or mistyped account id as not found', async () => {
      for (const accountId of ['nonsense', Buffer.from('Group:01ARZ3NDEKTSV4RRFFQ69G5FAV').toString('base64'), Buffer.from('Account:01ARZ3NDEKTSV4RRFFQ69G5FAV').toString('base64')]) {
        const { createGroup } = await t.ok(CreateGroupDocument, { input: { accountId, name: 'Nowhere' } });
        expect(createGroup.errors).toEqual([expect.objectContaining({ __typename: 'NotFoundError', field: 'accountId' })]);
      }
    });
  });

  describe('updateGroup', () => {
    it('renames, replaces attributes and scopes, and clears the description', async () => {
      const id = await group(t, acme, 'Sales');
      const { updateGroup } = await t.ok(UpdateGroupDocument, {
        input: { id, name: 'Sales EMEA', description: null, attributes: { region: 'emea' }, linkedScopes: [] },
      });
      expect(updateGroup.errors).toEqual([]);
      expect(updateGroup.group).toMatchObject({ name: 'Sales EMEA', description: null, attributes: { region: 'emea' }, linkedScopes: [], path: '/Sales EMEA' });
    });

    it('refuses a name taken by another group, and changes nothing', async () => {
      const id = await group(t, acme, 'Support');
      const { updateGroup } = await t.ok(UpdateGroupDocument, { input: { id, name: 'Engineering', description: 'changed' } });
      expect(updateGroup.errors).toEqual([expect.objectContaining({ __typename: 'ConflictError', field: 'name' })]);
      expect((await readGroup(id))!).toMatchObject({ name: 'Support', description: null });
    });

    it('reads a missing or mistyped group id as not found', async () => {
      for (const id of [Buffer.from('Group:01ARZ3NDEKTSV4RRFFQ69G5FAV').toString('base64'), acme]) {
        const { updateGroup } = await t.ok(UpdateGroupDocument, { input: { id, name: 'Renamed' } });
        expect(updateGroup.errors).toEqual([expect.objectContaining({ __typename: 'NotFoundError', field: 'id' })]);
      }
    });
  });

  describe('membership', () => {
    let root: string;
    let mid: string;
    let leaf: string;
    let alice: string;
    let bob: string;

    beforeAll(async () => {
      root = await group(t, acme, 'Root');
      mid = await group(t, acme, 'Mid');
      leaf = await group(t, acme, 'Leaf');
      alice = await user(t, acme, 'alice@example.com', { firstName: 'Alice', lastName: 'Archer' });
      bob = await user(t, acme, 'bob@example.com', { firstName: 'Bob', username: 'bobby' });
    });

    it('adds users and groups and returns the subtree counts', async () => {
      const first = (await t.ok(AddGroupMemberUserDocument, { input: { groupId: leaf, userId: alice } })).addGroupMemberUser;
      expect(first).toMatchObject({ changed: true, errors: [], membershipStats: { groupEdges: 0, userEdges: 1, totalEdges: 1, groupsSeen: 1 } });

      const again = (await t.ok(AddGroupMemberUserDocument, { input: { groupId: leaf, userId: alice } })).addGroupMemberUser;
      expect(again).toMatchObject({ changed: false, errors: [], membershipStats: { userEdges: 1 } });

      await nest(t, mid, leaf);
      await addUser(t, mid, bob);
      const top = (await t.ok(AddGroupMemberGroupDocument, { input: { groupId: root, childGroupId: mid } })).addGroupMemberGroup;
      expect(top).toMatchObject({ changed: true, errors: [], membershipStats: { groupEdges: 2, userEdges: 2, totalEdges: 4, groupsSeen: 3 } });
    });

    it('shows parent, path and subgroups', async () => {
      const node = (await readGroup(leaf))!;
      expect(node.path).toBe('/Root/Mid/Leaf');
      expect(node.parent).toMatchObject({ id: mid, name: 'Mid' });
      const rootNode = (await readGroup(root)) as unknown as { subgroups: { totalCount: number; edges: { node: { id: string } }[] } };
      expect(rootNode.subgroups.totalCount).toBe(1);
      expect(rootNode.subgroups.edges.map((e) => e.node.id)).toEqual([mid]);
    });

    it('lists members of both kinds, with search', async () => {
      const { node } = await t.ok(GroupMembersDocument, { id: mid, first: 10 });
      const members = (node as { members: { totalCount: number; edges: { node: Record<string, unknown> }[] } }).members;
      expect(members.totalCount).toBe(2);
      expect(members.edges.map((e) => e.node)).toEqual([
        expect.objectContaining({ subjectType: 'GROUP', subjectId: leaf, resolved: true, user: null, group: { id: leaf, name: 'Leaf' }, memberOf: { id: mid } }),
        expect.objectContaining({ subjectType: 'USER', subjectId: bob, resolved: true, user: { id: bob, email: 'bob@example.com' }, group: null }),
      ]);
      for (const [search, expected] of [
        ['BOBBY', [bob]],
        ['leaf', [leaf]],
        ['nobody', []],
        ['%', []],
        ['_', []],
      ] as const) {
        const result = (await t.ok(GroupMembersDocument, { id: mid, search, first: 10 })).node as { members: { totalCount: number; edges: { node: { subjectId: string } }[] } };
        expect(result.members.edges.map((e) => e.node.subjectId), `search ${search}`).toEqual(expected);
        expect(result.members.totalCount).toBe(expected.length);
      }
    });

    it('answers "every group a user is in" transitively, with one indexed query', async () => {
      const groups = await t.app.store.groups.transitiveGroupIdsOfUser(local(acme), local(alice));
      expect(groups.sort()).toEqual([local(root), local(mid), local(leaf)].sort());
      expect(await t.app.store.groups.transitiveGroupIdsOfUser(local(acme), local(bob))).toEqual([local(root), local(mid)].sort());
      expect(await t.app.store.groups.transitiveGroupIdsOfUser(local(other), local(alice))).toEqual([]);
    });

    it('refuses cycles with a typed error and changes nothing', async () => {
      for (const [groupId, childGroupId] of [
        [leaf, root],
        [leaf, mid],
        [mid, mid],
      ]) {
        const result = (await t.ok(AddGroupMemberGroupDocument, { input: { groupId: groupId!, childGroupId: childGroupId! } })).addGroupMemberGroup;
        expect(result.errors).toEqual([expect.objectContaining({ __typename: 'GroupCycleError', field: 'childGroupId' })]);
        expect(result.membershipStats).toBeNull();
      }
      expect((await readGroup(leaf))!.path).toBe('/Root/Mid/Leaf');
      expect((await readGroup(root))!.parent).toBeNull();
      const groups = await t.app.store.groups.transitiveGroupIdsOfUser(local(acme), local(alice));
      expect(groups).toHaveLength(3);
    });

    it('refuses a second parent, and groups or users of another account', async () => {
      const spare = await group(t, acme, 'Spare');
      const second = (await t.ok(AddGroupMemberGroupDocument, { input: { groupId: spare, childGroupId: leaf } })).addGroupMemberGroup;
      expect(second.errors).toEqual([expect.objectContaining({ __typename: 'ConflictError', field: 'childGroupId' })]);
      expect((await readGroup(leaf))!.parent).toMatchObject({ id: mid });

      const foreignGroup = await group(t, other, 'Elsewhere');
      const foreignUser = await user(t, other, 'eve@example.net');
      const crossGroup = (await t.ok(AddGroupMemberGroupDocument, { input: { groupId: root, childGroupId: foreignGroup } })).addGroupMemberGroup;
      expect(crossGroup.errors).toEqual([expect.objectContaining({ __typename: 'NotFoundError', field: 'childGroupId' })]);
      const crossUser = (await t.ok(AddGroupMemberUserDocument, { input: { groupId: root, userId: foreignUser } })).addGroupMemberUser;
      expect(crossUser.errors).toEqual([expect.objectContaining({ __typename: 'NotFoundError', field: 'userId' })]);
      const intoForeign = (await t.ok(AddGroupMemberGroupDocument, { input: { groupId: foreignGroup, childGroupId: spare } })).addGroupMemberGroup;
      expect(intoForeign.errors).toEqual([expect.objectContaining({ __typename: 'NotFoundError', field: 'childGroupId' })]);
    });

    it('removes members, and refuses to remove what is not a member', async () => {
      const removed = (await t.ok(RemoveGroupMemberUserDocument, { input: { groupId: mid, userId: bob } })).removeGroupMemberUser;
      expect(removed).toMatchObject({ changed: true, errors: [], membershipStats: { userEdges: 1, groupEdges: 1, groupsSeen: 2 } });
      const notMember = (await t.ok(RemoveGroupMemberUserDocument, { input: { groupId: mid, userId: bob } })).removeGroupMemberUser;
      expect(notMember.errors).toEqual([expect.objectContaining({ __typename: 'NotFoundError', field: 'userId' })]);

      const detached = (await t.ok(RemoveGroupMemberGroupDocument, { input: { groupId: root, childGroupId: mid } })).removeGroupMemberGroup;
      expect(detached).toMatchObject({ changed: true, errors: [], membershipStats: { groupEdges: 0, userEdges: 0, groupsSeen: 1 } });
      expect((await readGroup(leaf))!.path).toBe('/Mid/Leaf');
      expect(await t.app.store.groups.transitiveGroupIdsOfUser(local(acme), local(alice))).toEqual([local(mid), local(leaf)].sort());
      const notChild = (await t.ok(RemoveGroupMemberGroupDocument, { input: { groupId: root, childGroupId: mid } })).removeGroupMemberGroup;
      expect(notChild.errors).toEqual([expect.objectContaining({ __typename: 'NotFoundError', field: 'childGroupId' })]);
    });

    it('deletes a group: subgroups become top-level, memberships go', async () => {
      await nest(t, root, mid);
      const { deleteGroup } = await t.ok(DeleteGroupDocument, { input: { id: mid } });
      expect(deleteGroup).toMatchObject({ deletedGroupId: mid, detachedSubgroupCount: 1, errors: [] });
      expect(await readGroup(mid)).toBeNull();
      const leafNow = (await readGroup(leaf))!;
      expect(leafNow).toMatchObject({ path: '/Leaf', parent: null });
      expect(await t.app.store.groups.transitiveGroupIdsOfUser(local(acme), local(alice))).toEqual([local(leaf)]);
      const stats = await t.app.store.groups.stats(local(root));
      expect(stats).toEqual({ groupEdges: 0, userEdges: 0, totalEdges: 0, groupsSeen: 1 });
      const again = (await t.ok(DeleteGroupDocument, { input: { id: mid } })).deleteGroup;
      expect(again.errors).toEqual([expect.objectContaining({ __typename: 'NotFoundError', field: 'id' })]);
    });
  });

  it('searches account groups case-insensitively and pages through them', async () => {
    const all = (await t.ok(AccountGroupsDocument, { id: acme, search: 'ENG' })).account!.groups;
    expect(all.edges.map((e) => e.node.name)).toEqual(['Engineering']);
    const pageOne = (await t.ok(AccountGroupsDocument, { id: acme, first: 2 })).account!.groups;
    expect(pageOne.edges).toHaveLength(2);
    expect(pageOne.pageInfo.hasNextPage).toBe(true);
    const pageTwo = (await t.ok(AccountGroupsDocument, { id: acme, first: 2, after: pageOne.pageInfo.endCursor })).account!.groups;
    expect(pageTwo.edges[0]!.node.id).not.toBe(pageOne.edges[1]!.node.id);
    expect(pageTwo.totalCount).toBe(pageOne.totalCount);
  });
});
