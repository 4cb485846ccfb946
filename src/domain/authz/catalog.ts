// The capability catalog: the single list of what can be granted. Roles (reference 000's nine role
// keys) are data over it. A capability may imply others (managing implies reading); every check and
// every expansion goes through `expand`, so implications hold everywhere.

/** The areas of the catalog: each has a `.read` and a `.manage` capability. */
export type Area =
  | 'account'
  | 'workspace'
  | 'user'
  | 'group'
  | 'invitation'
  | 'service_account'
  | 'api_key'
  | 'zone'
  | 'application'
  | 'credential'
  | 'secret'
  | 'policy'
  | 'billing'
  | 'domain'
  | 'dns'
  | 'ip';

/** Every capability key of the catalog, as a type: a misspelt capability in a check does not compile. */
export type CapabilityKey = `${Area}.read` | `${Area}.manage` | 'auth.read' | 'auth.manage' | 'secret.value.read' | 'policy.evaluate';

export interface Capability {
  key: CapabilityKey;
  description: string;
  implies: readonly CapabilityKey[];
}

// Reading anything in an account implies reading the account itself (its name and description).
function area(name: Area, what: string): Capability[] {
  return [
    { key: `${name}.read`, description: `Read ${what}.`, implies: name === 'account' ? [] : ['account.read'] },
    { key: `${name}.manage`, description: `Create, change and delete ${what}.`, implies: [`${name}.read`] },
  ];
}

export const CAPABILITIES: readonly Capability[] = [
  ...area('account', 'the account itself (name, description)'),
  ...area('workspace', 'workspaces'),
  ...area('user', 'the users of the account'),
  ...area('group', 'groups and their members'),
  { key: 'auth.read', description: 'Read users, groups, grants and role assignments of the account.', implies: ['account.read', 'user.read', 'group.read'] },
  {
    key: 'auth.manage',
    description: 'Manage who has access: users, groups, grants, role assignments, invitations, service accounts and API keys (reference 000: every auth operation, auth.service_accounts.* included).',
    implies: ['auth.read', 'user.manage', 'group.manage', 'invitation.manage', 'service_account.manage', 'api_key.manage'],
  },
  ...area('invitation', 'invitations'),
  ...area('service_account', 'service accounts and their credentials'),
  ...area('api_key', 'API keys and their workspace access'),
  ...area('zone', 'zones and what they hold (sessions, users, members, delegated grants)'),
  ...area('application', 'applications of zones'),
  ...area('credential', 'application credentials and providers'),
  ...area('secret', 'secrets (not their values)'),
  { key: 'secret.value.read', description: 'Read the decrypted value of secrets.', implies: ['secret.read'] },
  ...area('policy', 'policies, policy schemas and policy sets'),
  {
    key: 'policy.evaluate',
    description: "Ask for decisions of a zone's policies (authorize, authorizeBatch): a policy decision point's client. It reads no policy; the answer names the policies that decided.",
    implies: ['account.read'],
  },
  ...area('billing', 'billing'),
  ...area('domain', 'domains'),
  ...area('dns', 'DNS records'),
  ...area('ip', 'IP addresses'),
];

export const CAPABILITY_KEYS: readonly CapabilityKey[] = CAPABILITIES.map((c) => c.key);
const BY_KEY = new Map<string, Capability>(CAPABILITIES.map((c) => [c.key, c]));

export function isCapability(key: string): key is CapabilityKey {
  return BY_KEY.has(key);
}

/** The capabilities `keys` grant, implications included, in catalog order. Unknown keys grant nothing. */
export function expand(keys: Iterable<string>): CapabilityKey[] {
  const seen = new Set<string>();
  const visit = (key: string) => {
    const capability = BY_KEY.get(key);
    if (!capability || seen.has(key)) return;
    seen.add(key);
    capability.implies.forEach(visit);
  };
  for (const key of keys) visit(key);
  return CAPABILITY_KEYS.filter((key) => seen.has(key));
}

