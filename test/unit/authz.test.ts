// The authorization engine, table-tested: catalog expansion, roles, and which grants apply where.
import { describe, expect, it } from 'vitest';
import { CAPABILITY_KEYS, ROLES, expand, expandRole } from '../../src/domain/authz/catalog.js';
import { accountsWithGrants, applies, can, capabilitiesOn, type HeldGrant, type SubjectFacts } from '../../src/domain/authz/resolve.js';

const A = 'ACCOUNT_A';
const B = 'ACCOUNT_B';
let next = 0;
const grant = (partial: Partial<HeldGrant>): HeldGrant => ({
  id: `G${next++}`,
  accountId: A,
  kind: 'CAPABILITY',
  key: null,
  resourceType: null,
  resourceId: null,
  subjectType: 'USER',
  subjectId: 'U',
  ...partial,
});
const facts = (...grants: HeldGrant[]): SubjectFacts => ({ subjectType: 'USER', subjectId: 'U', groupIds: new Set(), grants });
const W1 = { accountId: A, resource: { type: 'workspace', id: 'W1' } };
const W2 = { accountId: A, resource: { type: 'workspace', id: 'W2' } };

describe('catalog', () => {
  it('has auth.manage, the nine roles of reference 000, and keys for every area', () => {
    expect(CAPABILITY_KEYS).toContain('auth.manage');
    expect(ROLES.map((r) => r.key)).toEqual(['viewer', 'editor', 'domain_manager', 'manager', 'dns_manager', 'ip_manager', 'billing_viewer', 'billing_admin', 'credential_manager']);
    for (const area of ['account', 'workspace', 'group', 'user', 'zone', 'application', 'credential', 'secret', 'policy', 'api_key', 'service_account', 'billing', 'invitation']) {
      expect(CAPABILITY_KEYS).toContain(`${area}.read`);
      expect(CAPABILITY_KEYS).toContain(`${area}.manage`);
    }
    for (const role of ROLES) for (const key of role.capabilities) expect(CAPABILITY_KEYS, `${role.key}: ${key}`).toContain(key);
  });

  it.each([
    [['group.manage'], ['account.read', 'group.read', 'group.manage']],
    [['auth.manage'], ['account.read', 'user.read', 'user.manage', 'group.read', 'group.manage', 'auth.read', 'auth.manage', 'invitation.read', 'invitation.manage', 'service_account.read', 'service_account.manage', 'api_key.read', 'api_key.manage']],
    [['secret.value.read'], ['account.read', 'secret.read', 'secret.value.read']],
    [['account.read'], ['account.read']],
    [['no.such.key'], []],
  ])('expands %j through implications', (keys, expected) => {
    expect(expand(keys).sort()).toEqual([...expected].sort());
  });

  it('expands roles: billing is only for billing roles, secret values only for credential managers', () => {
    expect(expandRole('viewer')).not.toContain('billing.read');
    expect(expandRole('viewer')).not.toContain('secret.value.read');
    expect(expandRole('manager')).toContain('auth.manage');
    expect(expandRole('editor')).not.toContain('auth.manage');
    expect(expandRole('billing_admin')).toEqual(expect.arrayContaining(['billing.manage', 'billing.read', 'account.read']));
    expect(expandRole('credential_manager')).toContain('secret.value.read');
    expect(expandRole('unknown')).toEqual([]);
  });
});

describe('resolution', () => {
  it.each([
    ['an account-wide capability applies on the account and its resources', grant({ key: 'workspace.read' }), [[{ accountId: A }, true], [W1, true], [{ accountId: B }, false]]],
    ['a grant on the account resource is account-wide', grant({ key: 'workspace.read', resourceType: 'account', resourceId: A }), [[{ accountId: A }, true], [W2, true]]],
    ['a workspace-scoped grant covers that workspace only', grant({ key: 'workspace.read', resourceType: 'workspace', resourceId: 'W1' }), [[W1, true], [W2, false], [{ accountId: A }, false]]],
    ['a scoped grant covers what its resource contains', grant({ key: 'workspace.read', resourceType: 'workspace', resourceId: 'W1' }), [[{ accountId: A, resource: { type: 'application', id: 'X' }, containers: [{ type: 'workspace', id: 'W1' }] }, true]]],
    ['ownership covers its account only', grant({ kind: 'ACCOUNT_OWNER' }), [[{ accountId: A }, true], [W1, true], [{ accountId: B }, false]]],
    ['super administration covers every account', grant({ kind: 'SUPER_ADMIN' }), [[{ accountId: A }, true], [{ accountId: B }, true]]],
    ['a role on a workspace covers that workspace', grant({ kind: 'ROLE', key: 'viewer', resourceType: 'workspace', resourceId: 'W2' }), [[W2, true], [W1, false]]],
  ] as const)('%s', (_name, held, cases) => {
    for (const [scope, expected] of cases) expect(applies(held, scope), JSON.stringify(scope)).toBe(expected);
  });

  it('unions grants and roles, and leaves nothing else', () => {
    const subject = facts(grant({ key: 'group.manage' }), grant({ kind: 'ROLE', key: 'billing_viewer', resourceType: 'account', resourceId: A }), grant({ accountId: B, key: 'auth.manage' }));
    expect(capabilitiesOn(subject, { accountId: A }).sort()).toEqual(['account.read', 'billing.read', 'group.manage', 'group.read'].sort());
    expect(can(subject, 'auth.manage', { accountId: A })).toBe(false);
    expect(can(subject, 'auth.manage', { accountId: B })).toBe(true);
    expect(accountsWithGrants(subject)).toEqual([A, B]);
    expect(accountsWithGrants(facts(grant({ kind: 'SUPER_ADMIN' })))).toBe('all');
    expect(capabilitiesOn(facts(), { accountId: A })).toEqual([]);
  });

  it('gives owners and super administrators the whole catalog', () => {
    expect(capabilitiesOn(facts(grant({ kind: 'ACCOUNT_OWNER' })), { accountId: A })).toEqual(CAPABILITY_KEYS);
    expect(capabilitiesOn(facts(grant({ kind: 'SUPER_ADMIN', accountId: B })), { accountId: A })).toEqual(CAPABILITY_KEYS);
  });
});
