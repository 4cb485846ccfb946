// Pure rules, table-tested: validation, ids, cursors, statement labels.
import { describe, expect, it } from 'vitest';
import { ValidationError } from '../../src/domain/errors.js';
import { attributes, email, groupName, linkedScopes, optionalText, password, requiredText, username } from '../../src/domain/validation.js';
import { ID_PATTERN, newId } from '../../src/infra/ids.js';
import { statementLabels } from '../../src/infra/metrics.js';
import { encodeCursor, pageArgs, searchTerm } from '../../src/graphql/connection.js';
import { containsPattern } from '../../src/infra/db/paging.js';

function fieldOf(run: () => unknown): string | null | undefined {
  try {
    run();
    return undefined;
  } catch (error) {
    expect(error).toBeInstanceOf(ValidationError);
    return (error as ValidationError).field;
  }
}

describe('validation', () => {
  it.each([
    ['requiredText trims', () => requiredText('name', '  a  '), 'a'],
    ['email lower-cases', () => email('email', ' A@B.Co '), 'a@b.co'],
    ['username lower-cases', () => username('username', 'Ada_99'), 'ada_99'],
    ['empty username is none', () => username('username', '  '), null],
    ['optionalText empties to null', () => optionalText('description', '   ', 10), null],
    ['attributes default to {}', () => attributes('attributes', null), {}],
    ['scopes lower-case their type', () => linkedScopes('linkedScopes', [{ resourceType: 'WORKSPACE', resourceId: ' w ' }]), [{ resourceType: 'workspace', resourceId: 'w' }]],
  ])('%s', (_name, run, expected) => {
    expect(run()).toEqual(expected);
  });

  it.each([
    [() => requiredText('name', ''), 'name'],
    [() => requiredText('name', 'x'.repeat(256)), 'name'],
    [() => requiredText('name', 'tab\there'), 'name'],
    [() => groupName('name', 'a/b'), 'name'],
    [() => email('email', 'a@b'), 'email'],
    [() => email('email', `${'a'.repeat(250)}@b.co`), 'email'],
    [() => email('email', 'a b@c.de'), 'email'],
    [() => username('username', 'a@b'), 'username'],
    [() => username('username', '-lead'), 'username'],
    [() => password('password', '1234567'), 'password'],
    [() => password('password', 'x'.repeat(1025)), 'password'],
    [() => optionalText('description', 'd'.repeat(11), 10), 'description'],
    [() => attributes('attributes', []), 'attributes'],
    [() => attributes('attributes', 'text'), 'attributes'],
    [() => linkedScopes('linkedScopes', [{ resourceType: 'planet', resourceId: 'x' }]), 'linkedScopes'],
    [() => linkedScopes('linkedScopes', Array.from({ length: 101 }, (_, i) => ({ resourceType: 'domain', resourceId: String(i) }))), 'linkedScopes'],
  ])('refuses case %#, naming the field', (run, field) => {
    expect(fieldOf(run)).toBe(field);
  });
});

describe('ids', () => {
  it('are ULIDs that sort in creation order, even within one millisecond', () => {
    const ids = Array.from({ length: 1000 }, () => newId());
    expect(ids.every((id) => ID_PATTERN.test(id))).toBe(true);
    expect([...ids].sort()).toEqual(ids);
    expect(new Set(ids).size).toBe(ids.length);
    expect(newId(Date.now() + 10_000) > ids.at(-1)!).toBe(true);
  });
});

describe('connection arguments', () => {
  it('decode their own cursors and refuse anything else', () => {
    const cursor = encodeCursor('01ARZ3NDEKTSV4RRFFQ69G5FAV');
    expect(pageArgs({ first: 5, after: cursor })).toEqual({ first: 5, after: '01ARZ3NDEKTSV4RRFFQ69G5FAV' });
    expect(pageArgs({})).toEqual({});
    expect(() => pageArgs({ first: 1.5 })).toThrow('first must be between 1 and 100');
    expect(() => pageArgs({ after: `${cursor}x` })).toThrow('after is not a cursor of this list');
  });

  it('normalise search terms and escape LIKE wildcards', () => {
    expect(searchTerm('  MiXed ')).toBe('mixed');
    expect(searchTerm('   ')).toBeNull();
    expect(containsPattern('50%_off\\')).toBe('%50\\%\\_off\\\\%');
  });
});

describe('statement labels', () => {
  it.each([
    ['SELECT `main`.`Group`.`id` FROM `main`.`Group` WHERE 1=1', 'Group', 'select'],
    ['INSERT INTO "public"."User" ("id") VALUES ($1)', 'User', 'insert'],
    ['UPDATE "Account" SET "name" = $1', 'Account', 'update'],
    ['DELETE FROM "GroupMember" WHERE "id" = $1', 'GroupMember', 'delete'],
    ['SELECT s."p" FROM ( SELECT m."groupId" FROM "GroupMember" m ) s', 'GroupMember', 'select'],
    ['COMMIT', 'none', 'commit'],
  ])('%s', (sql, model, operation) => {
    expect(statementLabels(sql)).toEqual({ model, operation });
  });
});

describe('outbox retry delays', () => {
  it('double from 30 s after each failed attempt, capped at an hour', async () => {
    const { retryDelayMs } = await import('../../src/domain/machine/outbox.js');
    expect([0, 1, 2, 3, 6, 7, 50].map(retryDelayMs)).toEqual([30_000, 60_000, 120_000, 240_000, 1_920_000, 3_600_000, 3_600_000]);
  });
});
