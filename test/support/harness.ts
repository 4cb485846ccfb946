// A keygraph instance for one test file, on a fresh database of the provider under test, served
// in-process through yoga.fetch (no port).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import type { TypedDocumentNode } from '@graphql-typed-document-node/core';
import { print, type DocumentNode } from 'graphql';
import pg from 'pg';
import pino from 'pino';
import { loadConfig } from '../../src/config.js';
import { createApp, type App, type AppOptions } from '../../src/server/app.js';
import { bootstrap } from '../../src/domain/bootstrap.js';
import { LoginDocument } from '../generated/graphql.js';
import { ScryptHasher } from '../../src/infra/crypto/password.js';

export const ADMIN_EMAIL = 'root@keygraph.test';
export const ADMIN_PASSWORD = 'root password for tests';

export type Provider = 'sqlite' | 'postgresql';

export const provider: Provider = process.env.KEYGRAPH_TEST_PROVIDER === 'postgresql' ? 'postgresql' : 'sqlite';

export interface GraphQLResult<T> {
  data?: T | null;
  errors?: { message: string; path?: (string | number)[]; extensions?: Record<string, unknown> }[];
  /** What the server adds: the operation's cost (src/server/limits.ts). */
  extensions?: Record<string, unknown>;
}

export interface TestDatabase {
  url: string;
  dataDir: string;
  drop(): Promise<void>;
}

/** A fresh, empty database of the provider under test. */
export async function freshDatabase(): Promise<TestDatabase> {
  const dataDir = mkdtempSync(join(tmpdir(), 'keygraph-test-'));
  if (provider === 'sqlite') {
    return { url: `file:${join(dataDir, 'keygraph.db')}`, dataDir, drop: async () => rmSync(dataDir, { recursive: true, force: true }) };
  }
  const base = process.env.TEST_DATABASE_URL;
  if (!base) throw new Error('the postgresql project needs TEST_DATABASE_URL');
  const name = `keygraph_test_${randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: base });
  await admin.connect();
  await admin.query(`CREATE DATABASE "${name}"`);
  await admin.end();
  const url = new URL(base);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    dataDir,
    drop: async () => {
      const client = new pg.Client({ connectionString: base });
      await client.connect();
      await client.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
      await client.end();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

export interface Caller {
  /** Runs an operation through yoga.fetch; typed when given a generated document. */
  gql<TData, TVars extends Record<string, unknown>>(document: TypedDocumentNode<TData, TVars> | string, variables?: TVars, headers?: Record<string, string>): Promise<GraphQLResult<TData>>;
  /** Like gql, but fails the test on any top-level error and returns data. */
  ok<TData, TVars extends Record<string, unknown>>(document: TypedDocumentNode<TData, TVars> | string, variables?: TVars): Promise<TData>;
}

/** A keygraph for one test file. `gql`/`ok` act as its super administrator (created by bootstrap). */
export interface TestApp extends Caller {
  app: App;
  database: TestDatabase;
  /** The bootstrap super administrator and its account (local ids). */
  admin: { userId: string; accountId: string; token: string };
  /** The same operations as another caller: a bearer token, or null for no credentials. */
  as(token: string | null): Caller;
  /** One request with a raw Authorization header (or none): its HTTP status and body. */
  raw<TData = unknown>(authorization: string | null, query: string, variables?: Record<string, unknown>): Promise<{ status: number; body: GraphQLResult<TData> }>;
  /** Logs in with a password and returns the session token. */
  login(identifier: string, password: string): Promise<string>;
  /** The total of the statement counter that /metrics exposes. */
  statements(): Promise<number>;
  close(): Promise<void>;
}

export async function startTestApp(env: Record<string, string> = {}, options: Pick<AppOptions, 'sender'> = {}): Promise<TestApp> {
  const database = await freshDatabase();
  // No hourly points budget unless a test asks for one: a test file's caller runs thousands of operations.
  // No periodic flush of shadow-mode disagreements either (tests flush explicitly; statement counts stay exact).
  // The executor each test project runs on (vitest.config.ts).
  const compileAfter = process.env.KEYGRAPH_COMPILE_AFTER ? { KEYGRAPH_COMPILE_AFTER: process.env.KEYGRAPH_COMPILE_AFTER } : {};
  const config = loadConfig({ DATABASE_URL: database.url, KEYGRAPH_DATA_DIR: database.dataDir, KEYGRAPH_POINTS_PER_HOUR: '0', KEYGRAPH_SHADOW_FLUSH_MS: '0', ...compileAfter, ...env });
  const app = await createApp(config, { log: pino({ level: 'silent' }), passwordHashCost: 10, ...options });
  const caller = (token: string | null): Caller => {
    const gql: Caller['gql'] = async (document, variables, headers = {}) => {
      const query = typeof document === 'string' ? document : print(document as DocumentNode);
      const response = await app.fetch('/graphql', {
        method: 'POST',
        headers: { 'content-type': 'application/json', accept: 'application/graphql-response+json, application/json', ...(token ? { authorization: `Bearer ${token}` } : {}), ...headers },
        body: JSON.stringify({ query, variables }),
      });
      return (await response.json()) as GraphQLResult<never>;
    };
    return {
      gql,
      async ok(document, variables) {
        const result = await gql(document, variables);
        if (result.errors?.length) throw new Error(`GraphQL errors: ${JSON.stringify(result.errors)}`);
        return result.data!;
      },
    };
  };
  const login = async (identifier: string, password: string) => {
    const result = await caller(null).gql(LoginDocument, { input: { identifier, password } });
    if (!result.data?.login.token) throw new Error(`login failed: ${JSON.stringify(result)}`);
    return result.data.login.token;
  };
  const raw: TestApp['raw'] = async (authorization, query, variables = {}) => {
    const response = await app.fetch('/graphql', {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/graphql-response+json, application/json', ...(authorization ? { authorization } : {}) },
      body: JSON.stringify({ query, variables }),
    });
    return { status: response.status, body: (await response.json()) as GraphQLResult<never> };
  };
  const boot = await bootstrap(app.store, new ScryptHasher(10), { email: ADMIN_EMAIL, password: ADMIN_PASSWORD, accountName: 'Operators' });
  const admin = { userId: boot.userId, accountId: boot.accountId, token: await login(ADMIN_EMAIL, ADMIN_PASSWORD) };
  const asAdmin = caller(admin.token);
  return {
    app,
    database,
    admin,
    as: caller,
    raw,
    login,
    ...asAdmin,
    statements: () => app.metrics.statementTotal(),
    async close() {
      await app.close();
      await database.drop();
    },
  };
}
