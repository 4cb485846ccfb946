// Decisions (issue 14, beyond reference 001): keygraph evaluates the policies it stores. A request names
// a zone, a principal (a zone user or an application of the zone), an action of the schema, a resource
// of the zone, optionally a session, and a context.
//
// Rules:
// - Applicable policy sets: every bound set of the zone whose scope is ZONE, or RESOURCE naming the
//   request's resource, or USER naming the request's principal (a zone user), or SESSION naming the
//   request's session. Archived sets are unbound, so they never apply.
// - Integrity first: a bound version is evaluated only if its attestation verifies against the zone's
//   published keys and says what the row says (zone, set, version number, manifest, manifest_sha), and
//   if the stored policy contents still hash to the manifest (each entry's sha recomputed from the
//   policy version's cedarJson, and manifestSha recomputed from the entries). Anything else fails
//   closed: the answer is DENY with an error, and the integrity-failure counter grows.
// - Each ACTIVE version is evaluated by Cedar against its pinned schema (the request is validated:
//   unknown actions, wrong principal or resource types and a context not of the schema's shape are
//   refused, and a refused version fails closed too). Across versions: a satisfied forbid anywhere
//   denies; otherwise a satisfied permit anywhere allows; otherwise deny. No applicable ACTIVE version:
//   DENY (deny by default), with an error saying so.
// - SHADOW versions are evaluated beside them: each one's decision is what the answer would be if it
//   were ACTIVE too. It never changes the answer; disagreements are counted in memory and flushed to the database
//   periodically (ShadowLedger: no write per request).
//
// Entities are built from keygraph's own data and projected on the attributes the pinned schema
// declares (an older schema knows fewer attributes): User (a zone user: email, email_verified, issuer,
// provider = the identifier of the provider that authenticated it), Application (identifier, traits,
// owner_type), Resource (identifier, scopes, application_type; its providing Application as parent).
import { LruMap } from '../lru.js';
import type { Authorizer } from '../authz/authorizer.js';
import { ForbiddenError, NotFoundError, ValidationError } from '../errors.js';
import type { ChangeMark, Store } from '../store.js';
import { zoneScope } from './access.js';
import type { ContentHasher, ZoneKeyCrypto } from './crypto.js';
import type { ManifestEntry, PolicySetVersion, Zone } from './model.js';
import type { DecisionEngine, EngineDecision, EntityData, EntityRef, PolicyEngine } from './policy-engine.js';
import { shippedSchema } from './policy-schemas.js';
import type { BoundSetContents, EntitiesById, EntityReads, ShadowIncrement, ShadowSampleRow } from './store.js';

type BoundSet = BoundSetContents['set'];
type BoundVersion = NonNullable<BoundSetContents['version']>;
type BoundPolicyVersion = BoundSetContents['policyVersions'][number];

/** The most requests one authorizeBatch evaluates (as Amazon Verified Permissions' batch). */
export const MAX_BATCH = 30;

export interface DecisionRequest {
  zoneId: string;
  principal: { kind: 'ZoneUser' | 'Application'; id: string };
  action: string;
  resourceId: string;
  sessionId?: string | null;
  context?: Record<string, unknown> | null;
}

/** A policy that determined a decision (local ids). */
export interface DecisionReason {
  policyId: string;
  policyVersionId: string;
  policySetId: string;
  policySetVersionId: string;
}

export interface ShadowDecision {
  policySetId: string;
  policySetVersionId: string;
  version: number;
  decision: 'ALLOW' | 'DENY';
  /** Whether it differs from the answer. */
  differs: boolean;
}

export interface PolicyDecision {
  decision: 'ALLOW' | 'DENY';
  reasons: DecisionReason[];
  errors: string[];
  shadow: ShadowDecision[];
}

export type IntegrityFailure = 'signature' | 'content';

/** One disagreement seen in shadow mode (local ids). */
export type ShadowSample = ShadowSampleRow;

/**
 * What the instances have seen of one shadow version (the stored aggregate plus this instance's unflushed part):
 * `since` is when an instance first evaluated it, `samples` the latest disagreements, newest first (at most
 * SHADOW_SAMPLES).
 */
export type ShadowDiffs = Omit<ShadowIncrement, 'zoneId'>;

export const SHADOW_SAMPLES = 20;
const SHADOW_VERSIONS = 1000;

