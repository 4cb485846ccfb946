// Login throttling (rate-limiter-flexible): every login attempt counts against its identifier and against
// the client's address, before any password is checked; a successful login gives both back (the
// identifier's count restarts). Over either limit, the attempt is refused with RATE_LIMITED and the
// seconds until the next one may come, whether the identifier names a user or not. Counters live in
// memory, or in Redis when KEYGRAPH_REDIS_URL is set, so that several instances share them.
// Also: at most one login per request, and RATE_LIMITED when the password hasher's queue is full; and
// the counters of the points-per-hour budget (src/server/limits.ts).
import { createHash } from 'node:crypto';
import { Kind, getOperationAST, valueFromASTUntyped, type DocumentNode, type FieldNode, type SelectionSetNode } from 'graphql';
import { createGraphQLError, type Plugin } from 'graphql-yoga';
import { Redis } from 'ioredis';
import proxyAddr from 'proxy-addr';
import { RateLimiterMemory, RateLimiterRedis, RateLimiterRes, type RateLimiterAbstract } from 'rate-limiter-flexible';
import type { Logger } from 'pino';
import type { ThrottleConfig } from '../config.js';

export interface LoginThrottle {
  /** Counts an attempt; the seconds to wait when over a limit, null when it may go on. */
  attempt(identifier: string, address: string): Promise<number | null>;
  /** A successful login: its attempt is given back and the identifier's count restarts. */
  succeeded(identifier: string, address: string): Promise<void>;
}

/** Keys never hold what was typed (emails, tokens): a digest of it. */
const digest = (value: string) => createHash('sha256').update(value).digest('base64url');

/** Counters in memory, or in Redis (shared by every instance) when KEYGRAPH_REDIS_URL is set. */
export interface CounterStore {
  limiter(name: string, points: number, durationSeconds: number, blockSeconds?: number): RateLimiterAbstract;
  close(): Promise<void>;
}

export function createCounterStore(config: ThrottleConfig, log: Logger): CounterStore {
  const options = (name: string, points: number, duration: number, block?: number) => ({ keyPrefix: `${config.keyPrefix}:${name}`, points, duration, ...(block ? { blockDuration: block } : {}) });
  if (!config.redisUrl) {
    return { limiter: (name, points, duration, block) => new RateLimiterMemory(options(name, points, duration, block)), close: async () => {} };
  }
  // No offline queue: when Redis is away, the per-process insurance limiter answers at once.
  const client = new Redis(config.redisUrl, { enableOfflineQueue: false, maxRetriesPerRequest: 1 });
  client.on('error', (error: Error) => log.warn({ err: error }, 'throttling store (Redis) error; counting in memory meanwhile'));
  return {
    limiter: (name, points, duration, block) =>
      new RateLimiterRedis({ ...options(name, points, duration, block), storeClient: client, insuranceLimiter: new RateLimiterMemory(options(name, points, duration, block)) }),
    close: async () => {
      await client.quit().catch(() => client.disconnect());
    },
  };
}

export function createLoginThrottle(config: ThrottleConfig, store: CounterStore): LoginThrottle {
  const byIdentifier = store.limiter('login:identifier', config.loginPerIdentifier, config.loginWindowSeconds, config.loginWindowSeconds);
  const byAddress = store.limiter('login:address', config.loginPerAddress, config.loginWindowSeconds, config.loginWindowSeconds);

  const consume = async (limiter: RateLimiterAbstract, key: string): Promise<number | null> => {
    try {
      await limiter.consume(key);
      return null;
    } catch (rejection) {
      if (rejection instanceof RateLimiterRes) return Math.max(1, Math.ceil(rejection.msBeforeNext / 1000));
      throw rejection;
    }
  };

  return {
    async attempt(identifier, address) {
      return (await consume(byAddress, address)) ?? (await consume(byIdentifier, digest(identifier)));
    },
    async succeeded(identifier, address) {
      await Promise.all([byIdentifier.delete(digest(identifier)), byAddress.reward(address, 1)]);
    },
  };
}

export type Charge = { points: number; remaining: number; resetAt: string } | { points: number; retryAfterSeconds: number };

/** GitHub-style points: an hour's budget per caller; an operation costs its page reads / 100, at least 1. */
export interface PointsBudget {
  perHour: number;
  charge(key: string, points: number): Promise<Charge>;
}

export function createPointsBudget(perHour: number, store: CounterStore): PointsBudget {
  const limiter = store.limiter('points', perHour, 3600);
  return {
    perHour,
    async charge(key, points) {
      try {
        const res = await limiter.consume(key, points);
        return { points, remaining: res.remainingPoints, resetAt: new Date(Date.now() + res.msBeforeNext).toISOString() };
      } catch (rejection) {
        if (rejection instanceof RateLimiterRes) return { points, retryAfterSeconds: Math.max(1, Math.ceil(rejection.msBeforeNext / 1000)) };
        throw rejection;
      }
    },
  };
}

