// The domain services one instance of keygraph runs with.
import { AccountService } from './account/service.js';
import { AuthService, type SessionTokenIssuer } from './auth/service.js';
import { AuthorizationService } from './authz/service.js';
import type { Sealer } from './crypto.js';
import { GroupService } from './group/service.js';
import { ApiKeyService } from './machine/api-keys.js';
import { InvitationService } from './machine/invitations.js';
import { OutboxDispatcher, type MessageSender } from './machine/outbox.js';
import { ServiceAccountService } from './machine/service-accounts.js';
import type { EmailProofPurpose, Store } from './store.js';
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
  serviceAccounts: ServiceAccountService;
  apiKeys: ApiKeyService;
  invitations: InvitationService;
  outbox: OutboxDispatcher;
  zones: ZoneServices;
}

export interface ServiceOptions {
  store: Store;
  hasher: PasswordHasher;
  tokens: SessionTokenIssuer;
  sessionTtlSeconds: number;
  /** Seals outbox payloads (they may carry secrets such as invitation links). */
  outboxSealer: Sealer;
  sender: MessageSender;
  /** The accept link an invitation message carries. */
  invitationUrl: (token: string) => string;
  /** The link of an email verification or password-reset message. */
  emailProofUrl: (purpose: EmailProofPurpose, token: string) => string;
  onDeliveryError?: (error: unknown) => void;
  /** The zones graph: its secret sealer, generator of credentials, and public base URL. */
  zones: Omit<ZoneDeps, 'hasher'>;
}

export function createServices(options: ServiceOptions): Services {
  const { store, hasher } = options;
  const serviceAccounts = new ServiceAccountService(store);
  const outbox = new OutboxDispatcher(store, options.outboxSealer, options.sender, options.onDeliveryError);
  return {
    auth: new AuthService(store, hasher, options.tokens, options.sessionTtlSeconds, serviceAccounts),
    authorization: new AuthorizationService(store),
    accounts: new AccountService(store),
    workspaces: new WorkspaceService(store),
    users: new UserService(store, hasher, { outbox, emailProofUrl: options.emailProofUrl }),
    groups: new GroupService(store),
    serviceAccounts,
    apiKeys: new ApiKeyService(store),
    invitations: new InvitationService(store, hasher, outbox, options.invitationUrl),
    outbox,
    zones: createZoneServices(store, { hasher, ...options.zones }),
  };
}