/**
 * Disagreements of shadow versions: counts plus a bounded sample of the latest, with no write per
 * request. Each instance aggregates in memory and `flush()` adds what it saw to the database (one short
 * transaction: count = count + n, the samples inserted and trimmed to the latest SHADOW_SAMPLES per
 * version); the app flushes every KEYGRAPH_SHADOW_FLUSH_MS and when it closes. `ofSet` reads the stored
 * aggregate (every instance's flushes) plus this instance's part not yet stored, so every instance
 * answers the same once they have flushed. What an instance has not flushed when it dies is lost (at
 * most one flush interval). Unflushed versions are bounded (the oldest first seen is dropped past
 * SHADOW_VERSIONS), samples too (SHADOW_SAMPLES).
 */
export class ShadowLedger {
  private pending = new Map<string, ShadowIncrement>();
  /** This instance's flushes and reads, one after another (a read never sees a flush half done). */
  private running: Promise<void> = Promise.resolve();

  constructor(
    private readonly store: Store | null = null,
    private readonly now: () => Date = () => new Date(),
  ) {}

  record(version: Pick<PolicySetVersion, 'id' | 'zoneId' | 'policySetId' | 'version'>, sample: Omit<ShadowSample, 'at'>): void {
    let diffs = this.pending.get(version.id);
    if (!diffs) {
      if (this.pending.size >= SHADOW_VERSIONS) this.pending.delete(this.pending.keys().next().value!);
      diffs = emptyIncrement(version, this.now());
      this.pending.set(version.id, diffs);
    }
    diffs.evaluated++;
    if (sample.decision === sample.shadowDecision) return;
    diffs.differing++;
    if (sample.decision === 'ALLOW') diffs.allowToDeny++;
    else diffs.denyToAllow++;
    diffs.samples.unshift({ ...sample, at: this.now() });
    if (diffs.samples.length > SHADOW_SAMPLES) diffs.samples.length = SHADOW_SAMPLES;
  }

  /**
   * Adds what this instance saw since its last flush to the database (one transaction; nothing when
   * nothing was seen). Flushes run one after another; a failed one keeps its increments for the next.
   */
  flush(): Promise<void> {
    return this.serially(() => this.flushOnce());
  }

  private serially<T>(task: () => Promise<T>): Promise<T> {
    const next = this.running.then(task);
    this.running = next.then(
      () => {},
      () => {},
    );
    return next;
  }

  private async flushOnce(): Promise<void> {
    if (!this.store || this.pending.size === 0) return;
    const batch = this.pending;
    this.pending = new Map();
    try {
      await this.store.transaction((tx) => tx.zones.shadowDiffs.add([...batch.values()], SHADOW_SAMPLES));
    } catch (error) {
      // Put back (merged with what arrived meanwhile) for the next flush.
      for (const [id, increment] of batch) {
        const later = this.pending.get(id);
        this.pending.delete(id);
        this.pending.set(id, later ? merge(increment, later) : increment);
      }
      while (this.pending.size > SHADOW_VERSIONS) this.pending.delete(this.pending.keys().next().value!);
      throw error;
    }
  }

  /**
   * What was seen of the versions of one policy set, newest version first: stored plus not yet stored.
   * Runs between this instance's flushes, so that nothing is counted twice or missed.
   */
  ofSet(policySetId: string): Promise<ShadowDiffs[]> {
    return this.serially(() => this.read(policySetId));
  }

  private async read(policySetId: string): Promise<ShadowDiffs[]> {
    const stored = this.store ? await this.store.zones.shadowDiffs.ofSet(policySetId, SHADOW_SAMPLES) : [];
    const byVersion = new Map<string, ShadowDiffs>(stored.map((d) => [d.policySetVersionId, { ...d, samples: [...d.samples] }]));
    for (const local of this.pending.values()) {
      if (local.policySetId !== policySetId) continue;
      const known = byVersion.get(local.policySetVersionId);
      const { zoneId: _zone, ...mine } = local;
      byVersion.set(local.policySetVersionId, known ? merge(known, mine) : { ...mine, samples: [...mine.samples] });
    }
    return [...byVersion.values()].sort((a, b) => b.version - a.version);
  }
}

function emptyIncrement(version: Pick<PolicySetVersion, 'id' | 'zoneId' | 'policySetId' | 'version'>, since: Date): ShadowIncrement {
  return { zoneId: version.zoneId, policySetId: version.policySetId, policySetVersionId: version.id, version: version.version, since, evaluated: 0, differing: 0, allowToDeny: 0, denyToAllow: 0, samples: [] };
}

