// Every field of the schema behind a graphql-shield rule, deny by default. Rules hold no logic: they
// ask the domain (src/domain/authz) through the request's Authorizer. The domain services re-check
// every write. test/permissions.test.ts fails when a type or field of the schema has no rule here.
import { allow, deny, rule, shield } from 'graphql-shield';
import type { IRules } from 'graphql-shield';
import { createGraphQLError } from 'graphql-yoga';
import type { ObjectKind } from '../../domain/authz/objects.js';
import type { Context } from '../context.js';
import { isVisible } from '../visibility.js';
import { zoneAccountRules, zoneMutationRules, zoneQueryRules, zoneTypeRules } from './zones.js';

const unauthenticated = () => createGraphQLError('authentication required', { extensions: { code: 'UNAUTHENTICATED' } });
const forbidden = () => createGraphQLError('not allowed', { extensions: { code: 'FORBIDDEN' } });

export const isAuthenticated = rule('isAuthenticated', { cache: 'contextual' })((_parent, _args, ctx: Context) => ctx.authz.authenticated || unauthenticated());

/** The parent object is visible to the caller (the same decision node(id:) makes). */
function canSee(kind: ObjectKind) {
  return rule(`canSee${kind}`, { cache: 'no_cache' })(async (parent, _args, ctx: Context) => {
    if (!ctx.authz.authenticated) return unauthenticated();
    return (await isVisible(ctx, kind, parent as never)) || forbidden();
  });
}

/** The caller holds `capability` account-wide on the parent account (for the account's lists). */
function onAccount(capability: string) {
  return rule(`onAccount:${capability}`, { cache: 'no_cache' })(async (account: { id: string }, _args, ctx: Context) => {
    if (!ctx.authz.authenticated) return unauthenticated();
    return (await ctx.authz.can(capability, { accountId: account.id })) || forbidden();
  });
}

const readsAuth = onAccount('auth.read');

/** Types with no data of their own to protect: they are only reachable through protected fields. */
export const STRUCTURAL_TYPES = [
  'PageInfo',
  'AccountConnection',
  'AccountEdge',
  'WorkspaceConnection',
  'WorkspaceEdge',
  'UserConnection',
  'UserEdge',
  'GroupConnection',
  'GroupEdge',
  'GroupMemberConnection',
  'GroupMemberEdge',
  'AuthorizationGrantConnection',
  'AuthorizationGrantEdge',
  'RoleAssignmentConnection',
  'RoleAssignmentEdge',
  'RoleConnection',
  'RoleEdge',
  'CapabilityConnection',
  'CapabilityEdge',
  'Role',
  'Capability',
  'LinkedScope',
  'MembershipStats',
  'PermissionContext',
  'OwnerAssignment',
  'AccessExplanation',
  'AccessPath',
  'Viewer',
  'ValidationError',
  'NotFoundError',
  'ConflictError',
  'GroupCycleError',
  'CreateAccountPayload',
  'UpdateAccountPayload',
  'CreateWorkspacePayload',
  'UpdateWorkspacePayload',
  'DeleteWorkspacePayload',
  'CreateUserPayload',
  'UpdateUserPayload',
  'RemoveUserPayload',
  'CreateGroupPayload',
  'UpdateGroupPayload',
  'DeleteGroupPayload',
  'AddGroupMemberUserPayload',
  'RemoveGroupMemberUserPayload',
  'AddGroupMemberGroupPayload',
  'RemoveGroupMemberGroupPayload',
  'GrantAuthorizationPayload',
  'RevokeAuthorizationPayload',
  'CreateRoleAssignmentPayload',
  'DeleteRoleAssignmentPayload',
  'LoginPayload',
  'LogoutPayload',
  'ServiceAccountConnection',
  'ServiceAccountEdge',
  'ServiceAccountCredentialConnection',
  'ServiceAccountCredentialEdge',
  'ApiKeyConnection',
  'ApiKeyEdge',
  'InvitationConnection',
  'InvitationEdge',
  'InvitationAssignment',
  'CreateServiceAccountPayload',
  'UpdateServiceAccountPayload',
  'RotateServiceAccountTokenPayload',
  'RevokeServiceAccountPayload',
  'DeleteServiceAccountPayload',
  'CreateServiceAccountCredentialPayload',
  'UpdateServiceAccountCredentialPayload',
  'DeleteServiceAccountCredentialPayload',
  'AddGroupMemberServiceAccountPayload',
  'RemoveGroupMemberServiceAccountPayload',
  'CreateApiKeyPayload',
  'UpdateApiKeyPayload',
  'RotateApiKeyPayload',
  'RevokeApiKeyPayload',
  'SetApiKeyActivePayload',
  'GrantApiKeyWorkspaceAccessPayload',
  'RevokeApiKeyWorkspaceAccessPayload',
  'CreateInvitationPayload',
  'CreateGroupInvitationPayload',
  'UpdateInvitationPayload',
  'ResendInvitationPayload',
  'DeleteInvitationPayload',
  'AcceptInvitationPayload',
  '_Service',
] as const;

