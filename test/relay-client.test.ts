// A real Relay client against keygraph: relay-compiler 21 compiles the documents of test/relay/src
// against schema.graphql, and relay-runtime executes the compiled operations through yoga.fetch,
// normalises the responses in its store, merges @connection pages and refetches through node(id:).
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import {
  ConnectionHandler,
  Environment,
  Network,
  RecordSource,
  Store,
  commitLocalUpdate,
  commitMutation,
  createOperationDescriptor,
  fetchQuery,
  getRequest,
  getSelector,
  type Disposable,
  type GraphQLResponse,
  type OperationType,
  type ReaderFragment,
  type RecordProxy,
  type Variables,
} from 'relay-runtime';
import AccountGroupsQueryNode, { type AccountGroupsQuery } from './relay/src/__generated__/AccountGroupsQuery.graphql.js';
import GroupListFragment, { type GroupList_account$data } from './relay/src/__generated__/GroupList_account.graphql.js';
import GroupListPaginationQueryNode, { type GroupListPaginationQuery } from './relay/src/__generated__/GroupListPaginationQuery.graphql.js';
import GroupRowFragment, { type GroupRow_group$data } from './relay/src/__generated__/GroupRow_group.graphql.js';
import GroupRowRefetchQueryNode, { type GroupRowRefetchQuery } from './relay/src/__generated__/GroupRowRefetchQuery.graphql.js';
import UpdateGroupMutationNode, { type UpdateGroupMutation } from './relay/src/__generated__/UpdateGroupMutation.graphql.js';
import { validateCheckedInArtifacts } from './relay/compile.js';
import { account, addUser, group, user } from './support/fixtures.js';
import { provider, startTestApp, type TestApp } from './support/harness.js';

// Created oldest first; not in alphabetical order, so "oldest first" and "by name" cannot be confused.
const NAMES = ['Zulu', 'Yankee', 'X-ray', 'Whiskey', 'Victor'];

