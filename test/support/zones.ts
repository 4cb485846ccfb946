// Helpers of the zones graph tests: operations as strings (the responses are checked field by field)
// and scenario builders through the public API.
import { expect } from 'vitest';
import type { Caller, GraphQLResult } from './harness.js';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type Json = any;
type Vars = Record<string, unknown>;

export const ERRORS = 'errors { __typename message field }';

/** Runs a mutation `name` with `input`, selecting `selection` and the errors; returns the payload. */
export async function mutate(c: Caller, name: string, input: Vars, selection = ''): Promise<Json> {
  const pascal = name[0]!.toUpperCase() + name.slice(1);
  const result = (await c.gql<Json, Vars>(`mutation($input: ${pascal}Input!) { ${name}(input: $input) { ${selection} ${ERRORS} } }`, { input })) as GraphQLResult<Json>;
  if (result.errors?.length) throw Object.assign(new Error(`GraphQL errors: ${JSON.stringify(result.errors)}`), { result });
  return result.data[name];
}

/** Like mutate, and expects success. */
export async function must(c: Caller, name: string, input: Vars, selection: string): Promise<Json> {
  const payload = await mutate(c, name, input, selection);
  expect(payload.errors, `${name} ${JSON.stringify(input)}`).toEqual([]);
  return payload;
}

/** Expects one typed error naming `field`. */
export async function refuses(c: Caller, name: string, input: Vars, typename: string, field: string | null): Promise<void> {
  const payload = await mutate(c, name, input);
  expect(payload.errors, `${name} ${JSON.stringify(input)}`).toHaveLength(1);
  expect(payload.errors[0], `${name} ${JSON.stringify(input)}`).toMatchObject({ __typename: typename, field });
}

export async function zone(c: Caller, accountId: string, name = 'Production', extra: Vars = {}): Promise<string> {
  return (await must(c, 'createZone', { accountId, name, ...extra }, 'zone { id }')).zone.id;
}

export async function application(c: Caller, zoneId: string, identifier: string, extra: Vars = {}): Promise<string> {
  return (await must(c, 'createApplication', { zoneId, identifier, name: identifier, ...extra }, 'application { id }')).application.id;
}

export async function resource(c: Caller, zoneId: string, identifier: string, extra: Vars = {}): Promise<string> {
  return (await must(c, 'createResource', { zoneId, identifier, name: identifier, ...extra }, 'resource { id }')).resource.id;
}

export async function provider(c: Caller, zoneId: string, identifier: string, extra: Vars = {}): Promise<string> {
  return (await must(c, 'createProvider', { zoneId, identifier, name: identifier, oauth2: { issuer: 'https://idp.example.com' }, ...extra }, 'provider { id }')).provider.id;
}

/** Pages through a connection field of a node with `first: size`, collecting every node id. */
export async function pageAll(c: Caller, nodeId: string, type: string, field: string, args: string, size: number): Promise<{ ids: string[]; totalCount: number; pages: number }> {
  const ids: string[] = [];
  let after: string | null = null;
  let totalCount = 0;
  let pages = 0;
  for (;;) {
    const data: Json = await c.ok<Json, Vars>(
      `query($id: ID!, $after: String) { node(id: $id) { ... on ${type} { ${field}(first: ${size}, after: $after${args ? `, ${args}` : ''}) { totalCount pageInfo { hasNextPage endCursor } edges { node { id } } } } } }`,
      { id: nodeId, after },
    );
    const connection = data.node[field];
    totalCount = connection.totalCount;
    ids.push(...connection.edges.map((e: Json) => e.node.id));
    pages++;
    if (!connection.pageInfo.hasNextPage) break;
    after = connection.pageInfo.endCursor;
  }
  return { ids, totalCount, pages };
}

/** Every mutation of the zones graph: test/zones-isolation.test.ts probes each (test/isolation.test.ts skips them). */
export const ZONE_MUTATIONS = ['createZone', 'updateZone', 'deleteZone', 'addZoneMember', 'updateZoneMember', 'removeZoneMember', 'createApplication', 'updateApplication', 'deleteApplication', 'addApplicationDependency', 'removeApplicationDependency', 'createApplicationCredential', 'updateApplicationCredential', 'deleteApplicationCredential', 'createProvider', 'updateProvider', 'deleteProvider', 'createResource', 'updateResource', 'deleteResource', 'createSecret', 'updateSecret', 'deleteSecret', 'updateDelegatedGrant', 'deleteDelegatedGrant', 'updateSession', 'deleteSession', 'rotateZoneSigningKey', 'retireZoneSigningKey', 'setDefaultPolicySchema', 'createPolicy', 'updatePolicy', 'archivePolicy', 'createPolicyVersion', 'archivePolicyVersion', 'createPolicySet', 'updatePolicySet', 'archivePolicySet', 'createPolicySetVersion', 'activatePolicySetVersion', 'archivePolicySetVersion', 'savePolicyDraft', 'savePolicySetDraft'];
