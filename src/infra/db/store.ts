// The Prisma implementation of the domain's Store port: the only code that touches the database.
import type { Account, Group, GroupMember, LinkedScope, MembershipStats, User, Workspace } from '../../domain/model.js';
import type {
  EmailProofPurpose,
  EmailProofRecord,
  EmailProofRepo,
  AccountRepo,
  GrantFilter,
  GrantRecord,
  GrantRepo,
  GroupRepo,
  IdentityRepo,
  NewUser,
  PageArgs,
  RoleAssignmentFilter,
  RoleAssignmentRecord,
  RelatedNode,
  RoleAssignmentRepo,
  SessionRepo,
  Store,
  SubjectGrants,
  UserRepo,
  WorkspaceRepo,
} from '../../domain/store.js';
import type { DatabaseProvider } from '../../config.js';
import { ConflictError } from '../../domain/errors.js';
import { newId } from '../ids.js';
import { inOrder, rowsByIds } from './rows.js';
import { Prisma, type Db, type RawReader } from './client.js';
import { ApiKeys, Invitations, Outbox, ServiceAccounts } from './machine-store.js';
import { countsByParent, indexedBy, pagesByParent, searchCondition } from './paging.js';
import { PrismaZoneStore } from './zone-store.js';

type Tx = Prisma.TransactionClient;


function userSearchText(u: { email: string; username: string | null; firstName: string | null; lastName: string | null }): string {
  return [u.email, u.username, u.firstName, u.lastName].filter(Boolean).join(' ').toLowerCase();
}

type UserRow = Awaited<ReturnType<Db['user']['findFirstOrThrow']>>;
type GroupRow = Awaited<ReturnType<Db['group']['findFirstOrThrow']>>;

/** The columns a User is made of (not the password hash or the search text): what the hot reads select. */
const USER_COLUMNS = { id: true, email: true, username: true, firstName: true, lastName: true, emailVerifiedAt: true, createdAt: true, updatedAt: true } as const;

const USER_SELECT = Prisma.join(
  Object.keys(USER_COLUMNS).map((column) => Prisma.raw(`"${column}"`)),
  ', ',
);

function toUser(row: Pick<UserRow, keyof typeof USER_COLUMNS>): User {
  const { id, email, username, firstName, lastName, emailVerifiedAt, createdAt, updatedAt } = row;
  return { id, email, username, firstName, lastName, emailVerifiedAt, createdAt, updatedAt };
}

function toGroup(row: GroupRow): Group {
  return {
    id: row.id,
    accountId: row.accountId,
    name: row.name,
    description: row.description,
    attributes: (row.attributes ?? {}) as Record<string, unknown>,
    linkedScopes: (row.linkedScopes ?? []) as unknown as LinkedScope[],
    createdAt: row.createdAt,
    updatedAt: row.updatedAt,
  };
}

const toAccount = (row: Account): Account => row;
const toWorkspace = (row: Workspace): Workspace => row;
const toMember = (row: Omit<GroupMember, 'subjectType'> & { subjectType: string }): GroupMember => ({ ...row, subjectType: row.subjectType as GroupMember['subjectType'] });

// Node rows read along with a page (see PageSpec.row): the columns Prisma's findMany reads, mapped the same way.
const GROUP_ROW = {
  columns: Prisma.sql`g."id", g."accountId", g."name", g."description", g."attributes", g."linkedScopes", g."createdAt", g."updatedAt"`,
  toNode: (row: Record<string, unknown>) => toGroup(row as unknown as GroupRow),
};
/** User's primary-key index on SQLite (the automatic index of its TEXT PRIMARY KEY). */
const USER_PRIMARY_KEY = 'sqlite_autoindex_User_1';

// A member's row, and its user's (joined after the window, through User's primary key): the user loader starts with it.
const memberRow = (provider: DatabaseProvider) => ({
  // Its id and group are the page's key and parent (k, p): not read twice.
  columns: Prisma.sql`m."accountId", CAST(m."subjectType" AS TEXT) AS "subjectType", m."userId", m."memberGroupId", m."serviceAccountId", m."createdAt"`,
  joined: {
    columns: Prisma.sql`u."email" AS "uEmail", u."username" AS "uUsername", u."firstName" AS "uFirstName", u."lastName" AS "uLastName", u."emailVerifiedAt" AS "uEmailVerifiedAt", u."createdAt" AS "uCreatedAt", u."updatedAt" AS "uUpdatedAt", uau."userId" AS "uInAccount"`,
    // Whether the user is in the group's account (so a caller who reads that account's users sees it without
    // loading all its accounts): its AccountUser row, through the unique (accountId, userId) index.
    join: Prisma.sql`LEFT JOIN "User" u${indexedBy(provider, USER_PRIMARY_KEY)} ON u."id" = s."userId"
      LEFT JOIN "AccountUser" uau${indexedBy(provider, 'AccountUser_accountId_userId_key')} ON uau."accountId" = s."accountId" AND uau."userId" = s."userId"`,
  },
  toNode: (row: Record<string, unknown>): GroupMember => {
    const { k, p, accountId, subjectType, userId, memberGroupId, serviceAccountId, createdAt } = row as unknown as Omit<GroupMember, 'id' | 'groupId'> & { k: string; p: string };
    return { id: k, accountId, groupId: p, subjectType, userId, memberGroupId, serviceAccountId, createdAt };
  },
  related: (row: Record<string, unknown>): RelatedNode[] | undefined => {
    const userId = row.userId as string | null;
    if (userId === null || row.uEmail === null || row.uEmail === undefined) return undefined;
    const user: User = {
      id: userId,
      email: row.uEmail as string,
      username: row.uUsername as string | null,
      firstName: row.uFirstName as string | null,
      lastName: row.uLastName as string | null,
      emailVerifiedAt: row.uEmailVerifiedAt as Date | null,
      createdAt: row.uCreatedAt as Date,
      updatedAt: row.uUpdatedAt as Date,
    };
    return [row.uInAccount === null || row.uInAccount === undefined ? { loader: 'user', id: userId, node: user } : { loader: 'user', id: userId, node: user, inAccount: row.accountId as string }];
  },
});

