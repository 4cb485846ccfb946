// The Prisma implementation of the zones graph's store port (src/domain/zone/store.ts). One generic
// table class serves every model of the zone: id lookups in one statement per batch, pages and counts
// for many parents in one statement each (src/infra/db/paging.ts).
import type { PageArgs } from '../../domain/store.js';
import type { DatabaseProvider } from '../../config.js';
import { DECISION_FIELDS, type BoundSetContents, type Column, type EntitiesById, type EntityReads, type ListFilter, type ShadowIncrement, type StoredShadowDiffs, type ZoneStore, type ZoneTable } from '../../domain/zone/store.js';
import type { ApplicationDependency, PolicySet, PolicySetVersion, PolicyVersion, Zone, ZoneMember, ZoneSigningKey } from '../../domain/zone/model.js';
import { newId } from '../ids.js';
import { inOrder, rowsByIds, rowsByIdsAcross } from './rows.js';
import { Prisma } from './client.js';
import { containsPattern, countsByParent, indexedBy, pagesByParent } from './paging.js';

type Tx = Prisma.TransactionClient;
type Row = Record<string, unknown> & { id: string };
type OrderBy = Record<string, 'asc' | 'desc'>[];
// The delegates of the generated client differ per model; this module only uses their common shape.
interface Delegate {
  create(args: { data: Record<string, unknown> }): Promise<Row>;
  update(args: { where: { id: string }; data: Record<string, unknown> }): Promise<Row>;
  delete(args: { where: { id: string } }): Promise<Row>;
  deleteMany(args: { where: Record<string, unknown> }): Promise<{ count: number }>;
  updateMany(args: { where: Record<string, unknown>; data: Record<string, unknown> }): Promise<{ count: number }>;
  findMany(args: { where: Record<string, unknown>; select?: Record<string, boolean>; orderBy?: OrderBy }): Promise<Row[]>;
  findFirst(args: { where: Record<string, unknown>; select?: Record<string, boolean> }): Promise<Row | null>;
}


const COLUMN = /^[A-Za-z]+$/;

function column(alias: string, name: string): Prisma.Sql {
  if (!COLUMN.test(name)) throw new Error(`not a column name: ${name}`);
  return Prisma.raw(`${alias}."${name}"`);
}

interface TableOptions<T> {
  model: Prisma.ModelName;
  /** Prisma's delegate name (camel case of the model). */
  delegate: Uncapitalize<Prisma.ModelName>;
  /** Columns `search` looks in. */
  searchIn: Column<T>[];
  /** Row -> domain object (drops stored secrets, derives flags). */
  toDomain?: (row: Row) => T;
  /** Domain input -> row data (Json columns pass through). */
  toRow?: (input: Record<string, unknown>) => Record<string, unknown>;
  /** Whether the table has revokedAt / expiresAt (for status filters). */
  status?: boolean;
}

class Table<T, N> implements ZoneTable<T, N> {
  constructor(
    protected readonly db: Tx,
    protected readonly provider: DatabaseProvider,
    protected readonly options: TableOptions<T>,
  ) {}

  protected get delegate(): Delegate {
    return (this.db as unknown as Record<string, Delegate>)[this.options.delegate]!;
  }

  // The one place a row becomes a domain object: the model's columns are the object's fields (toDomain
  // drops what the object must not carry and derives flags).
  protected map(row: Row): T {
    return this.options.toDomain ? this.options.toDomain(row) : (row as unknown as T);
  }

  /** The first object matching `where` (columns of the object), or null. */
  async first(where: Partial<Record<Column<T>, unknown>>): Promise<T | null> {
    const row = await this.delegate.findFirst({ where });
    return row ? this.map(row) : null;
  }

  /** Every object matching `where`, in `orderBy` order. */
  async all(where: Partial<Record<Column<T>, unknown>>, orderBy?: OrderBy): Promise<T[]> {
    const rows = await this.delegate.findMany({ where, ...(orderBy ? { orderBy } : {}) });
    return rows.map((row) => this.map(row));
  }

