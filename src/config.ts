// Process configuration, read once from the environment. Every variable is listed in the README.
import { isAbsolute, join, resolve } from 'node:path';

export type DatabaseProvider = 'sqlite' | 'postgresql';

export interface Config {
  port: number;
  host: string;
  dataDir: string;
  databaseUrl: string;
  databaseProvider: DatabaseProvider;
  graphiql: boolean;
  introspection: boolean;
  logLevel: string;
  /** How long SIGTERM waits for in-flight requests before closing connections anyway. */
  shutdownGraceMs: number;
  /** `iss` and `aud` of the session tokens keygraph signs. */
  tokenIssuer: string;
  tokenAudience: string;
  sessionTtlSeconds: number;
  /** KEYGRAPH_SIGNING_KEY (a private JWK or PKCS#8 PEM); without it a key is generated in the data directory. */
  signingKey: string | undefined;
  signingAlgorithm: string | undefined;
  /** KEYGRAPH_TRUSTED_ISSUERS: JSON array of { issuer, audience, jwksUrl, algorithms? }. */
  trustedIssuers: string | undefined;
  /** KEYGRAPH_PERSISTED_OPERATIONS: a manifest file; when set, only its operations run. */
  persistedOperations: string | undefined;
  /** KEYGRAPH_PUBLIC_URL: where clients reach this instance (links in messages, protocol endpoints). */
  publicUrl: string;
  /** KEYGRAPH_MASTER_KEY: 32 bytes (base64 or hex) that encryption keys are derived from; without it one is generated in the data directory. */
  masterKey: string | undefined;
  /** Limits checked before anything runs (README, "Limits and hardening"). */
  limits: Limits;
  /** Login throttling (README, "Limits and hardening"). */
  throttle: ThrottleConfig;
  /** KEYGRAPH_CORS_ORIGINS: origins (scheme://host[:port]) whose pages may call the API; none by default (same origin only). */
  corsOrigins: string[];
  /** KEYGRAPH_FEDERATION_SDL: who may read `_service { sdl }`: public (default), authenticated (default when hardened) or off. */
  sdlAccess: 'public' | 'authenticated' | 'off';
  /** KEYGRAPH_METRICS_TOKEN: when set, GET /metrics needs `Authorization: Bearer <token>`. */
  metricsToken: string | undefined;
  /** Distinct operation names /metrics labels; later names are counted as `other`. */
  metricsOperationNames: number;
  /** PostgreSQL statement_timeout and lock_timeout of every connection, in ms (0: none). */
  pgStatementTimeoutMs: number;
  pgLockTimeoutMs: number;
  /** KEYGRAPH_SHADOW_FLUSH_MS: how often shadow-mode disagreements aggregated in memory are added to the database (0: only on close). */
  shadowFlushMs: number;
  /** KEYGRAPH_COMPILE_AFTER: an operation runs compiled (graphql-jit) from its Nth execution on (0: never). */
  compileAfter: number;
}

export interface ThrottleConfig {
  /** KEYGRAPH_REDIS_URL: counters shared by every instance in Redis; in memory (per process) without it. */
  redisUrl: string | undefined;
  /** Prefix of the counters' keys in Redis. */
  keyPrefix: string;
  /** Login attempts per identifier per window (successful ones are given back). */
  loginPerIdentifier: number;
  /** Login attempts per client address per window (successful ones are given back). */
  loginPerAddress: number;
  /** The window, and how long a caller over either limit waits, in seconds. */
  loginWindowSeconds: number;
  /** KEYGRAPH_TRUSTED_PROXIES: proxies whose X-Forwarded-For is believed (proxy-addr: addresses, CIDRs, loopback, linklocal, uniquelocal). */
  trustedProxies: string[];
  /** Password hashes computed at once, and how many may wait; beyond, RATE_LIMITED at once. */
  hashConcurrency: number;
  hashQueue: number;
}

export interface Limits {
  /** Largest request body, in bytes (HTTP 413 beyond). */
  maxBodyBytes: number;
  /** GraphQL tokens in one document (graphql-armor). */
  maxTokens: number;
  /** Field depth of an operation, fragments flattened (graphql-armor). */
  maxDepth: number;
  /** Aliases in one operation (graphql-armor). */
  maxAliases: number;
  /** Directives in one operation (graphql-armor). */
  maxDirectives: number;
  /** Operations defined in one document. */
  maxOperations: number;
  /** Characters of one string argument (literal or variable). */
  maxStringLength: number;
  /** Ids of one nodes(ids:) call. */
  maxNodeIds: number;
  /** Nodes an operation may ask for, computed from first/last before it runs (GitHub-style). */
  maxNodes: number;
  /** Points each caller (principal, or address when anonymous) may spend per hour; 0: no budget. */
  pointsPerHour: number;
}