class Accounts implements AccountRepo {
  constructor(
    private readonly db: Tx,
    private readonly provider: DatabaseProvider,
  ) {}
  create(input: { name: string; description: string | null }) {
    return this.db.account.create({ data: { id: newId(), ...input } });
  }
  update(id: string, patch: { name?: string; description?: string | null }) {
    return this.db.account.update({ where: { id }, data: patch });
  }
  async byIds(ids: readonly string[]) {
    return inOrder(ids, await rowsByIds<Account>(this.db, 'Account', Prisma.sql`"id", "name", "description", "createdAt", "updatedAt"`, ids), toAccount);
  }
  async page(args: PageArgs, only?: readonly string[]) {
    if (only && only.length === 0) return { edges: [], hasNextPage: false, hasPreviousPage: false };
    const where = only ? Prisma.sql`a."id" IN (${Prisma.join(only)})` : undefined;
    const spec = { from: Prisma.sql`(SELECT 'all' AS "p", "id" FROM "Account") a`, parent: Prisma.sql`a."p"`, key: Prisma.sql`a."id"`, node: Prisma.sql`a."id"`, where };
    return (await pagesByParent(this.db, spec, ['all'], args, this.provider)).get('all')!;
  }
  count(only?: readonly string[]) {
    return this.db.account.count(only ? { where: { id: { in: [...only] } } } : undefined);
  }
}

class Workspaces implements WorkspaceRepo {
  constructor(
    private readonly db: Tx,
    private readonly provider: DatabaseProvider,
  ) {}
  create(input: { accountId: string; name: string; description: string | null }) {
    return this.db.workspace.create({ data: { id: newId(), ...input } });
  }
  update(id: string, patch: { name?: string; description?: string | null }) {
    return this.db.workspace.update({ where: { id }, data: patch });
  }
  async delete(id: string) {
    await this.db.workspace.delete({ where: { id } });
  }
  async byIds(ids: readonly string[]) {
    return inOrder(ids, await this.db.workspace.findMany({ where: { id: { in: [...ids] } } }), toWorkspace);
  }
  findByName(accountId: string, name: string) {
    return this.db.workspace.findUnique({ where: { accountId_name: { accountId, name } } });
  }
  private spec(only?: readonly string[]) {
    // An empty `only` matches nothing (an API key without workspaces).
    const where = only === undefined ? undefined : only.length === 0 ? Prisma.sql`1 = 0` : Prisma.sql`w."id" IN (${Prisma.join(only)})`;
    return { from: Prisma.sql`"Workspace" w`, parent: Prisma.sql`w."accountId"`, key: Prisma.sql`w."id"`, node: Prisma.sql`w."id"`, where };
  }
  pagesByAccount(accountIds: readonly string[], args: PageArgs, only?: readonly string[]) {
    return pagesByParent(this.db, this.spec(only), accountIds, args, this.provider);
  }
  countsByAccount(accountIds: readonly string[], only?: readonly string[]) {
    return countsByParent(this.db, this.spec(only), accountIds);
  }
}

class Users implements UserRepo {
  constructor(
    private readonly db: Tx,
    private readonly provider: DatabaseProvider,
  ) {}
  async create(input: NewUser) {
    return toUser(await this.db.user.create({ data: { id: newId(), ...input, searchText: userSearchText(input) } }));
  }
  async update(id: string, patch: Partial<Omit<NewUser, 'email'>> & { email?: string }) {
    const current = await this.db.user.findUniqueOrThrow({ where: { id } });
    const next = { ...current, ...patch };
    return toUser(await this.db.user.update({ where: { id }, data: { ...patch, searchText: userSearchText(next) } }));
  }
  async byIds(ids: readonly string[]) {
    return inOrder(ids, await rowsByIds<User>(this.db, 'User', USER_SELECT, ids), toUser);
  }
  async findByEmail(email: string) {
    const row = await this.db.user.findUnique({ where: { email } });
    return row && toUser(row);
  }
  async findByUsername(username: string) {
    const row = await this.db.user.findUnique({ where: { username } });
    return row && toUser(row);
  }
  async passwordHash(userId: string) {
    return (await this.db.user.findUnique({ where: { id: userId }, select: { passwordHash: true } }))?.passwordHash ?? null;
  }
  async addToAccount(accountId: string, userId: string) {
    await this.db.accountUser.upsert({ where: { accountId_userId: { accountId, userId } }, create: { id: newId(), accountId, userId }, update: {} });
  }
  async removeFromAccount(accountId: string, userId: string) {
    await this.db.groupMember.deleteMany({ where: { accountId, userId } });
    const revoked = { where: { accountId, subjectType: 'USER' as const, subjectId: userId, revokedAt: null }, data: { revokedAt: new Date() } };
    await this.db.authorizationGrant.updateMany({ ...revoked, where: { ...revoked.where, grantKind: { not: 'SUPER_ADMIN' } } });
    await this.db.roleAssignment.updateMany(revoked);
    await this.db.accountUser.deleteMany({ where: { accountId, userId } });
  }
  async inAccount(accountId: string, userIds: readonly string[]) {
    const rows = await this.db.accountUser.findMany({ where: { accountId, userId: { in: [...userIds] } }, select: { userId: true } });
    return new Set(rows.map((r) => r.userId));
  }
  private spec(search: string | null) {
    return {
      from: Prisma.sql`"AccountUser" au${indexedBy(this.provider, 'AccountUser_accountId_userId_key')} JOIN "User" u${indexedBy(this.provider, USER_PRIMARY_KEY)} ON u."id" = au."userId"`,
      parent: Prisma.sql`au."accountId"`,
      key: Prisma.sql`au."id"`,
      node: Prisma.sql`u."id"`,
      where: searchCondition(Prisma.sql`u."searchText"`, search),
    };
  }
  pagesByAccount(accountIds: readonly string[], args: PageArgs, search: string | null) {
    return pagesByParent(this.db, this.spec(search), accountIds, args, this.provider);
  }
  countsByAccount(accountIds: readonly string[], search: string | null) {
    return countsByParent(this.db, this.spec(search), accountIds);
  }
  async accountsOf(userIds: readonly string[]) {
    if (userIds.length === 0) return new Map<string, string[]>();
    // Each user looked up through the userId index, and ordered here: `ORDER BY id` in the statement tempts
    // SQLite to walk the whole table in key order instead.
    const rows = await this.db.$queryRaw<{ id: string; userId: string; accountId: string }[]>`
      SELECT au."id", au."userId", au."accountId" FROM "AccountUser" au${indexedBy(this.provider, 'AccountUser_userId_idx')} WHERE au."userId" IN (${Prisma.join(userIds)})`;
    rows.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
    const result = new Map<string, string[]>(userIds.map((id) => [id, []]));
    for (const row of rows) result.get(row.userId)?.push(row.accountId);
    return result;
  }
}