/** a + b: counts added, the earliest since, the latest samples (newest first, bounded). */
function merge<T extends Omit<ShadowIncrement, 'zoneId'>>(a: T, b: Omit<ShadowIncrement, 'zoneId'>): T {
  return {
    ...a,
    since: a.since <= b.since ? a.since : b.since,
    evaluated: a.evaluated + b.evaluated,
    differing: a.differing + b.differing,
    allowToDeny: a.allowToDeny + b.allowToDeny,
    denyToAllow: a.denyToAllow + b.denyToAllow,
    samples: [...a.samples, ...b.samples].sort((x, y) => y.at.getTime() - x.at.getTime()).slice(0, SHADOW_SAMPLES),
  };
}

/** How long a verified attestation is trusted without verifying it again (a retired key stops counting within this time). */
const VERIFIED_FOR_MS = 60_000;
const VERIFIED_ENTRIES = 10_000;

interface Prepared {
  ok: true;
  version: BoundVersion;
  policySetId: string;
  setName: string;
  schemaName: string;
  byPolicyVersion: Map<string, ManifestEntry>;
}
/** A version that cannot be evaluated; `integrity` when it failed its integrity check (counted per request it applies to). */
type Checked = Prepared | { ok: false; version: BoundVersion; error: string; integrity?: IntegrityFailure };

/** A zone's bound sets (ACTIVE or SHADOW, with a version) and each version's check. */
interface Bound {
  sets: BoundSet[];
  checked: Map<string, Checked>;
}

interface Evaluated {
  version: BoundVersion;
  answer: EngineDecision;
  /** Why it could not be evaluated (integrity), when it could not. */
  refused?: string;
}

export class DecisionService {
  /** Attestations verified (or refused): key = version id, manifest sha, the JWS as stored. */
  private readonly verified = new Map<string, { ok: boolean; until: number; error?: string }>();
  private readonly schemaAttributes = new Map<string, Map<string, Set<string>>>();
  /** Canonical shas of the store's frozen contents, by object (see sha()). */
  private readonly shaByObject = new WeakMap<object, string>();
  private readonly manifestShas = new WeakMap<object, string>();
  /**
   * Each zone's bound versions as last read and checked, with the store's change mark of that read: while the
   * mark stays (nothing written since, by anyone) and for at most VERIFIED_FOR_MS, the next decisions use them
   * without reading or checking them again, as a policy agent keeps a verified bundle until it changes. The mark
   * is the request's (Authorizer.asOf: on PostgreSQL read with its session) or else the store's; where there is
   * none (no session, and a store that cannot tell), every call reads and checks.
   */
  private readonly boundByZone = new LruMap<string, { mark: ChangeMark; until: number; bound: Bound }>(VERIFIED_ENTRIES);

  constructor(
    private readonly store: Store,
    private readonly engine: PolicyEngine & DecisionEngine,
    private readonly hasher: ContentHasher,
    private readonly crypto: ZoneKeyCrypto,
    readonly shadow: ShadowLedger,
    private readonly onIntegrityFailure: (reason: IntegrityFailure) => void = () => {},
    private readonly clock: () => number = () => Date.now(),
  ) {}

  /**
   * Forgets the attestations verified for a zone (its published keys changed: what a retired key signed
   * must stop counting now). Other instances forget within VERIFIED_FOR_MS.
   */
  forgetVerified(zoneId: string): void {
    for (const key of this.verified.keys()) if (key.startsWith(`${zoneId}\n`)) this.verified.delete(key);
    this.boundByZone.delete(zoneId);
  }

