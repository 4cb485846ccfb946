// The domain services one instance of keygraph runs with.
import { AccountService } from './account/service.js';
import { AuthService, type SessionTokenIssuer } from './auth/service.js';
import { AuthorizationService } from './authz/service.js';
import { GroupService } from './group/service.js';
import type { Store } from './store.js';
import { UserService, type PasswordHasher } from './user/service.js';
import { WorkspaceService } from './workspace/service.js';
import { createZoneServices, type ZoneDeps, type ZoneServices } from './zone/services.js';

export interface Services {
  auth: AuthService;
  authorization: AuthorizationService;
  accounts: AccountService;
  workspaces: WorkspaceService;
  users: UserService;
  groups: GroupService;
  zones: ZoneServices;
}

export function createServices(store: Store, hasher: PasswordHasher, tokens: SessionTokenIssuer, sessionTtlSeconds: number, zones: Omit<ZoneDeps, 'hasher'>): Services {
  return {
    auth: new AuthService(store, hasher, tokens, sessionTtlSeconds),
    authorization: new AuthorizationService(store),
    accounts: new AccountService(store),
    workspaces: new WorkspaceService(store),
    users: new UserService(store, hasher),
    groups: new GroupService(store),
    zones: createZoneServices(store, { hasher, ...zones }),
  };
}
