// Repositories of machine identities and invitations: service accounts and their credentials, API keys
// and their workspaces, invitations, and the outbox that delivers them. Secrets arrive as digests (or
// sealed, for the outbox) and are stored as they arrive.
import type {
  ActorType,
  ApiKey,
  Invitation,
  InvitationAssignment,
  InvitationState,
  ServiceAccount,
  ServiceAccountCredential,
} from '../../domain/model.js';
import type {
  ApiKeyPatch,
  ApiKeyRepo,
  InvitationFilter,
  InvitationRepo,
  NewApiKey,
  OutboxMessage,
  OutboxRepo,
  PageArgs,
  ServiceAccountRepo,
  StoredToken,
} from '../../domain/store.js';
import type { DatabaseProvider } from '../../config.js';
import { newId } from '../ids.js';
import { inOrder } from './rows.js';
import { Prisma, type Db } from './client.js';
import { countsByParent, pagesByParent, searchCondition } from './paging.js';

type Tx = Prisma.TransactionClient;


const strings = (value: unknown): string[] => (Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : []);
const searchText = (...parts: (string | null | undefined)[]) => parts.filter(Boolean).join(' ').toLowerCase();

type ServiceAccountRow = Awaited<ReturnType<Db['serviceAccount']['findFirstOrThrow']>>;
type CredentialRow = Awaited<ReturnType<Db['serviceAccountCredential']['findFirstOrThrow']>>;
type ApiKeyRow = Awaited<ReturnType<Db['apiKey']['findFirstOrThrow']>>;
type InvitationRow = Awaited<ReturnType<Db['invitation']['findFirstOrThrow']>>;

function toServiceAccount(row: ServiceAccountRow): ServiceAccount {
  const { id, accountId, name, description, tokenPrefix, tokenLast4, tokenPublicId, createdById, expiresAt, lastUsedAt, revokedAt, revokedById, createdAt, updatedAt } = row;
  return { id, accountId, name, description, tokenPrefix, tokenLast4, tokenPublicId, createdById, expiresAt, lastUsedAt, revokedAt, revokedById, createdAt, updatedAt };
}

function toCredential(row: CredentialRow): ServiceAccountCredential {
  const { id, accountId, serviceAccountId, name, description, clientId, lastUsedAt, createdAt, updatedAt } = row;
  return { id, accountId, serviceAccountId, name, description, clientId, lastUsedAt, createdAt, updatedAt };
}

function toApiKey(row: ApiKeyRow): ApiKey {
  return {
    id: row.id,
    accountId: row.accountId,
    name: row.name,
    description: row.description,
    keyPrefix: row.keyPrefix,
    keyLast4: row.keyLast4,
    keyPublicId: row.keyPublicId,
    permissions: strings(row.permissions),
    createdByType: row.createdByType as ActorType,
    createdById: row.createdById,
    active: row.active,
    expiresAt: row.expiresAt,
    lastUsedAt: row.lastUsedAt,
    revokedAt: row.revokedAt,
    revokedById: row.revokedById,
    mcpActive: row.mcpActive,
    mcpAllowlistMode: row.mcpAllowlistMode,
    mcpToolAllowlist: strings(row.mcpToolAllowlist),
    mcpReadOnly: row.mcpReadOnly,
    mcpProjectIds: strings(row.mcpProjectIds),
    mcpInstanceIds: strings(row.mcpInstanceIds),
    mcpPreset: row.mcpPreset,
    mcpPermissions: strings(row.mcpPermissions),
    system: row.system,
    scope: row.scope,
    createdAt: row.createdAt,
    updatedAt: row.updatedAt,
  };
}

function toInvitation(row: InvitationRow): Invitation {
  const { tokenHash: _hash, assignments, state, ...rest } = row;
  return { ...rest, state: state as InvitationState, assignments: (assignments ?? []) as unknown as InvitationAssignment[] };
}