  /**
   * Decides every request (policy.evaluate on each zone named; a zone the caller cannot see is
   * NotFoundError, one it sees without the capability ForbiddenError). Answers in request order.
   */
  async authorize(actor: Authorizer, requests: readonly DecisionRequest[]): Promise<PolicyDecision[]> {
    actor.requireAuthenticated();
    if (requests.length > MAX_BATCH) throw new ValidationError(`at most ${MAX_BATCH} requests at once; this batch has ${requests.length}`, 'requests');
    // Everything the requests name, read at once (answers depend on the caller's rights only after this).
    const z = this.store.zones;
    // Entities the contexts name (e.g. on_behalf_of) are read in the same batch as the principals and resources.
    const contextRefs = requests.map((r) => entityRefsIn(r.context));
    // The zones' bound sets are read alongside (and checked only once the caller may ask), unless known as they
    // are now. The mark is taken before anything is read: a write after it makes what is read here stale. The
    // request's own mark, taken when it began, serves (a query writes nothing; a write since by another request
    // makes this one merely concurrent with it).
    const zoneIds = unique(requests.map((r) => r.zoneId));
    const mark = actor.asOf ?? this.store.changeMark();
    const known = new Map(zoneIds.map((id) => [id, this.knownBound(id, mark)] as const));
    const contents = new Map(zoneIds.filter((id) => !known.get(id)).map((id) => [id, z.policySets.boundContents(id)] as const));
    for (const pending of contents.values()) pending.catch(() => {});
    // Principals, resources and sessions in one statement.
    const { zoneUsers: users, applications: apps, resources, sessions } = await z.entitiesByIds(entityReads(requests, contextRefs));
    const userById = byId(users);
    const resourceById = byId(resources);
    const appById = byId(apps);
    const sessionById = byId(sessions);

    // The zones: known from a resource of theirs when the request names one (as most do), read otherwise.
    const zones = new Map<string, Pick<Zone, 'id' | 'accountId'>>();
    for (const r of resourceById.values()) if (zoneIds.includes(r.zoneId)) zones.set(r.zoneId, { id: r.zoneId, accountId: r.accountId });
    const unknown = zoneIds.filter((id) => !zones.has(id));
    if (unknown.length) for (const zone of await z.zones.byIds(unknown)) if (zone) zones.set(zone.id, zone);
    for (const zoneId of zoneIds) {
      const zone = zones.get(zoneId);
      const scope = zone ? zoneScope(zone) : null;
      const evaluate = scope ? await actor.can('policy.evaluate', scope) : false;
      if (!scope || (!evaluate && !(await actor.can('zone.read', scope)))) throw new NotFoundError('Zone', 'zoneId');
      if (!evaluate) throw new ForbiddenError('policy.evaluate');
    }

    const providerIds = unique([...userById.values()].flatMap((u) => (u.providerId ? [u.providerId] : [])));
    const providerById = byId(providerIds.length ? await z.providers.byIds(providerIds) : []);

    // The bound versions of each zone, checked once for the whole batch.
    const checkedByZone = new Map<string, Bound>();
    for (const zone of zones.values()) {
      let bound = known.get(zone.id);
      if (!bound) {
        bound = await this.boundVersions(zone, await contents.get(zone.id)!);
        if (mark !== undefined) this.boundByZone.set(zone.id, { mark, until: this.clock() + VERIFIED_FOR_MS, bound });
      }
      checkedByZone.set(zone.id, bound);
    }

    const read: Read = { userById, appById, resourceById, sessionById, providerById };
    return requests.map((request, index) => this.decideOne(request, contextRefs[index]!, zones.get(request.zoneId)!, checkedByZone.get(request.zoneId)!, read));
  }

  /** One request, once everything it names was read and the caller may ask (see authorize). */
  private decideOne(request: DecisionRequest, refs: readonly EntityRef[], zone: Pick<Zone, 'id'>, { sets, checked }: Bound, read: Read): PolicyDecision {
    const errors = requestErrors(request, refs, zone.id, read, this.clock());
    if (errors.length) return deny(errors);
    const principal: EntityRef = { type: request.principal.kind === 'ZoneUser' ? 'User' : 'Application', id: request.principal.id };
    const resource: EntityRef = { type: 'Resource', id: request.resourceId };
    const active: Evaluated[] = [];
    const shadow: BoundSet[] = [];
    for (const set of sets) {
      if (!applies(set, request)) continue;
      if (set.mode === 'ACTIVE') active.push(this.evaluate(set, checked, request, principal, resource, refs, read));
      else if (set.mode === 'SHADOW') shadow.push(set);
    }
    const answer = combine(active, checked, 'policy set');
    if (active.length === 0) answer.errors.push('no ACTIVE policy-set version applies to this request: denied by default');
    for (const set of shadow) {
      const evaluated = this.evaluate(set, checked, request, principal, resource, refs, read);
      const would = combine([...active, evaluated], checked, 'policy set').decision;
      if (!evaluated.answer.ok) answer.errors.push(...evaluated.answer.errors.map((e) => `shadow policy set ${set.name} v${evaluated.version.version}: ${e}`));
      answer.shadow.push({ policySetId: set.id, policySetVersionId: evaluated.version.id, version: evaluated.version.version, decision: would, differs: would !== answer.decision });
      this.shadow.record(evaluated.version, { principal: request.principal, action: request.action, resourceId: request.resourceId, decision: answer.decision, shadowDecision: would });
    }
    return answer;
  }

