// Policy sets and their immutable, attested versions (reference 001: zones.policy_sets.*,
// zones.policy_sets.versions.*; issue 14). A version pins policy versions by id and content hash (its
// manifest); all of them must validate together (strict) against the version's schema. manifestSha is
// the hex SHA-256 of the RFC 8785 form of { entries }. Every version is attested when it is created: a
// flattened JWS (RS256, the zone's current key) over the RFC 8785 form of the AttestationStatement.
// A set binds at most one version, ACTIVE or SHADOW; archiving the set unbinds it.
import type { Authorizer } from '../authz/authorizer.js';
import { ConflictError, NotFoundError, PlatformOwnedError, ValidationError } from '../errors.js';
import type { Store } from '../store.js';
import { requiredText } from '../validation.js';
import { allInZone, changeableFor, objectFor, sameZone, zoneFor } from './common.js';
import type { ContentHasher } from './crypto.js';
import type { ZoneKeyService } from './keys.js';
import type { BindingMode, ManifestEntry, PolicySet, PolicySetDraft, PolicySetScope, PolicySetVersion } from './model.js';
import { PolicyValidationError } from './policies.js';
import type { PolicyEngine } from './policy-engine.js';
import { defaultSchemaVersion, shippedSchema, type ShippedPolicySchema } from './policy-schemas.js';
import { ZONE_LIMITS } from './validation.js';

export const POLICY_SET_SCOPES: readonly PolicySetScope[] = ['ZONE', 'RESOURCE', 'USER', 'SESSION'];
/** The most policy versions one policy-set version pins. */
export const MAX_ENTRIES = 100;

export interface PolicySetInput {
  name: string;
  scopeType: PolicySetScope;
  scopeTargetId?: string | null;
}

export class PolicySetService {
  constructor(
    private readonly store: Store,
    private readonly engine: PolicyEngine,
    private readonly hasher: ContentHasher,
    private readonly keys: ZoneKeyService,
  ) {}

  createPolicySet(actor: Authorizer, zoneId: string, input: PolicySetInput): Promise<PolicySet> {
    const name = requiredText('name', input.name, ZONE_LIMITS.name);
    if (!POLICY_SET_SCOPES.includes(input.scopeType)) throw new ValidationError('scopeType must be ZONE, RESOURCE, USER or SESSION', 'scopeType');
    return this.store.transaction(async (tx) => {
      const zone = await zoneFor(tx, actor, zoneId, 'policy.manage');
      await tx.lockAccount(zone.accountId);
      const scopeTargetId = await this.target(actor, tx, zone.id, input.scopeType, input.scopeTargetId ?? null);
      if (await tx.zones.policySets.findIn(zone.id, 'name', name)) throw new ConflictError('a policy set with this name already exists in the zone', 'name');
      return tx.zones.policySets.create({
        accountId: zone.accountId,
        zoneId: zone.id,
        name,
        ownerType: 'CUSTOMER',
        scopeType: input.scopeType,
        scopeTargetId,
        latestVersion: null,
        latestVersionId: null,
        activeVersionId: null,
        mode: null,
        createdById: actor.actorId,
        updatedById: actor.actorId,
        archivedAt: null,
      });
    });
  }

  updatePolicySet(actor: Authorizer, setId: string, patch: { name?: string | null; scopeTargetId?: string | null }): Promise<PolicySet> {
    const name = patch.name === undefined || patch.name === null ? undefined : requiredText('name', patch.name, ZONE_LIMITS.name);
    return this.store.transaction(async (tx) => {
      const set = await this.changeable(actor, tx, setId);
      await tx.lockAccount(set.accountId);
      if (name !== undefined && name !== set.name && (await tx.zones.policySets.findIn(set.zoneId, 'name', name))) throw new ConflictError('a policy set with this name already exists in the zone', 'name');
      const scopeTargetId = patch.scopeTargetId === undefined ? undefined : await this.target(actor, tx, set.zoneId, set.scopeType, patch.scopeTargetId);
      return tx.zones.policySets.update(set.id, { name, scopeTargetId, updatedById: actor.actorId });
    });
  }

