// Scenario builders: account -> users -> groups -> members, through the public API.
import { expect } from 'vitest';
import {
  AddGroupMemberGroupDocument,
  AddGroupMemberUserDocument,
  CreateAccountDocument,
  CreateGroupDocument,
  CreateUserDocument,
} from '../generated/graphql.js';
import type { TestApp } from './harness.js';

export async function account(t: TestApp, name = 'Acme'): Promise<string> {
  const { createAccount } = await t.ok(CreateAccountDocument, { input: { name } });
  expect(createAccount.errors).toEqual([]);
  return createAccount.account!.id;
}

export async function user(t: TestApp, accountId: string, email: string, extra: { firstName?: string; lastName?: string; username?: string } = {}): Promise<string> {
  const { createUser } = await t.ok(CreateUserDocument, { input: { accountId, email, ...extra } });
  expect(createUser.errors).toEqual([]);
  return createUser.user!.id;
}

export async function group(t: TestApp, accountId: string, name: string): Promise<string> {
  const { createGroup } = await t.ok(CreateGroupDocument, { input: { accountId, name } });
  expect(createGroup.errors).toEqual([]);
  return createGroup.group!.id;
}

export async function addUser(t: TestApp, groupId: string, userId: string): Promise<void> {
  const { addGroupMemberUser } = await t.ok(AddGroupMemberUserDocument, { input: { groupId, userId } });
  expect(addGroupMemberUser.errors).toEqual([]);
}

export async function nest(t: TestApp, groupId: string, childGroupId: string): Promise<void> {
  const { addGroupMemberGroup } = await t.ok(AddGroupMemberGroupDocument, { input: { groupId, childGroupId } });
  expect(addGroupMemberGroup.errors).toEqual([]);
}

/** Runs tasks with at most `width` in flight. */
export async function inBatches<T>(items: readonly T[], width: number, run: (item: T, index: number) => Promise<void>): Promise<void> {
  for (let i = 0; i < items.length; i += width) await Promise.all(items.slice(i, i + width).map((item, j) => run(item, i + j)));
}
