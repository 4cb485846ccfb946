// Accounts and workspaces: creation, updates, validation, conflicts, deletion and paging.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  AccountDocument,
  AccountWorkspacesDocument,
  CreateAccountDocument,
  CreateWorkspaceDocument,
  DeleteWorkspaceDocument,
  UpdateAccountDocument,
  UpdateWorkspaceDocument,
} from './generated/graphql.js';
import { account } from './support/fixtures.js';
import { provider, startTestApp, type TestApp } from './support/harness.js';

describe(`accounts and workspaces (${provider})`, () => {
  let t: TestApp;
  let acme: string;

  beforeAll(async () => {
    t = await startTestApp();
    acme = await account(t, 'Acme');
  });
  afterAll(() => t.close());

  it('creates and updates an account', async () => {
    const { createAccount } = await t.ok(CreateAccountDocument, { input: { name: ' Globex ', description: 'Widgets' } });
    expect(createAccount).toMatchObject({ errors: [], account: { name: 'Globex', description: 'Widgets' } });
    const id = createAccount.account!.id;
    const { updateAccount } = await t.ok(UpdateAccountDocument, { input: { id, name: 'Globex Corp', description: null } });
    expect(updateAccount).toMatchObject({ errors: [], account: { id, name: 'Globex Corp', description: null } });
    const { account: read } = await t.ok(AccountDocument, { id });
    expect(read).toMatchObject({ name: 'Globex Corp' });
    expect(new Date(read!.updatedAt).getTime()).toBeGreaterThanOrEqual(new Date(read!.createdAt).getTime());
  });

  it.each([
    ['an empty name', { name: '' }, 'name'],
    ['a name with control characters', { name: 'a\u0007b' }, 'name'],
    ['a 256-character name', { name: 'n'.repeat(256) }, 'name'],
    ['a description over 2048 characters', { name: 'ok', description: 'd'.repeat(2049) }, 'description'],
  ])('refuses an account with %s', async (_case, input, field) => {
    const { createAccount } = await t.ok(CreateAccountDocument, { input });
    expect(createAccount).toEqual({ account: null, errors: [expect.objectContaining({ __typename: 'ValidationError', field })] });
  });

  it('refuses to update a missing account, and keeps the name when the update is invalid', async () => {
    const missing = Buffer.from('Account:01ARZ3NDEKTSV4RRFFQ69G5FAV').toString('base64');
    expect((await t.ok(UpdateAccountDocument, { input: { id: missing, name: 'x' } })).updateAccount.errors).toEqual([
      expect.objectContaining({ __typename: 'NotFoundError', field: 'id' }),
    ]);
    expect((await t.ok(UpdateAccountDocument, { input: { id: acme, name: ' ' } })).updateAccount.errors).toEqual([
      expect.objectContaining({ __typename: 'ValidationError', field: 'name' }),
    ]);
    expect((await t.ok(AccountDocument, { id: acme })).account!.name).toBe('Acme');
  });

  it('reads an account that does not exist as null', async () => {
    expect((await t.ok(AccountDocument, { id: 'not-an-id' })).account).toBeNull();
  });

  describe('workspaces', () => {
    it('creates, renames, lists and deletes workspaces', async () => {
      const names = ['Production', 'Staging', 'Development'];
      const ids: string[] = [];
      for (const name of names) {
        const { createWorkspace } = await t.ok(CreateWorkspaceDocument, { input: { accountId: acme, name, description: `${name} env` } });
        expect(createWorkspace).toMatchObject({ errors: [], workspace: { name, account: { id: acme } } });
        ids.push(createWorkspace.workspace!.id);
      }
      const first = (await t.ok(AccountWorkspacesDocument, { id: acme, first: 2 })).account!.workspaces;
      expect(first.totalCount).toBe(3);
      expect(first.edges.map((e) => e.node.name)).toEqual(['Production', 'Staging']);
      const rest = (await t.ok(AccountWorkspacesDocument, { id: acme, first: 2, after: first.pageInfo.endCursor })).account!.workspaces;
      expect(rest.edges.map((e) => e.node.name)).toEqual(['Development']);
      expect(rest.pageInfo.hasNextPage).toBe(false);

      const { updateWorkspace } = await t.ok(UpdateWorkspaceDocument, { input: { id: ids[2]!, name: 'Dev' } });
      expect(updateWorkspace).toMatchObject({ errors: [], workspace: { name: 'Dev', description: 'Development env' } });

      const { deleteWorkspace } = await t.ok(DeleteWorkspaceDocument, { input: { id: ids[1]! } });
      expect(deleteWorkspace).toEqual({ deletedWorkspaceId: ids[1], errors: [] });
      const after = (await t.ok(AccountWorkspacesDocument, { id: acme, first: 10 })).account!.workspaces;
      expect(after.edges.map((e) => e.node.name)).toEqual(['Production', 'Dev']);
      expect((await t.ok(DeleteWorkspaceDocument, { input: { id: ids[1]! } })).deleteWorkspace.errors).toEqual([
        expect.objectContaining({ __typename: 'NotFoundError', field: 'id' }),
      ]);
    });

    it('keeps workspace names unique within an account only', async () => {
      const clash = (await t.ok(CreateWorkspaceDocument, { input: { accountId: acme, name: 'Production' } })).createWorkspace;
      expect(clash.errors).toEqual([expect.objectContaining({ __typename: 'ConflictError', field: 'name' })]);
      const dev = (await t.ok(AccountWorkspacesDocument, { id: acme, first: 10 })).account!.workspaces.edges.find((e) => e.node.name === 'Dev')!.node.id;
      const rename = (await t.ok(UpdateWorkspaceDocument, { input: { id: dev, name: 'Production' } })).updateWorkspace;
      expect(rename.errors).toEqual([expect.objectContaining({ __typename: 'ConflictError', field: 'name' })]);
      const elsewhere = await account(t, 'Elsewhere');
      expect((await t.ok(CreateWorkspaceDocument, { input: { accountId: elsewhere, name: 'Production' } })).createWorkspace.errors).toEqual([]);
    });

    it('refuses workspaces in a missing account or with bad names', async () => {
      const missing = Buffer.from('Account:01ARZ3NDEKTSV4RRFFQ69G5FAV').toString('base64');
      expect((await t.ok(CreateWorkspaceDocument, { input: { accountId: missing, name: 'X' } })).createWorkspace.errors).toEqual([
        expect.objectContaining({ __typename: 'NotFoundError', field: 'accountId' }),
      ]);
      expect((await t.ok(CreateWorkspaceDocument, { input: { accountId: acme, name: '' } })).createWorkspace.errors).toEqual([
        expect.objectContaining({ __typename: 'ValidationError', field: 'name' }),
      ]);
    });
  });
});