  /** One bound version's answer to the request (a version that cannot be evaluated refuses it). */
  private evaluate(set: BoundSet, checked: Map<string, Checked>, request: DecisionRequest, principal: EntityRef, resource: EntityRef, refs: readonly EntityRef[], read: Read): Evaluated {
    const c = checked.get(set.activeVersionId!)!;
    if (!c.ok) {
      // Counted once per request it would have decided (and per failing version), like the error.
      if (c.integrity) this.onIntegrityFailure(c.integrity);
      return { version: c.version, answer: { ok: false, errors: [c.error] }, refused: c.error };
    }
    const attrs = this.attributesOf(c.schemaName);
    const entities: EntityData[] = [entity(principal, attrs, read)];
    // Each entity once (the principal may also be named by the context, say).
    const seen = new Set<string>([`${principal.type}\n${principal.id}`]);
    for (const ref of [resource, ...refs]) {
      const key = `${ref.type}\n${ref.id}`;
      if (seen.has(key)) continue;
      seen.add(key);
      entities.push(entity(ref, attrs, read));
    }
    const answer = this.engine.isAuthorized(`manifest:${c.version.manifestSha}`, c.schemaName, {
      principal,
      action: { type: 'Action', id: request.action },
      resource,
      context: request.context ?? {},
      entities,
    });
    return { version: c.version, answer };
  }

  /** A zone's bound versions as checked at `mark`, while still so (see boundByZone). */
  private knownBound(zoneId: string, mark: ChangeMark | undefined): Bound | undefined {
    const known = mark === undefined ? undefined : this.boundByZone.get(zoneId);
    return known && known.mark === mark && known.until > this.clock() ? known.bound : undefined;
  }

  /** The zone's bound sets and their versions (one read), each checked for integrity and preparsed. */
  private async boundVersions(zone: Pick<Zone, 'id' | 'accountId'>, bound: BoundSetContents[]): Promise<Bound> {
    const z = this.store.zones;
    const contents = bound.filter((c) => c.version !== null && (c.set.mode === 'ACTIVE' || c.set.mode === 'SHADOW'));
    const sets = contents.map((c) => c.set);
    const checked = new Map<string, Checked>();
    if (sets.length === 0) return { sets, checked };
    const versions = contents.map((c) => c.version!);
    const policyVersions = byId(contents.flatMap((c) => c.policyVersions));
    let keys: Promise<(Record<string, unknown> & { kid: string })[]> | null = null;
    const published = () => (keys ??= z.signingKeys.published(zone.id).then((list) => list.map((k) => ({ ...k.publicJwk, kid: k.kid }))));
    for (const set of sets) {
      const version = versions.find((v) => v.id === set.activeVersionId);
      if (!version) continue;
      checked.set(version.id, await this.check(zone, set, version, policyVersions, published));
    }
    return { sets: sets.filter((s) => checked.has(s.activeVersionId!)), checked };
  }

  /**
   * The canonical sha of a stored value. The store hands out one frozen object per stored JSON text, so a
   * frozen object's sha is remembered by its identity (an edited row has another text, hence another object,
   * and is hashed again); anything else is hashed every time.
   */
  private sha(value: unknown): string {
    return this.remembered(this.shaByObject, value, () => this.hasher.canonicalSha256(value));
  }

  /** The manifest's sha, sha({ entries }), remembered by the (frozen) entries like sha(). */
  private manifestSha(entries: readonly unknown[]): string {
    return this.remembered(this.manifestShas, entries, () => this.hasher.canonicalSha256({ entries }));
  }

  private remembered(memo: WeakMap<object, string>, key: unknown, hash: () => string): string {
    if (key === null || typeof key !== 'object' || !Object.isFrozen(key)) return hash();
    let sha = memo.get(key);
    if (sha === undefined) memo.set(key, (sha = hash()));
    return sha;
  }

