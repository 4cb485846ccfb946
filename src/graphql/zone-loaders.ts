// Per-request DataLoaders of the zones graph: one batch per table, shared by node(id:), nodes(ids:),
// _entities and every field of the request.
import DataLoader from 'dataloader';
import type { Store } from '../domain/store.js';
import type { ObjectKind, Objects } from '../domain/authz/access.js';
import type {
  Application,
  ApplicationCredential,
  ApplicationDependency,
  DelegatedGrant,
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
} from '../domain/zone/model.js';

export interface ZoneLoaders {
  zone: DataLoader<string, Zone | null>;
  member: DataLoader<string, ZoneMember | null>;
  application: DataLoader<string, Application | null>;
  dependency: DataLoader<string, ApplicationDependency | null>;
  credential: DataLoader<string, ApplicationCredential | null>;
  provider: DataLoader<string, Provider | null>;
  resource: DataLoader<string, Resource | null>;
  zoneUser: DataLoader<string, ZoneUser | null>;
  userAgent: DataLoader<string, UserAgent | null>;
  delegatedGrant: DataLoader<string, DelegatedGrant | null>;
  session: DataLoader<string, ZoneSession | null>;
  secret: DataLoader<string, Secret | null>;
  signingKey: DataLoader<string, ZoneSigningKey | null>;
  policy: DataLoader<string, Policy | null>;
  policyVersion: DataLoader<string, PolicyVersion | null>;
  policySet: DataLoader<string, PolicySet | null>;
  policySetVersion: DataLoader<string, PolicySetVersion | null>;
  /** Drafts by the id of their policy / policy set. */
  policyDraft: DataLoader<string, PolicyDraft | null>;
  policySetDraft: DataLoader<string, PolicySetDraft | null>;
  /** How many resources each application depends on: one GROUP BY per batch. */
  dependencyCount: DataLoader<string, number>;
}

/** The zone kinds' loaders are the request's loaders of the access table (`object`): one batch per kind. */
export function createZoneLoaders(store: Store, object: <K extends ObjectKind>(kind: K) => DataLoader<string, Objects[K] | null>): ZoneLoaders {
  const z = store.zones;
  return {
    zone: object('Zone'),
    member: object('ZoneMember'),
    application: object('Application'),
    dependency: object('ApplicationDependency'),
    credential: object('ApplicationCredential'),
    provider: object('Provider'),
    resource: object('Resource'),
    zoneUser: object('ZoneUser'),
    userAgent: object('UserAgent'),
    delegatedGrant: object('DelegatedGrant'),
    session: object('ZoneSession'),
    secret: object('Secret'),
    signingKey: object('ZoneSigningKey'),
    policy: object('Policy'),
    policyVersion: object('PolicyVersion'),
    policySet: object('PolicySet'),
    policySetVersion: object('PolicySetVersion'),
    policyDraft: new DataLoader((ids) => z.policyDrafts.byUnique('policyId', ids)),
    policySetDraft: new DataLoader((ids) => z.policySetDrafts.byUnique('policySetId', ids)),
    dependencyCount: new DataLoader(async (ids) => {
      const counts = await z.applications.dependencyCounts(ids);
      return ids.map((id) => counts.get(id) ?? 0);
    }),
  };
}
