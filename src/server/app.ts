// One keygraph instance: database, services, the Yoga server with GraphiQL, and the operational routes
// (/healthz, /readyz, /metrics). `app.fetch` serves everything in-process (the tests use it, no port);
// `app.yoga` is also a Node request listener (src/server/main.ts).
import { renderGraphiQL } from '@graphql-yoga/render-graphiql';
import { getOperationAST, type DocumentNode } from 'graphql';
import { createGraphQLError, createYoga, type Plugin, type YogaServerInstance } from 'graphql-yoga';
import pino, { type Logger } from 'pino';
import type { Config } from '../config.js';
import { ApiKeyPausedError, createAuthenticator, type Authenticated } from '../auth/authenticate.js';
import { loadSigningKey, publicJwks } from '../auth/keys.js';
import { AUTHENTICATION_FAILED, AuthenticationError, createTokenVerifier, parseTrustedIssuers, signSessionToken } from '../auth/tokens.js';
import { Authorizer, type Principal } from '../domain/authz/authorizer.js';
import type { MessageSender } from '../domain/machine/outbox.js';
import { createServices, type Services } from '../domain/services.js';
import type { Store } from '../domain/store.js';
import { createDb, type DbHandle } from '../infra/db/client.js';
import { checkReadiness } from '../infra/db/health.js';
import { migrate } from '../infra/db/migrate.js';
import { PrismaStore } from '../infra/db/store.js';
import { createSealer, loadMasterKey } from '../infra/crypto/envelope.js';
import { randomSecrets } from '../infra/crypto/secrets.js';
import { joseZoneKeys } from '../infra/crypto/zone-keys.js';
import { cedarEngine } from '../infra/cedar.js';
import { jcsHasher } from '../infra/crypto/canonical.js';
import { BoundedHasher, ScryptHasher } from '../infra/crypto/password.js';
import { createMetrics, type Metrics } from '../infra/metrics.js';
import { createLoaders, type Context } from '../graphql/context.js';
import { loadManifest, persistedOperationsOnly } from '../graphql/persisted.js';
import { protectedSchema } from '../graphql/schema.js';
import { compiledExecution } from './executor.js';
import { pagesPlugin } from './pages.js';
import { armorPlugin, bodyLimitPlugin, costPlugin, nestingPlugin } from './limits.js';
import { addressResolver, createCounterStore, createLoginThrottle, createPointsBudget, loginThrottlePlugin } from './throttle.js';
import { corsFor, csrfPlugin, graphiqlWithCsp, hardenedPlugin, sdlAccessPlugin, securityHeadersPlugin } from './surface.js';
import { createHash, timingSafeEqual } from 'node:crypto';

export interface App {
  yoga: YogaServerInstance<Record<string, unknown>, Context>;
  fetch: (input: string, init?: RequestInit) => Promise<Response>;
  config: Config;
  db: DbHandle;
  store: Store;
  services: Services;
  metrics: Metrics;
  log: Logger;
  close(): Promise<void>;
}

export interface AppOptions {
  log?: Logger;
  /** Apply pending migrations before serving (default true). */
  migrate?: boolean;
  /** log2 of scrypt's N for new password hashes (default 15). */
  passwordHashCost?: number;
  /** Where outgoing messages (invitations) go; by default they are written to the log. */
  sender?: MessageSender;
  /** Node.js process metrics on /metrics (default: when no logger is given; `npm start` turns them on). */
  processMetrics?: boolean;
}

/** The default sender: writes each message, with its link, to the log (plug a mailer in for production). */
function logSender(log: Logger): MessageSender {
  return {
    send: async (message) => {
      log.info({ to: message.to, kind: message.kind, subject: message.subject, link: message.link, locale: message.locale }, `outgoing message: ${message.subject}`);
    },
  };
}

/**
 * Before any mutation runs:
 * - a read-only API key is refused (the domain refuses its writes too);
 * - the caller's grants are loaded. A mutation's permission checks run inside its transaction but read the
 *   grants through the pool; loaded first, they never wait for a connection while a transaction holds one
 *   (with as many concurrent mutations as pool connections, PostgreSQL would otherwise starve).
 */
const beforeMutations: Plugin<Context> = {
  async onExecute({ args, setResultAndStopExecution }) {
    if (getOperationAST(args.document, args.operationName)?.operation !== 'mutation') return;
    const authz = (args.contextValue as Context).authz;
    if (authz.readOnly) {
      setResultAndStopExecution({ errors: [createGraphQLError('not allowed: this API key is read-only: it can run no mutation', { extensions: { code: 'FORBIDDEN' } })] });
    } else if (authz.authenticated) {
      await authz.facts();
    }
  },
};

