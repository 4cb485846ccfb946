// Shield rules of the zones graph, merged into the schema's rule map by permissions/index.ts. Every
// zone type is readable only by callers who may see the object (the kind's read capability on the
// object inside its zone); lists need the capability that reads what they list, on their parent.
import { allow, rule } from 'graphql-shield';
import type { IRules } from 'graphql-shield';
import { scopeOf, type ZoneKind } from '../../domain/zone/access.js';
import type { Context } from '../context.js';
import { isVisible } from '../visibility.js';
import { canSee, forbidden, holds, isAuthenticated, onAccount, unauthenticated } from './rules.js';

/** The caller holds `capability` on the parent object (of `kind`) in its zone. */
const on = (kind: ZoneKind, capability: string) => holds(`on${kind}`, capability, (parent) => scopeOf(kind, parent as never));

/** Types with no data of their own: reachable only through protected fields. */
export const ZONE_STRUCTURAL_TYPES: string[] = [
  'ZoneConnection',
  'ZoneEdge',
  'ZoneMemberConnection',
  'ZoneMemberEdge',
  'ZoneEncryptionKey',
  'ZoneProtocols',
  'ZoneOAuth2Protocol',
  'ZoneOpenIdProtocol',
  'PlatformOwnedError',
  'CreateZonePayload',
  'UpdateZonePayload',
  'DeleteZonePayload',
  'AddZoneMemberPayload',
  'UpdateZoneMemberPayload',
  'RemoveZoneMemberPayload',
  'ApplicationConnection',
  'ApplicationEdge',
  'ApplicationDependencyConnection',
  'ApplicationDependencyEdge',
  'ResourceConnection',
  'ResourceEdge',
  'ApplicationCredentialConnection',
  'ApplicationCredentialEdge',
  'ProviderConnection',
  'ProviderEdge',
  'ApplicationOAuth2Protocol',
  'ApplicationProtocols',
  'EntityMetadata',
  'ProviderOAuth2Protocol',
  'ProviderOpenIdProtocol',
  'ProviderProtocols',
  'CreateApplicationPayload',
  'UpdateApplicationPayload',
  'DeleteApplicationPayload',
  'AddApplicationDependencyPayload',
  'RemoveApplicationDependencyPayload',
  'CreateApplicationCredentialPayload',
  'UpdateApplicationCredentialPayload',
  'DeleteApplicationCredentialPayload',
  'CreateProviderPayload',
  'UpdateProviderPayload',
  'DeleteProviderPayload',
  'CreateResourcePayload',
  'UpdateResourcePayload',
  'DeleteResourcePayload',
  'SecretConnection',
  'SecretEdge',
  'ZoneUserConnection',
  'ZoneUserEdge',
  'UserAgentConnection',
  'UserAgentEdge',
  'DelegatedGrantConnection',
  'DelegatedGrantEdge',
  'SessionConnection',
  'SessionEdge',
  'UserSessionConnection',
  'UserSessionEdge',
  // Reachable only through Secret.value, which needs secret.value.read.
  'TokenSecretValue',
  'PasswordSecretValue',
  'CreateSecretPayload',
  'UpdateSecretPayload',
  'DeleteSecretPayload',
  'UpdateDelegatedGrantPayload',
  'DeleteDelegatedGrantPayload',
  'UpdateSessionPayload',
  'DeleteSessionPayload',
  'ZoneSigningKeyConnection',
  'ZoneSigningKeyEdge',
  'RotateZoneSigningKeyPayload',
  'RetireZoneSigningKeyPayload',
  // Reachable only through Zone.policySchemas / Zone.policySchema, which need policy.read.
  'PolicySchema',
  'PolicySchemaConnection',
  'PolicySchemaEdge',
  'SetDefaultPolicySchemaPayload',
  'PolicyConnection',
  'PolicyEdge',
  'PolicyVersionConnection',
  'PolicyVersionEdge',
  'CreatePolicyPayload',
  'UpdatePolicyPayload',
  'ArchivePolicyPayload',
  'CreatePolicyVersionPayload',
  'ArchivePolicyVersionPayload',
  'PolicyValidationError',
  'PolicyDiagnostic',
  'PolicySourceLocation',
];

