// Relay server specification: global ids, node/nodes, cursor connections and their limits; and the
// federation entry points (_service, _entities) over the same loaders.
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AccountUsersDocument, CreateWorkspaceDocument, GroupMembersDocument, NodeDocument, NodesDocument } from './generated/graphql.js';
import { account, addUser, group, user } from './support/fixtures.js';
import { provider, startTestApp, type TestApp } from './support/harness.js';
import { buildSchema, printSubgraph } from '../src/graphql/schema.js';
import { isNodeType, nodeIdResolver } from '../src/graphql/node-ids.js';
import type { GraphQLObjectType } from 'graphql';

describe(`Relay and federation (${provider})`, () => {
  let t: TestApp;
  let acme: string;
  let users: string[];
  let groupId: string;
  let workspaceId: string;

  beforeAll(async () => {
    t = await startTestApp();
    acme = await account(t, 'Acme');
    users = [];
    for (let i = 0; i < 7; i++) users.push(await user(t, acme, `person${i}@example.com`, { lastName: i % 2 ? 'Odd' : 'Even' }));
    groupId = await group(t, acme, 'Team');
    await addUser(t, groupId, users[0]!);
    workspaceId = (await t.ok(CreateWorkspaceDocument, { input: { accountId: acme, name: 'Main' } })).createWorkspace.workspace!.id;
  });
  afterAll(() => t.close());

  it('answers the same id asked for twice in one request (node twice and nodes), with its type', async () => {
    // The relay plugin's per-request node cache used to hand the second asker an object not yet branded with
    // its type: "Abstract type Node must resolve to an Object type" for every repeat.
    const answer = await t.gql(`query Twice($id: ID!, $other: ID!) { node(id: $id) { __typename id } again: node(id: $id) { __typename } nodes(ids: [$id, $other, $id]) { __typename id } }`, {
      id: users[1]!,
      other: groupId,
    });
    expect(answer.errors).toBeUndefined();
    expect(answer.data).toEqual({
      node: { __typename: 'User', id: users[1] },
      again: { __typename: 'User' },
      nodes: [
        { __typename: 'User', id: users[1] },
        { __typename: 'Group', id: groupId },
        { __typename: 'User', id: users[1] },
      ],
    });
  });

  it('fetches every kind of node by its opaque global id', async () => {
    const memberId = ((await t.ok(GroupMembersDocument, { id: groupId })).node as { members: { edges: { node: { id: string } }[] } }).members.edges[0]!.node.id;
    const expected: [string, string][] = [
      [acme, 'Account'],
      [workspaceId, 'Workspace'],
      [users[0]!, 'User'],
      [groupId, 'Group'],
      [memberId, 'GroupMember'],
    ];
    for (const [id, typename] of expected) {
      expect((await t.ok(NodeDocument, { id })).node).toMatchObject({ __typename: typename, id });
      expect(id).not.toContain(typename);
    }
    const { nodes } = await t.ok(NodesDocument, { ids: expected.map(([id]) => id) });
    expect(nodes.map((n) => n?.__typename)).toEqual(expected.map(([, typename]) => typename));
  });

  it('returns null for ids that name nothing', async () => {
    const missing = [Buffer.from('Group:01ARZ3NDEKTSV4RRFFQ69G5FAV').toString('base64'), Buffer.from('Nope:1').toString('base64')];
    for (const id of missing) expect((await t.gql(NodeDocument, { id })).data?.node ?? null).toBeNull();
    const { data } = await t.gql(NodesDocument, { ids: [acme, missing[0]!] });
    expect(data?.nodes.map((n) => n?.id ?? null)).toEqual([acme, null]);
  });

  it('pages forwards and backwards with cursors, totalCount and pageInfo', async () => {
    const forward: string[] = [];
    let after: string | null | undefined;
    for (;;) {
      const page = (await t.ok(AccountUsersDocument, { id: acme, first: 3, after })).account!.users;
      expect(page.totalCount).toBe(7);
      forward.push(...page.edges.map((e) => e.node.id));
      expect(page.pageInfo.hasPreviousPage).toBe(after !== undefined);
      if (!page.pageInfo.hasNextPage) break;
      after = page.pageInfo.endCursor;
    }
    expect(forward).toEqual(users);

    const backward: string[] = [];
    let before: string | null | undefined;
    for (;;) {
      const page = (await t.ok(AccountUsersDocument, { id: acme, last: 3, before })).account!.users;
      backward.unshift(...page.edges.map((e) => e.node.id));
      expect(page.pageInfo.hasNextPage).toBe(before !== undefined);
      if (!page.pageInfo.hasPreviousPage) break;
      before = page.pageInfo.startCursor;
    }
    expect(backward).toEqual(users);

    const filtered = (await t.ok(AccountUsersDocument, { id: acme, search: 'odd', first: 2 })).account!.users;
    expect(filtered.totalCount).toBe(3);
    expect(filtered.edges.map((e) => e.node.id)).toEqual([users[1], users[3]]);
  });

  it.each([
    [{ first: 0 }, 'first must be between 1 and 100'],
    [{ first: 101 }, 'first must be between 1 and 100'],
    [{ last: 1000 }, 'last must be between 1 and 100'],
    [{ first: 1, last: 1 }, 'pass first or last, not both'],
    [{ first: 1, after: 'not-a-cursor' }, 'after is not a cursor of this list'],
    [{ last: 1, before: Buffer.from('kg1:').toString('base64url') }, 'before is not a cursor of this list'],
  ])('refuses connection arguments %j', async (args, message) => {
    const result = await t.gql(AccountUsersDocument, { id: acme, ...args });
    expect(result.errors?.[0]?.message).toBe(message);
    expect(result.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
  });

  it("encodes every Node type's id as the Relay plugin does (the served schema answers it synchronously)", async () => {
    const nodeTypes = Object.values(buildSchema().getTypeMap()).filter((type): type is GraphQLObjectType => type.constructor.name === 'GraphQLObjectType' && isNodeType(type as GraphQLObjectType));
    expect(nodeTypes.length).toBeGreaterThan(20);
    for (const type of nodeTypes) {
      const object = { id: 'k-1', accountId: 'a-1', zoneId: 'z-1' };
      const plugin = await type.getFields().id!.resolve!(object, {}, {}, {} as never);
      expect([type.name, nodeIdResolver(type.name)(object, {}, {}, {} as never)]).toEqual([type.name, plugin]);
    }
  });

  it('serves the subgraph SDL with keys, and it is schema.graphql', async () => {
    const { data } = await t.gql<{ _service: { sdl: string } }, Record<string, never>>('{ _service { sdl } }');
    const sdl = data!._service.sdl;
    expect(sdl).toContain('@link(url: "https://specs.apollo.dev/federation/v2.6"');
    for (const type of ['Account', 'Workspace', 'User', 'Group']) expect(sdl).toMatch(new RegExp(`type ${type} implements Node\\s+@key\\(fields: "id"\\)`));
    expect(sdl).toMatch(/type PageInfo\s+@shareable/);
    expect(sdl.trim()).toBe(printSubgraph().trim());
    const file = readFileSync(new URL('../schema.graphql', import.meta.url), 'utf8');
    expect(file, 'schema.graphql is stale: run `npm run schema:print` and commit it').toBe(printSubgraph());
  });

  it('resolves _entities through the same loaders, null for what does not exist', async () => {
    const query = `query($r: [_Any!]!) { _entities(representations: $r) { __typename ... on Group { id name } ... on User { id email } ... on Account { id name } ... on Workspace { id name } } }`;
    const representations = [
      { __typename: 'Group', id: groupId },
      { __typename: 'User', id: users[1] },
      { __typename: 'Account', id: acme },
      { __typename: 'Workspace', id: workspaceId },
      { __typename: 'Group', id: acme },
      { __typename: 'Group', id: 'garbage' },
    ];
    const before = await t.statements();
    const { data, errors } = await t.gql<{ _entities: unknown[] }, { r: unknown[] }>(query, { r: representations });
    expect(errors).toBeUndefined();
    expect(data!._entities).toEqual([
      { __typename: 'Group', id: groupId, name: 'Team' },
      { __typename: 'User', id: users[1], email: 'person1@example.com' },
      { __typename: 'Account', id: acme, name: 'Acme' },
      { __typename: 'Workspace', id: workspaceId, name: 'Main' },
      null,
      null,
    ]);
    // One batched load per type, plus authentication and authorization: the session, the caller's
    // grants (one snapshot) and the accounts of the users (users are seen through their accounts).
    expect((await t.statements()) - before).toBeLessThanOrEqual(4 + 3);
  });
});