function flag(value: string | undefined, fallback: boolean): boolean {
  if (value === undefined || value === '') return fallback;
  if (/^(1|true|yes|on)$/i.test(value)) return true;
  if (/^(0|false|no|off)$/i.test(value)) return false;
  throw new Error(`expected a boolean (true/false), got ${JSON.stringify(value)}`);
}

function integer(name: string, value: string | undefined, fallback: number): number {
  if (value === undefined || value === '') return fallback;
  const parsed = Number(value);
  if (!Number.isInteger(parsed) || parsed < 0) throw new Error(`${name} must be a non-negative integer, got ${JSON.stringify(value)}`);
  return parsed;
}

function positive(name: string, value: string | undefined, fallback: number): number {
  const parsed = integer(name, value, fallback);
  if (parsed === 0) throw new Error(`${name} must be at least 1`);
  return parsed;
}

function origins(value: string | undefined): string[] {
  const list = (value || '').split(',').map((o) => o.trim()).filter((o) => o !== '');
  for (const origin of list) {
    let url: URL | undefined;
    try {
      url = new URL(origin);
    } catch {
      url = undefined;
    }
    if (!url || (url.protocol !== 'http:' && url.protocol !== 'https:') || url.origin !== origin) {
      throw new Error(`KEYGRAPH_CORS_ORIGINS must list origins like https://app.example.com (no path, no wildcard, no null), got ${JSON.stringify(origin)}`);
    }
  }
  return list;
}

function sdlAccess(value: string | undefined, hardened: boolean): Config['sdlAccess'] {
  if (value === undefined || value === '') return hardened ? 'authenticated' : 'public';
  if (value === 'public' || value === 'authenticated' || value === 'off') return value;
  throw new Error(`KEYGRAPH_FEDERATION_SDL must be public, authenticated or off, got ${JSON.stringify(value)}`);
}