export class ServiceAccounts implements ServiceAccountRepo {
  constructor(
    private readonly db: Tx,
    private readonly provider: DatabaseProvider,
  ) {}

  async create(input: { accountId: string; name: string; description: string | null; token: StoredToken; createdById: string | null; expiresAt: Date | null }) {
    const { token, ...rest } = input;
    const row = await this.db.serviceAccount.create({
      data: { id: newId(), ...rest, searchText: searchText(rest.name, rest.description), tokenHash: token.hash, tokenPrefix: token.prefix, tokenLast4: token.last4, tokenPublicId: token.publicId },
    });
    return toServiceAccount(row);
  }
  async update(id: string, patch: { name?: string; description?: string | null; expiresAt?: Date | null }) {
    const current = await this.db.serviceAccount.findUniqueOrThrow({ where: { id } });
    const name = patch.name ?? current.name;
    const description = patch.description === undefined ? current.description : patch.description;
    return toServiceAccount(await this.db.serviceAccount.update({ where: { id }, data: { ...patch, searchText: searchText(name, description) } }));
  }
  async rotate(id: string, token: StoredToken, graceUntil: Date | null) {
    const current = await this.db.serviceAccount.findUniqueOrThrow({ where: { id }, select: { tokenHash: true } });
    const row = await this.db.serviceAccount.update({
      where: { id },
      data: {
        tokenHash: token.hash,
        tokenPrefix: token.prefix,
        tokenLast4: token.last4,
        tokenPublicId: token.publicId,
        previousTokenHash: graceUntil ? current.tokenHash : null,
        previousTokenExpiresAt: graceUntil,
      },
    });
    return toServiceAccount(row);
  }
  async revoke(id: string, revokedById: string | null) {
    return toServiceAccount(await this.db.serviceAccount.update({ where: { id }, data: { revokedAt: new Date(), revokedById, previousTokenHash: null, previousTokenExpiresAt: null } }));
  }
  async delete(id: string) {
    await this.db.authorizationGrant.deleteMany({ where: { subjectType: 'SERVICE_ACCOUNT', subjectId: id } });
    await this.db.roleAssignment.deleteMany({ where: { subjectType: 'SERVICE_ACCOUNT', subjectId: id } });
    await this.db.serviceAccount.delete({ where: { id } });
  }
  async byIds(ids: readonly string[]) {
    return inOrder(ids, await this.db.serviceAccount.findMany({ where: { id: { in: [...ids] } } }), toServiceAccount);
  }
  async findByTokenHash(hash: string) {
    const row = await this.db.serviceAccount.findFirst({ where: { OR: [{ tokenHash: hash }, { previousTokenHash: hash }] } });
    if (!row) return null;
    const current = row.tokenHash === hash;
    return { serviceAccount: toServiceAccount(row), current, previousExpiresAt: current ? null : row.previousTokenExpiresAt };
  }
  async touch(id: string, at: Date) {
    await this.db.serviceAccount.updateMany({ where: { id }, data: { lastUsedAt: at } });
  }
  private spec(includeRevoked: boolean) {
    return {
      from: Prisma.sql`"ServiceAccount" s`,
      parent: Prisma.sql`s."accountId"`,
      key: Prisma.sql`s."id"`,
      node: Prisma.sql`s."id"`,
      where: includeRevoked ? undefined : Prisma.sql`s."revokedAt" IS NULL`,
    };
  }
  pagesByAccount(accountIds: readonly string[], args: PageArgs, includeRevoked: boolean) {
    return pagesByParent(this.db, this.spec(includeRevoked), accountIds, args, this.provider);
  }
  countsByAccount(accountIds: readonly string[], includeRevoked: boolean) {
    return countsByParent(this.db, this.spec(includeRevoked), accountIds);
  }
  async inAccount(accountId: string, ids: readonly string[]) {
    const rows = await this.db.serviceAccount.findMany({ where: { accountId, id: { in: [...ids] } }, select: { id: true } });
    return new Set(rows.map((r) => r.id));
  }

