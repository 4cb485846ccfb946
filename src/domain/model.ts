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

export type MemberSubjectType = 'USER' | 'GROUP';

/** A direct edge of the group graph. */
export interface GroupMember {
  id: string;
  accountId: string;
  groupId: string;
  subjectType: MemberSubjectType;
  userId: string | null;
  memberGroupId: string | null;
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
