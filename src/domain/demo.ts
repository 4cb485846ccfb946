// Demo data (npm run seed:demo): a realistic account, so that exploring the graph in GraphiQL means
// something. Created once: the account and its owner directly (as bootstrap does), everything else
// through the domain services acting as that owner (the same validation and checks as the API), and
// the zone's own activity (zone users, user agents, delegated grants, sessions) through its record
// functions. Running it again finds the demo owner and changes nothing.
import { Authorizer } from './authz/authorizer.js';
import type { Services } from './services.js';
import type { Store } from './store.js';
import type { PasswordHasher } from './user/service.js';
import { createHash } from 'node:crypto';

export const DEMO_OWNER_EMAIL = 'owner@acme-demo.example';

export interface DemoResult {
  created: boolean;
  accountId: string;
  ownerId: string;
  zoneIds: string[];
  /** The generated password of a password credential, shown once (demo only). */
  credentialPassword: string | null;
  /** A service account's token and an API key, shown once (demo only). */
  machineSecrets: { serviceAccountToken: string; apiKey: string } | null;
  /** A starter authorize request in Production (local ids): a verified end user asking to write files. */
  authorizeExample: { zoneId: string; zoneUserId: string; resourceId: string; scopes: string[] } | null;
}

function actorFor(store: Store, userId: string): Authorizer {
  return new Authorizer({ kind: 'user', userId, sessionId: null, expiresAt: new Date(Date.now() + 3600_000) }, async (id) => (await store.grants.heldBy([id])).get(id)!);
}

