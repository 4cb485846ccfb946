// Policies and their immutable versions (reference 001: zones.policies.*, zones.policies.versions.*;
// issue 14). A policy is a named slot; each version holds one static Cedar policy, in Cedar syntax and in
// Cedar's JSON format, validated in strict mode against the policy schema version it pins (the zone's
// default when none is named). A policy that does not parse or validate is refused with Cedar's own
// diagnostics, and nothing is stored. `sha` is the hex SHA-256 of the RFC 8785 canonical form of
// cedarJson. PLATFORM policies cannot be changed through the API; archived policies take no new versions.
import type { Authorizer } from '../authz/authorizer.js';
import { ConflictError, NotFoundError, PlatformOwnedError, ValidationError } from '../errors.js';
import type { Store } from '../store.js';
import { optionalText, requiredText } from '../validation.js';
import { exactlyOne, changeableFor, objectFor, zoneFor } from './common.js';
import type { ContentHasher } from './crypto.js';
import type { Policy, PolicyDraft, PolicyVersion } from './model.js';
import type { CedarDiagnostic, PolicyEngine } from './policy-engine.js';
import { defaultSchemaVersion, shippedSchema } from './policy-schemas.js';
import { pinnedByBoundVersion } from './policy-sets.js';
import { ZONE_LIMITS } from './validation.js';

/** The longest policy accepted, in characters of Cedar text or of JSON. */
export const POLICY_TEXT_LIMIT = 65_536;

/** The policy does not parse, or does not validate against its schema: Cedar's diagnostics say why. */
export class PolicyValidationError extends ValidationError {
  constructor(
    message: string,
    field: string,
    readonly diagnostics: CedarDiagnostic[],
    /** The Cedar text the diagnostics' offsets point into (the text given, or the text of the JSON given). */
    readonly source: string | null,
  ) {
    super(message, field);
  }
}

export interface PolicyInput {
  name: string;
  description?: string | null;
}

export interface PolicyVersionInput {
  cedar?: string | null;
  cedarJson?: Record<string, unknown> | null;
  schemaVersion?: string | null;
}

export class PolicyService {
  constructor(
    private readonly store: Store,
    private readonly engine: PolicyEngine,
    private readonly hasher: ContentHasher,
  ) {}

  createPolicy(actor: Authorizer, zoneId: string, input: PolicyInput): Promise<Policy> {
    const name = requiredText('name', input.name, ZONE_LIMITS.name);
    const description = optionalText('description', input.description, ZONE_LIMITS.description);
    return this.store.transaction(async (tx) => {
      const zone = await zoneFor(tx, actor, zoneId, 'policy.manage');
      await tx.lockAccount(zone.accountId);
      if (await tx.zones.policies.findIn(zone.id, 'name', name)) throw new ConflictError('a policy with this name already exists in the zone', 'name');
      return tx.zones.policies.create({
        accountId: zone.accountId,
        zoneId: zone.id,
        name,
        description,
        ownerType: 'CUSTOMER',
        latestVersion: null,
        latestVersionId: null,
        createdById: actor.actorId,
        updatedById: actor.actorId,
        archivedAt: null,
      });
    });
  }

  updatePolicy(actor: Authorizer, policyId: string, patch: Partial<PolicyInput>): Promise<Policy> {
    const name = patch.name === undefined || patch.name === null ? undefined : requiredText('name', patch.name, ZONE_LIMITS.name);
    const description = patch.description === undefined ? undefined : optionalText('description', patch.description, ZONE_LIMITS.description);
    return this.store.transaction(async (tx) => {
      const policy = await this.changeable(actor, tx, policyId);
      await tx.lockAccount(policy.accountId);
      if (name !== undefined && name !== policy.name && (await tx.zones.policies.findIn(policy.zoneId, 'name', name))) throw new ConflictError('a policy with this name already exists in the zone', 'name');
      return tx.zones.policies.update(policy.id, { name, description, updatedById: actor.actorId });
    });
  }

  /** Soft: the policy stays readable with its versions, and takes no new versions. */
  archivePolicy(actor: Authorizer, policyId: string): Promise<Policy> {
    return this.store.transaction(async (tx) => {
      const policy = await this.changeable(actor, tx, policyId);
      return tx.zones.policies.update(policy.id, { archivedAt: new Date(), updatedById: actor.actorId });
    });
  }

  async createPolicyVersion(actor: Authorizer, policyId: string, input: PolicyVersionInput & { fromDraft?: boolean | null }): Promise<{ policy: Policy; policyVersion: PolicyVersion }> {
    const fromDraft = input.fromDraft === true;
    const given = fromDraft ? { ...input, fromDraft: true } : { ...input, fromDraft: undefined };
    exactlyOne('cedar', given as Record<string, unknown>, ['cedar', 'cedarJson', 'fromDraft']);
    let source: PolicyVersionInput = input;
    if (fromDraft) {
      // A version cut from the draft: its text and schema version, validated again.
      const draft = await this.store.transaction(async (tx) => {
        const policy = await this.changeable(actor, tx, policyId, 'policyId');
        return tx.zones.policyDrafts.findIn(policy.zoneId, 'policyId', policy.id);
      });
      if (!draft) throw new ValidationError('the policy has no draft', 'fromDraft');
      source = { cedar: draft.cedarRaw, schemaVersion: input.schemaVersion ?? draft.schemaVersion };
    }
    const { policy: before, schema, parsed } = await this.checked(actor, policyId, source);
    const sha = this.hasher.canonicalSha256(parsed.json);

    return this.store.transaction(async (tx) => {
      await tx.lockAccount(before.accountId);
      // Checked again under the lock: the policy may have been archived meanwhile.
      const policy = await this.changeable(actor, tx, policyId, 'policyId');
      const version = (policy.latestVersion ?? 0) + 1;
      const policyVersion = await tx.zones.policyVersions.create({
        id: tx.zones.newId(),
        accountId: policy.accountId,
        zoneId: policy.zoneId,
        policyId: policy.id,
        version,
        schemaVersion: schema.version,
        cedarJson: parsed.json,
        cedarRaw: parsed.text,
        sha,
        createdById: actor.actorId,
        archivedAt: null,
        archivedById: null,
      });
      const updated = await tx.zones.policies.update(policy.id, { latestVersion: version, latestVersionId: policyVersion.id, updatedById: actor.actorId });
      return { policy: updated, policyVersion };
    });
  }