class Groups implements GroupRepo {
  private readonly memberRow: ReturnType<typeof memberRow>;
  constructor(
    private readonly db: Tx,
    private readonly provider: DatabaseProvider,
  ) {
    this.memberRow = memberRow(provider);
  }

  async create(input: { accountId: string; name: string; description: string | null; attributes: Record<string, unknown>; linkedScopes: LinkedScope[] }) {
    const id = newId();
    const row = await this.db.group.create({
      data: { id, ...input, attributes: input.attributes as Prisma.InputJsonObject, linkedScopes: input.linkedScopes as unknown as Prisma.InputJsonArray, searchText: input.name.toLowerCase() },
    });
    await this.db.groupClosure.create({ data: { ancestorId: id, descendantId: id, depth: 0, accountId: input.accountId } });
    return toGroup(row);
  }

  async update(id: string, patch: { name?: string; description?: string | null; attributes?: Record<string, unknown>; linkedScopes?: LinkedScope[] }) {
    const row = await this.db.group.update({
      where: { id },
      data: {
        name: patch.name,
        description: patch.description,
        attributes: patch.attributes as Prisma.InputJsonObject | undefined,
        linkedScopes: patch.linkedScopes as unknown as Prisma.InputJsonArray | undefined,
        ...(patch.name !== undefined ? { searchText: patch.name.toLowerCase() } : {}),
      },
    });
    return toGroup(row);
  }

  async delete(id: string) {
    const group = await this.db.group.findUniqueOrThrow({ where: { id } });
    const parent = await this.db.groupMember.findUnique({ where: { memberGroupId: id } });
    if (parent) await this.detachGroup(parent.groupId, id);
    const children = await this.db.groupMember.findMany({ where: { groupId: id, subjectType: 'GROUP' }, select: { memberGroupId: true } });
    for (const child of children) await this.detachGroup(id, child.memberGroupId!);
    await this.db.authorizationGrant.updateMany({ where: { accountId: group.accountId, subjectType: 'GROUP', subjectId: id, revokedAt: null }, data: { revokedAt: new Date() } });
    await this.db.roleAssignment.updateMany({ where: { accountId: group.accountId, subjectType: 'GROUP', subjectId: id, revokedAt: null }, data: { revokedAt: new Date() } });
    // Member edges and closure rows go with the group (ON DELETE CASCADE).
    await this.db.group.delete({ where: { id } });
    return children.length;
  }

  async byIds(ids: readonly string[]) {
    return inOrder(ids, await rowsByIds<GroupRow>(this.db, 'Group', GROUP_ROW.columns, ids, 'g'), toGroup);
  }
  async memberByIds(ids: readonly string[]) {
    return inOrder(ids, await this.db.groupMember.findMany({ where: { id: { in: [...ids] } } }), toMember);
  }
  async findByName(accountId: string, name: string) {
    const row = await this.db.group.findUnique({ where: { accountId_name: { accountId, name } } });
    return row && toGroup(row);
  }

  private accountSpec(search: string | null) {
    return {
      from: Prisma.sql`"Group" g`,
      parent: Prisma.sql`g."accountId"`,
      key: Prisma.sql`g."id"`,
      node: Prisma.sql`g."id"`,
      where: searchCondition(Prisma.sql`g."searchText"`, search),
      row: GROUP_ROW,
    };
  }
  pagesByAccount(accountIds: readonly string[], args: PageArgs, search: string | null) {
    return pagesByParent(this.db, this.accountSpec(search), accountIds, args, this.provider);
  }
  countsByAccount(accountIds: readonly string[], search: string | null) {
    return countsByParent(this.db, this.accountSpec(search), accountIds);
  }