const ROUTES = new Set(['/graphql', '/healthz', '/readyz', '/metrics', '/.well-known/jwks.json', '/accept-invitation']);

/** A zone's JWKS (its protocols.oauth2.jwksUri), under any path prefix of the public URL. */
const ZONE_JWKS = /\/zones\/([A-Za-z0-9_-]{1,64})\/\.well-known\/jwks\.json$/;
const ZONE_JWKS_ROUTE = '/zones/:id/.well-known/jwks.json';

const DEFAULT_QUERY = `# Welcome to keygraph. After \`npm run bootstrap\`, log in:
#   mutation { login(input: { identifier: "<email>", password: "<password>" }) { token } }
# put {"Authorization": "Bearer <token>"} in the Headers tab below, and the account id it printed in Variables.
query FirstLook($accountId: ID!) {
  account(id: $accountId) {
    name
    groups(first: 10) {
      totalCount
      edges { node { name path members(first: 10) { totalCount edges { node { subjectType user { email } group { name } } } } } }
    }
  }
}
`;

/**
 * Operation names as label values, bounded: the first `max` distinct names are kept, later ones (and any
 * over 64 characters) are counted as `other`, so that clients cannot grow /metrics without bound.
 */
function operationNamer(max: number) {
  const known = new Set<string>();
  return (name: string | undefined): string => {
    if (name === undefined) return 'anonymous';
    if (known.has(name)) return name;
    if (known.size >= max || name.length > 64) return 'other';
    known.add(name);
    return name;
  };
}

function operationsPlugin(metrics: Metrics, maxNames: number): Plugin {
  const nameOf = operationNamer(maxNames);
  const operationLabels = (document: DocumentNode, operationName?: string | null) => {
    const operation = getOperationAST(document, operationName);
    return { operation_name: nameOf(operation?.name?.value), operation_type: operation?.operation ?? 'unknown' };
  };
  return {
    onValidate({ params }) {
      return ({ valid }) => {
        if (valid) return;
        metrics.graphqlOperations.inc({ ...operationLabels(params.documentAST), outcome: 'invalid' });
      };
    },
    onExecute({ args }) {
      const labels = operationLabels(args.document, args.operationName);
      return {
        onExecuteDone({ result }) {
          const failed = 'errors' in result && Array.isArray(result.errors) && result.errors.length > 0;
          metrics.graphqlOperations.inc({ ...labels, outcome: failed ? 'error' : 'success' });
        },
      };
    },
  };
}

/** Whether a request carries `Authorization: Bearer <token>` (compared in constant time). */
function bearerMatches(request: Request, token: string): boolean {
  const given = /^Bearer (.+)$/.exec(request.headers.get('authorization') ?? '')?.[1] ?? '';
  const digest = (value: string) => createHash('sha256').update(value).digest();
  return timingSafeEqual(digest(given), digest(token));
}

function operationalRoutes(app: () => App, jwks: object): Plugin {
  return {
    async onRequest({ url, request, endResponse }) {
      const { metrics, db, services } = app();
      const zoneJwks = ZONE_JWKS.exec(url.pathname);
      if (zoneJwks) {
        const document = await services.zones.keys.jwks(zoneJwks[1]!);
        endResponse(document ? Response.json(document, { headers: { 'cache-control': 'public, max-age=60' } }) : Response.json({ error: 'not_found' }, { status: 404 }));
      } else if (url.pathname === '/healthz') endResponse(Response.json({ status: 'ok' }));
      else if (url.pathname === '/.well-known/jwks.json') endResponse(Response.json(jwks, { headers: { 'cache-control': 'public, max-age=300' } }));
      else if (url.pathname === '/readyz') {
        const readiness = await checkReadiness(db);
        endResponse(Response.json(readiness, { status: readiness.ready ? 200 : 503 }));
      } else if (url.pathname === '/metrics') {
        const token = app().config.metricsToken;
        if (token !== undefined && !bearerMatches(request, token)) {
          endResponse(new Response('metrics need a bearer token\n', { status: 401, headers: { 'www-authenticate': 'Bearer', 'content-type': 'text/plain' } }));
          return;
        }
        endResponse(new Response(await metrics.registry.metrics(), { headers: { 'content-type': metrics.registry.contentType } }));
      }
    },
  };
}

