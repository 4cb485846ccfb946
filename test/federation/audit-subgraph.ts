// A second subgraph for the federation proof: a tiny "audit" service, built with @apollo/subgraph and
// served by graphql-yoga through fetch (no port). It extends keygraph's Account and User by key (the
// keys are keygraph's opaque Relay global ids, passed through untouched) and points back at them
// (AuditEntry.actor, AuditEntry.account), so a query can cross the subgraphs in both directions.
// It keeps an in-memory log that the test fills, and records the Authorization header of every
// request it receives: the gateway must not hand it keygraph's bearer token.
import { buildSubgraphSchema } from '@apollo/subgraph';
import { parse } from 'graphql';
import { createYoga } from 'graphql-yoga';

export const AUDIT_SDL = /* GraphQL */ `
  extend schema @link(url: "https://specs.apollo.dev/federation/v2.6", import: ["@key", "@shareable"])

  # Shared with keygraph, which defines it too. (Comments, not descriptions, on the shared types:
  # two different descriptions would be an INCONSISTENT_DESCRIPTION hint of this subgraph's making.)
  scalar DateTime

  "One thing somebody did to an account (the audit service's own type)."
  type AuditEntry {
    id: ID!
    "What was done, e.g. \\"user.create\\"."
    action: String!
    at: DateTime!
    """
    Who did it: a reference to keygraph's User. Nullable because keygraph resolves the reference to
    null for callers who may not see the user.
    """
    actor: User
    "Where: a reference to keygraph's Account (nullable for the same reason)."
    account: Account
  }

  type Account @key(fields: "id") {
    id: ID!
    "The account's audit log, oldest first."
    auditEntries: [AuditEntry!]!
    "The same log as a Relay connection (uses the PageInfo keygraph also defines)."
    auditLog(first: Int, after: String): AuditEntryConnection!
  }

  # Relay's PageInfo, defined exactly as keygraph defines it: it must be @shareable in both.
  type PageInfo @shareable {
    hasNextPage: Boolean!
    hasPreviousPage: Boolean!
    startCursor: String
    endCursor: String
  }

  type AuditEntryConnection {
    pageInfo: PageInfo!
    edges: [AuditEntryEdge!]!
    totalCount: Int!
  }

  type AuditEntryEdge {
    node: AuditEntry!
    cursor: String!
  }

  type User @key(fields: "id") {
    id: ID!
    "The last thing the user did, if anything."
    lastAuditEntry: AuditEntry
  }

  type Query {
    "Every entry, newest first."
    recentAuditEntries: [AuditEntry!]!
  }
`;

export interface AuditEntry {
  id: string;
  action: string;
  at: string;
  /** keygraph global id of the user who acted. */
  actorId: string | null;
  /** keygraph global id of the account. */
  accountId: string;
}

export interface AuditRequest {
  authorization: string | null;
  /** The operation the gateway sent. */
  query: string;
}

export interface AuditService {
  entries: AuditEntry[];
  /** Every request the audit subgraph received, in order. */
  requests: AuditRequest[];
  record(entry: Omit<AuditEntry, 'id' | 'at'>): AuditEntry;
  fetch(url: string, init?: RequestInit): Promise<Response>;
}

export function createAuditService(): AuditService {
  const entries: AuditEntry[] = [];
  const requests: AuditRequest[] = [];
  const schema = buildSubgraphSchema({
    typeDefs: parse(AUDIT_SDL),
    resolvers: {
      Query: {
        recentAuditEntries: () => [...entries].reverse(),
      },
      Account: {
        __resolveReference: (reference: { id: string }) => ({ id: reference.id }),
        auditEntries: (account: { id: string }) => entries.filter((e) => e.accountId === account.id),
        auditLog: (account: { id: string }, args: { first?: number | null; after?: string | null }) => {
          const all = entries.filter((e) => e.accountId === account.id);
          const start = args.after ? Number(args.after) + 1 : 0;
          const page = all.slice(start, args.first == null ? undefined : start + args.first).map((node, i) => ({ node, cursor: String(start + i) }));
          return {
            totalCount: all.length,
            edges: page,
            pageInfo: { hasNextPage: start + page.length < all.length, hasPreviousPage: start > 0, startCursor: page[0]?.cursor ?? null, endCursor: page.at(-1)?.cursor ?? null },
          };
        },
      },
      User: {
        __resolveReference: (reference: { id: string }) => ({ id: reference.id }),
        lastAuditEntry: (user: { id: string }) => entries.findLast((e) => e.actorId === user.id) ?? null,
      },
      AuditEntry: {
        actor: (entry: AuditEntry) => (entry.actorId ? { id: entry.actorId } : null),
        account: (entry: AuditEntry) => ({ id: entry.accountId }),
      },
    },
  });
  const yoga = createYoga({
    schema,
    graphqlEndpoint: '/graphql',
    landingPage: false,
    graphiql: false,
    logging: false,
    plugins: [
      {
        onParams({ params, request }) {
          requests.push({ authorization: request.headers.get('authorization'), query: params.query ?? '' });
        },
      },
    ],
  });
  let clock = Date.parse('2026-01-01T00:00:00.000Z');
  return {
    entries,
    requests,
    record(entry) {
      const full: AuditEntry = { id: `audit-${entries.length + 1}`, at: new Date(clock).toISOString(), ...entry };
      clock += 60_000;
      entries.push(full);
      return full;
    },
    fetch: (url, init) => Promise.resolve(yoga.fetch(url, init ?? {})),
  };
}