  private memberSpec(search: string | null) {
    // Read through (groupId, id), so each group's rows come in key order; the subjects' tables are joined
    // only to search their names (the page joins its kept rows' users after the window).
    const members = Prisma.sql`"GroupMember" m${indexedBy(this.provider, 'GroupMember_groupId_id_idx')}`;
    if (search === null) return { from: members, parent: Prisma.sql`m."groupId"`, key: Prisma.sql`m."id"`, node: Prisma.sql`m."id"`, row: this.memberRow };
    const by = (alias: string) => searchCondition(Prisma.sql`${Prisma.raw(alias)}."searchText"`, search);
    return {
      from: Prisma.sql`${members} LEFT JOIN "User" u${indexedBy(this.provider, USER_PRIMARY_KEY)} ON u."id" = m."userId" LEFT JOIN "Group" mg${indexedBy(this.provider, 'sqlite_autoindex_Group_1')} ON mg."id" = m."memberGroupId" LEFT JOIN "ServiceAccount" sa${indexedBy(this.provider, 'sqlite_autoindex_ServiceAccount_1')} ON sa."id" = m."serviceAccountId"`,
      parent: Prisma.sql`m."groupId"`,
      key: Prisma.sql`m."id"`,
      node: Prisma.sql`m."id"`,
      where: Prisma.sql`(${by('u')} OR ${by('mg')} OR ${by('sa')})`,
      row: this.memberRow,
    };
  }
  memberPages(groupIds: readonly string[], args: PageArgs, search: string | null) {
    return pagesByParent(this.db, this.memberSpec(search), groupIds, args, this.provider);
  }
  memberCounts(groupIds: readonly string[], search: string | null) {
    return countsByParent(this.db, this.memberSpec(search), groupIds);
  }

  private subgroupSpec = {
    from: Prisma.sql`"GroupMember" m`,
    parent: Prisma.sql`m."groupId"`,
    key: Prisma.sql`m."id"`,
    node: Prisma.sql`m."memberGroupId"`,
    where: Prisma.sql`m."memberGroupId" IS NOT NULL`,
  };
  subgroupPages(groupIds: readonly string[], args: PageArgs) {
    return pagesByParent(this.db, this.subgroupSpec, groupIds, args, this.provider);
  }
  subgroupCounts(groupIds: readonly string[]) {
    return countsByParent(this.db, this.subgroupSpec, groupIds);
  }

  async parents(groupIds: readonly string[]) {
    const rows = await this.db.groupMember.findMany({ where: { memberGroupId: { in: [...groupIds] } }, select: { groupId: true, memberGroupId: true } });
    return new Map(rows.map((r) => [r.memberGroupId!, r.groupId]));
  }

  async ancestorPaths(groupIds: readonly string[]) {
    const rows = await this.db.groupClosure.findMany({
      where: { descendantId: { in: [...groupIds] } },
      orderBy: [{ descendantId: 'asc' }, { depth: 'desc' }],
      include: { ancestor: true },
    });
    const paths = new Map<string, Group[]>(groupIds.map((id) => [id, []]));
    for (const row of rows) paths.get(row.descendantId)?.push(toGroup(row.ancestor));
    return paths;
  }

  async isAncestorOrSelf(ancestorId: string, descendantId: string) {
    return (await this.db.groupClosure.count({ where: { ancestorId, descendantId } })) > 0;
  }

  async addUser(groupId: string, userId: string) {
    const group = await this.db.group.findUniqueOrThrow({ where: { id: groupId }, select: { accountId: true } });
    const existing = await this.db.groupMember.findUnique({ where: { groupId_userId: { groupId, userId } } });
    if (existing) return false;
    await this.db.groupMember.create({ data: { id: newId(), accountId: group.accountId, groupId, subjectType: 'USER', userId } });
    return true;
  }

  async removeUser(groupId: string, userId: string) {
    const { count } = await this.db.groupMember.deleteMany({ where: { groupId, userId } });
    return count > 0;
  }

  async addServiceAccount(groupId: string, serviceAccountId: string) {
    const group = await this.db.group.findUniqueOrThrow({ where: { id: groupId }, select: { accountId: true } });
    const existing = await this.db.groupMember.findUnique({ where: { groupId_serviceAccountId: { groupId, serviceAccountId } } });
    if (existing) return false;
    await this.db.groupMember.create({ data: { id: newId(), accountId: group.accountId, groupId, subjectType: 'SERVICE_ACCOUNT', serviceAccountId } });
    return true;
  }

  async removeServiceAccount(groupId: string, serviceAccountId: string) {
    const { count } = await this.db.groupMember.deleteMany({ where: { groupId, serviceAccountId } });
    return count > 0;
  }

  async attachGroup(parentId: string, childId: string) {
    const parent = await this.db.group.findUniqueOrThrow({ where: { id: parentId }, select: { accountId: true } });
    await this.db.groupMember.create({ data: { id: newId(), accountId: parent.accountId, groupId: parentId, subjectType: 'GROUP', memberGroupId: childId } });
    // Every ancestor of the parent (itself included) becomes an ancestor of every node of the child's subtree.
    const ancestors = await this.db.groupClosure.findMany({ where: { descendantId: parentId } });
    const subtree = await this.db.groupClosure.findMany({ where: { ancestorId: childId } });
    const rows = ancestors.flatMap((a) => subtree.map((d) => ({ ancestorId: a.ancestorId, descendantId: d.descendantId, depth: a.depth + 1 + d.depth, accountId: parent.accountId })));
    await this.db.groupClosure.createMany({ data: rows });
  }

  async detachGroup(parentId: string, childId: string) {
    const { count } = await this.db.groupMember.deleteMany({ where: { groupId: parentId, memberGroupId: childId } });
    if (count === 0) return false;
    const ancestors = (await this.db.groupClosure.findMany({ where: { descendantId: parentId }, select: { ancestorId: true } })).map((r) => r.ancestorId);
    const subtree = (await this.db.groupClosure.findMany({ where: { ancestorId: childId }, select: { descendantId: true } })).map((r) => r.descendantId);
    await this.db.groupClosure.deleteMany({ where: { ancestorId: { in: ancestors }, descendantId: { in: subtree } } });
    return true;
  }