/** The client's address: the socket's, or, behind proxies listed in KEYGRAPH_TRUSTED_PROXIES, the nearest untrusted X-Forwarded-For entry. */
export function addressResolver(trustedProxies: readonly string[]): (request: Request, req: unknown) => string {
  const trust = proxyAddr.compile([...trustedProxies]);
  return (request, req) => {
    const socket = (req as { socket?: { remoteAddress?: string } } | undefined)?.socket;
    // In-process calls (app.fetch) have no socket: they come from this host.
    const remoteAddress = socket?.remoteAddress ?? '127.0.0.1';
    const forwarded = request.headers.get('x-forwarded-for');
    const shaped = { headers: forwarded === null ? {} : { 'x-forwarded-for': forwarded }, socket: { remoteAddress }, connection: { remoteAddress } };
    return proxyAddr(shaped as unknown as Parameters<typeof proxyAddr>[0], trust);
  };
}

/** The `login` fields of the operation (aliases and fragments included). */
function loginFields(document: DocumentNode, operationName: string | null | undefined): FieldNode[] {
  const operation = getOperationAST(document, operationName);
  if (!operation || operation.operation !== 'mutation') return [];
  const fragments = new Map(document.definitions.flatMap((d) => (d.kind === Kind.FRAGMENT_DEFINITION ? [[d.name.value, d.selectionSet] as const] : [])));
  const found: FieldNode[] = [];
  const seen = new Set<string>();
  const walk = (set: SelectionSetNode) => {
    for (const selection of set.selections) {
      if (selection.kind === Kind.FIELD) {
        if (selection.name.value === 'login') found.push(selection);
      } else if (selection.kind === Kind.INLINE_FRAGMENT) {
        walk(selection.selectionSet);
      } else if (!seen.has(selection.name.value)) {
        seen.add(selection.name.value);
        const fragment = fragments.get(selection.name.value);
        if (fragment) walk(fragment);
      }
    }
  };
  walk(operation.selectionSet);
  return found;
}

/** Who a login's input names: its identifier, email or username, or a digest of its service account token. */
function identifierOf(field: FieldNode, variables: Record<string, unknown>): string {
  const node = field.arguments?.find((a) => a.name.value === 'input')?.value;
  const input = (node ? valueFromASTUntyped(node, variables) : null) as Record<string, unknown> | null;
  const text = (key: string) => (typeof input?.[key] === 'string' ? (input[key] as string).trim().toLowerCase() : '');
  const person = text('identifier') || text('email') || text('username');
  if (person) return `person:${person}`;
  const token = input?.serviceAccountToken;
  return typeof token === 'string' ? `token:${digest(token)}` : 'none';
}

export function rateLimited(message: string, retryAfter: number) {
  return createGraphQLError(message, {
    extensions: { code: 'RATE_LIMITED', retryAfterSeconds: retryAfter, http: { status: 429, headers: { 'retry-after': String(retryAfter) } } },
  });
}

const LOGIN_REFUSED = 'too many login attempts; try again later';

export function loginThrottlePlugin(throttle: LoginThrottle, addressOf: (request: Request, req: unknown) => string): Plugin {
  return {
    async onExecute({ args, setResultAndStopExecution }) {
      const fields = loginFields(args.document, args.operationName);
      const context = args.contextValue as { request: Request; req?: unknown };
      let login: { identifier: string; address: string; key: string } | undefined;
      if (fields.length > 1) {
        setResultAndStopExecution({ errors: [createGraphQLError(`one login per request; this one has ${fields.length}`, { extensions: { code: 'BAD_USER_INPUT', http: { status: 400 } } })] });
        return;
      }
      if (fields.length === 1) {
        const field = fields[0]!;
        login = { identifier: identifierOf(field, (args.variableValues ?? {}) as Record<string, unknown>), address: addressOf(context.request, context.req), key: field.alias?.value ?? 'login' };
        const wait = await throttle.attempt(login.identifier, login.address);
        if (wait !== null) {
          setResultAndStopExecution({ data: null, errors: [rateLimited(LOGIN_REFUSED, wait)] });
          return;
        }
      }
      return {
        async onExecuteDone({ result, setResult }) {
          if (!('data' in result) && !('errors' in result)) return;
          const single = result as { data?: Record<string, unknown> | null; errors?: readonly { originalError?: unknown }[] };
          if (login && (single.data?.[login.key] as { token?: unknown } | null | undefined)?.token) await throttle.succeeded(login.identifier, login.address);
          // A full password-hashing queue (BoundedHasher) is a RATE_LIMITED, not an internal error.
          if (single.errors?.some((e) => (e.originalError as Error | undefined)?.name === 'HasherBusyError')) {
            setResult({ data: null, errors: [rateLimited('too many password checks in progress; try again shortly', 1)] } as unknown as typeof result);
          }
        },
      };
    },
  };
}