  private data(input: Record<string, unknown>): Record<string, unknown> {
    const data = this.options.toRow ? this.options.toRow(input) : { ...input };
    for (const key of Object.keys(data)) if (data[key] === undefined) delete data[key];
    // Json columns cannot take a plain null through Prisma: JsonNull stores SQL NULL semantics we want.
    for (const key of Object.keys(data)) if (data[key] === null && JSON_COLUMNS.has(`${this.options.model}.${key}`)) data[key] = Prisma.DbNull;
    return data;
  }

  async create(input: N): Promise<T> {
    const raw = input as unknown as Record<string, unknown>;
    return this.map(await this.delegate.create({ data: { id: (raw.id as string | undefined) ?? newId(), ...this.data(raw) } }));
  }

  async update(id: string, patch: Partial<N>): Promise<T> {
    return this.map(await this.delegate.update({ where: { id }, data: this.data(patch as Record<string, unknown>) }));
  }

  async delete(id: string): Promise<void> {
    await this.delegate.deleteMany({ where: { id } });
  }

  async deleteWhere(columnName: Column<T>, value: string): Promise<void> {
    await this.delegate.deleteMany({ where: { [columnName]: value } });
  }

  async updateWhere(columnName: Column<T>, value: string, patch: Partial<N>): Promise<void> {
    await this.delegate.updateMany({ where: { [columnName]: value }, data: this.data(patch as Record<string, unknown>) });
  }

  async byIds(ids: readonly string[]): Promise<(T | null)[]> {
    // A raw read: the columns are the model's fields, decoded as the client decodes them (test/seed-demo.test.ts
    // compares every zone table read both ways).
    return inOrder(ids, await rowsByIds<Row>(this.db, this.options.model, Prisma.raw('*'), ids), (row) => this.map(row));
  }

  async byUnique(columnName: Column<T>, values: readonly string[]): Promise<(T | null)[]> {
    if (values.length === 0) return [];
    const rows = await this.delegate.findMany({ where: { [columnName]: { in: [...values] } } });
    const by = new Map(rows.map((row) => [row[columnName] as string, this.map(row)]));
    return values.map((v) => by.get(v) ?? null);
  }

  async findIn(zoneId: string, columnName: Column<T>, value: string): Promise<T | null> {
    const row = await this.delegate.findFirst({ where: { zoneId, [columnName]: value } });
    return row ? this.map(row) : null;
  }

  private where(filter: ListFilter<T> | undefined): Prisma.Sql | undefined {
    const conditions: Prisma.Sql[] = [];
    if (filter?.search) {
      const pattern = containsPattern(filter.search);
      conditions.push(Prisma.sql`(${Prisma.join(this.options.searchIn.map((c) => Prisma.sql`LOWER(${column('t', c)}) LIKE ${pattern} ESCAPE '\\'`), ' OR ')})`);
    }
    for (const [name, value] of Object.entries<string | boolean | null | undefined>(filter?.equals ?? {})) {
      if (value === undefined) continue;
      if (value === null) conditions.push(Prisma.sql`${column('t', name)} IS NULL`);
      else if (typeof value === 'boolean') conditions.push(Prisma.sql`${column('t', name)} = ${value ? 1 : 0}`);
      else conditions.push(Prisma.sql`${column('t', name)} = ${value}`);
    }
    for (const [name, value] of Object.entries<string | undefined>(filter?.jsonContains ?? {})) {
      if (value === undefined) continue;
      // The JSON text of an array of enum names holds "NAME" exactly when the array does.
      conditions.push(Prisma.sql`CAST(${column('t', name)} AS TEXT) LIKE ${`%${JSON.stringify(value)}%`}`);
    }
    if (filter?.inAccount) conditions.push(Prisma.sql`EXISTS (SELECT 1 FROM "AccountUser" au WHERE au."accountId" = t."accountId" AND au."userId" = t."userId")`);
    if (filter?.status) {
      if (!this.options.status) throw new Error(`${this.options.model} has no status`);
      // Instants are compared as the database stores them: bound as Date, like Prisma's own queries.
      const now = filter.status.now;
      if (filter.status.value === 'REVOKED') conditions.push(Prisma.sql`t."revokedAt" IS NOT NULL`);
      else if (filter.status.value === 'EXPIRED') conditions.push(Prisma.sql`(t."revokedAt" IS NULL AND t."expiresAt" IS NOT NULL AND t."expiresAt" <= ${now})`);
      else conditions.push(Prisma.sql`(t."revokedAt" IS NULL AND (t."expiresAt" IS NULL OR t."expiresAt" > ${now}))`);
    }
    return conditions.length ? Prisma.join(conditions, ' AND ') : undefined;
  }