  async stats(groupId: string): Promise<MembershipStats> {
    const subtree = (await this.db.groupClosure.findMany({ where: { ancestorId: groupId }, select: { descendantId: true } })).map((r) => r.descendantId);
    const edges = await this.db.groupMember.groupBy({ by: ['subjectType'], where: { groupId: { in: subtree } }, _count: { _all: true } });
    const count = (type: 'USER' | 'GROUP') => edges.find((e) => e.subjectType === type)?._count._all ?? 0;
    const groupEdges = count('GROUP');
    const userEdges = count('USER');
    // Service accounts are members too: they count in totalEdges (the reference has no column of their own).
    const serviceAccountEdges = edges.find((e) => e.subjectType === 'SERVICE_ACCOUNT')?._count._all ?? 0;
    return { groupEdges, userEdges, totalEdges: groupEdges + userEdges + serviceAccountEdges, groupsSeen: subtree.length };
  }

  async directGroupIdsOfUser(userId: string) {
    // Also answers for a service account (ids are unique across tables).
    return (await this.db.groupMember.findMany({ where: { OR: [{ userId }, { serviceAccountId: userId }] }, select: { groupId: true }, orderBy: { id: 'asc' } })).map((r) => r.groupId);
  }

  async transitiveGroupIdsOfUser(accountId: string, userId: string) {
    const rows = await this.db.$queryRaw<{ id: string }[]>`
      SELECT DISTINCT c."ancestorId" AS "id"
      FROM "GroupMember" m JOIN "GroupClosure" c ON c."descendantId" = m."groupId"
      WHERE m."userId" = ${userId} AND m."accountId" = ${accountId}
      ORDER BY 1`;
    return rows.map((r) => r.id);
  }
}

type GrantKindValue = 'CAPABILITY' | 'ACCOUNT_OWNER' | 'SUPER_ADMIN';
type SubjectTypeValue = 'USER' | 'GROUP' | 'SERVICE_ACCOUNT';

function grantWhere(filter: GrantFilter): Prisma.Sql | undefined {
  const parts: Prisma.Sql[] = [];
  if (!filter.includeRevoked) parts.push(Prisma.sql`g."revokedAt" IS NULL`);
  // Enum columns are compared as text: PostgreSQL has no enum = text operator.
  if (filter.grantKind) parts.push(Prisma.sql`CAST(g."grantKind" AS TEXT) = ${filter.grantKind}`);
  if (filter.capabilityKey) parts.push(Prisma.sql`g."capabilityKey" = ${filter.capabilityKey}`);
  if (filter.subjectType) parts.push(Prisma.sql`CAST(g."subjectType" AS TEXT) = ${filter.subjectType}`);
  if (filter.subjectId) parts.push(Prisma.sql`g."subjectId" = ${filter.subjectId}`);
  return parts.length ? Prisma.join(parts, ' AND ') : undefined;
}

function roleWhere(filter: RoleAssignmentFilter): Prisma.Sql | undefined {
  const parts: Prisma.Sql[] = [];
  if (!filter.includeRevoked) parts.push(Prisma.sql`r."revokedAt" IS NULL`);
  if (filter.roleKey) parts.push(Prisma.sql`r."roleKey" = ${filter.roleKey}`);
  if (filter.subjectType) parts.push(Prisma.sql`CAST(r."subjectType" AS TEXT) = ${filter.subjectType}`);
  if (filter.subjectId) parts.push(Prisma.sql`r."subjectId" = ${filter.subjectId}`);
  return parts.length ? Prisma.join(parts, ' AND ') : undefined;
}

interface HeldRow {
  who: string;
  src: string;
  id: string;
  accountId: string | null;
  kind: string | null;
  key: string | null;
  resourceType: string | null;
  resourceId: string | null;
  subjectType: string | null;
  subjectId: string | null;
}

/**
 * The grants snapshot of `subjectIds` in one statement (exported for the plan test). Subjects are users, service
 * accounts or groups (ids are unique across tables). Their groups: for a user or service account, the ancestors
 * of the groups it is directly in; for a group, its own ancestors (itself included).
 */
export function heldByStatement(subjectIds: readonly string[], provider: DatabaseProvider): Prisma.Sql {
  const { ctes, rows } = heldByParts(subjectIds, provider);
  return Prisma.sql`
      WITH ${ctes}
      ${rows}`;
}

/**
 * A session by id and the grants snapshot of `subjectId` (the subject its token names) in one statement: the
 * session's columns on every row, the snapshot's rows beside them (one row with NULL snapshot columns when the
 * subject holds nothing); no row when the session does not exist.
 */