  /** Saves the policy's one draft (created on first save), validated like a version; nothing is versioned. */
  async savePolicyDraft(actor: Authorizer, policyId: string, input: PolicyVersionInput): Promise<{ policy: Policy; draft: PolicyDraft }> {
    const { schema, parsed } = await this.checked(actor, policyId, input);
    return this.store.transaction(async (tx) => {
      const policy = await this.changeable(actor, tx, policyId, 'policyId');
      await tx.lockAccount(policy.accountId);
      const fields = { schemaVersion: schema.version, cedarJson: parsed.json, cedarRaw: parsed.text, updatedById: actor.actorId };
      const existing = await tx.zones.policyDrafts.findIn(policy.zoneId, 'policyId', policy.id);
      const draft = existing ? await tx.zones.policyDrafts.update(existing.id, fields) : await tx.zones.policyDrafts.create({ accountId: policy.accountId, zoneId: policy.zoneId, policyId: policy.id, ...fields });
      return { policy, draft };
    });
  }

  /**
   * The policy the caller may change, and `input` parsed and validated (strict) against its schema version
   * (the zone's default when none is named); PolicyValidationError with Cedar's diagnostics otherwise.
   */
  private async checked(actor: Authorizer, policyId: string, input: PolicyVersionInput) {
    const form = exactlyOne('cedar', { cedar: input.cedar, cedarJson: input.cedarJson } as Record<string, unknown>, ['cedar', 'cedarJson']) as 'cedar' | 'cedarJson';
    const size = form === 'cedar' ? input.cedar!.length : JSON.stringify(input.cedarJson).length;
    if (size > POLICY_TEXT_LIMIT) throw new ValidationError(`${form} must be at most ${POLICY_TEXT_LIMIT} characters`, form);
    if (form === 'cedar' && input.cedar!.trim() === '') throw new ValidationError('cedar must hold one policy', 'cedar');
    const requested = input.schemaVersion ?? null;
    // The caller's rights and the policy's state are checked before Cedar runs, so that nothing about
    // another zone's schema choice leaks through a diagnostic.
    const { policy, schemaVersion } = await this.store.transaction(async (tx) => {
      const policy = await this.changeable(actor, tx, policyId, 'policyId');
      const zone = (await tx.zones.zones.byIds([policy.zoneId]))[0]!;
      return { policy, schemaVersion: requested ?? defaultSchemaVersion(zone) };
    });
    const schema = shippedSchema(schemaVersion);
    if (!schema) throw new NotFoundError('PolicySchema', 'schemaVersion');
    if (schema.status === 'ARCHIVED') throw new ConflictError(`policy schema ${schema.version} is archived: it accepts no new policy versions`, 'schemaVersion');

    const parsed = this.engine.parsePolicy(form === 'cedar' ? { text: input.cedar! } : { json: input.cedarJson });
    if (!parsed.ok) throw new PolicyValidationError(`the policy does not parse: ${parsed.diagnostics.map((d) => d.message).join('; ')}`, form, parsed.diagnostics, form === 'cedar' ? input.cedar! : null);
    const problems = this.engine.validate(schema.cedarSchema, parsed.text);
    if (problems.length) {
      throw new PolicyValidationError(`the policy does not validate against policy schema ${schema.version}: ${problems.map((d) => d.message).join('; ')}`, form, problems, parsed.text);
    }
    return { policy, schema, parsed };
  }

  archivePolicyVersion(actor: Authorizer, versionId: string): Promise<PolicyVersion> {
    return this.store.transaction(async (tx) => {
      const version = await objectFor(actor, tx.zones.policyVersions, 'PolicyVersion', versionId);
      const [policy] = await tx.zones.policies.byIds([version.policyId]);
      if (policy?.ownerType === 'PLATFORM') throw new PlatformOwnedError('policy version');
      if (version.archivedAt) throw new ConflictError('the policy version is already archived', 'id');
      if (await pinnedByBoundVersion(tx, version.zoneId, version.id)) throw new ConflictError('the policy version is pinned by an active or shadow-bound policy set version', 'id');
      return tx.zones.policyVersions.update(version.id, { archivedAt: new Date(), archivedById: actor.actorId });
    });
  }

  /** A policy the caller may manage, owned by the customer and not archived. */
  private async changeable(actor: Authorizer, tx: Store, policyId: string, field = 'id'): Promise<Policy> {
    const policy = await changeableFor(actor, tx.zones.policies, 'Policy', policyId, field);
    if (policy.archivedAt) throw new ConflictError('the policy is archived: it cannot change and takes no new versions', field);
    return policy;
  }
}
