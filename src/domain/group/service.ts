import type { Authorizer } from '../authz/authorizer.js';
import { loadFor, authorizeCreate } from '../authz/access.js';
import { requireDominatesStored } from '../authz/dominance.js';
import { ConflictError, GroupCycleError, NotFoundError } from '../errors.js';
import type { Group, LinkedScope, MembershipStats } from '../model.js';
import type { Store } from '../store.js';
import { LIMITS, attributes, groupName, linkedScopes, optionalText } from '../validation.js';
import { defineList, type NoFilter, type Search } from '../lists.js';

export interface GroupInput {
  name: string;
  description?: string | null;
  attributes?: unknown;
  linkedScopes?: readonly LinkedScope[] | null;
}

export interface MembershipChange {
  group: Group;
  /** Whether the call changed anything (adding an existing member, for one, does not). */
  changed: boolean;
  stats: MembershipStats;
}

/** The lists of groups and their members (domain list queries: the GraphQL layer pages them through its loaders). */
export const GROUP_LISTS = {
  byAccount: defineList<Search>('account.groups', (s, ids, args, f) => s.groups.pagesByAccount(ids, args, f.search), (s, ids, f) => s.groups.countsByAccount(ids, f.search)),
  members: defineList<Search>('group.members', (s, ids, args, f) => s.groups.memberPages(ids, args, f.search), (s, ids, f) => s.groups.memberCounts(ids, f.search)),
  subgroups: defineList<NoFilter>('group.subgroups', (s, ids, args) => s.groups.subgroupPages(ids, args), (s, ids) => s.groups.subgroupCounts(ids)),
} as const;

export class GroupService {
  constructor(private readonly store: Store) {}

  async createGroup(actor: Authorizer, accountId: string, input: GroupInput): Promise<Group> {
    await authorizeCreate(actor, 'Group', 'Account', { accountId }, 'accountId');
    const fields = {
      name: groupName('name', input.name),
      description: optionalText('description', input.description, LIMITS.description),
      attributes: attributes('attributes', input.attributes),
      linkedScopes: linkedScopes('linkedScopes', input.linkedScopes),
    };
    return this.store.transaction(async (tx) => {
      if (!(await tx.lockAccount(accountId))) throw new NotFoundError('Account', 'accountId');
      if (await tx.groups.findByName(accountId, fields.name)) throw new ConflictError('a group with this name already exists in the account', 'name');
      return tx.groups.create({ accountId, ...fields });
    });
  }

  updateGroup(actor: Authorizer, groupId: string, patch: Partial<GroupInput>): Promise<Group> {
    const changes = {
      name: patch.name === undefined || patch.name === null ? undefined : groupName('name', patch.name),
      description: patch.description === undefined ? undefined : optionalText('description', patch.description, LIMITS.description),
      attributes: patch.attributes === undefined ? undefined : attributes('attributes', patch.attributes),
      linkedScopes: patch.linkedScopes === undefined ? undefined : linkedScopes('linkedScopes', patch.linkedScopes),
    };
    return this.store.transaction(async (tx) => {
      const group = await this.load(tx, actor, groupId, 'id');
      await tx.lockAccount(group.accountId);
      if (changes.name !== undefined && changes.name !== group.name && (await tx.groups.findByName(group.accountId, changes.name))) {
        throw new ConflictError('a group with this name already exists in the account', 'name');
      }
      return tx.groups.update(groupId, changes);
    });
  }

  /** Deletes a group with its member edges; its subgroups stay, as top-level groups. */
  deleteGroup(actor: Authorizer, groupId: string): Promise<{ group: Group; detachedSubgroups: number }> {
    return this.store.transaction(async (tx) => {
      const group = await this.load(tx, actor, groupId, 'id');
      await tx.lockAccount(group.accountId);
      const detachedSubgroups = await tx.groups.delete(groupId);
      return { group, detachedSubgroups };
    });
  }

  addGroupMemberUser(actor: Authorizer, groupId: string, userId: string): Promise<MembershipChange> {
    return this.store.transaction(async (tx) => {
      const group = await this.loadForGranting(tx, actor, groupId);
      // A user of another account reads exactly like a user that does not exist.
      if (!(await tx.users.inAccount(group.accountId, [userId])).has(userId)) throw new NotFoundError('User', 'userId');
      const changed = await tx.groups.addUser(groupId, userId);
      return { group, changed, stats: await tx.groups.stats(groupId) };
    });
  }