export const zoneMutationRules: IRules = {
  createZone: isAuthenticated,
  updateZone: isAuthenticated,
  deleteZone: isAuthenticated,
  addZoneMember: isAuthenticated,
  updateZoneMember: isAuthenticated,
  removeZoneMember: isAuthenticated,
  createApplication: isAuthenticated,
  updateApplication: isAuthenticated,
  deleteApplication: isAuthenticated,
  addApplicationDependency: isAuthenticated,
  removeApplicationDependency: isAuthenticated,
  createApplicationCredential: isAuthenticated,
  updateApplicationCredential: isAuthenticated,
  deleteApplicationCredential: isAuthenticated,
  createProvider: isAuthenticated,
  updateProvider: isAuthenticated,
  deleteProvider: isAuthenticated,
  createResource: isAuthenticated,
  updateResource: isAuthenticated,
  deleteResource: isAuthenticated,
  createSecret: isAuthenticated,
  updateSecret: isAuthenticated,
  deleteSecret: isAuthenticated,
  updateDelegatedGrant: isAuthenticated,
  deleteDelegatedGrant: isAuthenticated,
  updateSession: isAuthenticated,
  deleteSession: isAuthenticated,
  rotateZoneSigningKey: isAuthenticated,
  retireZoneSigningKey: isAuthenticated,
  setDefaultPolicySchema: isAuthenticated,
  createPolicy: isAuthenticated,
  updatePolicy: isAuthenticated,
  archivePolicy: isAuthenticated,
  createPolicyVersion: isAuthenticated,
  archivePolicyVersion: isAuthenticated,
};

export const zoneQueryRules: IRules = {
  zone: allow,
};

export const zoneAccountRules: IRules = {
  zones: onAccount('zone.read'),
};

/** A dependency is seen with its application. */
const canSeeDependency = rule('canSeeApplicationDependency', { cache: 'no_cache' })(async (parent: { applicationId: string }, _args, ctx: Context) => {
  if (!ctx.authz.authenticated) return unauthenticated();
  const application = await ctx.loaders.zones.application.load(parent.applicationId);
  return (application !== null && (await isVisible(ctx, 'Application', application))) || forbidden();
});

const canSeeCredential = canSee('ApplicationCredential');

export const zoneTypeRules: IRules = {
  Zone: {
    '*': canSee('Zone'),
    applications: on('Zone', 'application.read'),
    resources: on('Zone', 'application.read'),
    applicationCredentials: on('Zone', 'credential.read'),
    providers: on('Zone', 'credential.read'),
    secrets: on('Zone', 'secret.read'),
    policySchemas: on('Zone', 'policy.read'),
    policySchema: on('Zone', 'policy.read'),
    policies: on('Zone', 'policy.read'),
  },
  ZoneMember: canSee('ZoneMember'),
  Application: {
    '*': canSee('Application'),
    credentials: on('Application', 'credential.read'),
  },
  ApplicationDependency: canSeeDependency,
  TokenCredential: canSeeCredential,
  PasswordCredential: canSeeCredential,
  PublicKeyCredential: canSeeCredential,
  UrlCredential: canSeeCredential,
  PublicCredential: canSeeCredential,
  Provider: canSee('Provider'),
  Resource: canSee('Resource'),
  ZoneUser: canSee('ZoneUser'),
  UserAgent: canSee('UserAgent'),
  DelegatedGrant: canSee('DelegatedGrant'),
  UserSession: canSee('ZoneSession'),
  ApplicationSession: canSee('ZoneSession'),
  ZoneSigningKey: canSee('ZoneSigningKey'),
  Policy: canSee('Policy'),
  PolicyVersion: canSee('PolicyVersion'),
  Secret: {
    '*': canSee('Secret'),
    value: on('Secret', 'secret.value.read'),
  },
  ...Object.fromEntries(ZONE_STRUCTURAL_TYPES.map((name) => [name, allow])),
};