export async function seedDemo(store: Store, services: Services, hasher: PasswordHasher, password: string): Promise<DemoResult> {
  const existing = await store.users.findByEmail(DEMO_OWNER_EMAIL);
  if (existing) {
    const [accountId] = (await store.users.accountsOf([existing.id])).get(existing.id) ?? [];
    const zones = accountId ? (await store.zones.zones.pages('accountId', [accountId], { first: 100 })).get(accountId)!.edges.map((e) => e.id) : [];
    return { created: false, accountId: accountId ?? '', ownerId: existing.id, zoneIds: zones, credentialPassword: null, machineSecrets: null, authorizeExample: null };
  }
  const passwordHash = await hasher.hash(password);
  const { accountId, ownerId } = await store.transaction(async (tx) => {
    const account = await tx.accounts.create({ name: 'Acme Demo', description: 'Demo data of npm run seed:demo' });
    const owner = await tx.users.create({ email: DEMO_OWNER_EMAIL, username: 'acme-owner', firstName: 'Olivia', lastName: 'Owner', passwordHash });
    await tx.users.addToAccount(account.id, owner.id);
    await tx.grants.create({ accountId: account.id, grantKind: 'ACCOUNT_OWNER', subjectType: 'USER', subjectId: owner.id });
    return { accountId: account.id, ownerId: owner.id };
  });
  const as = actorFor(store, ownerId);
  const z = services.zones;

  // People and groups.
  const people: Record<string, string> = {};
  for (const [key, email, firstName, lastName] of [
    ['ada', 'ada@acme-demo.example', 'Ada', 'Lovelace'],
    ['grace', 'grace@acme-demo.example', 'Grace', 'Hopper'],
    ['linus', 'linus@acme-demo.example', 'Linus', 'Torvalds'],
    ['margaret', 'margaret@acme-demo.example', 'Margaret', 'Hamilton'],
  ] as const) {
    people[key] = (await services.users.createUser(as, accountId, { email, firstName, lastName, username: key, password })).id;
  }
  const engineering = await services.groups.createGroup(as, accountId, { name: 'Engineering', description: 'Everyone who builds things' });
  const platform = await services.groups.createGroup(as, accountId, { name: 'Platform', description: 'Runs the identity platform' });
  const security = await services.groups.createGroup(as, accountId, { name: 'Security' });
  await services.groups.addGroupMemberGroup(as, engineering.id, platform.id);
  await services.groups.addGroupMemberUser(as, engineering.id, people.ada!);
  await services.groups.addGroupMemberUser(as, platform.id, people.grace!);
  await services.groups.addGroupMemberUser(as, security.id, people.margaret!);
  await services.authorization.createRoleAssignment(as, accountId, { roleKey: 'viewer', subject: { type: 'GROUP', id: security.id }, resourceType: 'account', resourceId: accountId });
  await services.authorization.grantAuthorization(as, accountId, { grantKind: 'CAPABILITY', subject: { type: 'GROUP', id: engineering.id }, capabilityKey: 'user.read' });

  // Zones and their members.
  const production = await z.zones.createZone(as, accountId, { name: 'Production', description: 'Customer-facing applications', loginFlow: 'IDENTIFIER_FIRST' });
  const staging = await z.zones.createZone(as, accountId, { name: 'Staging', requiresInvitation: true });
  await z.zones.addZoneMember(as, production.id, people.grace!, 'ZONE_MANAGER');
  await z.zones.addZoneMember(as, production.id, people.linus!, 'ZONE_VIEWER');
  await z.zones.addZoneMember(as, staging.id, people.ada!, 'ZONE_MANAGER');

  // Providers, resources and applications of Production.
  const google = await z.catalog.createProvider(as, production.id, {
    identifier: 'https://accounts.google.com',
    name: 'Google Workspace',
    type: 'EXTERNAL',
    clientId: 'acme-demo.apps.googleusercontent.com',
    clientSecret: `demo-${createHash('sha256').update(production.id).digest('hex').slice(0, 24)}`,
    oauth2: {
      issuer: 'https://accounts.google.com',
      authorizationEndpoint: 'https://accounts.google.com/o/oauth2/v2/auth',
      tokenEndpoint: 'https://oauth2.googleapis.com/token',
      jwksUri: 'https://www.googleapis.com/oauth2/v3/certs',
      authorizationParameters: { prompt: 'consent', access_type: 'offline' },
      scopesSupported: ['openid', 'email', 'profile'],
      codeChallengeMethodsSupported: ['S256'],
    },
    userinfoEndpoint: 'https://openidconnect.googleapis.com/v1/userinfo',
  });
  const slack = await z.catalog.createProvider(as, production.id, {
    identifier: 'https://slack.com',
    name: 'Slack',
    type: 'EXTERNAL',
    clientId: 'acme-demo-slack',
    oauth2: { issuer: 'https://slack.com', authorizationEndpoint: 'https://slack.com/oauth/v2/authorize', tokenEndpoint: 'https://slack.com/api/oauth.v2.access', scopeParameter: 'user_scope', scopeSeparator: ',', tokenResponseAccessTokenPointer: 'authed_user.access_token' },
  });
  const sts = await z.catalog.createProvider(as, production.id, { identifier: 'keycard-sts', name: 'Token exchange', type: 'KEYCARD_STS', oauth2: { issuer: 'https://sts.acme-demo.example' } }, 'PLATFORM');
  await z.zones.updateZone(as, production.id, { userIdentityProviderId: google.id });

  const gateway = await z.applications.createApplication(as, production.id, { identifier: 'mcp-gateway', name: 'MCP Gateway', traits: ['GATEWAY'], description: 'Routes agents to MCP servers' }, 'PLATFORM');
  const consoleApp = await z.applications.createApplication(as, production.id, {
    identifier: 'https://console.acme-demo.example',
    name: 'Acme Console',
    docsUrl: 'https://docs.acme-demo.example/console',
    redirectUris: ['https://console.acme-demo.example/oauth/callback'],
    postLogoutRedirectUris: ['https://console.acme-demo.example/'],
  });
  const cli = await z.applications.createApplication(as, production.id, { identifier: 'acme-cli', name: 'Acme CLI', redirectUris: ['http://127.0.0.1:8976/callback', 'com.acme-demo.cli:/callback'] });
  const bot = await z.applications.createApplication(as, production.id, { identifier: 'support-bot', name: 'Support Bot', traits: ['MCP_PROVIDER'] });
  await z.zones.updateZone(as, production.id, { defaultMcpGatewayApplicationId: gateway.id });

  const mail = await z.catalog.createResource(as, production.id, { identifier: 'https://mail.acme-demo.example', name: 'Mail API', scopes: ['mail.read', 'mail.send'], credentialProviderId: google.id, applicationId: consoleApp.id });
  const files = await z.catalog.createResource(as, production.id, { identifier: 'https://files.acme-demo.example', name: 'Files API', scopes: ['files.read', 'files.write'], applicationId: consoleApp.id });
  const tickets = await z.catalog.createResource(as, production.id, { identifier: 'https://tickets.acme-demo.example/mcp', name: 'Tickets MCP', applicationType: 'NATIVE', scopes: ['tickets.read'], applicationId: cli.id });
  const chat = await z.catalog.createResource(as, production.id, { identifier: 'https://slack.com/api', name: 'Slack API', scopes: ['chat:write', 'users:read'], credentialProviderId: slack.id });
  await z.zones.updateZone(as, production.id, { defaultResourceId: mail.id });

  await z.applications.addApplicationDependency(as, bot.id, tickets.id, []);
  await z.applications.addApplicationDependency(as, bot.id, chat.id, [tickets.id]);
  await z.applications.addApplicationDependency(as, consoleApp.id, mail.id, []);
  await z.applications.addApplicationDependency(as, consoleApp.id, files.id, [mail.id]);

  const { password: credentialPassword } = await z.applications.createApplicationCredential(as, { applicationId: consoleApp.id, password: { identifier: 'acme-console' } });
  await z.applications.createApplicationCredential(as, { applicationId: cli.id, public: { identifier: 'acme-cli' } });
  await z.applications.createApplicationCredential(as, { applicationId: bot.id, token: { providerId: sts.id, subject: 'support-bot@acme-demo.example' } });
  await z.applications.createApplicationCredential(as, { applicationId: bot.id, publicKey: { identifier: 'support-bot', jwksUri: 'https://bot.acme-demo.example/.well-known/jwks.json' } });
  await z.applications.createApplicationCredential(as, { applicationId: gateway.id, url: { identifier: 'https://gateway.acme-demo.example/client.json' } }, true);

  await z.secrets.createSecret(as, production.id, { name: 'github-deploy-token', description: 'Deploys the console', metadata: { owner: 'platform' }, entityId: { kind: 'Application', id: consoleApp.id }, value: { token: { token: 'ghp_demo_token_not_real' } } });
  await z.secrets.createSecret(as, production.id, { name: 'tickets-db', description: 'Tickets database', value: { password: { username: 'tickets', password: 'demo-password-not-real' } } });

  // What happened in Production: users, agents, grants, sessions.
  const activity = z.activity;
  const endUsers = [];
  for (const [i, email] of ['jane@customer.example', 'omar@customer.example', 'li@customer.example'].entries()) {
    endUsers.push(await activity.recordZoneUser(production.id, { email, emailVerified: i < 2, issuer: 'https://accounts.google.com', subject: `1098${i}2231`, providerId: google.id, authenticatedAt: new Date(Date.now() - i * 3600_000) }));
  }
  const agents = [];
  for (const name of ['Chrome on macOS', 'Acme CLI 2.3']) {
    agents.push(await activity.recordUserAgent(production.id, { identifier: `ua:${createHash('sha256').update(name).digest('hex')}`, name, slug: name.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/-+$/, '') }));
  }
  const day = 24 * 3600_000;
  const now = Date.now();
  await activity.recordDelegatedGrant(production.id, { zoneUserId: endUsers[0]!.id, resourceId: mail.id, providerId: google.id, scopes: ['mail.read', 'mail.send'], expiresAt: new Date(now + 30 * day), refreshTokenSet: true });
  await activity.recordDelegatedGrant(production.id, { zoneUserId: endUsers[1]!.id, resourceId: chat.id, providerId: slack.id, scopes: ['chat:write'], expiresAt: new Date(now - day), refreshTokenSet: false });
  const revoked = await activity.recordDelegatedGrant(production.id, { zoneUserId: endUsers[2]!.id, resourceId: files.id, providerId: google.id, scopes: ['files.read'], expiresAt: new Date(now + 7 * day), refreshTokenSet: true });
  await activity.deleteDelegatedGrant(as, revoked.id);
  const userSession = { sessionType: 'USER' as const, zoneUserId: endUsers[0]!.id, providerId: google.id, issuer: 'https://accounts.google.com', subject: endUsers[0]!.subject, metadata: null, authenticatedAt: new Date(now - 3600_000), expiresAt: new Date(now + 8 * 3600_000) };
  const web = await activity.recordSession(production.id, { ...userSession, applicationId: null, userAgentId: agents[0]!.id, parentId: null, name: 'Chrome on macOS', sessionData: { email: endUsers[0]!.email, email_verified: true } });
  const child = await activity.recordSession(production.id, { ...userSession, applicationId: consoleApp.id, userAgentId: agents[0]!.id, parentId: web.id, name: 'Acme Console', sessionData: { aud: 'acme-console' } });
  await activity.recordSession(production.id, { ...userSession, applicationId: bot.id, userAgentId: null, parentId: child.id, name: 'Support Bot (delegated)', sessionData: { act: { sub: 'support-bot' } } });
  await activity.recordSession(production.id, { ...userSession, zoneUserId: endUsers[1]!.id, subject: endUsers[1]!.subject, applicationId: null, userAgentId: agents[1]!.id, parentId: null, name: 'Acme CLI 2.3', sessionData: {}, expiresAt: new Date(now - 3600_000) });
  await activity.recordSession(production.id, { sessionType: 'APPLICATION', zoneUserId: null, applicationId: bot.id, userAgentId: null, parentId: null, providerId: sts.id, issuer: 'https://sts.acme-demo.example', subject: 'support-bot', name: 'Support Bot', sessionData: { client_id: 'support-bot' }, metadata: null, authenticatedAt: new Date(now), expiresAt: new Date(now + 3600_000) });

  // Policies of Production: a baseline bound ACTIVE (verified users may access resources; the support
  // bot may not send mail), and a candidate bound SHADOW (no file writes) whose disagreements show in
  // PolicySet.shadowDiffs.
  const cut = async (name: string, description: string, cedar: string) => {
    const policy = await z.policies.createPolicy(as, production.id, { name, description });
    return (await z.policies.createPolicyVersion(as, policy.id, { cedar })).policyVersion.id;
  };
  const verifiedAccess = await cut('verified-users-access', 'Users with a verified email may access resources', 'permit(principal is User, action == Action::"access", resource is Resource) when { principal.email_verified };');
  const botNoMail = await cut('support-bot-sends-no-mail', 'The support bot may not send mail', `forbid(principal == Application::"${bot.id}", action == Action::"access", resource == Resource::"${mail.id}") when { context.scopes.contains("mail.send") };`);
  const noFileWrites = await cut('no-file-writes', 'Candidate: nobody writes files', `forbid(principal, action == Action::"access", resource == Resource::"${files.id}") when { context.scopes.contains("files.write") };`);
  const baseline = await z.policySets.createPolicySet(as, production.id, { name: 'production-baseline', scopeType: 'ZONE' });
  const baselineV1 = await z.policySets.createPolicySetVersion(as, baseline.id, { policyVersionIds: [verifiedAccess, botNoMail] });
  await z.policySets.activatePolicySetVersion(as, baselineV1.policySetVersion.id, 'ACTIVE');
  const candidate = await z.policySets.createPolicySet(as, production.id, { name: 'candidate-no-file-writes', scopeType: 'ZONE' });
  const candidateV1 = await z.policySets.createPolicySetVersion(as, candidate.id, { policyVersionIds: [noFileWrites] });
  await z.policySets.activatePolicySetVersion(as, candidateV1.policySetVersion.id, 'SHADOW');

  // A little in Staging too.
  const stagingApp = await z.applications.createApplication(as, staging.id, { identifier: 'https://console.staging.acme-demo.example', name: 'Acme Console (staging)', redirectUris: ['https://console.staging.acme-demo.example/oauth/callback'] });
  await z.catalog.createResource(as, staging.id, { identifier: 'https://mail.staging.acme-demo.example', name: 'Mail API (staging)', scopes: ['mail.read'], applicationId: stagingApp.id });

  // Machines and newcomers: a deployer service account (in Platform) with a client credential, a
  // reporting API key limited to one workspace, and a pending invitation (its message goes to the log).
  const deployer = await services.serviceAccounts.createServiceAccount(as, accountId, { name: 'CI deployer', description: 'Deploys from the build pipeline' });
  await services.groups.addGroupMemberServiceAccount(as, platform.id, deployer.serviceAccount.id);
  await services.authorization.grantAuthorization(as, accountId, { grantKind: 'CAPABILITY', subject: { type: 'SERVICE_ACCOUNT', id: deployer.serviceAccount.id }, capabilityKey: 'application.manage' });
  await services.serviceAccounts.createServiceAccountCredential(as, deployer.serviceAccount.id, { name: 'GitHub Actions' });
  const analytics = await services.workspaces.createWorkspace(as, accountId, { name: 'Analytics', description: 'Dashboards and reports' });
  await services.workspaces.createWorkspace(as, accountId, { name: 'Billing', description: 'Invoices' });
  const reporting = await services.apiKeys.createApiKey(as, accountId, { name: 'Reporting', description: 'Reads the analytics workspace', permissions: ['workspace.read', 'group.read'], mcpActive: true, mcpReadOnly: true, mcpAllowlistMode: 'ALLOWLIST', mcpToolAllowlist: ['workspaces.list'] });
  await services.apiKeys.grantApiKeyWorkspaceAccess(as, reporting.apiKey.id, analytics.id);
  await services.invitations.createInvitation(as, accountId, { email: 'newhire@acme-demo.example', assignments: [{ roleKey: 'viewer' }, { groupId: engineering.id }], note: 'Welcome to Acme!', locale: 'en' });

  return {
    created: true,
    accountId,
    ownerId,
    zoneIds: [production.id, staging.id],
    credentialPassword,
    machineSecrets: { serviceAccountToken: deployer.token, apiKey: reporting.key },
    authorizeExample: { zoneId: production.id, zoneUserId: endUsers[0]!.id, resourceId: files.id, scopes: ['files.read', 'files.write'] },
  };
}