  private async check(zone: Pick<Zone, 'id'>, set: BoundSet, version: BoundVersion, policyVersions: Map<string, BoundPolicyVersion>, published: () => Promise<(Record<string, unknown> & { kid: string })[]>): Promise<Checked> {
    const label = `policy set ${set.name} v${version.version}`;
    const fail = (reason: IntegrityFailure, error: string): Checked => ({ ok: false, version, integrity: reason, error: `${label} fails its integrity check (${error}): it is not evaluated and the request is denied` });
    // 1. The stored contents still hash to the manifest (recomputed on every load).
    const entries = version.entries;
    if (!Array.isArray(entries) || this.manifestSha(entries) !== version.manifestSha) return fail('content', 'its entries do not hash to its manifestSha');
    const policies: Record<string, Record<string, unknown>> = {};
    const byPolicyVersion = new Map<string, ManifestEntry>();
    for (const entry of entries) {
      const pv = policyVersions.get(entry.policy_version_id);
      if (!pv || pv.zoneId !== zone.id || pv.policyId !== entry.policy_id) return fail('content', `pinned policy version ${entry.policy_version_id} is missing`);
      if (this.sha(pv.cedarJson) !== entry.sha) return fail('content', `the stored content of policy version ${pv.id} no longer hashes to the sha the manifest pins`);
      policies[pv.id] = pv.cedarJson;
      byPolicyVersion.set(pv.id, entry);
    }
    // 2. The attestation verifies with the zone's keys and says what the row says.
    const a = version.attestation;
    const cacheKey = `${zone.id}\n${version.id}\n${version.manifestSha}\n${a?.protected}.${a?.payload}.${a?.signature}`;
    let verified = this.verified.get(cacheKey);
    if (!verified || verified.until <= this.clock()) {
      verified = await this.verifyAttestation(zone, version, published);
      if (this.verified.size >= VERIFIED_ENTRIES) this.verified.delete(this.verified.keys().next().value!);
      this.verified.set(cacheKey, verified);
    }
    if (!verified.ok) return fail('signature', verified.error!);
    // 3. Preparsed once per manifest (and schema version).
    const schema = shippedSchema(version.schemaVersion);
    if (!schema) return { ok: false, version, error: `${label} pins policy schema ${version.schemaVersion}, which keygraph does not ship` };
    const problems = [...this.engine.prepareSchema(schema.version, schema.cedarSchema), ...this.engine.preparePolicySet(`manifest:${version.manifestSha}`, policies)];
    if (problems.length) return { ok: false, version, error: `${label} does not parse: ${problems.map((p) => p.message).join('; ')}` };
    return { ok: true, version, policySetId: set.id, setName: set.name, schemaName: schema.version, byPolicyVersion };
  }

  private async verifyAttestation(zone: Pick<Zone, 'id'>, version: BoundVersion, published: () => Promise<(Record<string, unknown> & { kid: string })[]>): Promise<{ ok: boolean; until: number; error?: string }> {
    const until = this.clock() + VERIFIED_FOR_MS;
    const a = version.attestation;
    const payload = a ? await this.crypto.verify(a, await published()) : null;
    if (!payload) return { ok: false, until, error: "its attestation does not verify with the zone's published keys" };
    let statement: Record<string, unknown>;
    try {
      statement = JSON.parse(new TextDecoder().decode(payload)) as Record<string, unknown>;
    } catch {
      return { ok: false, until, error: 'its attestation payload is not JSON' };
    }
    const matches =
      statement.type === 'policy_set_attestation' &&
      statement.zone_id === zone.id &&
      statement.policy_set_id === version.policySetId &&
      statement.policy_set_version === version.version &&
      statement.manifest_sha === version.manifestSha &&
      this.hasher.canonical(statement.manifest) === this.hasher.canonical(version.entries);
    return matches ? { ok: true, until } : { ok: false, until, error: 'its attestation attests another manifest or version' };
  }

  private attributesOf(schemaName: string): Map<string, Set<string>> {
    let attrs = this.schemaAttributes.get(schemaName);
    if (!attrs) {
      const json = this.engine.schemaJson(shippedSchema(schemaName)!.cedarSchema) as Record<string, { entityTypes?: Record<string, { shape?: { attributes?: Record<string, unknown> } }> }>;
      attrs = new Map();
      for (const namespace of Object.values(json)) {
        for (const [type, def] of Object.entries(namespace.entityTypes ?? {})) attrs.set(type, new Set(Object.keys(def.shape?.attributes ?? {})));
      }
      this.schemaAttributes.set(schemaName, attrs);
    }
    return attrs;
  }
}

/** The ids a batch names, each once: its principals, resources and sessions, and the entities its contexts name. */
function entityReads(requests: readonly DecisionRequest[], contextRefs: readonly EntityRef[][]): EntityReads {
  const ids = { User: new Set<string>(), Application: new Set<string>(), Resource: new Set<string>(), sessions: new Set<string>() };
  for (const r of requests) {
    (r.principal.kind === 'ZoneUser' ? ids.User : ids.Application).add(r.principal.id);
    ids.Resource.add(r.resourceId);
    if (r.sessionId) ids.sessions.add(r.sessionId);
  }
  for (const refs of contextRefs) for (const ref of refs) if (ref.type === 'User' || ref.type === 'Application' || ref.type === 'Resource') ids[ref.type].add(ref.id);
  return { zoneUsers: [...ids.User], applications: [...ids.Application], resources: [...ids.Resource], sessions: [...ids.sessions] };
}

