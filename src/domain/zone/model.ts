// The domain's view of the zones graph (reference 001). Plain data; enumerations are their GraphQL names.

export type LoginFlow = 'DEFAULT' | 'IDENTIFIER_FIRST';
export type ZoneRole = 'ZONE_MANAGER' | 'ZONE_VIEWER';
export type OwnerType = 'PLATFORM' | 'CUSTOMER';
export type ApplicationTrait = 'GATEWAY' | 'MCP_PROVIDER';
export type CredentialType = 'TOKEN' | 'PASSWORD' | 'PUBLIC_KEY' | 'URL' | 'PUBLIC';
export type ProviderType = 'EXTERNAL' | 'KEYCARD_VAULT' | 'KEYCARD_STS';
export type ApplicationType = 'NATIVE' | 'WEB';
export type GrantStatus = 'ACTIVE' | 'EXPIRED' | 'REVOKED';
export type SessionType = 'USER' | 'APPLICATION';
export type SecretType = 'TOKEN' | 'PASSWORD';

export const ZONE_ROLES: readonly ZoneRole[] = ['ZONE_MANAGER', 'ZONE_VIEWER'];

export interface EncryptionKey {
  type: 'aws';
  arn: string;
}

/** Every object of a zone carries its account and zone: its authorization scope needs no lookup. */
export interface InZone {
  id: string;
  accountId: string;
  zoneId: string;
  createdAt: Date;
  updatedAt: Date;
}

export interface Zone {
  id: string;
  accountId: string;
  name: string;
  slug: string;
  description: string | null;
  loginFlow: LoginFlow | null;
  requiresInvitation: boolean;
  encryptionKey: EncryptionKey | null;
  defaultResourceId: string | null;
  defaultMcpGatewayApplicationId: string | null;
  userIdentityProviderId: string | null;
  /** The policy schema version the zone writes policies against; null: the newest active one. */
  defaultPolicySchemaVersion: string | null;
  createdAt: Date;
  updatedAt: Date;
}

export interface ZoneMember extends InZone {
  userId: string;
  role: ZoneRole;
}

export interface Application extends InZone {
  identifier: string;
  slug: string;
  name: string;
  description: string | null;
  docsUrl: string | null;
  redirectUris: string[];
  postLogoutRedirectUris: string[];
  traits: ApplicationTrait[];
  ownerType: OwnerType;
}

export interface ApplicationDependency {
  id: string;
  zoneId: string;
  applicationId: string;
  resourceId: string;
  whenAccessing: string[];
  createdAt: Date;
}

export interface ApplicationCredential extends InZone {
  applicationId: string;
  type: CredentialType;
  slug: string;
  identifier: string;
  providerId: string | null;
  subject: string | null;
  jwksUri: string | null;
}

/** The OAuth 2.0 / OpenID Connect settings of a provider, as reference 001 lists them. */
export interface ProviderOauth2 {
  issuer: string;
  authorizationEndpoint: string | null;
  authorizationParameters: Record<string, string> | null;
  authorizationResourceEnabled: boolean | null;
  authorizationResourceParameter: string | null;
  codeChallengeMethodsSupported: string[] | null;
  jwksUri: string | null;
  registrationEndpoint: string | null;
  scopeParameter: string | null;
  scopeSeparator: string | null;
  scopesSupported: string[] | null;
  tokenEndpoint: string | null;
  tokenResponseAccessTokenPointer: string | null;
}

export interface ProviderProtocols {
  oauth2: ProviderOauth2;
  openid: { userinfoEndpoint: string | null } | null;
}

export interface Provider extends InZone {
  identifier: string;
  slug: string;
  name: string;
  description: string | null;
  type: ProviderType | null;
  ownerType: OwnerType;
  clientId: string | null;
  clientSecretSet: boolean;
  metadata: Record<string, unknown> | null;
  protocols: ProviderProtocols;
}

export interface Resource extends InZone {
  identifier: string;
  slug: string;
  name: string;
  description: string | null;
  docsUrl: string | null;
  applicationType: ApplicationType;
  ownerType: OwnerType;
  scopes: string[];
  credentialProviderId: string | null;
  applicationId: string | null;
}

export interface ZoneUser extends InZone {
  email: string;
  emailVerified: boolean;
  issuer: string | null;
  subject: string | null;
  providerId: string | null;
  authenticatedAt: Date | null;
}

export interface UserAgent extends InZone {
  identifier: string;
  name: string;
  slug: string;
}

