// Per-request DataLoaders of the zones graph: one batch per table, shared by node(id:), nodes(ids:),
// _entities and every field of the request.
import DataLoader from 'dataloader';
import type { Store } from '../domain/store.js';
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

export function createZoneLoaders(store: Store): ZoneLoaders {
  const z = store.zones;
  const by = <T>(table: { byIds(ids: readonly string[]): Promise<(T | null)[]> }) => new DataLoader<string, T | null>((ids) => table.byIds(ids));
  return {
    zone: by(z.zones),
    member: by(z.members),
    application: by(z.applications),
    dependency: by(z.dependencies),
    credential: by(z.credentials),
    provider: by(z.providers),
    resource: by(z.resources),
    zoneUser: by(z.zoneUsers),
    userAgent: by(z.userAgents),
    delegatedGrant: by(z.delegatedGrants),
    session: by(z.sessions),
    secret: by(z.secrets),
    signingKey: by(z.signingKeys),
    policy: by(z.policies),
    policyVersion: by(z.policyVersions),
    policySet: by(z.policySets),
    policySetVersion: by(z.policySetVersions),
    policyDraft: new DataLoader((ids) => z.policyDrafts.byUnique('policyId', ids)),
    policySetDraft: new DataLoader((ids) => z.policySetDrafts.byUnique('policySetId', ids)),
    dependencyCount: new DataLoader(async (ids) => {
      const counts = await z.applications.dependencyCounts(ids);
      return ids.map((id) => counts.get(id) ?? 0);
    }),
  };
}
