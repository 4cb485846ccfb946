// Input hygiene (issue 13): control characters in names and descriptions, emails (validator), redirect
// URIs (no wildcards, no CR/LF, no numeric or shortened IP hosts but loopback): the domain's rules, and
// the same refusals through the API.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { email, optionalText, requiredText } from '../src/domain/validation.js';
import { redirectUri } from '../src/domain/zone/validation.js';
import { encodeGlobalID } from '@pothos/plugin-relay';
import { account } from './support/fixtures.js';
import { provider as db, startTestApp, type TestApp } from './support/harness.js';
import { mutate, refuses, zone } from './support/zones.js';

const CONTROLS = ['\u0000', '\u001b', '\r', '\n', '\t', '\u007f', '\u0085', '\u202e', '\u2066'];

describe('input rules', () => {
  it('refuse control characters in names and descriptions', () => {
    for (const c of CONTROLS) {
      expect(() => requiredText('name', `Team${c}A`), JSON.stringify(c)).toThrow(/control characters/);
      expect(() => optionalText('description', `line one${c}line two`, 2048), JSON.stringify(c)).toThrow(/control characters/);
    }
    expect(requiredText('name', '  Équipe — café ✓  ')).toBe('Équipe — café ✓');
    expect(optionalText('description', 'Plain words, punctuation: (fine) & "quoted"', 2048)).toBe('Plain words, punctuation: (fine) & "quoted"');
  });

  it('validate and normalise emails; NUL and other controls refused', () => {
    expect(email('email', '  Ada.Lovelace+x@Example.COM ')).toBe('ada.lovelace+x@example.com');
    expect(email('email', 'owner@bravo.test')).toBe('owner@bravo.test');
    for (const bad of ['owner@bravo.test\u0000', 'own\u0000er@bravo.test', 'owner@bravo.test\u001b', 'a@b', 'a@[127.0.0.1]', 'Ada <ada@example.com>', 'a b@example.com', 'a@@example.com', 'a@example..com', `${'a'.repeat(65)}@example.com`]) {
      expect(() => email('email', bad), JSON.stringify(bad)).toThrow(/valid email address/);
    }
  });

  it('accept exact redirect URIs only', () => {
    for (const ok of ['https://app.example/cb', 'http://127.0.0.1:8080/cb', 'http://[::1]/cb', 'http://localhost/cb', 'com.example.app:/cb', 'https://xn--mnchen-3ya.de/cb']) expect(redirectUri('r', ok)).toBe(ok);
    const refused: [string, RegExp][] = [
      ['http://2130706433/cb', /usual form/],
      ['http://0x7f000001/cb', /usual form/],
      ['http://0177.0.0.1/cb', /usual form/],
      ['http://127.1/cb', /usual form/],
      ['https://app%2eexample/cb', /usual form/],
      ['https://*.bravo.test/cb', /wildcards/],
      ['https://bravo.test/*', /wildcards/],
      ['https://bravo.test/cb\r\nSet-Cookie: x=1', /control characters/],
      ['https://bravo.test/c\tb', /control characters/],
      ['https://203.0.113.5/cb', /IP address host/],
      ['https://[2001:db8::1]/cb', /IP address host/],
      ['https://user:secret@bravo.test/cb', /user name or password/],
    ];
    for (const [bad, why] of refused) expect(() => redirectUri('redirectUris', bad), bad).toThrow(why);
  });
});

describe(`input hygiene through the API (${db})`, () => {
  let t: TestApp;
  let accountId: string;
  beforeAll(async () => {
    t = await startTestApp();
    accountId = await account(t, 'Bravo');
  });
  afterAll(() => t.close());

  it('refuses NUL, ESC and CR/LF in names and descriptions', async () => {
    await refuses(t, 'createGroup', { accountId, name: 'Ops\u0000' }, 'ValidationError', 'name');
    await refuses(t, 'createGroup', { accountId, name: 'Ops', description: 'red \u001b[31m text' }, 'ValidationError', 'description');
    await refuses(t, 'createGroup', { accountId, name: 'Ops\r\nInjected: yes' }, 'ValidationError', 'name');
    await refuses(t, 'createZone', { accountId, name: 'Zone', description: 'two\nlines' }, 'ValidationError', 'description');
  });

  it('refuses an email with a NUL byte beside the same address without it', async () => {
    const first = await mutate(t, 'createUser', { accountId, email: 'owner@bravo.test' }, 'user { email }');
    expect(first.errors).toEqual([]);
    await refuses(t, 'createUser', { accountId, email: 'owner@bravo.test\u0000' }, 'ValidationError', 'email');
    await refuses(t, 'createUser', { accountId, email: 'OWNER@bravo.test' }, 'ConflictError', 'email');
  });

  it('refuses numeric-host, wildcard and CR/LF redirect URIs', async () => {
    const zoneId = await zone(t, accountId);
    for (const uri of ['http://2130706433/cb', 'https://*.bravo.test/cb', 'https://bravo.test/cb\r\nx']) {
      await refuses(t, 'createApplication', { zoneId, identifier: 'https://bravo.test', name: 'App', redirectUris: [uri] }, 'ValidationError', 'redirectUris');
    }
    const ok = await mutate(t, 'createApplication', { zoneId, identifier: 'https://bravo.test', name: 'App', redirectUris: ['https://bravo.test/cb', 'http://127.0.0.1:7/cb'] }, 'application { id }');
    expect(ok.errors).toEqual([]);
  });

  it('answers an unknown capability in explainAccess as the caller\'s mistake (BAD_USER_INPUT), not an internal error (found by test/fuzz.test.ts)', async () => {
    const result = await t.gql(`query($s: ID!, $a: ID!) { explainAccess(subject: $s, capability: "*", resource: { accountId: $a }) { allowed } }`, {
      s: encodeGlobalID('User', t.admin.userId),
      a: accountId,
    });
    expect(result.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    expect(result.errors?.[0]?.message).toBe('capability is not a capability of the catalog');
  });
});
