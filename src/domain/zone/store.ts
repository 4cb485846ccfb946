// The persistence port of the zones graph (implemented by src/infra/db/zone-store.ts). Every list is
// paged for many parents at once (one statement per page, one per count), as the rest of the Store.
import type { PageArgs, Pages } from '../store.js';
import type {
  Application,
  ApplicationCredential,
  ApplicationDependency,
  DelegatedGrant,
  GrantStatus,
  Policy,
  PolicyDraft,
  PolicySet,
  PolicySetDraft,
  PolicySetVersion,
  PolicyVersion,
  Provider,
  Resource,
  Secret,
  UserAgent,
  Zone,
  ZoneMember,
  ZoneSession,
  ZoneSigningKey,
  ZoneUser,
} from './model.js';

/** A column of a table of `T`, named as a field of `T`: a misspelt column does not compile. */
export type Column<T> = Extract<keyof T, string>;

/** What a list of `T` can be filtered by. Unset keys do not filter. */
export interface ListFilter<T = Record<string, unknown>> {
  /** Case-insensitive substring of the object's name, identifier, slug or email (as each list says). */
  search?: string | null;
  /** Exact values of columns (enumerations, ids, booleans). */
  equals?: Partial<Record<Column<T>, string | boolean | null>>;
  /** JSON-array columns that must hold a value (e.g. traits: GATEWAY). */
  jsonContains?: Partial<Record<Column<T>, string>>;
  /** Zone members: only users still in the zone's account (a membership of someone who left stays stored, inert). */
  inAccount?: boolean;
  /** ACTIVE / EXPIRED / REVOKED, computed from revokedAt and expiresAt at `now`. */
  status?: { value: GrantStatus; now: Date } | null;
}

/** One table of the zones graph. `T` is the object, `N` what creating one takes. */
export interface ZoneTable<T, N> {
  create(input: N): Promise<T>;
  update(id: string, patch: Partial<N>): Promise<T>;
  delete(id: string): Promise<void>;
  /** Deletes every object whose `column` equals `value` (one statement). */
  deleteWhere(column: Column<T>, value: string): Promise<void>;
  /** Changes every object whose `column` equals `value` (one statement). */
  updateWhere(column: Column<T>, value: string, patch: Partial<N>): Promise<void>;
  byIds(ids: readonly string[]): Promise<(T | null)[]>;
  /** The objects whose (unique) `column` holds each of `values`, in order (one statement). */
  byUnique(column: Column<T>, values: readonly string[]): Promise<(T | null)[]>;
  /** The object of the zone whose `column` equals `value` (unique columns: slug, identifier, name). */
  findIn(zoneId: string, column: Column<T>, value: string): Promise<T | null>;
  /** Pages of the objects whose `parent` column is one of `parentIds` (zoneId, applicationId, ...). */
  pages(parent: Column<T>, parentIds: readonly string[], args: PageArgs, filter?: ListFilter<T>): Promise<Pages>;
  counts(parent: Column<T>, parentIds: readonly string[], filter?: ListFilter<T>): Promise<Map<string, number>>;
}

export type NewZone = Omit<Zone, 'id' | 'createdAt' | 'updatedAt' | 'defaultPolicySchemaVersion'> & { defaultPolicySchemaVersion?: string | null };
export type NewZoneMember = Omit<ZoneMember, 'id' | 'createdAt' | 'updatedAt'>;
export type NewApplication = Omit<Application, 'id' | 'createdAt' | 'updatedAt'>;
export type NewCredential = Omit<ApplicationCredential, 'id' | 'createdAt' | 'updatedAt'> & { secretHash: string | null };
export type NewProvider = Omit<Provider, 'id' | 'createdAt' | 'updatedAt' | 'clientSecretSet'> & { clientSecretCipher: string | null };
export type NewResource = Omit<Resource, 'id' | 'createdAt' | 'updatedAt'>;
export type NewZoneUser = Omit<ZoneUser, 'id' | 'createdAt' | 'updatedAt'>;
export type NewUserAgent = Omit<UserAgent, 'id' | 'createdAt' | 'updatedAt'>;
export type NewDelegatedGrant = Omit<DelegatedGrant, 'id' | 'createdAt' | 'updatedAt'>;
export type NewZoneSession = Omit<ZoneSession, 'id' | 'createdAt' | 'updatedAt'>;
export type NewSecret = Omit<Secret, 'id' | 'createdAt' | 'updatedAt'> & { valueCipher: string };