  async createCredential(input: { serviceAccountId: string; accountId: string; name: string; description: string | null; clientId: string; secretHash: string }) {
    return toCredential(await this.db.serviceAccountCredential.create({ data: { id: newId(), ...input } }));
  }
  async updateCredential(id: string, patch: { name?: string; description?: string | null }) {
    return toCredential(await this.db.serviceAccountCredential.update({ where: { id }, data: patch }));
  }
  async deleteCredential(id: string) {
    await this.db.serviceAccountCredential.delete({ where: { id } });
  }
  async credentialByIds(ids: readonly string[]) {
    return inOrder(ids, await this.db.serviceAccountCredential.findMany({ where: { id: { in: [...ids] } } }), toCredential);
  }
  async findCredentialByClientId(clientId: string) {
    const row = await this.db.serviceAccountCredential.findUnique({ where: { clientId } });
    return row ? { credential: toCredential(row), secretHash: row.secretHash } : null;
  }
  async touchCredential(id: string, at: Date) {
    await this.db.serviceAccountCredential.updateMany({ where: { id }, data: { lastUsedAt: at } });
  }
  private credentialSpec = { from: Prisma.sql`"ServiceAccountCredential" c`, parent: Prisma.sql`c."serviceAccountId"`, key: Prisma.sql`c."id"`, node: Prisma.sql`c."id"` };
  credentialPages(serviceAccountIds: readonly string[], args: PageArgs) {
    return pagesByParent(this.db, this.credentialSpec, serviceAccountIds, args, this.provider);
  }
  credentialCounts(serviceAccountIds: readonly string[]) {
    return countsByParent(this.db, this.credentialSpec, serviceAccountIds);
  }
}

function apiKeyData(patch: ApiKeyPatch) {
  const data: Record<string, unknown> = { ...patch };
  for (const list of ['permissions', 'mcpToolAllowlist', 'mcpProjectIds', 'mcpInstanceIds', 'mcpPermissions'] as const) {
    if (patch[list] !== undefined) data[list] = patch[list] as Prisma.InputJsonValue;
  }
  return data;
}

export class ApiKeys implements ApiKeyRepo {
  constructor(
    private readonly db: Tx,
    private readonly provider: DatabaseProvider,
  ) {}