  private spec(parent: Column<T>, filter: ListFilter<T> | undefined) {
    return {
      from: Prisma.raw(`"${this.options.model}" t`),
      parent: column('t', parent),
      key: Prisma.sql`t."id"`,
      node: Prisma.sql`t."id"`,
      where: this.where(filter),
    };
  }

  pages(parent: Column<T>, parentIds: readonly string[], args: PageArgs, filter?: ListFilter<T>) {
    return pagesByParent(this.db, this.spec(parent, filter), parentIds, args, this.provider);
  }

  counts(parent: Column<T>, parentIds: readonly string[], filter?: ListFilter<T>) {
    return countsByParent(this.db, this.spec(parent, filter), parentIds);
  }
}

const JSON_COLUMNS = new Set([
  'Zone.encryptionKey',
  'Provider.metadata',
  'ZoneSession.metadata',
  'Secret.metadata',
  'ZoneSigningKey.publicJwk',
  'PolicyVersion.cedarJson',
  'PolicySetVersion.entries',
  'PolicySetVersion.attestation',
  'PolicyDraft.cedarJson',
  'PolicySetDraft.entries',
]);

function without<T>(row: Row, ...keys: string[]): T {
  const copy: Record<string, unknown> = { ...row };
  for (const key of keys) delete copy[key];
  return copy as T;
}

type Tables = Omit<ZoneStore, 'newId'>;
/** The object a table of the port holds, and what creating one takes. */
type ZoneStoreObject<K extends keyof Tables> = Tables[K] extends ZoneTable<infer T, unknown> ? T : never;
type ZoneStoreNew<K extends keyof Tables> = Tables[K] extends ZoneTable<unknown, infer N> ? N : never;

interface BoundRow {
  setId: string;
  name: string;
  scopeType: string;
  scopeTargetId: string | null;
  activeVersionId: string | null;
  mode: string | null;
  versionId: string | null;
  versionZoneId: string | null;
  policySetId: string | null;
  version: number | bigint | null;
  schemaVersion: string | null;
  entries: unknown;
  manifestSha: string | null;
  attestation: unknown;
  pvId: string | null;
  pvZoneId: string | null;
  policyId: string | null;
  cedarJson: unknown;
}

/** Stored JSON texts of bound policy contents, parsed (and deeply frozen, since requests share them), by text. */
const parsedContents = new Map<string, unknown>();
const PARSED_CONTENTS = 2_000;

function frozen<T>(value: T): T {
  if (value !== null && typeof value === 'object' && !Object.isFrozen(value)) {
    for (const item of Object.values(value)) frozen(item);
    Object.freeze(value);
  }
  return value;
}

/**
 * The value of a JSON column read as text, parsed once per distinct text: every decision reads the zone's bound
 * contents, and equal texts are equal values (an edited row has another text, so it is parsed, and hashed by
 * the decision service, anew). Shared by requests, so frozen.
 */
function storedJson(text: unknown): unknown {
  if (typeof text !== 'string') return json(text);
  let value = parsedContents.get(text);
  if (value === undefined) {
    value = frozen(json(text));
    if (parsedContents.size >= PARSED_CONTENTS) parsedContents.delete(parsedContents.keys().next().value!);
    parsedContents.set(text, value);
  }
  return value;
}

/** The JSON of a column as the driver returns it (SQLite: text; PostgreSQL: parsed). */
function json(value: unknown): unknown {
  if (typeof value !== 'string') return value;
  try {
    return JSON.parse(value) as unknown;
  } catch {
    return null;
  }
}