export interface DelegatedGrant extends InZone {
  zoneUserId: string;
  resourceId: string;
  providerId: string;
  scopes: string[];
  expiresAt: Date;
  refreshTokenSet: boolean;
  /** When its tokens were last refreshed (reference 001 refreshed_at); null when never. */
  refreshedAt: Date | null;
  revokedAt: Date | null;
}

export interface ZoneSession extends InZone {
  sessionType: SessionType;
  zoneUserId: string | null;
  applicationId: string | null;
  userAgentId: string | null;
  parentId: string | null;
  providerId: string | null;
  issuer: string | null;
  subject: string | null;
  name: string;
  sessionData: Record<string, unknown>;
  metadata: Record<string, unknown> | null;
  authenticatedAt: Date | null;
  expiresAt: Date | null;
  revokedAt: Date | null;
}

export interface Secret extends InZone {
  entityId: string | null;
  name: string;
  type: SecretType;
  description: string | null;
  metadata: Record<string, unknown> | null;
  version: number;
}

/** A signing key of a zone (RS256): its public half; the private key never leaves the key service. */
export interface ZoneSigningKey extends InZone {
  kid: string;
  alg: 'RS256';
  publicJwk: Record<string, unknown>;
  /** The key new signatures are made with (exactly one per zone once the zone has keys). */
  current: boolean;
  /** When the key was withdrawn from the zone's JWKS; null while it is published. */
  retiredAt: Date | null;
}

/** A Cedar policy of a zone; its text lives in immutable versions. */
export interface Policy extends InZone {
  name: string;
  description: string | null;
  ownerType: OwnerType;
  /** The number of the newest version (1, 2, ...); null before the first. */
  latestVersion: number | null;
  latestVersionId: string | null;
  createdById: string | null;
  updatedById: string | null;
  archivedAt: Date | null;
}

/** An immutable version of a policy: one static Cedar policy in both forms. */
export interface PolicyVersion extends InZone {
  policyId: string;
  version: number;
  /** The policy schema version it was validated against. */
  schemaVersion: string;
  cedarJson: Record<string, unknown>;
  cedarRaw: string;
  /** Hex SHA-256 of the RFC 8785 canonical form of cedarJson. */
  sha: string;
  createdById: string | null;
  archivedAt: Date | null;
  archivedById: string | null;
}

export type PolicySetScope = 'ZONE' | 'RESOURCE' | 'USER' | 'SESSION';
export type BindingMode = 'ACTIVE' | 'SHADOW';

/** A policy set of a zone and its binding (at most one bound version). */
export interface PolicySet extends InZone {
  name: string;
  ownerType: OwnerType;
  scopeType: PolicySetScope;
  /** The resource, zone user or session the set applies to (null for ZONE). */
  scopeTargetId: string | null;
  latestVersion: number | null;
  latestVersionId: string | null;
  activeVersionId: string | null;
  mode: BindingMode | null;
  createdById: string | null;
  updatedById: string | null;
  archivedAt: Date | null;
}

/** One entry of a policy-set manifest: a policy version pinned by id and content hash (local ids). */
export interface ManifestEntry {
  policy_id: string;
  policy_version_id: string;
  sha: string;
}

/** A JWS in Flattened JSON Serialization. */
export interface Attestation {
  protected: string;
  payload: string;
  signature: string;
}

/** An immutable version of a policy set. */
export interface PolicySetVersion extends InZone {
  policySetId: string;
  version: number;
  schemaVersion: string;
  entries: ManifestEntry[];
  /** Hex SHA-256 of the RFC 8785 form of { entries }. */
  manifestSha: string;
  attestation: Attestation;
  createdById: string | null;
  archivedAt: Date | null;
  archivedById: string | null;
}

/** The one mutable working copy of a policy, validated on save. */
export interface PolicyDraft extends InZone {
  policyId: string;
  schemaVersion: string;
  cedarJson: Record<string, unknown>;
  cedarRaw: string;
  updatedById: string | null;
}

/** The one mutable working copy of a policy set, validated on save. */
export interface PolicySetDraft extends InZone {
  policySetId: string;
  schemaVersion: string;
  entries: ManifestEntry[];
  updatedById: string | null;
}

/** The decrypted value of a secret: a token, or a username and password. */
export type SecretValue = { type: 'TOKEN'; token: string } | { type: 'PASSWORD'; username: string; password: string };

/** ACTIVE, EXPIRED or REVOKED: revocation first, then time. */
export function statusAt(object: { revokedAt: Date | null; expiresAt: Date | null }, now: Date): GrantStatus {
  if (object.revokedAt) return 'REVOKED';
  if (object.expiresAt && object.expiresAt.getTime() <= now.getTime()) return 'EXPIRED';
  return 'ACTIVE';
}
