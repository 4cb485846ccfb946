// Persisted operations: started with a manifest, keygraph runs only the operations it lists.
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { manifestOf } from '../src/cli/operations-manifest.js';
import { provider, startTestApp, type TestApp } from './support/harness.js';

const operations = new URL('operations/', import.meta.url).pathname;

describe(`persisted operations only (${provider})`, () => {
  let t: TestApp;
  let manifest: Record<string, string>;
  let folder: string;

  beforeAll(async () => {
    manifest = manifestOf(readdirSync(operations).filter((f) => f.endsWith('.graphql')).map((f) => readFileSync(join(operations, f), 'utf8')));
    folder = mkdtempSync(join(tmpdir(), 'keygraph-manifest-'));
    const file = join(folder, 'operations.json');
    writeFileSync(file, JSON.stringify(manifest));
    try {
      t = await startTestApp({ KEYGRAPH_PERSISTED_OPERATIONS: file });
    } finally {
      // The manifest is read once, at start: its temporary folder goes at once, whatever happens next.
      rmSync(folder, { recursive: true, force: true });
    }
  });
  afterAll(() => t.close());

  it('leaves no temporary folder behind', () => {
    expect(existsSync(folder)).toBe(false);
  });

  const idOf = (name: string) => Object.entries(manifest).find(([, text]) => text.includes(`${name}(`) || text.includes(`${name} {`))![0];
  const post = (body: object) =>
    t.app.fetch('/graphql', { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${t.admin.token}` }, body: JSON.stringify(body) });

  it('lists every operation with its fragments under the sha256 of its text', () => {
    expect(Object.keys(manifest).length).toBeGreaterThan(20);
    const createGroup = manifest[idOf('mutation CreateGroup')]!;
    expect(createGroup).toContain('fragment GroupFields on Group');
    expect(createGroup).toContain('fragment Errors on MutationError');
  });

  it('runs a listed operation by documentId, by APQ hash or by its exact text', async () => {
    const id = idOf('mutation CreateAccount');
    const variables = { input: { name: 'Persisted' } };
    for (const body of [{ documentId: id, variables }, { extensions: { persistedQuery: { version: 1, sha256Hash: id } }, variables }, { query: manifest[id], variables }]) {
      const response = await post(body);
      expect(response.status, JSON.stringify(Object.keys(body))).toBe(200);
      const json = (await response.json()) as { data: { createAccount: { account: { name: string } } } };
      expect(json.data.createAccount.account.name).toBe('Persisted');
    }
  });

  it('refuses anything else, and serves no GraphiQL', async () => {
    for (const body of [{ query: '{ viewer { authenticated } }' }, { documentId: 'f'.repeat(64) }, { query: `${manifest[idOf('query Node')]} ` }]) {
      const response = await post(body);
      expect(response.status).toBe(400);
      const json = (await response.json()) as { errors: { extensions: { code: string } }[] };
      expect(json.errors[0]!.extensions.code).toBe('PERSISTED_OPERATION_NOT_FOUND');
    }
    const page = await t.app.fetch('/graphql', { headers: { accept: 'text/html' } });
    expect(await page.text()).not.toContain('graphiql');
    // Without GraphiQL, HEAD of the endpoint has no page to describe: 405 with what is allowed (not 406).
    const head = await t.app.fetch('/graphql', { method: 'HEAD', headers: { accept: 'text/html' } });
    expect([head.status, head.headers.get('allow')]).toEqual([405, 'GET, POST']);
  });
});