export const rules: IRules = {
  Query: {
    // Public: whoami, and the lookups that return null for whatever the caller may not see.
    viewer: allow,
    node: allow,
    nodes: allow,
    account: allow,
    _entities: allow,
    _service: allow,
    // Everything else needs a caller; the domain decides what it gets.
    accounts: isAuthenticated,
    roles: isAuthenticated,
    capabilities: isAuthenticated,
    explainAccess: isAuthenticated,
    ...zoneQueryRules,
  },
  Mutation: {
    login: allow,
    logout: allow,
    createAccount: isAuthenticated,
    updateAccount: isAuthenticated,
    createWorkspace: isAuthenticated,
    updateWorkspace: isAuthenticated,
    deleteWorkspace: isAuthenticated,
    createUser: isAuthenticated,
    updateUser: isAuthenticated,
    removeUser: isAuthenticated,
    createGroup: isAuthenticated,
    updateGroup: isAuthenticated,
    deleteGroup: isAuthenticated,
    addGroupMemberUser: isAuthenticated,
    removeGroupMemberUser: isAuthenticated,
    addGroupMemberGroup: isAuthenticated,
    removeGroupMemberGroup: isAuthenticated,
    grantAuthorization: isAuthenticated,
    revokeAuthorization: isAuthenticated,
    createRoleAssignment: isAuthenticated,
    deleteRoleAssignment: isAuthenticated,
    ...zoneMutationRules,
    addGroupMemberServiceAccount: isAuthenticated,
    removeGroupMemberServiceAccount: isAuthenticated,
    createServiceAccount: isAuthenticated,
    updateServiceAccount: isAuthenticated,
    rotateServiceAccountToken: isAuthenticated,
    revokeServiceAccount: isAuthenticated,
    deleteServiceAccount: isAuthenticated,
    createServiceAccountCredential: isAuthenticated,
    updateServiceAccountCredential: isAuthenticated,
    deleteServiceAccountCredential: isAuthenticated,
    createApiKey: isAuthenticated,
    updateApiKey: isAuthenticated,
    rotateApiKey: isAuthenticated,
    revokeApiKey: isAuthenticated,
    setApiKeyActive: isAuthenticated,
    grantApiKeyWorkspaceAccess: isAuthenticated,
    revokeApiKeyWorkspaceAccess: isAuthenticated,
    createInvitation: isAuthenticated,
    createGroupInvitation: isAuthenticated,
    updateInvitation: isAuthenticated,
    resendInvitation: isAuthenticated,
    deleteInvitation: isAuthenticated,
    // A person without a user yet accepts with the token and a new password.
    acceptInvitation: allow,
  },
  // Seeing an account shows its name; each of its lists needs the capability that reads what it lists.
  Account: {
    '*': canSee('Account'),
    workspaces: onAccount('workspace.read'),
    users: onAccount('user.read'),
    groups: onAccount('group.read'),
    authorizationGrants: readsAuth,
    roleAssignments: readsAuth,
    ...zoneAccountRules,
    serviceAccounts: onAccount('service_account.read'),
    apiKeys: onAccount('api_key.read'),
    invitations: onAccount('invitation.read'),
  },
  Workspace: canSee('Workspace'),
  User: canSee('User'),
  Group: canSee('Group'),
  GroupMember: canSee('GroupMember'),
  AuthorizationGrant: canSee('AuthorizationGrant'),
  RoleAssignment: canSee('RoleAssignment'),
  ServiceAccount: canSee('ServiceAccount'),
  ServiceAccountCredential: canSee('ServiceAccountCredential'),
  ApiKey: canSee('ApiKey'),
  Invitation: canSee('Invitation'),
  ...Object.fromEntries(STRUCTURAL_TYPES.map((name) => [name, allow])),
  ...zoneTypeRules,
};

export const permissions = shield(rules, {
  fallbackRule: deny,
  fallbackError: forbidden,
  // Resolver errors (bad input, masked internal errors) pass through; Yoga masks what must be masked.
  allowExternalErrors: true,
});