export type NewZoneSigningKey = Omit<ZoneSigningKey, 'id' | 'createdAt' | 'updatedAt'> & { privateKeyCipher: string };

export type NewPolicy = Omit<Policy, 'id' | 'createdAt' | 'updatedAt'>;
export type NewPolicyVersion = Omit<PolicyVersion, 'id' | 'createdAt' | 'updatedAt'>;

export type NewPolicySet = Omit<PolicySet, 'id' | 'createdAt' | 'updatedAt'>;
export type NewPolicySetVersion = Omit<PolicySetVersion, 'id' | 'createdAt' | 'updatedAt'>;

export type NewPolicyDraft = Omit<PolicyDraft, 'id' | 'createdAt' | 'updatedAt'>;
export type NewPolicySetDraft = Omit<PolicySetDraft, 'id' | 'createdAt' | 'updatedAt'>;

/** A bound policy set with its bound version and what it pins (see ZoneStore.policySets.boundContents). */
export interface BoundSetContents {
  set: Pick<PolicySet, 'id' | 'zoneId' | 'name' | 'scopeType' | 'scopeTargetId' | 'activeVersionId' | 'mode'>;
  version: Pick<PolicySetVersion, 'id' | 'zoneId' | 'policySetId' | 'version' | 'schemaVersion' | 'entries' | 'manifestSha' | 'attestation'> | null;
  policyVersions: Pick<PolicyVersion, 'id' | 'zoneId' | 'policyId' | 'cedarJson'>[];
}

/** What one instance saw of one shadow version since its last flush (local ids; samples newest first). */
export interface ShadowIncrement {
  zoneId: string;
  policySetId: string;
  policySetVersionId: string;
  version: number;
  /** When this instance first saw it (the stored `since` keeps the earliest). */
  since: Date;
  evaluated: number;
  differing: number;
  allowToDeny: number;
  denyToAllow: number;
  samples: ShadowSampleRow[];
}

export interface ShadowSampleRow {
  at: Date;
  principal: { kind: 'ZoneUser' | 'Application'; id: string };
  action: string;
  resourceId: string;
  decision: 'ALLOW' | 'DENY';
  shadowDecision: 'ALLOW' | 'DENY';
}

/** The stored aggregate of one shadow version (every instance's flushes). */
export type StoredShadowDiffs = Omit<ShadowIncrement, 'zoneId'>;

/** The objects a decision reads by id (ZoneStore.entitiesByIds). */
export interface EntityReads {
  zoneUsers: readonly string[];
  applications: readonly string[];
  resources: readonly string[];
  sessions: readonly string[];
}

/**
 * The fields a decision uses of each object it reads (src/domain/zone/decisions.ts), and all that
 * entitiesByIds reads: each column read costs (a resource read whole takes about twice as long in SQLite).
 */
export const DECISION_FIELDS = {
  zoneUsers: ['id', 'zoneId', 'email', 'emailVerified', 'issuer', 'providerId'],
  applications: ['id', 'zoneId', 'identifier', 'traits', 'ownerType'],
  resources: ['id', 'accountId', 'zoneId', 'identifier', 'scopes', 'applicationType', 'applicationId'],
  sessions: ['id', 'zoneId', 'zoneUserId', 'applicationId', 'expiresAt', 'revokedAt'],
} as const satisfies { zoneUsers: readonly (keyof ZoneUser)[]; applications: readonly (keyof Application)[]; resources: readonly (keyof Resource)[]; sessions: readonly (keyof ZoneSession)[] };

type Fields<T, K extends keyof typeof DECISION_FIELDS> = Pick<T, Extract<(typeof DECISION_FIELDS)[K][number], keyof T>>;

export type EntitiesById = {
  zoneUsers: (Fields<ZoneUser, 'zoneUsers'> | null)[];
  applications: (Fields<Application, 'applications'> | null)[];
  resources: (Fields<Resource, 'resources'> | null)[];
  sessions: (Fields<ZoneSession, 'sessions'> | null)[];
};