/** The zone's bound sets, each with its bound version and the policy versions it pins: one statement. */
async function boundContents(db: Tx, provider: DatabaseProvider, zoneId: string): Promise<BoundSetContents[]> {
  // One row per (bound set, pinned entry): the set, its bound version, and the policy version the entry names.
  // On SQLite each table is pinned to the index it is reached through (statistics taken while the zone had
  // no policies made SQLite scan all three; see paging.ts indexedBy).
  const pinned =
    provider === 'postgresql'
      ? Prisma.sql`LEFT JOIN LATERAL jsonb_array_elements(CASE WHEN jsonb_typeof(v."entries") = 'array' THEN v."entries" ELSE '[]'::jsonb END) e ON true
         LEFT JOIN "PolicyVersion" pv ON pv."id" = e.value->>'policy_version_id'`
      : Prisma.sql`LEFT JOIN json_each(CASE WHEN json_valid(v."entries") AND json_type(v."entries") = 'array' THEN v."entries" ELSE '[]' END) e
         LEFT JOIN "PolicyVersion" pv INDEXED BY "sqlite_autoindex_PolicyVersion_1" ON pv."id" = json_extract(e.value, '$.policy_version_id')`;
  const rows = await db.$queryRaw<BoundRow[]>`
    SELECT s."id" AS "setId", s."name", s."scopeType", s."scopeTargetId", s."activeVersionId", s."mode",
           v."id" AS "versionId", v."zoneId" AS "versionZoneId", v."policySetId", v."version", v."schemaVersion", CAST(v."entries" AS TEXT) AS "entries", v."manifestSha",
           CAST(v."attestation" AS TEXT) AS "attestation", pv."id" AS "pvId", pv."zoneId" AS "pvZoneId", pv."policyId", CAST(pv."cedarJson" AS TEXT) AS "cedarJson"
    FROM "PolicySet" s${indexedBy(provider, 'PolicySet_zoneId_id_idx')}
    LEFT JOIN "PolicySetVersion" v${indexedBy(provider, 'sqlite_autoindex_PolicySetVersion_1')} ON v."id" = s."activeVersionId"
    ${pinned}
    WHERE s."zoneId" = ${zoneId} AND s."activeVersionId" IS NOT NULL AND s."archivedAt" IS NULL`;
  const bySet = new Map<string, BoundSetContents>();
  for (const row of rows) {
    let entry = bySet.get(row.setId);
    if (!entry) {
      entry = {
        set: { id: row.setId, zoneId, name: row.name, scopeType: row.scopeType as PolicySet['scopeType'], scopeTargetId: row.scopeTargetId, activeVersionId: row.activeVersionId, mode: row.mode as PolicySet['mode'] },
        version:
          row.versionId === null
            ? null
            : {
                id: row.versionId,
                zoneId: row.versionZoneId!,
                policySetId: row.policySetId!,
                version: Number(row.version),
                schemaVersion: row.schemaVersion!,
                entries: storedJson(row.entries) as PolicySetVersion['entries'],
                manifestSha: row.manifestSha!,
                attestation: storedJson(row.attestation) as PolicySetVersion['attestation'],
              },
        policyVersions: [],
      };
      bySet.set(row.setId, entry);
    }
    if (row.pvId !== null) entry.policyVersions.push({ id: row.pvId, zoneId: row.pvZoneId!, policyId: row.policyId!, cedarJson: storedJson(row.cedarJson) as PolicyVersion['cedarJson'] });
  }
  return [...bySet.values()];
}

/** Rows per multi-row INSERT of a flush (well under the bind limits of SQLite and PostgreSQL). */
const FLUSH_ROWS = 200;

function chunks<T>(list: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < list.length; i += size) out.push(list.slice(i, i + size));
  return out;
}

/**
 * One flush of shadow disagreements (run inside a transaction): the increments are added with
 * INSERT .. ON CONFLICT DO UPDATE SET n = n + excluded.n (atomic on both databases; on PostgreSQL the
 * upsert locks each version's row until commit, in id order, so concurrent flushes of one version
 * serialize and the trim below sees the other's samples), then the samples are inserted and each
 * version's samples beyond the latest `keep` deleted.
 */