export function sessionWithGrantsStatement(sessionId: string, subjectId: string, provider: DatabaseProvider): Prisma.Sql {
  const { ctes, rows } = heldByParts([subjectId], provider);
  // The session's row, then the held rows, as UNION ALL (the session's columns NULL on held rows and the other
  // way round). Joining the session to the held rows instead made SQLite materialise the compound: 230 us
  // against 16 us per request for the same answer. On PostgreSQL the session's row also carries the change mark
  // (SessionRepo.byIdWithGrants).
  const mark = provider === 'postgresql' ? Prisma.sql`CAST(pg_current_snapshot() AS TEXT)` : Prisma.sql`NULL`;
  return Prisma.sql`
      WITH ${ctes},
      held AS (${rows})
      SELECT ses."id" AS "sessionId", ses."userId" AS "sessionUserId", ses."serviceAccountId" AS "sessionServiceAccountId",
             ses."createdAt" AS "sessionCreatedAt", ses."expiresAt" AS "sessionExpiresAt", ses."revokedAt" AS "sessionRevokedAt",
             NULL AS "who", NULL AS "src", NULL AS "id", NULL AS "accountId", NULL AS "kind", NULL AS "key",
             NULL AS "resourceType", NULL AS "resourceId", NULL AS "subjectType", NULL AS "subjectId", ${mark} AS "mark"
        FROM "Session" ses${indexedBy(provider, 'sqlite_autoindex_Session_1')}
       WHERE ses."id" = ${sessionId}
      UNION ALL
      SELECT NULL, NULL, NULL, NULL, NULL, NULL, held.*, NULL FROM held`;
}

function heldByParts(subjectIds: readonly string[], provider: DatabaseProvider): { ctes: Prisma.Sql; rows: Prisma.Sql } {
  // On SQLite each table is also pinned to the index on the subject's column: statistics of a column that is
  // mostly NULL (GroupMember.serviceAccountId, or userId where most members are groups) make the planner prefer
  // a scan otherwise. PostgreSQL keeps NULL fractions apart and needs no hint.
  const by = (index: string) => indexedBy(provider, index);
  const subjects = Prisma.join(subjectIds.map((id) => Prisma.sql`SELECT CAST(${id} AS TEXT) AS "who"`), ' UNION ALL ');
  // Every join is written `CROSS JOIN ... WHERE`: SQLite then keeps the written order (the subjects first, each
  // table reached through its index on the subject's column) whatever ANALYZE's statistics suggest; PostgreSQL
  // reads it as an inner join. Membership of a zone counts only while the user is in the zone's account (EXISTS,
  // a lookup by the unique (accountId, userId) index, never a scan of AccountUser).
  const ctes = Prisma.sql`s AS (${subjects}),
      m AS (
        SELECT s."who" AS "who", c."ancestorId" AS "gid" FROM s CROSS JOIN "GroupMember" gm${by('GroupMember_userId_idx')} CROSS JOIN "GroupClosure" c${by('GroupClosure_descendantId_depth_idx')} WHERE gm."userId" = s."who" AND c."descendantId" = gm."groupId"
        UNION
        SELECT s."who", c."ancestorId" FROM s CROSS JOIN "GroupMember" gm${by('GroupMember_serviceAccountId_idx')} CROSS JOIN "GroupClosure" c${by('GroupClosure_descendantId_depth_idx')} WHERE gm."serviceAccountId" = s."who" AND c."descendantId" = gm."groupId"
        UNION
        SELECT s."who", c."ancestorId" FROM s CROSS JOIN "GroupClosure" c${by('GroupClosure_descendantId_depth_idx')} WHERE c."descendantId" = s."who"
      ),
      h AS (SELECT s."who" AS "who", s."who" AS "sid" FROM s UNION SELECT m."who", m."gid" FROM m)`;
  const rows = Prisma.sql`
      SELECT h."who" AS "who", 'G' AS "src", g."id" AS "id", g."accountId" AS "accountId", CAST(g."grantKind" AS TEXT) AS "kind", g."capabilityKey" AS "key",
             g."resourceType" AS "resourceType", g."resourceId" AS "resourceId", CAST(g."subjectType" AS TEXT) AS "subjectType", g."subjectId" AS "subjectId"
        FROM h CROSS JOIN "AuthorizationGrant" g${by('AuthorizationGrant_subjectId_idx')} WHERE g."subjectId" = h."sid" AND g."revokedAt" IS NULL
      UNION ALL
      SELECT h."who", 'R', r."id", r."accountId", 'ROLE', r."roleKey", r."resourceType", r."resourceId", CAST(r."subjectType" AS TEXT), r."subjectId"
        FROM h CROSS JOIN "RoleAssignment" r${by('RoleAssignment_subjectId_idx')} WHERE r."subjectId" = h."sid" AND r."revokedAt" IS NULL
      UNION ALL
      SELECT s."who", 'Z', zm."id", zm."accountId", 'ZONE_ROLE', zm."role", 'zone', zm."zoneId", 'USER', zm."userId"
        FROM s CROSS JOIN "ZoneMember" zm${by('ZoneMember_userId_idx')}
        WHERE zm."userId" = s."who" AND EXISTS (SELECT 1 FROM "AccountUser" au${by('AccountUser_accountId_userId_key')} WHERE au."accountId" = zm."accountId" AND au."userId" = zm."userId")
      UNION ALL
      SELECT m."who", 'M', m."gid", NULL, NULL, NULL, NULL, NULL, NULL, NULL FROM m`;
  return { ctes, rows };
}

/** The snapshot rows of heldByStatement, per subject (ids and grants sorted). */
function heldFromRows(subjectIds: readonly string[], rows: readonly HeldRow[]): Map<string, SubjectGrants> {
  const result = new Map<string, SubjectGrants>(subjectIds.map((id) => [id, { groupIds: [], grants: [] }]));
  for (const row of rows) {
    const entry = row.who === null ? undefined : result.get(row.who);
    if (!entry) continue;
    if (row.src === 'M') entry.groupIds.push(row.id);
    else
      entry.grants.push({
        id: row.id,
        accountId: row.accountId!,
        kind: row.kind as GrantKindValue | 'ROLE' | 'ZONE_ROLE',
        key: row.key,
        resourceType: row.resourceType,
        resourceId: row.resourceId,
        subjectType: row.subjectType as SubjectTypeValue,
        subjectId: row.subjectId!,
      });
  }
  for (const entry of result.values()) {
    entry.groupIds.sort();
    entry.grants.sort((a, b) => (a.id < b.id ? -1 : 1));
  }
  return result;
}