  /** Soft, and unbinds the set: its versions stay readable; nothing of it evaluates. */
  archivePolicySet(actor: Authorizer, setId: string): Promise<PolicySet> {
    return this.store.transaction(async (tx) => {
      const set = await this.changeable(actor, tx, setId);
      return tx.zones.policySets.update(set.id, { archivedAt: new Date(), activeVersionId: null, mode: null, updatedById: actor.actorId });
    });
  }

  async createPolicySetVersion(
    actor: Authorizer,
    setId: string,
    input: { policyVersionIds?: string[] | null; schemaVersion?: string | null; fromDraft?: boolean | null },
  ): Promise<{ policySet: PolicySet; policySetVersion: PolicySetVersion }> {
    let ids = input.policyVersionIds ?? null;
    let requested = input.schemaVersion ?? null;
    if (input.fromDraft === true) {
      if (ids !== null) throw new ValidationError('entries: set exactly one of entries, fromDraft', 'entries');
      // A version cut from the draft: its entries and schema version, checked again.
      const draft = await this.store.transaction(async (tx) => {
        const set = await this.changeable(actor, tx, setId, 'policySetId');
        return tx.zones.policySetDrafts.findIn(set.zoneId, 'policySetId', set.id);
      });
      if (!draft) throw new ValidationError('the policy set has no draft', 'fromDraft');
      ids = draft.entries.map((e) => e.policy_version_id);
      requested ??= draft.schemaVersion;
    }
    if (ids === null) throw new ValidationError('entries: set exactly one of entries, fromDraft', 'entries');
    const { set: before, schema } = await this.prepare(actor, setId, ids, requested);
    await this.keys.ensureKey(before.zoneId);

    return this.store.transaction(async (tx) => {
      await tx.lockAccount(before.accountId);
      const set = await this.changeable(actor, tx, setId, 'policySetId');
      const entries = await this.pin(actor, tx, set, ids, schema);
      const manifestSha = this.hasher.canonicalSha256({ entries });
      const version = (set.latestVersion ?? 0) + 1;
      const id = tx.zones.newId();
      const attestedAt = new Date();
      const statement = attestationStatement({ zoneId: set.zoneId, policySetId: set.id, version, entries, manifestSha }, attestedAt, actor.actorId, 'committed');
      const jws = await this.keys.signIn(tx, set.zoneId, new TextEncoder().encode(this.hasher.canonical(statement)));
      const policySetVersion = await tx.zones.policySetVersions.create({
        id,
        accountId: set.accountId,
        zoneId: set.zoneId,
        policySetId: set.id,
        version,
        schemaVersion: schema.version,
        entries,
        manifestSha,
        attestation: { protected: jws.protected, payload: jws.payload, signature: jws.signature },
        createdById: actor.actorId,
        archivedAt: null,
        archivedById: null,
      });
      const policySet = await tx.zones.policySets.update(set.id, { latestVersion: version, latestVersionId: id, updatedById: actor.actorId });
      return { policySet, policySetVersion };
    });
  }

  /** Saves the set's one draft (created on first save): entries checked and validated together like a version. */
  async savePolicySetDraft(actor: Authorizer, setId: string, input: { policyVersionIds: string[]; schemaVersion?: string | null }): Promise<{ policySet: PolicySet; draft: PolicySetDraft }> {
    const { set: before, schema } = await this.prepare(actor, setId, input.policyVersionIds, input.schemaVersion ?? null);
    return this.store.transaction(async (tx) => {
      await tx.lockAccount(before.accountId);
      const set = await this.changeable(actor, tx, setId, 'policySetId');
      const entries = await this.pin(actor, tx, set, input.policyVersionIds, schema);
      const fields = { schemaVersion: schema.version, entries, updatedById: actor.actorId };
      const existing = await tx.zones.policySetDrafts.findIn(set.zoneId, 'policySetId', set.id);
      const draft = existing ? await tx.zones.policySetDrafts.update(existing.id, fields) : await tx.zones.policySetDrafts.create({ accountId: set.accountId, zoneId: set.zoneId, policySetId: set.id, ...fields });
      return { policySet: set, draft };
    });
  }

