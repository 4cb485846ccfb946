// The domain's view of stored objects. Plain data: no ORM types leak past the repository.

export interface Account {
  id: string;
  name: string;
  description: string | null;
  createdAt: Date;
  updatedAt: Date;
}

export interface Workspace {
  id: string;
  accountId: string;
  name: string;
  description: string | null;
  createdAt: Date;
  updatedAt: Date;
}

export interface User {
  id: string;
  email: string;
  username: string | null;
  firstName: string | null;
  lastName: string | null;
  /** When the person proved they own `email`; null while the address is only a claim. */
  emailVerifiedAt: Date | null;
  createdAt: Date;
  updatedAt: Date;
}

export interface LinkedScope {
  resourceType: string;
  resourceId: string;
}

export interface Group {
  id: string;
  accountId: string;
  name: string;
  description: string | null;
  attributes: Record<string, unknown>;
  linkedScopes: LinkedScope[];
  createdAt: Date;
  updatedAt: Date;
}

export type MemberSubjectType = 'USER' | 'GROUP' | 'SERVICE_ACCOUNT';

/** A direct edge of the group graph. */
export interface GroupMember {
  id: string;
  accountId: string;
  groupId: string;
  subjectType: MemberSubjectType;
  userId: string | null;
  memberGroupId: string | null;
  serviceAccountId: string | null;
  createdAt: Date;
}

/**
 * The reference's membership counts, taken over the subtree rooted at a group after a change:
 * `groupsSeen` groups (the group and all its nested subgroups), `groupEdges` group-in-group edges
 * and `userEdges` user-in-group edges among them; `totalEdges` is their sum.
 */
export interface MembershipStats {
  groupEdges: number;
  userEdges: number;
  totalEdges: number;
  groupsSeen: number;
}

export type GrantKind = 'CAPABILITY' | 'ACCOUNT_OWNER' | 'SUPER_ADMIN';
export type SubjectType = 'USER' | 'GROUP' | 'SERVICE_ACCOUNT';

/** A machine identity of one account. Its token is never part of it: only its display parts. */
export interface ServiceAccount {
  id: string;
  accountId: string;
  name: string;
  description: string | null;
  tokenPrefix: string;
  tokenLast4: string;
  tokenPublicId: string;
  createdById: string | null;
  expiresAt: Date | null;
  lastUsedAt: Date | null;
  revokedAt: Date | null;
  revokedById: string | null;
  createdAt: Date;
  updatedAt: Date;
}

export interface ServiceAccountCredential {
  id: string;
  accountId: string;
  serviceAccountId: string;
  name: string;
  description: string | null;
  clientId: string;
  lastUsedAt: Date | null;
  createdAt: Date;
  updatedAt: Date;
}

/** Who made something: a person or a machine identity. */
export type ActorType = 'USER' | 'SERVICE_ACCOUNT';

/** The MCP access settings of reference 003. */
export interface McpSettings {
  mcpActive: boolean;
  mcpAllowlistMode: string | null;
  mcpToolAllowlist: string[];
  mcpReadOnly: boolean;
  mcpProjectIds: string[];
  mcpInstanceIds: string[];
  mcpPreset: string | null;
  mcpPermissions: string[];
}

/** A new key's MCP settings: MCP off, no lists, not read-only. */
export const DEFAULT_MCP_SETTINGS: McpSettings = {
  mcpActive: false,
  mcpAllowlistMode: null,
  mcpToolAllowlist: [],
  mcpReadOnly: false,
  mcpProjectIds: [],
  mcpInstanceIds: [],
  mcpPreset: null,
  mcpPermissions: [],
};

export interface ApiKey extends McpSettings {
  id: string;
  accountId: string;
  name: string;
  description: string | null;
  keyPrefix: string;
  keyLast4: string;
  keyPublicId: string;
  /** Capability keys of the catalog; the key acts with at most these, and never beyond its creator. */
  permissions: string[];
  createdByType: ActorType;
  createdById: string;
  active: boolean;
  expiresAt: Date | null;
  lastUsedAt: Date | null;
  revokedAt: Date | null;
  revokedById: string | null;
  /** Made by the platform itself (reference 002 `system`); keys made through the API never are. */
  system: boolean;
  /** What the key is scoped to (reference 003 `scope`), as given at creation; null when not given. */
  scope: string | null;
  createdAt: Date;
  updatedAt: Date;
}

/** One thing an invitation gives on acceptance (reference 000's assignment kinds). */
export type InvitationAssignment =
  | { kind: 'GRANT'; grantKind: GrantKind; capabilityKey: string | null; resourceType: string | null; resourceId: string | null }
  | { kind: 'ROLE'; roleKey: string; resourceType: string; resourceId: string }
  | { kind: 'GROUP'; groupId: string };

export type InvitationState = 'PENDING' | 'ACCEPTED' | 'REVOKED';
export type InvitationStatus = InvitationState | 'EXPIRED';

export interface Invitation {
  id: string;
  accountId: string;
  email: string;
  groupId: string | null;
  state: InvitationState;
  assignments: InvitationAssignment[];
  note: string | null;
  locale: string | null;
  expiresAt: Date;
  acceptedAt: Date | null;
  acceptedUserId: string | null;
  createdById: string | null;
  createdAt: Date;
  updatedAt: Date;
}

/** PENDING past its expiry reads as EXPIRED. */
export function invitationStatus(invitation: Pick<Invitation, 'state' | 'expiresAt'>, now = new Date()): InvitationStatus {
  return invitation.state === 'PENDING' && invitation.expiresAt.getTime() <= now.getTime() ? 'EXPIRED' : invitation.state;
}