export interface ZoneStore {
  /** An id for an object about to be created (secrets are encrypted with their id as associated data). */
  newId(): string;
  /** Zone users, applications, resources and sessions by id (their DECISION_FIELDS), in one statement: each list in its ids' order, null where absent. */
  entitiesByIds(reads: EntityReads): Promise<EntitiesById>;
  zones: ZoneTable<Zone, NewZone> & {
    findBySlug(accountId: string, slug: string): Promise<Zone | null>;
    /** Deletes the zone and everything it holds. */
    deleteWithContents(id: string): Promise<void>;
  };
  members: ZoneTable<ZoneMember, NewZoneMember> & { find(zoneId: string, userId: string): Promise<ZoneMember | null> };
  applications: ZoneTable<Application, NewApplication> & { dependencyCounts(applicationIds: readonly string[]): Promise<Map<string, number>> };
  dependencies: ZoneTable<ApplicationDependency, Omit<ApplicationDependency, 'id' | 'createdAt'>> & {
    find(applicationId: string, resourceId: string): Promise<ApplicationDependency | null>;
    /** Removes every dependency naming the resource, and the resource from every whenAccessing list. */
    forgetResource(zoneId: string, resourceId: string): Promise<void>;
  };
  credentials: ZoneTable<ApplicationCredential, NewCredential> & { secretHash(id: string): Promise<string | null> };
  providers: ZoneTable<Provider, NewProvider & { id?: string }>;
  resources: ZoneTable<Resource, NewResource>;
  zoneUsers: ZoneTable<ZoneUser, NewZoneUser>;
  userAgents: ZoneTable<UserAgent, NewUserAgent>;
  delegatedGrants: ZoneTable<DelegatedGrant, NewDelegatedGrant>;
  sessions: ZoneTable<ZoneSession, NewZoneSession> & {
    /** The session and every session below it (children, their children, ...), ids only. */
    descendantsAndSelf(id: string): Promise<string[]>;
    revoke(ids: readonly string[], at: Date): Promise<number>;
  };
  secrets: ZoneTable<Secret, NewSecret & { id?: string }> & { valueCipher(id: string): Promise<string | null> };
  signingKeys: ZoneTable<ZoneSigningKey, NewZoneSigningKey & { id?: string }> & {
    /** The keys of the zone still published (not retired), the current one first, then newest first. */
    published(zoneId: string): Promise<ZoneSigningKey[]>;
    privateKeyCipher(id: string): Promise<string | null>;
  };
  policies: ZoneTable<Policy, NewPolicy>;
  policyVersions: ZoneTable<PolicyVersion, NewPolicyVersion & { id?: string }>;
  policySets: ZoneTable<PolicySet, NewPolicySet> & {
    /** The sets of the zone with a bound version (ACTIVE or SHADOW). */
    bound(zoneId: string): Promise<PolicySet[]>;
    /**
     * The zone's bound sets not archived, each with its bound version and the policy versions that
     * version's entries name (as stored: nothing is checked), read in one statement.
     */
    boundContents(zoneId: string): Promise<BoundSetContents[]>;
    /** Archives and unbinds the zone's sets not archived whose scope target is `targetId` (one statement); how many. */
    archiveTargeting(zoneId: string, targetId: string, at: Date, actorId: string | null): Promise<number>;
  };
  policySetVersions: ZoneTable<PolicySetVersion, NewPolicySetVersion & { id?: string }> & {
    /** Every version of the zone's policy sets not archived, oldest first. */
    unarchivedOfZone(zoneId: string): Promise<PolicySetVersion[]>;
  };
  policyDrafts: ZoneTable<PolicyDraft, NewPolicyDraft>;
  /** Shadow-mode disagreements shared by every instance (written by periodic flushes, never per request). */
  shadowDiffs: {
    /**
     * Adds the increments (count = count + n, atomic: concurrent flushes lose nothing), stores their
     * samples and keeps only the latest `keep` samples of each version named. Run it in a transaction.
     * Rows of versions that no longer exist (their zone was deleted meanwhile) are dropped.
     */
    add(increments: readonly ShadowIncrement[], keep: number): Promise<void>;
    /** The stored aggregate of the set's versions, samples newest first (at most `keep` each). */
    ofSet(policySetId: string, keep: number): Promise<StoredShadowDiffs[]>;
  };
  policySetDrafts: ZoneTable<PolicySetDraft, NewPolicySetDraft>;
}