  async create(input: NewApiKey) {
    const { token, ...rest } = input;
    const row = await this.db.apiKey.create({
      data: {
        id: newId(),
        ...(apiKeyData(rest) as Omit<NewApiKey, 'token'>),
        searchText: searchText(rest.name, rest.description),
        keyHash: token.hash,
        keyPrefix: token.prefix,
        keyLast4: token.last4,
        keyPublicId: token.publicId,
      },
    });
    return toApiKey(row);
  }
  async update(id: string, patch: ApiKeyPatch) {
    const data = apiKeyData(patch);
    if (patch.name !== undefined || patch.description !== undefined) {
      const current = await this.db.apiKey.findUniqueOrThrow({ where: { id }, select: { name: true, description: true } });
      data.searchText = searchText(patch.name ?? current.name, patch.description === undefined ? current.description : patch.description);
    }
    return toApiKey(await this.db.apiKey.update({ where: { id }, data }));
  }
  async rotate(id: string, token: StoredToken) {
    return toApiKey(await this.db.apiKey.update({ where: { id }, data: { keyHash: token.hash, keyPrefix: token.prefix, keyLast4: token.last4, keyPublicId: token.publicId } }));
  }
  async revokeAllCreatedBy(creatorId: string, at: Date) {
    return (await this.db.apiKey.updateMany({ where: { createdById: creatorId, revokedAt: null }, data: { revokedAt: at } })).count;
  }
  async revoke(id: string, revokedById: string | null) {
    return toApiKey(await this.db.apiKey.update({ where: { id }, data: { revokedAt: new Date(), revokedById } }));
  }
  async byIds(ids: readonly string[]) {
    return inOrder(ids, await this.db.apiKey.findMany({ where: { id: { in: [...ids] } } }), toApiKey);
  }
  async findByKeyHash(hash: string) {
    const row = await this.db.apiKey.findUnique({ where: { keyHash: hash } });
    return row ? toApiKey(row) : null;
  }
  async touch(id: string, at: Date) {
    await this.db.apiKey.updateMany({ where: { id }, data: { lastUsedAt: at } });
  }
  private spec(search: string | null) {
    return { from: Prisma.sql`"ApiKey" k`, parent: Prisma.sql`k."accountId"`, key: Prisma.sql`k."id"`, node: Prisma.sql`k."id"`, where: searchCondition(Prisma.sql`k."searchText"`, search) };
  }
  pagesByAccount(accountIds: readonly string[], args: PageArgs, search: string | null) {
    return pagesByParent(this.db, this.spec(search), accountIds, args, this.provider);
  }
  countsByAccount(accountIds: readonly string[], search: string | null) {
    return countsByParent(this.db, this.spec(search), accountIds);
  }
  async grantWorkspace(apiKeyId: string, workspaceId: string) {
    const existing = await this.db.apiKeyWorkspace.findUnique({ where: { apiKeyId_workspaceId: { apiKeyId, workspaceId } } });
    if (existing) return false;
    await this.db.apiKeyWorkspace.create({ data: { apiKeyId, workspaceId } });
    return true;
  }
  async revokeWorkspace(apiKeyId: string, workspaceId: string) {
    const { count } = await this.db.apiKeyWorkspace.deleteMany({ where: { apiKeyId, workspaceId } });
    return count > 0;
  }
  async workspaceIdsOf(apiKeyIds: readonly string[]) {
    const result = new Map(apiKeyIds.map((id) => [id, [] as string[]]));
    const rows = await this.db.apiKeyWorkspace.findMany({ where: { apiKeyId: { in: [...apiKeyIds] } }, orderBy: { workspaceId: 'asc' } });
    for (const row of rows) result.get(row.apiKeyId)!.push(row.workspaceId);
    return result;
  }
  private workspaceSpec = { from: Prisma.sql`"ApiKeyWorkspace" aw`, parent: Prisma.sql`aw."apiKeyId"`, key: Prisma.sql`aw."workspaceId"`, node: Prisma.sql`aw."workspaceId"` };
  workspacePages(apiKeyIds: readonly string[], args: PageArgs) {
    return pagesByParent(this.db, this.workspaceSpec, apiKeyIds, args, this.provider);
  }
  workspaceCounts(apiKeyIds: readonly string[]) {
    return countsByParent(this.db, this.workspaceSpec, apiKeyIds);
  }
}

export class Invitations implements InvitationRepo {
  constructor(
    private readonly db: Tx,
    private readonly provider: DatabaseProvider,
  ) {}