/** What a batch read, by id (see authorize). */
interface Read {
  userById: Map<string, NonNullable<EntitiesById['zoneUsers'][number]>>;
  appById: Map<string, NonNullable<EntitiesById['applications'][number]>>;
  resourceById: Map<string, NonNullable<EntitiesById['resources'][number]>>;
  sessionById: Map<string, NonNullable<EntitiesById['sessions'][number]>>;
  providerById: Map<string, { identifier: string }>;
}

/** Why the request cannot be decided as asked (principal, resource, session or a context entity not of the zone); empty when it can. */
function requestErrors(request: DecisionRequest, refs: readonly EntityRef[], zoneId: string, read: Read, now: number): string[] {
  const errors: string[] = [];
  const user = request.principal.kind === 'ZoneUser';
  const principal = user ? read.userById.get(request.principal.id) : read.appById.get(request.principal.id);
  const resource = read.resourceById.get(request.resourceId);
  if (!principal || principal.zoneId !== zoneId) errors.push(`the principal is not a ${user ? 'zone user' : 'application'} of the zone`);
  if (!resource || resource.zoneId !== zoneId) errors.push('the resource is not a resource of the zone');
  if (request.sessionId) {
    const session = read.sessionById.get(request.sessionId);
    const owner = user ? session?.zoneUserId : session?.applicationId;
    if (!session || session.zoneId !== zoneId || owner !== request.principal.id) errors.push('the session is not a session of the principal in the zone');
    else if (session.revokedAt || (session.expiresAt && session.expiresAt.getTime() <= now)) errors.push('the session is revoked or expired');
  }
  for (const ref of refs) {
    const found = ref.type === 'User' ? read.userById.get(ref.id) : ref.type === 'Application' ? read.appById.get(ref.id) : ref.type === 'Resource' ? read.resourceById.get(ref.id) : undefined;
    if (!CONTEXT_ENTITY_TYPES.has(ref.type)) errors.push(`the context names ${ref.type}::${JSON.stringify(ref.id)}: the context may name only User, Application or Resource entities of the zone`);
    else if (!found || found.zoneId !== zoneId) errors.push(`the context names ${ref.type}::${JSON.stringify(ref.id)}, which is not ${ref.type === 'User' ? 'a zone user' : ref.type === 'Application' ? 'an application' : 'a resource'} of the zone`);
  }
  return errors;
}

/**
 * Whether a bound set applies to a request (one that requestErrors let through): ZONE scope always; RESOURCE, USER
 * and SESSION scope when naming its resource, its principal (a zone user) or its session.
 */
function applies(set: BoundSet, request: DecisionRequest): boolean {
  switch (set.scopeType) {
    case 'ZONE':
      return true;
    case 'RESOURCE':
      return set.scopeTargetId === request.resourceId;
    case 'USER':
      return request.principal.kind === 'ZoneUser' && set.scopeTargetId === request.principal.id;
    case 'SESSION':
      return !!request.sessionId && set.scopeTargetId === request.sessionId;
    default:
      return false;
  }
}

/**
 * The entity `ref` names (read with the batch), with its attributes projected on those the pinned schema declares for
 * its type (`attrs`: an older schema knows fewer), nulls left out. A resource's providing application is its parent
 * (`resource in Application::"..."`); Cedar needs only its uid.
 */
function entity(ref: EntityRef, attrs: Map<string, Set<string>>, read: Read): EntityData {
  let values: Record<string, unknown>;
  let parents: EntityRef[] = [];
  if (ref.type === 'User') {
    const u = read.userById.get(ref.id)!;
    values = { email: u.email, email_verified: u.emailVerified, issuer: u.issuer, provider: u.providerId ? read.providerById.get(u.providerId)?.identifier : null };
  } else if (ref.type === 'Application') {
    const a = read.appById.get(ref.id)!;
    values = { identifier: a.identifier, traits: a.traits, owner_type: a.ownerType };
  } else {
    const r = read.resourceById.get(ref.id)!;
    values = { identifier: r.identifier, scopes: r.scopes, application_type: r.applicationType };
    if (r.applicationId) parents = [{ type: 'Application', id: r.applicationId }];
  }
  const known = attrs.get(ref.type);
  const projected: Record<string, unknown> = {};
  if (known) {
    for (const name in values) {
      const value = values[name];
      if (value !== null && value !== undefined && known.has(name)) projected[name] = value;
    }
  }
  return { uid: { type: ref.type, id: ref.id }, attrs: projected, parents };
}

