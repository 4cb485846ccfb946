// Capabilities are typed from the catalog: a misspelt capability in a check fails `npm run typecheck`
// (the @ts-expect-error lines below would themselves fail it if the typo compiled), and the type names
// exactly the catalog's keys.
import { describe, expect, it } from 'vitest';
import type { Authorizer } from '../../src/domain/authz/authorizer.js';
import { CAPABILITY_KEYS, type CapabilityKey } from '../../src/domain/authz/catalog.js';

// Every key of the type, once: adding a key to the type without the catalog (or the reverse) fails below.
const EVERY_KEY: Record<CapabilityKey, true> = {
  'account.read': true, 'account.manage': true, 'workspace.read': true, 'workspace.manage': true,
  'user.read': true, 'user.manage': true, 'group.read': true, 'group.manage': true,
  'auth.read': true, 'auth.manage': true, 'invitation.read': true, 'invitation.manage': true,
  'service_account.read': true, 'service_account.manage': true, 'api_key.read': true, 'api_key.manage': true,
  'zone.read': true, 'zone.manage': true, 'application.read': true, 'application.manage': true,
  'credential.read': true, 'credential.manage': true, 'secret.read': true, 'secret.manage': true,
  'secret.value.read': true, 'policy.read': true, 'policy.manage': true, 'policy.evaluate': true, 'billing.read': true, 'billing.manage': true,
  'domain.read': true, 'domain.manage': true, 'dns.read': true, 'dns.manage': true, 'ip.read': true, 'ip.manage': true,
};

describe('capability keys', () => {
  it('are the catalog keys, no more and no fewer', () => {
    expect(Object.keys(EVERY_KEY).sort()).toEqual([...CAPABILITY_KEYS].sort());
  });

  it('reject a misspelt capability at compile time', () => {
    const checks = (authz: Authorizer) => [
      authz.can('group.read', { accountId: 'a' }),
      // @ts-expect-error 'group.raed' is not a capability of the catalog
      authz.can('group.raed', { accountId: 'a' }),
      // @ts-expect-error a guard names a capability too
      authz.authorize('group.manage', { accountId: 'a' }, { see: 'groups.read', entity: 'Group', field: 'id' }),
    ];
    expect(typeof checks).toBe('function');
  });
});