describe(`Relay client: compiled operations through relay-runtime (${provider})`, () => {
  let t: TestApp;
  let acme: string;
  let groups: string[];
  let environment: Environment;
  let retained: Disposable;
  /** The operations the network layer sent, by name, with keygraph's responses. */
  const sent: { name: string; response: GraphQLResponse }[] = [];
  const consoleProblems: unknown[][] = [];

  beforeAll(async () => {
    t = await startTestApp();
    acme = await account(t, 'Relay Co');
    groups = [];
    for (const name of NAMES) groups.push(await group(t, acme, name));
    await addUser(t, groups[4]!, await user(t, acme, 'member@example.com'));

    environment = new Environment({
      network: Network.create(async (params, variables: Variables): Promise<GraphQLResponse> => {
        const response = await t.app.fetch('/graphql', {
          method: 'POST',
          headers: { 'content-type': 'application/json', accept: 'application/graphql-response+json, application/json', authorization: `Bearer ${t.admin.token}` },
          body: JSON.stringify({ query: params.text, variables }),
        });
        const body = (await response.json()) as GraphQLResponse;
        sent.push({ name: params.name, response: body });
        return body;
      }),
      store: new Store(new RecordSource()),
    });
    // As a mounted screen would: keep the query's data from garbage collection for the whole file.
    retained = environment.retain(createOperationDescriptor(getRequest(AccountGroupsQueryNode), { id: acme }));
  });
  afterAll(async () => {
    retained?.dispose();
    await t?.close();
  });

  // relay-runtime reports problems (an unexpected cursor, missing data, a bad payload) through
  // console.error/warn in development; any of them fails the test that caused it.
  beforeEach(() => {
    consoleProblems.length = 0;
    for (const method of ['error', 'warn'] as const) vi.spyOn(console, method).mockImplementation((...args: unknown[]) => void consoleProblems.push(args));
  });
  afterEach(() => {
    vi.restoreAllMocks();
    expect(consoleProblems).toEqual([]);
  });

  /** Reads a fragment from the Relay store, as useFragment would. */
  function readFragment<T>(fragment: ReaderFragment, ref: unknown): T {
    const selector = getSelector(fragment, ref);
    if (selector?.kind !== 'SingularReaderSelector') throw new Error(`no singular selector for ${fragment.name}`);
    const snapshot = environment.lookup(selector);
    expect(snapshot.isMissingData, `${fragment.name} is missing data`).toBe(false);
    return snapshot.data as T;
  }

  function accountFragment(): GroupList_account$data {
    const root = environment.lookup(createOperationDescriptor(getRequest(AccountGroupsQueryNode), { id: acme }).fragment);
    return readFragment<GroupList_account$data>(GroupListFragment, (root.data as AccountGroupsQuery['response']).account);
  }

  function rows(list: GroupList_account$data): GroupRow_group$data[] {
    return list.groups.edges.map((edge) => readFragment<GroupRow_group$data>(GroupRowFragment, edge.node));
  }

  /** The @connection record on the account, read through ConnectionHandler as an updater would. */
  function connectionInStore(): { ids: string[]; names: string[]; cursors: string[]; hasNextPage: unknown } {
    let result: ReturnType<typeof connectionInStore> | undefined;
    commitLocalUpdate(environment, (store) => {
      const accountRecord = store.get(acme);
      if (!accountRecord) throw new Error('the account is not in the store');
      const connection = ConnectionHandler.getConnection(accountRecord, 'GroupList_groups');
      if (!connection) throw new Error('the GroupList_groups connection is not in the store');
      const edges = (connection.getLinkedRecords('edges') ?? []).filter((edge): edge is RecordProxy => edge != null);
      const nodes = edges.map((edge) => edge.getLinkedRecord('node')!);
      result = {
        ids: nodes.map((node) => node.getDataID()),
        names: nodes.map((node) => node.getValue('name') as string),
        cursors: edges.map((edge) => edge.getValue('cursor') as string),
        hasNextPage: connection.getLinkedRecord('pageInfo')?.getValue('hasNextPage'),
      };
    });
    return result!;
  }

  const execute = <Q extends OperationType>(query: Parameters<typeof fetchQuery>[1], variables: Q['variables']) =>
    fetchQuery<Q>(environment, query, variables, { fetchPolicy: 'network-only' }).toPromise();

  function mutate(variables: UpdateGroupMutation['variables']): Promise<UpdateGroupMutation['response']> {
    return new Promise((resolve, reject) => {
      commitMutation<UpdateGroupMutation>(environment, {
        mutation: UpdateGroupMutationNode,
        variables,
        onCompleted: (response, errors) => (errors?.length ? reject(new Error(JSON.stringify(errors))) : resolve(response)),
        onError: reject,
      });
    });
  }

  it('relay-compiler compiles the client against schema.graphql, and the checked-in artifacts are current', () => {
    // Runs the compiler binary itself, so a schema change that breaks the client's documents, or one
    // that changes what they compile to, fails here.
    const result = validateCheckedInArtifacts();
    expect(result.output, 'the Relay artifacts are stale or do not compile: run `npx tsx test/relay/compile.ts`').toBe('');
    expect(result.status).toBe(0);
  });

  it('refetchable fragments compile to queries through node(id:)', () => {
    for (const [request, spread] of [
      [GroupRowRefetchQueryNode, '...GroupRow_group'],
      [GroupListPaginationQueryNode, '...GroupList_account'],
    ] as const) {
      expect(request.params.operationKind).toBe('query');
      expect(request.params.text).toContain('$id: ID!');
      expect(request.params.text).toContain('node(id: $id) {');
      expect(request.params.text).toContain(spread);
    }
    expect(GroupListPaginationQueryNode.params.text).toMatch(/query GroupListPaginationQuery\(\s*\$count: Int = 2\s*\$cursor: String\s*\$id: ID!\s*\)/);
    expect(GroupListPaginationQueryNode.params.text).toContain('groups(first: $count, after: $cursor)');
    expect(GroupRowRefetchQueryNode.params.text).toMatch(/query GroupRowRefetchQuery\(\s*\$id: ID!\s*\)/);
    expect(GroupListFragment.metadata?.refetch).toMatchObject({ fragmentPathInResult: ['node'], identifierInfo: { identifierField: 'id', identifierQueryVariableName: 'id' } });
  });

  it('fetches the first page and reads it through the fragments from the store', async () => {
    const data = await execute<AccountGroupsQuery>(AccountGroupsQueryNode, { id: acme });
    expect(data?.account).toMatchObject({ id: acme, name: 'Relay Co' });

    const list = accountFragment();
    expect(list.groups.totalCount).toBe(5);
    expect(list.groups.edges.map((e) => e.node.id)).toEqual(groups.slice(0, 2));
    expect(list.groups.pageInfo.hasNextPage).toBe(true);
    expect(list.groups.pageInfo.endCursor).toEqual(expect.any(String));
    expect(rows(list)).toEqual([
      { name: 'Zulu', path: '/Zulu', members: { totalCount: 0 } },
      { name: 'Yankee', path: '/Yankee', members: { totalCount: 0 } },
    ].map((row) => expect.objectContaining(row)));

    const connection = connectionInStore();
    expect(connection.ids).toEqual(groups.slice(0, 2));
    expect(connection.cursors.at(-1)).toBe(list.groups.pageInfo.endCursor);
  });

  it('pages with the refetchable pagination query; @connection merges the pages in the store', async () => {
    await execute<GroupListPaginationQuery>(GroupListPaginationQueryNode, { count: 2, cursor: accountFragment().groups.pageInfo.endCursor, id: acme });
    // The account came back through node(id:) with the id that account(id:) gave: the same record.
    expect(sent.at(-1)).toMatchObject({ name: 'GroupListPaginationQuery', response: { data: { node: { __typename: 'Account', id: acme } } } });

    let connection = connectionInStore();
    expect(connection.ids).toEqual(groups.slice(0, 4));
    expect(connection.names).toEqual(NAMES.slice(0, 4));
    expect(new Set(connection.cursors).size).toBe(4);
    expect(connection.hasNextPage).toBe(true);
    let list = accountFragment();
    expect(list.groups.edges.map((e) => e.node.id)).toEqual(groups.slice(0, 4));
    expect(list.groups.pageInfo).toEqual({ hasNextPage: true, endCursor: connection.cursors[3] });

    await execute<GroupListPaginationQuery>(GroupListPaginationQueryNode, { count: 2, cursor: list.groups.pageInfo.endCursor, id: acme });
    connection = connectionInStore();
    expect(connection.ids).toEqual(groups);
    expect(connection.names).toEqual(NAMES);
    expect(connection.hasNextPage).toBe(false);
    list = accountFragment();
    expect(list.groups.pageInfo.hasNextPage).toBe(false);
    expect(rows(list).map((row) => [row.path, row.members.totalCount])).toEqual(NAMES.map((name, i) => [`/${name}`, i === 4 ? 1 : 0]));
    expect(sent.map((request) => request.name)).toEqual(['AccountGroupsQuery', 'GroupListPaginationQuery', 'GroupListPaginationQuery']);
  });

  it('refetches one group through node(id:) after it was renamed elsewhere', async () => {
    const renamed = await t.ok<{ updateGroup: { errors: unknown[] } }, { id: string }>(
      'mutation($id: ID!) { updateGroup(input: { id: $id, name: "Zulu Prime" }) { errors { message } } }',
      { id: groups[0]! },
    );
    expect(renamed.updateGroup.errors).toEqual([]);
    // The store knows nothing of the change yet.
    expect(rows(accountFragment())[0]).toMatchObject({ name: 'Zulu', path: '/Zulu' });

    sent.length = 0;
    const result = await execute<GroupRowRefetchQuery>(GroupRowRefetchQueryNode, { id: groups[0]! });
    expect(sent).toMatchObject([{ name: 'GroupRowRefetchQuery', response: { data: { node: { __typename: 'Group', id: groups[0], name: 'Zulu Prime' } } } }]);
    expect(result?.node).toBeTruthy();
    expect(readFragment<GroupRow_group$data>(GroupRowFragment, result!.node)).toMatchObject({ name: 'Zulu Prime', path: '/Zulu Prime' });
    // Normalised under the same id: the paginated list shows the new name too.
    expect(rows(accountFragment()).map((row) => row.name)).toEqual(['Zulu Prime', ...NAMES.slice(1)]);
    expect(connectionInStore().names[0]).toBe('Zulu Prime');
  });

  it('commits a mutation whose payload updates the group in the store, and one that fails does not', async () => {
    const done = await mutate({ input: { id: groups[1]!, name: 'Yankee Prime' } });
    expect(done.updateGroup.errors).toEqual([]);
    expect(done.updateGroup.group?.id).toBe(groups[1]);
    expect(rows(accountFragment()).slice(0, 2).map((row) => [row.name, row.path])).toEqual([
      ['Zulu Prime', '/Zulu Prime'],
      ['Yankee Prime', '/Yankee Prime'],
    ]);

    const clash = await mutate({ input: { id: groups[1]!, name: 'X-ray' } });
    expect(clash.updateGroup.group).toBeNull();
    expect(clash.updateGroup.errors).toEqual([{ __typename: 'ConflictError', message: expect.any(String), field: 'name' }]);
    expect(connectionInStore().names).toEqual(['Zulu Prime', 'Yankee Prime', ...NAMES.slice(2)]);
  });
});