class Grants implements GrantRepo {
  constructor(
    private readonly db: Tx,
    private readonly provider: DatabaseProvider,
  ) {}
  create(input: Parameters<GrantRepo['create']>[0]) {
    return this.db.authorizationGrant.create({ data: { id: newId(), ...input } }) as Promise<GrantRecord>;
  }
  async byIds(ids: readonly string[]) {
    return inOrder(ids, (await this.db.authorizationGrant.findMany({ where: { id: { in: [...ids] } } })) as GrantRecord[], (r) => r);
  }
  revoke(id: string) {
    return this.db.authorizationGrant.update({ where: { id }, data: { revokedAt: new Date() } }) as Promise<GrantRecord>;
  }
  private spec(filter: GrantFilter) {
    return { from: Prisma.sql`"AuthorizationGrant" g`, parent: Prisma.sql`g."accountId"`, key: Prisma.sql`g."id"`, node: Prisma.sql`g."id"`, where: grantWhere(filter) };
  }
  pages(accountIds: readonly string[], args: PageArgs, filter: GrantFilter) {
    return pagesByParent(this.db, this.spec(filter), accountIds, args, this.provider);
  }
  counts(accountIds: readonly string[], filter: GrantFilter) {
    return countsByParent(this.db, this.spec(filter), accountIds);
  }
  async hasActive(accountId: string, grantKind: GrantKindValue, subjectType: SubjectTypeValue, subjectId: string) {
    return (await this.db.authorizationGrant.count({ where: { accountId, grantKind, subjectType, subjectId, revokedAt: null } })) > 0;
  }
  activeSubjectsOfKind(grantKind: GrantKindValue) {
    return this.db.authorizationGrant.findMany({ where: { grantKind, revokedAt: null }, select: { subjectType: true, subjectId: true, accountId: true }, orderBy: { id: 'asc' } });
  }

  async heldBy(subjectIds: readonly string[]) {
    if (subjectIds.length === 0) return new Map<string, SubjectGrants>();
    return heldFromRows(subjectIds, await this.db.$queryRaw<HeldRow[]>(heldByStatement(subjectIds, this.provider)));
  }
}

class RoleAssignments implements RoleAssignmentRepo {
  constructor(
    private readonly db: Tx,
    private readonly provider: DatabaseProvider,
  ) {}
  create(input: Parameters<RoleAssignmentRepo['create']>[0]) {
    return this.db.roleAssignment.create({ data: { id: newId(), ...input } }) as Promise<RoleAssignmentRecord>;
  }
  async byIds(ids: readonly string[]) {
    return inOrder(ids, (await this.db.roleAssignment.findMany({ where: { id: { in: [...ids] } } })) as RoleAssignmentRecord[], (r) => r);
  }
  revoke(id: string) {
    return this.db.roleAssignment.update({ where: { id }, data: { revokedAt: new Date() } }) as Promise<RoleAssignmentRecord>;
  }
  private spec(filter: RoleAssignmentFilter) {
    return { from: Prisma.sql`"RoleAssignment" r`, parent: Prisma.sql`r."accountId"`, key: Prisma.sql`r."id"`, node: Prisma.sql`r."id"`, where: roleWhere(filter) };
  }
  pages(accountIds: readonly string[], args: PageArgs, filter: RoleAssignmentFilter) {
    return pagesByParent(this.db, this.spec(filter), accountIds, args, this.provider);
  }
  counts(accountIds: readonly string[], filter: RoleAssignmentFilter) {
    return countsByParent(this.db, this.spec(filter), accountIds);
  }
}

const asDate = (value: Date | string | number): Date => (value instanceof Date ? value : new Date(value));

interface SessionWithGrantsRow extends HeldRow {
  sessionId: string | null;
  sessionUserId: string | null;
  sessionServiceAccountId: string | null;
  sessionCreatedAt: Date | string;
  sessionExpiresAt: Date | string;
  sessionRevokedAt: Date | string | null;
  mark: string | null;
}

class Sessions implements SessionRepo {
  constructor(
    private readonly db: Tx,
    private readonly provider: DatabaseProvider,
  ) {}
  async byIdWithGrants(id: string, subjectId: string) {
    const rows = await this.db.$queryRaw<SessionWithGrantsRow[]>(sessionWithGrantsStatement(id, subjectId, this.provider));
    const first = rows.find((row) => row.sessionId !== null);
    if (first?.sessionId == null) return { session: null, held: null };
    const session = {
      id: first.sessionId,
      userId: first.sessionUserId,
      serviceAccountId: first.sessionServiceAccountId,
      createdAt: asDate(first.sessionCreatedAt),
      expiresAt: asDate(first.sessionExpiresAt),
      revokedAt: first.sessionRevokedAt === null ? null : asDate(first.sessionRevokedAt),
    };
    return { session, held: heldFromRows([subjectId], rows).get(subjectId)!, ...(first.mark === null ? {} : { mark: first.mark }) };
  }
  create(input: { userId?: string | null; serviceAccountId?: string | null; expiresAt: Date }) {
    return this.db.session.create({ data: { id: newId(), ...input } });
  }
  byId(id: string) {
    return this.db.session.findUnique({ where: { id } });
  }
  async revoke(id: string) {
    const { count } = await this.db.session.updateMany({ where: { id, revokedAt: null }, data: { revokedAt: new Date() } });
    return count > 0;
  }
  async revokeAllOfServiceAccount(serviceAccountId: string) {
    return (await this.db.session.updateMany({ where: { serviceAccountId, revokedAt: null }, data: { revokedAt: new Date() } })).count;
  }
  async revokeAllOfUser(userId: string, except: string | null = null) {
    const where = { userId, revokedAt: null, ...(except ? { id: { not: except } } : {}) };
    return (await this.db.session.updateMany({ where, data: { revokedAt: new Date() } })).count;
  }
}