function httpMetricsPlugin(metrics: Metrics, log: Logger): Plugin {
  // When the request started and its path (parsed once, in onRequest).
  const started = new WeakMap<Request, { at: bigint; path: string }>();
  return {
    onRequest({ request, url }) {
      started.set(request, { at: process.hrtime.bigint(), path: url.pathname });
    },
    onResponse({ request, response }) {
      const begin = started.get(request);
      const seconds = begin === undefined ? 0 : Number(process.hrtime.bigint() - begin.at) / 1e9;
      const path = begin?.path ?? new URL(request.url).pathname;
      const labels = { method: request.method, route: ROUTES.has(path) ? path : ZONE_JWKS.test(path) ? ZONE_JWKS_ROUTE : 'other', status: String(response.status) };
      metrics.httpRequests.inc(labels);
      metrics.httpDuration.observe(labels, seconds);
      if (path !== '/metrics' && path !== '/healthz' && log.isLevelEnabled('info')) log.info({ method: request.method, path, status: response.status, ms: Math.round(seconds * 1000) }, 'request');
    },
  };
}

export async function createApp(config: Config, options: AppOptions = {}): Promise<App> {
  const log = options.log ?? pino({ level: config.logLevel, base: { service: 'keygraph' } });
  if (options.migrate !== false) {
    const report = await migrate(config.databaseUrl, (message) => log.info(message));
    log.info({ applied: report.applied.length, alreadyApplied: report.alreadyApplied, provider: config.databaseProvider }, 'database migrations up to date');
  }
  const metrics = createMetrics({ processMetrics: options.processMetrics ?? options.log === undefined });
  const db = createDb(config.databaseUrl, (sql) => metrics.countStatement(sql), { statementTimeoutMs: config.pgStatementTimeoutMs, lockTimeoutMs: config.pgLockTimeoutMs });
  const store = PrismaStore.of(db.prisma, db.provider, db.reader, db.changeMark);
  const signingKey = await loadSigningKey({ dataDir: config.dataDir, configured: config.signingKey, algorithm: config.signingAlgorithm });
  const issuer = { issue: (session: { id: string; userId: string; expiresAt: Date }) => signSessionToken(signingKey, { issuer: config.tokenIssuer, audience: config.tokenAudience, sessionId: session.id, userId: session.userId, expiresAt: session.expiresAt }) };
  const masterKey = loadMasterKey({ dataDir: config.dataDir, configured: config.masterKey });
  const services = createServices({
    store,
    hasher: new BoundedHasher(new ScryptHasher(options.passwordHashCost), config.throttle.hashConcurrency, config.throttle.hashQueue),
    tokens: issuer,
    sessionTtlSeconds: config.sessionTtlSeconds,
    outboxSealer: createSealer(masterKey, 'outbox'),
    sender: options.sender ?? logSender(log),
    invitationUrl: (token) => `${config.publicUrl}/accept-invitation#token=${token}`,
    emailProofUrl: (purpose, token) => `${config.publicUrl}/${purpose === 'VERIFY_EMAIL' ? 'verify-email' : 'reset-password'}#token=${token}`,
    onDeliveryError: (error) => log.warn({ err: error }, 'message delivery failed; it stays queued'),
    zones: { box: createSealer(masterKey, 'zone-secrets'), keyBox: createSealer(masterKey, 'zone-keys'), keys: joseZoneKeys(), cedar: cedarEngine(), onIntegrityFailure: (reason) => metrics.policyIntegrityFailures.inc({ reason }), contentHasher: jcsHasher, random: randomSecrets, publicUrl: config.publicUrl },
  });
  const authenticate = createAuthenticator({
    verify: createTokenVerifier({ key: signingKey, issuer: config.tokenIssuer, audience: config.tokenAudience, trustedIssuers: parseTrustedIssuers(config.trustedIssuers) }),
    store,
    serviceAccounts: services.serviceAccounts,
    apiKeys: services.apiKeys,
    users: services.users,
  });

  const counters = createCounterStore(config.throttle, log);
  const throttle = createLoginThrottle(config.throttle, counters);
  const addressOf = addressResolver(config.throttle.trustedProxies);
  // Who spends the points of an operation: its principal, or its client address when anonymous.
  const payer = (context: unknown): string => {
    const { authz, request, req } = context as Context & { request: Request; req?: unknown };
    const principal = authz.principal;
    if (principal.kind === 'user') return `user:${principal.userId}`;
    if (principal.kind === 'service_account') return `service_account:${principal.serviceAccountId}`;
    if (principal.kind === 'api_key') return `api_key:${principal.apiKeyId}`;
    return `address:${addressOf(request, req)}`;
  };
  const budget = config.limits.pointsPerHour > 0 ? { budget: createPointsBudget(config.limits.pointsPerHour, counters), payer } : undefined;
  const graphiql = graphiqlWithCsp(renderGraphiQL);
  const plugins: Plugin[] = [
    securityHeadersPlugin({ hsts: config.publicUrl.startsWith('https:'), graphiqlCsp: graphiql.csp }),
    csrfPlugin(),
    operationalRoutes(() => app, publicJwks(signingKey)),
    httpMetricsPlugin(metrics, log),
    bodyLimitPlugin(config.limits.maxBodyBytes),
    nestingPlugin(),
    armorPlugin(config.limits),
    costPlugin(config.limits, budget),
    loginThrottlePlugin(throttle, addressOf),
    operationsPlugin(metrics, config.metricsOperationNames),
    sdlAccessPlugin(config.sdlAccess),
    beforeMutations as Plugin,
  ];
  // Operations asked for more than once run compiled (graphql-jit): src/server/executor.ts.
  plugins.push(...compiledExecution(config.compileAfter, (errors) => log.warn({ errors }, 'an operation could not be compiled; it runs on graphql-js')));
  if (config.persistedOperations) plugins.unshift(persistedOperationsOnly(loadManifest(config.persistedOperations)));
  // GraphiQL (compressed, cacheable, with the CSP of its inline scripts) and HEAD /graphql: src/server/pages.ts.
  plugins.push(pagesPlugin({ graphqlEndpoint: '/graphql', graphiql: config.graphiql ? { title: 'keygraph', defaultQuery: DEFAULT_QUERY } : false, render: graphiql.render }));
  if (!config.introspection) plugins.push(hardenedPlugin());

  const yoga = createYoga<Record<string, unknown>, Context>({
    schema: protectedSchema(),
    graphqlEndpoint: '/graphql',
    // The body limit is bodyLimitPlugin's (it reads a body with a valid Content-Length without a wrapping stream).
    maxRequestBodySize: false,
    landingPage: false,
    graphiql: false, // served by pagesPlugin
    cors: corsFor(config.corsOrigins),
    logging: {
      debug: (...args) => log.debug(args.map(String).join(' ')),
      info: (...args) => log.info(args.map(String).join(' ')),
      warn: (...args) => log.warn(args.map(String).join(' ')),
      error: (...args) => log.error(args.map((a) => (a instanceof Error ? a.stack : String(a))).join(' ')),
    },
    context: async ({ request }): Promise<Context> => {
      let authenticated: Authenticated;
      try {
        authenticated = await authenticate(request.headers.get('authorization'));
      } catch (error) {
        if (error instanceof ApiKeyPausedError) {
          throw createGraphQLError(error.message, { extensions: { code: 'API_KEY_PAUSED', http: { status: 403 } } });
        }
        if (!(error instanceof AuthenticationError)) throw error;
        log.info({ reason: error.reason }, 'authentication failed');
        throw createGraphQLError(AUTHENTICATION_FAILED, { extensions: { code: 'UNAUTHENTICATED', http: { status: 401 } } });
      }
      const loaders = createLoaders(store);
      // The grants snapshot read with the session (one statement) is the request's snapshot of that subject.
      if (authenticated.held) loaders.heldBy.prime(authenticated.held.subjectId, authenticated.held.grants);
      return { authz: new Authorizer(authenticated.principal, (id) => loaders.heldBy.load(id), authenticated.mark), services, loaders, log };
    },
    plugins,
  });

  // Shadow-mode disagreements are aggregated in memory and added to the database now and then (and on close).
  const flushShadow = () =>
    services.zones.decisions.shadow.flush().catch((error: unknown) => log.warn({ err: error }, 'flushing shadow-mode disagreements failed; they are kept for the next flush'));
  const shadowTimer = config.shadowFlushMs > 0 ? setInterval(() => void flushShadow(), config.shadowFlushMs) : null;
  shadowTimer?.unref();

  const app: App = {
    yoga,
    fetch: (input, init) => Promise.resolve(yoga.fetch(new URL(input, 'http://keygraph.local'), init ?? {})),
    config,
    db,
    store,
    services,
    metrics,
    log,
    close: async () => {
      if (shadowTimer) clearInterval(shadowTimer);
      await flushShadow();
      await counters.close();
      await db.close();
    },
  };
  return app;
}