async function addShadowDiffs(db: Tx, increments: readonly ShadowIncrement[], keep: number): Promise<void> {
  if (increments.length === 0) return;
  // In id order (PostgreSQL locks the rows in this order: concurrent flushes cannot deadlock). The first
  // statement writes, so that SQLite takes its write lock at once (waiting its busy timeout) instead of
  // failing to upgrade a read.
  const live = [...increments].sort((a, b) => (a.policySetVersionId < b.policySetVersionId ? -1 : a.policySetVersionId > b.policySetVersionId ? 1 : 0));
  const now = new Date();
  for (const part of chunks(live, FLUSH_ROWS)) {
    const rows = part.map((i) => Prisma.sql`(${i.policySetVersionId}, ${i.zoneId}, ${i.policySetId}, ${i.version}, ${i.since}, ${i.evaluated}, ${i.differing}, ${i.allowToDeny}, ${i.denyToAllow}, ${now})`);
    await db.$executeRaw`
      INSERT INTO "PolicyShadowDiff" ("policySetVersionId", "zoneId", "policySetId", "version", "since", "evaluated", "differing", "allowToDeny", "denyToAllow", "updatedAt")
      VALUES ${Prisma.join(rows)}
      ON CONFLICT ("policySetVersionId") DO UPDATE SET
        "evaluated" = "PolicyShadowDiff"."evaluated" + excluded."evaluated",
        "differing" = "PolicyShadowDiff"."differing" + excluded."differing",
        "allowToDeny" = "PolicyShadowDiff"."allowToDeny" + excluded."allowToDeny",
        "denyToAllow" = "PolicyShadowDiff"."denyToAllow" + excluded."denyToAllow",
        "since" = CASE WHEN excluded."since" < "PolicyShadowDiff"."since" THEN excluded."since" ELSE "PolicyShadowDiff"."since" END,
        "updatedAt" = excluded."updatedAt"`;
  }
  const ids = live.map((i) => i.policySetVersionId);
  const samples = live.flatMap((i) =>
    i.samples.slice(0, keep).map((s) => Prisma.sql`(${newId()}, ${i.zoneId}, ${i.policySetId}, ${i.policySetVersionId}, ${s.at}, ${s.principal.kind}, ${s.principal.id}, ${s.action}, ${s.resourceId}, ${s.decision}, ${s.shadowDecision})`),
  );
  for (const part of chunks(samples, FLUSH_ROWS)) {
    await db.$executeRaw`
      INSERT INTO "PolicyShadowSample" ("id", "zoneId", "policySetId", "policySetVersionId", "at", "principalType", "principalId", "action", "resourceId", "decision", "shadowDecision")
      VALUES ${Prisma.join(part)}`;
  }
  const sampled = live.filter((i) => i.samples.length > 0).map((i) => i.policySetVersionId);
  for (const part of chunks(sampled, FLUSH_ROWS)) {
    await db.$executeRaw`
      DELETE FROM "PolicyShadowSample"
      WHERE "policySetVersionId" IN (${Prisma.join(part)})
        AND "id" NOT IN (
          SELECT k."id" FROM "PolicyShadowSample" k
          WHERE k."policySetVersionId" = "PolicyShadowSample"."policySetVersionId"
          ORDER BY k."at" DESC, k."id" DESC
          LIMIT ${keep})`;
  }
  // Versions deleted meanwhile (their zone was deleted while this instance held increments): not kept.
  for (const part of chunks(ids, FLUSH_ROWS)) {
    await db.$executeRaw`DELETE FROM "PolicyShadowSample" WHERE "policySetVersionId" IN (${Prisma.join(part)}) AND NOT EXISTS (SELECT 1 FROM "PolicySetVersion" v WHERE v."id" = "PolicyShadowSample"."policySetVersionId")`;
    await db.$executeRaw`DELETE FROM "PolicyShadowDiff" WHERE "policySetVersionId" IN (${Prisma.join(part)}) AND NOT EXISTS (SELECT 1 FROM "PolicySetVersion" v WHERE v."id" = "PolicyShadowDiff"."policySetVersionId")`;
  }
}

async function storedShadowDiffs(db: Tx, policySetId: string, keep: number): Promise<StoredShadowDiffs[]> {
  const rows = await db.policyShadowDiff.findMany({ where: { policySetId }, orderBy: [{ version: 'desc' }] });
  if (rows.length === 0) return [];
  const samples = await db.policyShadowSample.findMany({ where: { policySetId }, orderBy: [{ at: 'desc' }, { id: 'desc' }] });
  return rows.map((r) => ({
    policySetId: r.policySetId,
    policySetVersionId: r.policySetVersionId,
    version: r.version,
    since: r.since,
    evaluated: Number(r.evaluated),
    differing: Number(r.differing),
    allowToDeny: Number(r.allowToDeny),
    denyToAllow: Number(r.denyToAllow),
    samples: samples
      .filter((s) => s.policySetVersionId === r.policySetVersionId)
      .slice(0, keep)
      .map((s) => ({
        at: s.at,
        principal: { kind: s.principalType as 'ZoneUser' | 'Application', id: s.principalId },
        action: s.action,
        resourceId: s.resourceId,
        decision: s.decision as 'ALLOW' | 'DENY',
        shadowDecision: s.shadowDecision as 'ALLOW' | 'DENY',
      })),
  }));
}

