// The HTML pages keygraph serves next to its API: GraphiQL at GET /graphql (inline assets, so it works
// offline; compressed and cacheable, see static-page.ts) and its answer to HEAD /graphql, and the page an
// invitation's accept link opens, /accept-invitation (accept-page.ts).
import type { Plugin } from 'graphql-yoga';
import { acceptInvitationPage } from './accept-page.js';
import { staticPage } from './static-page.js';

export interface PagesOptions {
  /** GraphiQL's options, or false when it is off (KEYGRAPH_GRAPHIQL, introspection, persisted operations). */
  graphiql: { title: string; defaultQuery: string } | false;
  graphqlEndpoint: string;
  /** Renders GraphiQL's page (render-graphiql's renderGraphiQL, wrapped to learn the CSP of its scripts). */
  render: (options: { title: string; defaultQuery: string; endpoint: string }) => string | Promise<string>;
}

export function pagesPlugin(options: PagesOptions): Plugin {
  const endpoint = options.graphqlEndpoint;
  const graphiql = options.graphiql
    ? staticPage(() => options.render({ ...(options.graphiql as { title: string; defaultQuery: string }), endpoint }), {
        contentType: 'text/html; charset=utf-8',
        // The page changes only with a new release; after ten minutes a browser revalidates it (ETag, 304).
        cacheControl: 'public, max-age=600',
      })
    : null;
  const accept = acceptInvitationPage(endpoint);
  const acceptPage = staticPage(() => accept.html, {
    contentType: 'text/html; charset=utf-8',
    cacheControl: 'public, max-age=600',
    headers: { 'content-security-policy': accept.contentSecurityPolicy, 'referrer-policy': 'no-referrer', 'x-content-type-options': 'nosniff' },
  });

  return {
    async onRequest({ request, url, endResponse }) {
      if (url.pathname === '/accept-invitation') {
        if (request.method === 'GET' || request.method === 'HEAD') endResponse(await acceptPage.respond(request));
        else endResponse(new Response(null, { status: 405, headers: { allow: 'GET, HEAD' } }));
        return;
      }
      if (url.pathname !== endpoint && url.pathname !== `${endpoint}/`) return;
      const wantsHtml = request.headers.get('accept')?.includes('text/html') ?? false;
      if (request.method === 'HEAD') {
        // HEAD of the endpoint describes the GraphiQL page a GET would get; without GraphiQL nothing answers GET without a query.
        endResponse(graphiql ? await graphiql.respond(request) : new Response(null, { status: 405, headers: { allow: 'GET, POST' } }));
      } else if (request.method === 'GET' && wantsHtml && graphiql) {
        endResponse(await graphiql.respond(request));
      }
    },
  };
}