  /** The set the caller may change and the schema version to pin (not archived). */
  private async prepare(actor: Authorizer, setId: string, ids: readonly string[], requested: string | null) {
    if (ids.length === 0 || ids.length > MAX_ENTRIES) throw new ValidationError(`entries must pin 1..${MAX_ENTRIES} policy versions`, 'entries');
    const first = await this.store.transaction(async (tx) => {
      const set = await this.changeable(actor, tx, setId, 'policySetId');
      const zone = (await tx.zones.zones.byIds([set.zoneId]))[0]!;
      return { set, schemaVersion: requested ?? defaultSchemaVersion(zone) };
    });
    const schema = shippedSchema(first.schemaVersion);
    if (!schema) throw new NotFoundError('PolicySchema', 'schemaVersion');
    if (schema.status === 'ARCHIVED') throw new ConflictError(`policy schema ${schema.version} is archived: it accepts no new versions`, 'schemaVersion');
    return { set: first.set, schema };
  }

  /** The manifest entries of `ids`: versions of the zone, one per policy, none archived, valid together. */
  private async pin(actor: Authorizer, tx: Store, set: PolicySet, ids: readonly string[], schema: ShippedPolicySchema): Promise<ManifestEntry[]> {
    const versions = await allInZone(actor, tx.zones.policyVersions, 'PolicyVersion', ids, set.zoneId, 'entries');
    const seen = new Set<string>();
    for (const v of versions) {
      if (seen.has(v.policyId)) throw new ValidationError('entries pin the same policy more than once', 'entries');
      seen.add(v.policyId);
      if (v.archivedAt) throw new ConflictError(`policy version ${v.version} of its policy is archived`, 'entries');
    }
    const policies = await tx.zones.policies.byIds([...seen]);
    if (policies.some((p) => p?.archivedAt)) throw new ConflictError('entries pin a version of an archived policy', 'entries');
    const text = versions.map((v) => v.cedarRaw).join('\n\n');
    const problems = this.engine.validate(schema.cedarSchema, text);
    if (problems.length) throw new PolicyValidationError(`the policies do not validate together against policy schema ${schema.version}: ${problems.map((d) => d.message).join('; ')}`, 'entries', problems, text);
    return versions.map((v) => ({ policy_id: v.policyId, policy_version_id: v.id, sha: v.sha }));
  }

  /**
   * Re-attests every policy-set version of the zone that is not archived with the zone's current key
   * (status "re_signed": same content, new signature), inside the caller's transaction. Returns how many.
   */
  async resignIn(tx: Store, zoneId: string, actorId: string | null): Promise<number> {
    const versions = await tx.zones.policySetVersions.unarchivedOfZone(zoneId);
    const at = new Date();
    for (const v of versions) {
      const statement = attestationStatement(v, at, actorId, 're_signed');
      const jws = await this.keys.signIn(tx, zoneId, new TextEncoder().encode(this.hasher.canonical(statement)));
      await tx.zones.policySetVersions.update(v.id, { attestation: { protected: jws.protected, payload: jws.payload, signature: jws.signature } });
    }
    return versions.length;
  }