export function providerOf(databaseUrl: string): DatabaseProvider {
  if (databaseUrl.startsWith('file:')) return 'sqlite';
  if (/^postgres(ql)?:\/\//.test(databaseUrl)) return 'postgresql';
  throw new Error('DATABASE_URL must start with file: (SQLite) or postgresql:// (PostgreSQL)');
}

/** Resolves a `file:` URL against the working directory so that the path does not depend on who opens it. */
export function sqlitePath(databaseUrl: string): string {
  const path = databaseUrl.slice('file:'.length).split('?')[0]!;
  return isAbsolute(path) ? path : resolve(path);
}

function publicUrl(value: string): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new Error(`KEYGRAPH_PUBLIC_URL must be an absolute http(s) URL, got ${JSON.stringify(value)}`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new Error(`KEYGRAPH_PUBLIC_URL must be an http(s) URL, got ${JSON.stringify(value)}`);
  return url.toString().replace(/\/+$/, '');
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const dataDir = resolve(env.KEYGRAPH_DATA_DIR || './data');
  const databaseUrl = env.DATABASE_URL || `file:${join(dataDir, 'keygraph.db')}`;
  const introspection = flag(env.KEYGRAPH_INTROSPECTION, true);
  const port = integer('PORT', env.PORT, 4000);
  return {
    port,
    host: env.HOST || '0.0.0.0',
    dataDir,
    databaseUrl,
    databaseProvider: providerOf(databaseUrl),
    // GraphiQL needs introspection and free-form operations: without either, it is off.
    graphiql: introspection && !env.KEYGRAPH_PERSISTED_OPERATIONS && flag(env.KEYGRAPH_GRAPHIQL, true),
    introspection,
    logLevel: env.LOG_LEVEL || 'info',
    shutdownGraceMs: integer('KEYGRAPH_SHUTDOWN_GRACE_MS', env.KEYGRAPH_SHUTDOWN_GRACE_MS, 10_000),
    tokenIssuer: env.KEYGRAPH_TOKEN_ISSUER || 'urn:keygraph',
    tokenAudience: env.KEYGRAPH_TOKEN_AUDIENCE || 'keygraph',
    sessionTtlSeconds: integer('KEYGRAPH_SESSION_TTL_SECONDS', env.KEYGRAPH_SESSION_TTL_SECONDS, 12 * 3600),
    signingKey: env.KEYGRAPH_SIGNING_KEY || undefined,
    signingAlgorithm: env.KEYGRAPH_SIGNING_ALG || undefined,
    trustedIssuers: env.KEYGRAPH_TRUSTED_ISSUERS || undefined,
    persistedOperations: env.KEYGRAPH_PERSISTED_OPERATIONS || undefined,
    publicUrl: publicUrl(env.KEYGRAPH_PUBLIC_URL || `http://localhost:${port}`),
    masterKey: env.KEYGRAPH_MASTER_KEY || undefined,
    limits: {
      maxBodyBytes: positive('KEYGRAPH_MAX_BODY_BYTES', env.KEYGRAPH_MAX_BODY_BYTES, 1_048_576),
      maxTokens: positive('KEYGRAPH_MAX_TOKENS', env.KEYGRAPH_MAX_TOKENS, 5_000),
      maxDepth: positive('KEYGRAPH_MAX_DEPTH', env.KEYGRAPH_MAX_DEPTH, 16),
      maxAliases: positive('KEYGRAPH_MAX_ALIASES', env.KEYGRAPH_MAX_ALIASES, 300),
      maxDirectives: positive('KEYGRAPH_MAX_DIRECTIVES', env.KEYGRAPH_MAX_DIRECTIVES, 50),
      maxOperations: positive('KEYGRAPH_MAX_OPERATIONS', env.KEYGRAPH_MAX_OPERATIONS, 25),
      maxStringLength: positive('KEYGRAPH_MAX_STRING_LENGTH', env.KEYGRAPH_MAX_STRING_LENGTH, 32_768),
      maxNodeIds: 100,
      maxNodes: positive('KEYGRAPH_MAX_NODES', env.KEYGRAPH_MAX_NODES, 500_000),
      pointsPerHour: integer('KEYGRAPH_POINTS_PER_HOUR', env.KEYGRAPH_POINTS_PER_HOUR, 5_000),
    },
    corsOrigins: origins(env.KEYGRAPH_CORS_ORIGINS),
    sdlAccess: sdlAccess(env.KEYGRAPH_FEDERATION_SDL, !introspection),
    metricsToken: env.KEYGRAPH_METRICS_TOKEN || undefined,
    pgStatementTimeoutMs: integer('KEYGRAPH_PG_STATEMENT_TIMEOUT_MS', env.KEYGRAPH_PG_STATEMENT_TIMEOUT_MS, 30_000),
    pgLockTimeoutMs: integer('KEYGRAPH_PG_LOCK_TIMEOUT_MS', env.KEYGRAPH_PG_LOCK_TIMEOUT_MS, 5_000),
    shadowFlushMs: integer('KEYGRAPH_SHADOW_FLUSH_MS', env.KEYGRAPH_SHADOW_FLUSH_MS, 5_000),
    compileAfter: integer('KEYGRAPH_COMPILE_AFTER', env.KEYGRAPH_COMPILE_AFTER, 2),
    metricsOperationNames: integer('KEYGRAPH_METRICS_OPERATION_NAMES', env.KEYGRAPH_METRICS_OPERATION_NAMES, 100),
    throttle: {
      redisUrl: env.KEYGRAPH_REDIS_URL || undefined,
      keyPrefix: env.KEYGRAPH_REDIS_PREFIX || 'keygraph',
      loginPerIdentifier: positive('KEYGRAPH_LOGIN_ATTEMPTS_PER_IDENTIFIER', env.KEYGRAPH_LOGIN_ATTEMPTS_PER_IDENTIFIER, 10),
      loginPerAddress: positive('KEYGRAPH_LOGIN_ATTEMPTS_PER_ADDRESS', env.KEYGRAPH_LOGIN_ATTEMPTS_PER_ADDRESS, 100),
      loginWindowSeconds: positive('KEYGRAPH_LOGIN_WINDOW_SECONDS', env.KEYGRAPH_LOGIN_WINDOW_SECONDS, 900),
      trustedProxies: (env.KEYGRAPH_TRUSTED_PROXIES || '').split(',').map((p) => p.trim()).filter((p) => p !== ''),
      hashConcurrency: positive('KEYGRAPH_HASH_CONCURRENCY', env.KEYGRAPH_HASH_CONCURRENCY, 2),
      hashQueue: integer('KEYGRAPH_HASH_QUEUE', env.KEYGRAPH_HASH_QUEUE, 32),
    },
  };
}
