// The zones graph as federation entities: Zone, Application, Resource, Provider, the five
// ApplicationCredential kinds (and Secret, UserSession) carry @key(fields: "id") and resolve through
// _entities, with the same visibility as node(id:).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { account } from './support/fixtures.js';
import { provider as dbProvider, startTestApp, type TestApp } from './support/harness.js';
import { application, must, provider, resource, zone, type Json } from './support/zones.js';

const ENTITIES = `query($r: [_Any!]!) { _entities(representations: $r) { __typename ... on Node { id } ... on Zone { name } ... on Application { identifier } ... on ApplicationCredential { identifier } } }`;

describe(`zones federation entities (${dbProvider})`, () => {
  let t: TestApp;
  const ids: Record<string, string> = {};

  beforeAll(async () => {
    t = await startTestApp();
    const acme = await account(t, 'Acme');
    ids.Zone = await zone(t, acme, 'Federated');
    ids.Application = await application(t, ids.Zone, 'fed-app');
    ids.Resource = await resource(t, ids.Zone, 'https://fed.example');
    ids.Provider = await provider(t, ids.Zone, 'fed-idp');
    ids.PasswordCredential = (await must(t, 'createApplicationCredential', { applicationId: ids.Application, password: { identifier: 'fed-client' } }, 'applicationCredential { id }')).applicationCredential.id;
    ids.TokenCredential = (await must(t, 'createApplicationCredential', { applicationId: ids.Application, token: { providerId: ids.Provider } }, 'applicationCredential { id }')).applicationCredential.id;
  });
  afterAll(() => t.close());

  it('declares the entities with @key(fields: "id") in the subgraph SDL', async () => {
    const { _service }: Json = await t.ok(`{ _service { sdl } }`);
    for (const type of ['Zone', 'Application', 'Resource', 'Provider', 'TokenCredential', 'PasswordCredential', 'PublicKeyCredential', 'UrlCredential', 'PublicCredential']) {
      expect(_service.sdl, type).toMatch(new RegExp(`type ${type} implements[^{]*@key\\(fields: "id"\\)`));
    }
  });

  it('resolves every entity through _entities, and nothing for the wrong type or an anonymous caller', async () => {
    const representations = Object.entries(ids).map(([__typename, id]) => ({ __typename, id }));
    const { _entities }: Json = await t.ok(ENTITIES, { r: representations });
    expect(_entities.map((e: Json) => e?.id)).toEqual(Object.values(ids));
    expect(_entities[0]).toMatchObject({ __typename: 'Zone', name: 'Federated' });
    expect(_entities[4]).toMatchObject({ __typename: 'PasswordCredential', identifier: 'fed-client' });
    const crossed = await t.ok<Json, Record<string, unknown>>(ENTITIES, { r: [{ __typename: 'Application', id: ids.Zone }, { __typename: 'TokenCredential', id: ids.PasswordCredential }] });
    expect(crossed._entities).toEqual([null, null]);
    const anonymous = await t.as(null).gql<Json, Record<string, unknown>>(ENTITIES, { r: representations });
    expect(anonymous.data?._entities?.every((e: unknown) => e === null)).toBe(true);
  });
});
