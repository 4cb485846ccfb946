// The services of the zones graph, created once per instance.
import type { Store } from '../store.js';
import type { PasswordHasher } from '../user/service.js';
import { ActivityService } from './activity.js';
import { ApplicationService } from './applications.js';
import { CatalogService } from './catalog.js';
import { DecisionService, ShadowLedger, type IntegrityFailure } from './decisions.js';
import type { ContentHasher, SecretBox, SecretGenerator, ZoneKeyCrypto } from './crypto.js';
import { PolicyService } from './policies.js';
import { PolicySetService } from './policy-sets.js';
import type { Sealer } from '../crypto.js';
import { ZoneKeyService } from './keys.js';
import type { DecisionEngine, PolicyEngine } from './policy-engine.js';
import { PolicySchemaService } from './policy-schemas.js';
import { SecretService } from './secrets.js';
import { ZoneService } from './zones.js';

export interface ZoneDeps {
  hasher: PasswordHasher;
  box: SecretBox;
  random: SecretGenerator;
  /** Seals the private zone signing keys (purpose "zone-keys"). */
  keyBox: Sealer;
  /** Generates zone signing keys and signs with them. */
  keys: ZoneKeyCrypto;
  /** Cedar: schemas, policy parsing and validation, decisions. */
  cedar: PolicyEngine & DecisionEngine;
  /** Called when a bound policy-set version fails its integrity check (the /metrics counter). */
  onIntegrityFailure?: (reason: IntegrityFailure) => void;
  /** Canonical content hashes (RFC 8785 + SHA-256). */
  contentHasher: ContentHasher;
  /** The public base URL zone protocol endpoints are published under. */
  publicUrl: string;
}

export interface ZoneServices {
  zones: ZoneService;
  applications: ApplicationService;
  catalog: CatalogService;
  secrets: SecretService;
  activity: ActivityService;
  keys: ZoneKeyService;
  policySchemas: PolicySchemaService;
  policies: PolicyService;
  policySets: PolicySetService;
  decisions: DecisionService;
  publicUrl: string;
}

export function createZoneServices(store: Store, deps: ZoneDeps): ZoneServices {
  const keys = new ZoneKeyService(store, deps.keyBox, deps.keys);
  const policySets = new PolicySetService(store, deps.cedar, deps.contentHasher, keys);
  keys.afterRotation = (tx, zone, actorId) => policySets.resignIn(tx, zone.id, actorId);
  const decisions = new DecisionService(store, deps.cedar, deps.contentHasher, deps.keys, new ShadowLedger(store), deps.onIntegrityFailure);
  keys.keysChanged = (zoneId) => decisions.forgetVerified(zoneId);
  return {
    zones: new ZoneService(store),
    applications: new ApplicationService(store, deps.hasher, deps.random),
    catalog: new CatalogService(store, deps.box),
    secrets: new SecretService(store, deps.box),
    activity: new ActivityService(store),
    keys,
    policySchemas: new PolicySchemaService(store, deps.cedar),
    policies: new PolicyService(store, deps.cedar, deps.contentHasher),
    policySets,
    decisions,
    publicUrl: deps.publicUrl,
  };
}