  removeGroupMemberUser(actor: Authorizer, groupId: string, userId: string): Promise<MembershipChange> {
    return this.store.transaction(async (tx) => {
      const group = await this.load(tx, actor, groupId, 'groupId');
      if (!(await tx.groups.removeUser(groupId, userId))) throw new NotFoundError('GroupMember', 'userId');
      return { group, changed: true, stats: await tx.groups.stats(groupId) };
    });
  }

  addGroupMemberServiceAccount(actor: Authorizer, groupId: string, serviceAccountId: string): Promise<MembershipChange> {
    return this.store.transaction(async (tx) => {
      const group = await this.loadForGranting(tx, actor, groupId);
      // A service account of another account reads exactly like one that does not exist.
      if (!(await tx.serviceAccounts.inAccount(group.accountId, [serviceAccountId])).has(serviceAccountId)) throw new NotFoundError('ServiceAccount', 'serviceAccountId');
      const changed = await tx.groups.addServiceAccount(groupId, serviceAccountId);
      return { group, changed, stats: await tx.groups.stats(groupId) };
    });
  }

  removeGroupMemberServiceAccount(actor: Authorizer, groupId: string, serviceAccountId: string): Promise<MembershipChange> {
    return this.store.transaction(async (tx) => {
      const group = await this.load(tx, actor, groupId, 'groupId');
      if (!(await tx.groups.removeServiceAccount(groupId, serviceAccountId))) throw new NotFoundError('GroupMember', 'serviceAccountId');
      return { group, changed: true, stats: await tx.groups.stats(groupId) };
    });
  }

  /** Makes `childGroupId` a subgroup of `groupId`. A group has one parent; cycles are refused. */
  addGroupMemberGroup(actor: Authorizer, groupId: string, childGroupId: string): Promise<MembershipChange> {
    return this.store.transaction(async (tx) => {
      const group = await this.loadForGranting(tx, actor, groupId);
      const [child] = await tx.groups.byIds([childGroupId]);
      if (!child || child.accountId !== group.accountId) throw new NotFoundError('Group', 'childGroupId');
      if (await tx.groups.isAncestorOrSelf(childGroupId, groupId)) throw new GroupCycleError(groupId, childGroupId);
      const currentParent = (await tx.groups.parents([childGroupId])).get(childGroupId);
      if (currentParent === groupId) return { group, changed: false, stats: await tx.groups.stats(groupId) };
      if (currentParent !== undefined) {
        throw new ConflictError('the group is already a subgroup of another group; remove it from there first (a group has one parent)', 'childGroupId');
      }
      await tx.groups.attachGroup(groupId, childGroupId);
      return { group, changed: true, stats: await tx.groups.stats(groupId) };
    });
  }

  removeGroupMemberGroup(actor: Authorizer, groupId: string, childGroupId: string): Promise<MembershipChange> {
    return this.store.transaction(async (tx) => {
      const group = await this.load(tx, actor, groupId, 'groupId');
      await tx.lockAccount(group.accountId);
      if (!(await tx.groups.detachGroup(groupId, childGroupId))) throw new NotFoundError('GroupMember', 'childGroupId');
      return { group, changed: true, stats: await tx.groups.stats(groupId) };
    });
  }

  /**
   * A group the actor may add a member to. The account row is locked first, so that the membership is
   * decided against the account as it is (a concurrent removeUser waits, or has finished). A new member
   * gets everything the group holds (its own grants and its ancestors'): the actor must hold it all.
   */
  private async loadForGranting(tx: Store, actor: Authorizer, groupId: string): Promise<Group> {
    const group = await this.load(tx, actor, groupId, 'groupId');
    await tx.lockAccount(group.accountId);
    await requireDominatesStored(tx, actor, { type: 'GROUP', id: groupId }, group.accountId, 'this group');
    return group;
  }

  /** Loads a group the actor may manage; an invisible group reads as a missing one. */
  private load(tx: Store, actor: Authorizer, groupId: string, field: string): Promise<Group> {
    return loadFor(tx, actor, 'Group', groupId, 'manage', { field });
  }
}