  /** Binds a version of its set, ACTIVE or SHADOW (replacing the bound one). */
  activatePolicySetVersion(actor: Authorizer, versionId: string, mode: BindingMode): Promise<{ policySet: PolicySet; policySetVersion: PolicySetVersion }> {
    if (mode !== 'ACTIVE' && mode !== 'SHADOW') throw new ValidationError('mode must be ACTIVE or SHADOW', 'mode');
    return this.store.transaction(async (tx) => {
      const version = await objectFor(actor, tx.zones.policySetVersions, 'PolicySetVersion', versionId);
      const set = await this.changeable(actor, tx, version.policySetId, 'id');
      if (version.archivedAt) throw new ConflictError('the policy set version is archived', 'id');
      const policySet = await tx.zones.policySets.update(set.id, { activeVersionId: version.id, mode, updatedById: actor.actorId });
      return { policySet, policySetVersion: version };
    });
  }

  /** Archives a version; the bound one is refused (archive the set, or bind another version first). */
  archivePolicySetVersion(actor: Authorizer, versionId: string): Promise<PolicySetVersion> {
    return this.store.transaction(async (tx) => {
      const version = await objectFor(actor, tx.zones.policySetVersions, 'PolicySetVersion', versionId);
      const [set] = await tx.zones.policySets.byIds([version.policySetId]);
      if (set?.ownerType === 'PLATFORM') throw new PlatformOwnedError('policy set version');
      if (version.archivedAt) throw new ConflictError('the policy set version is already archived', 'id');
      if (set?.activeVersionId === version.id) throw new ConflictError('the policy set version is bound: bind another version or archive the policy set first', 'id');
      return tx.zones.policySetVersions.update(version.id, { archivedAt: new Date(), archivedById: actor.actorId });
    });
  }

  private async changeable(actor: Authorizer, tx: Store, setId: string, field = 'id'): Promise<PolicySet> {
    const set = await changeableFor(actor, tx.zones.policySets, 'PolicySet', setId, field);
    if (set.archivedAt) throw new ConflictError('the policy set is archived', field);
    return set;
  }

  /** The scope target: none for ZONE; a resource, zone user or session of the zone otherwise. */
  private async target(actor: Authorizer, tx: Store, zoneId: string, scope: PolicySetScope, id: string | null): Promise<string | null> {
    if (scope === 'ZONE') {
      if (id !== null) throw new ValidationError('a ZONE policy set has no scopeTargetId', 'scopeTargetId');
      return null;
    }
    if (id === null) throw new ValidationError(`a ${scope} policy set needs a scopeTargetId`, 'scopeTargetId');
    if (scope === 'RESOURCE') return (await sameZone(actor, tx.zones.resources, 'Resource', id, zoneId, 'scopeTargetId')).id;
    if (scope === 'USER') return (await sameZone(actor, tx.zones.zoneUsers, 'ZoneUser', id, zoneId, 'scopeTargetId')).id;
    return (await sameZone(actor, tx.zones.sessions, 'ZoneSession', id, zoneId, 'scopeTargetId')).id;
  }
}

/** The AttestationStatement of reference 001 for a policy-set version (ids are local ids). */
export function attestationStatement(
  v: Pick<PolicySetVersion, 'zoneId' | 'policySetId' | 'version' | 'entries' | 'manifestSha'>,
  at: Date,
  actorId: string | null,
  status: 'committed' | 're_signed',
) {
  return {
    type: 'policy_set_attestation',
    v: 1,
    zone_id: v.zoneId,
    policy_set_id: v.policySetId,
    policy_set_version: v.version,
    manifest: v.entries,
    manifest_sha: v.manifestSha,
    attested_at: at.toISOString(),
    attested_by: actorId ?? 'keygraph',
    status,
  };
}

/** Whether a policy version is pinned by a bound (ACTIVE or SHADOW) policy-set version of its zone. */
export async function pinnedByBoundVersion(tx: Store, zoneId: string, policyVersionId: string): Promise<boolean> {
  const bound = await tx.zones.policySets.bound(zoneId);
  const versions = await tx.zones.policySetVersions.byIds(bound.map((s) => s.activeVersionId!));
  return versions.some((v) => v?.entries.some((e) => e.policy_version_id === policyVersionId));
}