const READ_ALL: CapabilityKey[] = ['account.read', 'workspace.read', 'auth.read', 'invitation.read', 'service_account.read', 'api_key.read', 'zone.read', 'application.read', 'credential.read', 'secret.read', 'policy.read', 'domain.read', 'dns.read', 'ip.read'];
const EDIT: CapabilityKey[] = ['workspace.manage', 'zone.manage', 'application.manage', 'policy.manage', 'policy.evaluate', 'domain.manage', 'dns.manage'];

export interface Role {
  key: string;
  description: string;
  capabilities: readonly CapabilityKey[];
}

export const ROLES: readonly Role[] = [
  { key: 'viewer', description: 'Reads everything in its scope except billing and secret values.', capabilities: READ_ALL },
  { key: 'editor', description: 'A viewer who also changes workspaces, zones, applications, policies, domains and DNS, and asks for policy decisions.', capabilities: [...READ_ALL, ...EDIT] },
  { key: 'domain_manager', description: 'Manages domains and their DNS records.', capabilities: ['account.read', 'domain.manage', 'dns.manage'] },
  {
    key: 'manager',
    description: 'An editor who also manages access (auth.manage), the account, credentials, secrets, API keys, service accounts and IP addresses.',
    capabilities: [...READ_ALL, ...EDIT, 'auth.manage', 'account.manage', 'credential.manage', 'secret.manage', 'api_key.manage', 'service_account.manage', 'ip.manage'],
  },
  { key: 'dns_manager', description: 'Manages DNS records of the domains it can read.', capabilities: ['account.read', 'domain.read', 'dns.manage'] },
  { key: 'ip_manager', description: 'Manages IP addresses.', capabilities: ['account.read', 'ip.manage'] },
  { key: 'billing_viewer', description: 'Reads billing.', capabilities: ['account.read', 'billing.read'] },
  { key: 'billing_admin', description: 'Manages billing.', capabilities: ['account.read', 'billing.manage'] },
  {
    key: 'credential_manager',
    description: 'Manages application credentials, secrets (values included), API keys and service accounts.',
    capabilities: ['account.read', 'credential.manage', 'secret.manage', 'secret.value.read', 'api_key.manage', 'service_account.manage'],
  },
];

const ROLE_BY_KEY = new Map(ROLES.map((r) => [r.key, r]));

export function roleOf(key: string): Role | undefined {
  return ROLE_BY_KEY.get(key);
}

/** The capability keys a role expands to (implications included); nothing for an unknown role. */
export function expandRole(key: string): CapabilityKey[] {
  return expand(ROLE_BY_KEY.get(key)?.capabilities ?? []);
}

/**
 * Zone roles (reference 001, zone members): what a member holds on its zone and everything in it. They
 * are not account roles: a zone membership names one zone, so these capabilities never apply to the
 * account or to another zone (resolve.ts). Reading secret values stays a separate grant.
 */
export const ZONE_ROLES: readonly Role[] = [
  {
    key: 'ZONE_MANAGER',
    description: 'Full management of one zone: the zone, its members, applications, credentials, resources, providers, sessions, grants, secrets (not secret values) and policies; asks for policy decisions.',
    capabilities: ['zone.manage', 'application.manage', 'credential.manage', 'secret.manage', 'policy.manage', 'policy.evaluate'],
  },
  { key: 'ZONE_VIEWER', description: 'Reads one zone and everything in it (policies included), except secret values.', capabilities: ['zone.read', 'application.read', 'credential.read', 'secret.read', 'policy.read'] },
];

const ZONE_ROLE_BY_KEY = new Map(ZONE_ROLES.map((r) => [r.key, r]));

/** The capability keys a zone role expands to (implications included); nothing for an unknown role. */
export function expandZoneRole(key: string): CapabilityKey[] {
  return expand(ZONE_ROLE_BY_KEY.get(key)?.capabilities ?? []);
}