  async create(input: Parameters<InvitationRepo['create']>[0]) {
    const { assignments, ...rest } = input;
    return toInvitation(await this.db.invitation.create({ data: { id: newId(), ...rest, assignments: assignments as unknown as Prisma.InputJsonValue } }));
  }
  async update(id: string, patch: { assignments?: InvitationAssignment[]; note?: string | null; locale?: string | null }) {
    const { assignments, ...rest } = patch;
    const data = assignments === undefined ? rest : { ...rest, assignments: assignments as unknown as Prisma.InputJsonValue };
    return toInvitation(await this.db.invitation.update({ where: { id }, data }));
  }
  async renew(id: string, tokenHash: string, expiresAt: Date) {
    return toInvitation(await this.db.invitation.update({ where: { id }, data: { tokenHash, expiresAt } }));
  }
  async revoke(id: string) {
    return toInvitation(await this.db.invitation.update({ where: { id }, data: { state: 'REVOKED' } }));
  }
  async byIds(ids: readonly string[]) {
    return inOrder(ids, await this.db.invitation.findMany({ where: { id: { in: [...ids] } } }), toInvitation);
  }
  async findByTokenHash(hash: string) {
    const row = await this.db.invitation.findUnique({ where: { tokenHash: hash } });
    return row ? toInvitation(row) : null;
  }
  async accept(id: string, userId: string, at: Date) {
    const { count } = await this.db.invitation.updateMany({ where: { id, state: 'PENDING', expiresAt: { gt: at } }, data: { state: 'ACCEPTED', acceptedAt: at, acceptedUserId: userId } });
    return count === 1;
  }
  /** Ids matching the filter (status EXPIRED is computed, so it is filtered with the clock). */
  private spec(filter: InvitationFilter, now: Date) {
    const conditions: Prisma.Sql[] = [];
    if (filter.email) conditions.push(Prisma.sql`i."email" = ${filter.email.toLowerCase()}`);
    if (filter.status === 'PENDING') conditions.push(Prisma.sql`i."state" = 'PENDING' AND i."expiresAt" > ${now}`);
    else if (filter.status === 'EXPIRED') conditions.push(Prisma.sql`i."state" = 'PENDING' AND i."expiresAt" <= ${now}`);
    else if (filter.status) conditions.push(Prisma.sql`i."state" = ${filter.status}`);
    return {
      from: Prisma.sql`"Invitation" i`,
      parent: Prisma.sql`i."accountId"`,
      key: Prisma.sql`i."id"`,
      node: Prisma.sql`i."id"`,
      where: conditions.length ? Prisma.join(conditions, ' AND ') : undefined,
    };
  }
  pagesByAccount(accountIds: readonly string[], args: PageArgs, filter: InvitationFilter) {
    return pagesByParent(this.db, this.spec(filter, new Date()), accountIds, args, this.provider);
  }
  countsByAccount(accountIds: readonly string[], filter: InvitationFilter) {
    return countsByParent(this.db, this.spec(filter, new Date()), accountIds);
  }
}

export class Outbox implements OutboxRepo {
  constructor(private readonly db: Tx) {}
  async enqueue(input: { kind: string; recipient: string; payload: string }) {
    const row = await this.db.outboxMessage.create({ data: { id: newId(), ...input, payload: input.payload } });
    return { ...row, payload: row.payload as string };
  }
  async pending(limit: number, now: Date): Promise<OutboxMessage[]> {
    const rows = await this.db.outboxMessage.findMany({
      where: {
        deliveredAt: null,
        AND: [{ OR: [{ nextAttemptAt: null }, { nextAttemptAt: { lte: now } }] }, { OR: [{ claimedUntil: null }, { claimedUntil: { lte: now } }] }],
      },
      orderBy: { id: 'asc' },
      take: limit,
    });
    return rows.map((row) => ({ id: row.id, kind: row.kind, recipient: row.recipient, payload: row.payload as string, attempts: row.attempts, createdAt: row.createdAt }));
  }
  async claim(id: string, now: Date, until: Date) {
    // One conditional UPDATE: on PostgreSQL a concurrent claimer waits for the row and re-checks the
    // condition after the first commits, so exactly one of them gets the message.
    const { count } = await this.db.outboxMessage.updateMany({
      where: { id, deliveredAt: null, OR: [{ claimedUntil: null }, { claimedUntil: { lte: now } }] },
      data: { claimedUntil: until },
    });
    return count === 1;
  }
  async markDelivered(id: string, at: Date) {
    await this.db.outboxMessage.update({ where: { id }, data: { deliveredAt: at, attempts: { increment: 1 }, lastError: null, claimedUntil: null } });
  }
  async markFailed(id: string, error: string, retryAt: Date) {
    await this.db.outboxMessage.update({ where: { id }, data: { attempts: { increment: 1 }, lastError: error.slice(0, 1000), nextAttemptAt: retryAt, claimedUntil: null } });
  }
}