class Identities implements IdentityRepo {
  constructor(private readonly db: Tx) {}
  async userFor(issuer: string, subject: string) {
    return (await this.db.externalIdentity.findUnique({ where: { issuer_subject: { issuer, subject } }, select: { userId: true } }))?.userId ?? null;
  }
  async link(issuer: string, subject: string, userId: string) {
    await this.db.externalIdentity.upsert({ where: { issuer_subject: { issuer, subject } }, create: { id: newId(), issuer, subject, userId }, update: {} });
  }
  async unlinkAllOf(userId: string, keep: { issuer: string; subject: string } | null = null) {
    const where = keep ? { userId, NOT: { issuer: keep.issuer, subject: keep.subject } } : { userId };
    return (await this.db.externalIdentity.deleteMany({ where })).count;
  }
}

class EmailProofs implements EmailProofRepo {
  constructor(private readonly db: Tx) {}
  async create(input: { userId: string; email: string; purpose: EmailProofPurpose; tokenHash: string; expiresAt: Date }) {
    return toEmailProof(await this.db.emailProof.create({ data: { id: newId(), ...input } }));
  }
  async findByTokenHash(hash: string) {
    const row = await this.db.emailProof.findUnique({ where: { tokenHash: hash } });
    return row && toEmailProof(row);
  }
  async use(id: string, at: Date) {
    return (await this.db.emailProof.updateMany({ where: { id, usedAt: null }, data: { usedAt: at } })).count === 1;
  }
}

function toEmailProof(row: { id: string; userId: string; email: string; purpose: string; expiresAt: Date; usedAt: Date | null; createdAt: Date }): EmailProofRecord {
  const { id, userId, email, purpose, expiresAt, usedAt, createdAt } = row;
  return { id, userId, email, purpose: purpose as EmailProofPurpose, expiresAt, usedAt, createdAt };
}

export class PrismaStore implements Store {
  readonly accounts: AccountRepo;
  readonly workspaces: WorkspaceRepo;
  readonly users: UserRepo;
  readonly groups: GroupRepo;
  readonly grants: GrantRepo;
  readonly roleAssignments: RoleAssignmentRepo;
  readonly sessions: SessionRepo;
  readonly identities: IdentityRepo;
  readonly emailProofs: EmailProofRepo;
  readonly zones: PrismaZoneStore;
  readonly serviceAccounts: ServiceAccounts;
  readonly apiKeys: ApiKeys;
  readonly invitations: Invitations;
  readonly outbox: Outbox;

  constructor(
    private readonly db: Tx,
    private readonly root: Db | null,
    private readonly provider: DatabaseProvider,
    private readonly changes: () => number | undefined = () => undefined,
  ) {
    this.accounts = new Accounts(db, provider);
    this.workspaces = new Workspaces(db, provider);
    this.users = new Users(db, provider);
    this.groups = new Groups(db, provider);
    this.grants = new Grants(db, provider);
    this.roleAssignments = new RoleAssignments(db, provider);
    this.sessions = new Sessions(db, provider);
    this.identities = new Identities(db);
    this.emailProofs = new EmailProofs(db);
    this.zones = new PrismaZoneStore(db, provider);
    this.serviceAccounts = new ServiceAccounts(db, provider);
    this.apiKeys = new ApiKeys(db, provider);
    this.invitations = new Invitations(db, provider);
    this.outbox = new Outbox(db);
  }

  /**
   * The store outside transactions; with `reader`, its raw reads go through it (DbHandle.reader); with `changes`
   * (DbHandle.changeMark), it can tell when nothing has changed.
   */
  static of(prisma: Db, provider: DatabaseProvider, reader?: RawReader, changes?: () => number | undefined): PrismaStore {
    const db: Tx = reader ? Object.create(prisma, { $queryRaw: { value: reader.$queryRaw } }) : prisma;
    return new PrismaStore(db, prisma, provider, changes);
  }

  changeMark(): number | undefined {
    return this.changes();
  }

  async lockAccount(accountId: string): Promise<boolean> {
    const rows =
      this.provider === 'postgresql'
        ? await this.db.$queryRaw<{ id: string }[]>`SELECT "id" FROM "Account" WHERE "id" = ${accountId} FOR UPDATE`
        : await this.db.$queryRaw<{ id: string }[]>`SELECT "id" FROM "Account" WHERE "id" = ${accountId}`;
    return rows.length > 0;
  }

  async lockPlatform(): Promise<void> {
    // One advisory lock key for the whole platform (any constant works; this one spells "kgplatfm").
    if (this.provider === 'postgresql') await this.db.$executeRaw`SELECT pg_advisory_xact_lock(7739370089066376557)`;
  }

  transaction<T>(fn: (tx: Store) => Promise<T>): Promise<T> {
    // Nested calls join the transaction already open.
    if (!this.root) return fn(this);
    return this.root.$transaction((tx) => fn(new PrismaStore(tx, null, this.provider)), { maxWait: 10_000, timeout: 30_000 }).catch((error: unknown) => {
      // The domain checks uniqueness first; only a concurrent change can reach the constraint.
      if ((error as { code?: string }).code === 'P2002') throw new ConflictError('a concurrent change conflicts with this one; retry', null);
      throw error;
    });
  }
}