/** The zones store over one Prisma client or transaction. */
export class PrismaZoneStore implements ZoneStore {
  readonly zones: ZoneStore['zones'];
  readonly members: ZoneStore['members'];
  readonly applications: ZoneStore['applications'];
  readonly dependencies: ZoneStore['dependencies'];
  readonly credentials: ZoneStore['credentials'];
  readonly providers: ZoneStore['providers'];
  readonly resources: ZoneStore['resources'];
  readonly zoneUsers: ZoneStore['zoneUsers'];
  readonly userAgents: ZoneStore['userAgents'];
  readonly delegatedGrants: ZoneStore['delegatedGrants'];
  readonly sessions: ZoneStore['sessions'];
  readonly secrets: ZoneStore['secrets'];
  readonly signingKeys: ZoneStore['signingKeys'];
  readonly policies: ZoneStore['policies'];
  readonly policyVersions: ZoneStore['policyVersions'];
  readonly policySets: ZoneStore['policySets'];
  readonly policySetVersions: ZoneStore['policySetVersions'];
  readonly policyDrafts: ZoneStore['policyDrafts'];
  readonly policySetDrafts: ZoneStore['policySetDrafts'];
  readonly shadowDiffs: ZoneStore['shadowDiffs'];

  constructor(
    private readonly db: Tx,
    provider: DatabaseProvider,
  ) {
    const store = this;
    const zones = new Table<Zone, ZoneStoreNew<'zones'>>(db, provider, { model: 'Zone', delegate: 'zone', searchIn: ['name', 'slug'] });
    this.zones = Object.assign(zones, {
      findBySlug: (accountId: string, slug: string) => zones.first({ accountId, slug }),
      async deleteWithContents(id: string) {
        await store.deleteZoneContents(id);
        await db.zone.deleteMany({ where: { id } });
      },
    });
    const members = new Table<ZoneMember, ZoneStoreNew<'members'>>(db, provider, { model: 'ZoneMember', delegate: 'zoneMember', searchIn: ['role'] });
    this.members = Object.assign(members, { find: (zoneId: string, userId: string) => members.first({ zoneId, userId }) });
    this.applications = Object.assign(new Table<ZoneStoreObject<'applications'>, ZoneStoreNew<'applications'>>(db, provider, { model: 'Application', delegate: 'application', searchIn: ['name', 'identifier', 'slug'] }), {
      dependencyCounts: (applicationIds: readonly string[]) => countsByParent(db, { from: Prisma.sql`"ApplicationDependency" t`, parent: Prisma.sql`t."applicationId"` }, applicationIds),
    });
    const dependencies = new Table<ApplicationDependency, ZoneStoreNew<'dependencies'>>(db, provider, { model: 'ApplicationDependency', delegate: 'applicationDependency', searchIn: ['resourceId'] });
    this.dependencies = Object.assign(dependencies, {
      find: (applicationId: string, resourceId: string) => dependencies.first({ applicationId, resourceId }),
      async forgetResource(zoneId: string, resourceId: string) {
        await dependencies.deleteWhere('resourceId', resourceId);
        for (const dependency of await dependencies.all({ zoneId })) {
          if (!dependency.whenAccessing.includes(resourceId)) continue;
          await dependencies.update(dependency.id, { whenAccessing: dependency.whenAccessing.filter((id) => id !== resourceId) });
        }
      },
    });
    this.credentials = Object.assign(
      new Table<ZoneStoreObject<'credentials'>, ZoneStoreNew<'credentials'>>(db, provider, { model: 'ApplicationCredential', delegate: 'applicationCredential', searchIn: ['identifier', 'slug'], toDomain: (row) => without(row, 'secretHash') }),
      {
        async secretHash(id: string) {
          return (await db.applicationCredential.findFirst({ where: { id }, select: { secretHash: true } }))?.secretHash ?? null;
        },
      },
    );
    this.providers = new Table<ZoneStoreObject<'providers'>, ZoneStoreNew<'providers'>>(db, provider, {
      model: 'Provider',
      delegate: 'provider',
      searchIn: ['name', 'identifier', 'slug'],
      toDomain: (row) => ({ ...without<Record<string, unknown>>(row, 'clientSecretCipher'), clientSecretSet: row.clientSecretCipher !== null }) as ZoneStoreObject<'providers'>,
    });
    this.resources = new Table<ZoneStoreObject<'resources'>, ZoneStoreNew<'resources'>>(db, provider, { model: 'Resource', delegate: 'resource', searchIn: ['name', 'identifier', 'slug'] });
    this.zoneUsers = new Table<ZoneStoreObject<'zoneUsers'>, ZoneStoreNew<'zoneUsers'>>(db, provider, { model: 'ZoneUser', delegate: 'zoneUser', searchIn: ['email', 'subject'] });
    this.userAgents = new Table<ZoneStoreObject<'userAgents'>, ZoneStoreNew<'userAgents'>>(db, provider, { model: 'UserAgent', delegate: 'userAgent', searchIn: ['name', 'identifier', 'slug'] });
    this.delegatedGrants = new Table<ZoneStoreObject<'delegatedGrants'>, ZoneStoreNew<'delegatedGrants'>>(db, provider, { model: 'DelegatedGrant', delegate: 'delegatedGrant', searchIn: ['id'], status: true });
    this.sessions = Object.assign(new Table<ZoneStoreObject<'sessions'>, ZoneStoreNew<'sessions'>>(db, provider, { model: 'ZoneSession', delegate: 'zoneSession', searchIn: ['name', 'subject'], status: true }), {
      async descendantsAndSelf(id: string) {
        const rows = await db.$queryRaw<{ id: string }[]>`
          WITH RECURSIVE d("id") AS (
            SELECT s."id" FROM "ZoneSession" s WHERE s."id" = ${id}
            UNION
            SELECT c."id" FROM "ZoneSession" c JOIN d ON c."parentId" = d."id"
          )
          SELECT "id" FROM d`;
        return rows.map((r) => r.id);
      },
      async revoke(ids: readonly string[], at: Date) {
        return (await db.zoneSession.updateMany({ where: { id: { in: [...ids] }, revokedAt: null }, data: { revokedAt: at } })).count;
      },
    });
    this.secrets = Object.assign(new Table<ZoneStoreObject<'secrets'>, ZoneStoreNew<'secrets'>>(db, provider, { model: 'Secret', delegate: 'secret', searchIn: ['name'], toDomain: (row) => without(row, 'valueCipher') }), {
      async valueCipher(id: string) {
        return (await db.secret.findFirst({ where: { id }, select: { valueCipher: true } }))?.valueCipher ?? null;
      },
    });
    const signingKeys = new Table<ZoneSigningKey, ZoneStoreNew<'signingKeys'>>(db, provider, { model: 'ZoneSigningKey', delegate: 'zoneSigningKey', searchIn: ['kid'], toDomain: (row) => without(row, 'privateKeyCipher') });
    this.signingKeys = Object.assign(signingKeys, {
      published: (zoneId: string) => signingKeys.all({ zoneId, retiredAt: null }, [{ current: 'desc' }, { createdAt: 'desc' }, { id: 'desc' }]),
      async privateKeyCipher(id: string) {
        return (await db.zoneSigningKey.findFirst({ where: { id }, select: { privateKeyCipher: true } }))?.privateKeyCipher ?? null;
      },
    });
    this.policies = new Table<ZoneStoreObject<'policies'>, ZoneStoreNew<'policies'>>(db, provider, { model: 'Policy', delegate: 'policy', searchIn: ['name'] });
    this.policyVersions = new Table<ZoneStoreObject<'policyVersions'>, ZoneStoreNew<'policyVersions'>>(db, provider, { model: 'PolicyVersion', delegate: 'policyVersion', searchIn: ['sha'] });
    const policySets = new Table<PolicySet, ZoneStoreNew<'policySets'>>(db, provider, { model: 'PolicySet', delegate: 'policySet', searchIn: ['name'] });
    this.policySets = Object.assign(policySets, {
      bound: (zoneId: string) => policySets.all({ zoneId, activeVersionId: { not: null } }),
      boundContents: (zoneId: string) => boundContents(db, provider, zoneId),
      async archiveTargeting(zoneId: string, targetId: string, at: Date, actorId: string | null) {
        return (await db.policySet.updateMany({ where: { zoneId, scopeTargetId: targetId, archivedAt: null }, data: { archivedAt: at, activeVersionId: null, mode: null, updatedById: actorId } })).count;
      },
    });
    const setVersions = new Table<PolicySetVersion, ZoneStoreNew<'policySetVersions'>>(db, provider, { model: 'PolicySetVersion', delegate: 'policySetVersion', searchIn: ['manifestSha'] });
    this.policySetVersions = Object.assign(setVersions, {
      unarchivedOfZone: (zoneId: string) => setVersions.all({ zoneId, archivedAt: null }, [{ createdAt: 'asc' }, { id: 'asc' }]),
    });
    this.policyDrafts = new Table<ZoneStoreObject<'policyDrafts'>, ZoneStoreNew<'policyDrafts'>>(db, provider, { model: 'PolicyDraft', delegate: 'policyDraft', searchIn: ['policyId'] });
    this.shadowDiffs = {
      add: (increments, keep) => addShadowDiffs(db, increments, keep),
      ofSet: (policySetId, keep) => storedShadowDiffs(db, policySetId, keep),
    };
    this.policySetDrafts = new Table<ZoneStoreObject<'policySetDrafts'>, ZoneStoreNew<'policySetDrafts'>>(db, provider, { model: 'PolicySetDraft', delegate: 'policySetDraft', searchIn: ['policySetId'] });
  }