function deny(errors: string[]): PolicyDecision {
  return { decision: 'DENY', reasons: [], errors, shadow: [] };
}

/** Forbid anywhere denies; else a permit anywhere allows; else deny. A version not evaluated denies (fail closed). */
function combine(results: Evaluated[], checked: Map<string, Checked>, what: string): PolicyDecision {
  const errors: string[] = [];
  let failed = false;
  for (const r of results) {
    const c = checked.get(r.version.id);
    const label = c?.ok ? `${what} ${c.setName} v${r.version.version}` : `${what} version ${r.version.version}`;
    if (!r.answer.ok) {
      failed = true;
      errors.push(...(r.refused ? [r.refused] : r.answer.errors.map((e) => `${label}: the request does not validate against policy schema ${r.version.schemaVersion}: ${e}`)));
    } else errors.push(...r.answer.errors.map((e) => `${label}: ${e}`));
  }
  if (failed) return { decision: 'DENY', reasons: [], errors, shadow: [] };
  const evaluated = results as (Evaluated & { answer: { ok: true; allow: boolean; reasons: string[] } })[];
  const forbids = evaluated.filter((r) => !r.answer.allow && r.answer.reasons.length > 0);
  if (forbids.length) return { decision: 'DENY', reasons: forbids.flatMap((r) => reasonsOf(r, r.answer.reasons, checked)), errors, shadow: [] };
  const permits = evaluated.filter((r) => r.answer.allow);
  if (permits.length) return { decision: 'ALLOW', reasons: permits.flatMap((r) => reasonsOf(r, r.answer.reasons, checked)), errors, shadow: [] };
  return { decision: 'DENY', reasons: [], errors, shadow: [] };
}

/** The policies of an evaluated version that Cedar gave as reasons (policy version ids), as DecisionReasons. */
function reasonsOf(r: Evaluated, ids: string[], checked: Map<string, Checked>): DecisionReason[] {
  const c = checked.get(r.version.id);
  if (!c?.ok) return [];
  const reasons: DecisionReason[] = [];
  for (const id of ids) {
    const entry = c.byPolicyVersion.get(id);
    if (entry) reasons.push({ policyId: entry.policy_id, policyVersionId: entry.policy_version_id, policySetId: c.policySetId, policySetVersionId: r.version.id });
  }
  return reasons;
}

/** The entity types a context may name: the zone's own entities, read with the request. */
const CONTEXT_ENTITY_TYPES = new Set(['User', 'Application', 'Resource']);
const CONTEXT_DEPTH = 32;

/**
 * The entity references in a context, in Cedar's JSON forms: `{"__entity": {"type", "id"}}`, and the
 * implicit `{"type", "id"}` (an object of exactly these two strings) when its type is one of the zone's
 * entity types (the shipped schemas declare no record of that shape, so it can only be an entity).
 * The value is walked (records and sets), not the schema.
 */
export function entityRefsIn(context: unknown): EntityRef[] {
  const refs: EntityRef[] = [];
  collectRefs(context, 0, refs);
  return refs;
}

function collectRefs(value: unknown, depth: number, refs: EntityRef[]): void {
  if (value === null || typeof value !== 'object' || depth > CONTEXT_DEPTH) return;
  if (Array.isArray(value)) {
    for (const item of value) collectRefs(item, depth + 1, refs);
    return;
  }
  const record = value as Record<string, unknown>;
  const keys = Object.keys(record);
  const explicit = keys.length === 1 && keys[0] === '__entity' ? (record.__entity as Record<string, unknown> | null) : null;
  if (explicit && typeof explicit === 'object' && typeof explicit.type === 'string' && typeof explicit.id === 'string') {
    refs.push({ type: explicit.type, id: explicit.id });
    return;
  }
  if (keys.length === 2 && typeof record.type === 'string' && typeof record.id === 'string' && CONTEXT_ENTITY_TYPES.has(record.type)) {
    refs.push({ type: record.type, id: record.id });
    return;
  }
  for (const key of keys) collectRefs(record[key], depth + 1, refs);
}

function unique(ids: readonly string[]): string[] {
  return [...new Set(ids)];
}

function byId<T extends { id: string }>(list: readonly (T | null)[]): Map<string, T> {
  return new Map(list.filter((x): x is T => x !== null).map((x) => [x.id, x]));
}
