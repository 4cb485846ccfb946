// What the HTTP surface shows and accepts: CORS only for listed origins, security headers on every
// response (a Content-Security-Policy allowing exactly GraphiQL's inline scripts on its page), CSRF
// prevention (Yoga's plugin: form and text posts need a header a cross-site form cannot send), and who may
// read the federation SDL (`_service`).
import { createHash } from 'node:crypto';
import { useCSRFPrevention } from '@graphql-yoga/plugin-csrf-prevention';
import { Kind, getOperationAST, type DocumentNode, type ValidationRule } from 'graphql';
import { createGraphQLError, type CORSOptions, type Plugin } from 'graphql-yoga';

/** CORS answers for listed origins only (exact match; never `*` or `null`), without credentials: keygraph takes bearer tokens, not cookies. */
export function corsFor(origins: readonly string[]): (request: Request) => CORSOptions {
  const allowed = new Set(origins);
  return (request) => {
    const origin = request.headers.get('origin');
    if (origin === null || !allowed.has(origin)) return false;
    return {
      origin: [origin],
      credentials: false,
      methods: ['GET', 'POST'],
      allowedHeaders: ['authorization', 'content-type', 'x-graphql-yoga-csrf'],
      exposedHeaders: ['retry-after'],
      maxAge: 600,
    };
  };
}

/** CSRF: a POST that a cross-site form could send (form, multipart or text) or a GET needs `x-graphql-yoga-csrf` or an Authorization header. */
export function csrfPlugin(): Plugin {
  return useCSRFPrevention({ requestHeaders: ['x-graphql-yoga-csrf', 'authorization'] }) as Plugin;
}

const API_CSP = "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'";

/**
 * GraphiQL's page, rendered once per set of options, with the CSP that allows its inline scripts by
 * their SHA-256 and nothing else from elsewhere.
 */
export function graphiqlWithCsp<O>(render: (options: O) => string | Promise<string>) {
  const pages = new Map<string, Promise<{ html: string; csp: string }>>();
  let latestCsp: string | undefined;
  const build = async (options: O) => {
    const html = await render(options);
    const hashes = [...html.matchAll(/<script(?:\s[^>]*)?>([\s\S]*?)<\/script>/g)].map((m) => `'sha256-${createHash('sha256').update(m[1]!).digest('base64')}'`);
    const csp = [
      "default-src 'none'",
      `script-src ${hashes.join(' ') || "'none'"}`,
      "style-src 'self' 'unsafe-inline'",
      "img-src 'self' data:",
      "font-src 'self' data:",
      "connect-src 'self'",
      "worker-src 'self' blob: data:",
      "frame-ancestors 'none'",
      "base-uri 'none'",
      "form-action 'none'",
    ].join('; ');
    return { html, csp };
  };
  return {
    render: async (options: O): Promise<string> => {
      const key = JSON.stringify(options);
      let page = pages.get(key);
      if (!page) {
        page = build(options);
        pages.set(key, page);
      }
      const { html, csp } = await page;
      latestCsp = csp;
      return html;
    },
    /** The CSP of the GraphiQL page last served. */
    csp: () => latestCsp,
  };
}

/** Security headers on every response; the GraphiQL page gets its own CSP. */
export function securityHeadersPlugin(options: { hsts: boolean; graphiqlCsp: () => string | undefined }): Plugin {
  return {
    onResponse({ response }) {
      const headers = response.headers;
      headers.set('x-content-type-options', 'nosniff');
      headers.set('x-frame-options', 'DENY');
      headers.set('referrer-policy', 'no-referrer');
      headers.set('cross-origin-opener-policy', 'same-origin');
      headers.set('permissions-policy', 'camera=(), microphone=(), geolocation=(), payment=()');
      if (options.hsts) headers.set('strict-transport-security', 'max-age=31536000; includeSubDomains');
      const html = headers.get('content-type')?.startsWith('text/html') ?? false;
      // A page with its own policy (the accept page) keeps it; GraphiQL's page gets the policy of its scripts.
      if (!headers.has('content-security-policy')) headers.set('content-security-policy', (html && options.graphiqlCsp()) || API_CSP);
      if (!headers.has('cache-control')) headers.set('cache-control', 'no-store');
    },
  };
}

export type SdlAccess = 'public' | 'authenticated' | 'off';

function selectsService(document: DocumentNode, operationName: string | null | undefined): boolean {
  const operation = getOperationAST(document, operationName);
  if (!operation || operation.operation !== 'query') return false;
  const fragments = new Map(document.definitions.flatMap((d) => (d.kind === Kind.FRAGMENT_DEFINITION ? [[d.name.value, d] as const] : [])));
  const seen = new Set<string>();
  const found = (set: typeof operation.selectionSet): boolean =>
    set.selections.some((s) => {
      if (s.kind === Kind.FIELD) return s.name.value === '_service';
      if (s.kind === Kind.INLINE_FRAGMENT) return found(s.selectionSet);
      if (seen.has(s.name.value)) return false;
      seen.add(s.name.value);
      const fragment = fragments.get(s.name.value);
      return fragment ? found(fragment.selectionSet) : false;
    });
  return found(operation.selectionSet);
}

/** `_service { sdl }` (the whole schema) for anyone, for authenticated callers, or for nobody. */
export function sdlAccessPlugin(access: SdlAccess): Plugin {
  return {
    onExecute({ args, setResultAndStopExecution }) {
      if (access === 'public' || !selectsService(args.document, args.operationName)) return;
      const authenticated = (args.contextValue as { authz?: { authenticated?: boolean } }).authz?.authenticated === true;
      if (access === 'off') {
        setResultAndStopExecution({ errors: [createGraphQLError('_service is switched off on this server', { extensions: { code: 'FORBIDDEN', http: { status: 403 } } })] });
      } else if (!authenticated) {
        setResultAndStopExecution({ errors: [createGraphQLError('authentication required', { extensions: { code: 'UNAUTHENTICATED', http: { status: 401 } } })] });
      }
    },
  };
}

/**
 * Hardened mode: no introspection, no suggestions. (graphql's NoSchemaIntrospectionCustomRule and armor's
 * suggestion blocker use `instanceof`, which fails when the schema comes from graphql's other build, as
 * under vitest; these check names and messages only.)
 */
export const noIntrospectionRule: ValidationRule = (context) => ({
  Field(node) {
    if (node.name.value === '__schema' || node.name.value === '__type') {
      context.reportError(createGraphQLError(`GraphQL introspection has been disabled, but the requested query contained the field "${node.name.value}".`, { nodes: node }));
    }
  },
});

export function hardenedPlugin(): Plugin {
  return {
    onValidate({ addValidationRule }) {
      addValidationRule(noIntrospectionRule);
      return ({ valid, result, setResult }) => {
        if (valid) return;
        setResult(
          result.map((error) => {
            if (!/Did you mean/.test(error.message)) return error;
            return createGraphQLError(error.message.replace(/\s*Did you mean [^?]*\?/g, '').trim(), { nodes: error.nodes, extensions: error.extensions });
          }),
        );
      };
    },
  };
}