  newId(): string {
    return newId();
  }

  async entitiesByIds(reads: EntityReads): Promise<EntitiesById> {
    const rows = await rowsByIdsAcross(this.db, [
      { table: 'ZoneUser', columns: DECISION_FIELDS.zoneUsers, ids: reads.zoneUsers },
      { table: 'Application', columns: DECISION_FIELDS.applications, ids: reads.applications },
      { table: 'Resource', columns: DECISION_FIELDS.resources, ids: reads.resources },
      { table: 'ZoneSession', columns: DECISION_FIELDS.sessions, ids: reads.sessions },
    ]);
    // These four tables' rows are their objects (none has a toDomain: nothing to drop or derive).
    const objects = <T>(ids: readonly string[], read: Record<string, unknown>[]) => inOrder(ids, read as Row[], (row) => row as unknown as T);
    return {
      zoneUsers: objects(reads.zoneUsers, rows[0]!),
      applications: objects(reads.applications, rows[1]!),
      resources: objects(reads.resources, rows[2]!),
      sessions: objects(reads.sessions, rows[3]!),
    };
  }

  private async deleteZoneContents(zoneId: string): Promise<void> {
    const where = { zoneId };
    await this.db.policyShadowSample.deleteMany({ where });
    await this.db.policyShadowDiff.deleteMany({ where });
    await this.db.policySetDraft.deleteMany({ where });
    await this.db.policyDraft.deleteMany({ where });
    await this.db.policySetVersion.deleteMany({ where });
    await this.db.policySet.deleteMany({ where });
    await this.db.policyVersion.deleteMany({ where });
    await this.db.policy.deleteMany({ where });
    await this.db.zoneSigningKey.deleteMany({ where });
    await this.db.secret.deleteMany({ where });
    await this.db.zoneSession.deleteMany({ where });
    await this.db.delegatedGrant.deleteMany({ where });
    await this.db.userAgent.deleteMany({ where });
    await this.db.zoneUser.deleteMany({ where });
    await this.db.applicationDependency.deleteMany({ where });
    await this.db.applicationCredential.deleteMany({ where });
    await this.db.resource.deleteMany({ where });
    await this.db.provider.deleteMany({ where });
    await this.db.application.deleteMany({ where });
    await this.db.zoneMember.deleteMany({ where });
  }
}
