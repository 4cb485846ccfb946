// The bench's reference servers, written for the bench and nothing else (no authentication, no authorization,
// no logging, no metrics). One process per mode:
//   PEER_MODE=hello       bare graphql-yoga with `type Query { hello: String! }`: the floor for trivial queries.
//   PEER_MODE=dataloader  graphql-yoga + DataLoader over the same database as keygraph (better-sqlite3 on SQLite,
//                         pg on PostgreSQL), answering the bench's nested query
//                         account -> groups(first) { totalCount edges { node { id name members(first) { totalCount
//                         edges { node { subjectType user { id email firstName } } } } } } }
//                         with the same JSON as keygraph (same global ids, same order). One statement per level:
//                         the account, the groups' pages with their counts, the members' pages with their counts,
//                         the users.
// PORT and DATABASE_URL come from the environment; GET /readyz answers 200 once it listens.
import Database from 'better-sqlite3';
import DataLoader from 'dataloader';
import { createSchema, createYoga } from 'graphql-yoga';
import { createServer } from 'node:http';
import pg from 'pg';

const mode = process.env.PEER_MODE;
const port = Number(process.env.PORT);
const databaseUrl = process.env.DATABASE_URL ?? '';

type Row = Record<string, unknown>;
type Query = (sql: string, params: unknown[]) => Promise<Row[]>;

/** Runs `?`-parameterised SQL on either database; SQLite statements are prepared once and reused. */
function connect(url: string): Query {
  if (url.startsWith('file:')) {
    const db = new Database(url.slice('file:'.length));
    db.pragma('journal_mode = WAL');
    db.pragma('busy_timeout = 5000');
    const prepared = new Map<string, Database.Statement>();
    return async (sql, params) => {
      let statement = prepared.get(sql);
      if (!statement) prepared.set(sql, (statement = db.prepare(sql)));
      return statement.all(...params) as Row[];
    };
  }
  const pool = new pg.Pool({ connectionString: url, max: 10 });
  return async (sql, params) => {
    let n = 0;
    return (await pool.query(sql.replace(/\?/g, () => `$${++n}`), params)).rows as Row[];
  };
}

const marks = (count: number) => Array.from({ length: count }, () => '?').join(', ');
const encodeId = (type: string, id: string) => Buffer.from(`${type}:${id}`).toString('base64');
function decodeId(type: string, globalId: string): string | null {
  const text = Buffer.from(globalId, 'base64').toString();
  return text.startsWith(`${type}:`) ? text.slice(type.length + 1) : null;
}

interface Page<T> {
  totalCount: number;
  edges: { node: T }[];
}

/** First `first` children of each parent, in id order, with each parent's total, in one statement per `first`. */
function pageLoader<T>(query: Query, select: (first: number, parents: string[]) => [string, unknown[]], toNode: (row: Row) => T) {
  return new DataLoader<{ parent: string; first: number }, Page<T>, string>(
    async (keys) => {
      const pages = new Map<string, Page<T>>();
      const byFirst = new Map<number, string[]>();
      for (const key of keys) {
        const parents = byFirst.get(key.first) ?? [];
        parents.push(key.parent);
        byFirst.set(key.first, parents);
      }
      for (const [first, parents] of byFirst) {
        for (const parent of parents) pages.set(`${parent}|${first}`, { totalCount: 0, edges: [] });
        const [sql, params] = select(first, parents);
        for (const row of await query(sql, params)) {
          const page = pages.get(`${row.p as string}|${first}`)!;
          page.totalCount = Number(row.total);
          page.edges.push({ node: toNode(row) });
        }
      }
      return keys.map((key) => pages.get(`${key.parent}|${key.first}`)!);
    },
    { cacheKeyFn: (key) => `${key.parent}|${key.first}` },
  );
}

interface GroupRow {
  id: string;
  name: string;
}
interface MemberRow {
  subjectType: string;
  userId: string | null;
}
interface UserRow {
  id: string;
  email: string;
  firstName: string | null;
}

function loaders(query: Query) {
  return {
    account: new DataLoader<string, Row | null>(async (ids) => {
      const rows = await query(`SELECT "id", "name" FROM "Account" WHERE "id" IN (${marks(ids.length)})`, [...ids]);
      const byId = new Map(rows.map((r) => [r.id as string, r]));
      return ids.map((id) => byId.get(id) ?? null);
    }),
    groups: pageLoader<GroupRow>(
      query,
      (first, parents) => [
        `SELECT s."p", s."id", s."name", s."total" FROM (
           SELECT g."accountId" AS "p", g."id", g."name",
                  ROW_NUMBER() OVER (PARTITION BY g."accountId" ORDER BY g."id") AS "rn",
                  COUNT(*) OVER (PARTITION BY g."accountId") AS "total"
           FROM "Group" g WHERE g."accountId" IN (${marks(parents.length)})) s
         WHERE s."rn" <= ? ORDER BY s."p", s."rn"`,
        [...parents, first],
      ],
      (row) => ({ id: row.id as string, name: row.name as string }),
    ),
    members: pageLoader<MemberRow>(
      query,
      (first, parents) => [
        `SELECT s."p", s."subjectType", s."userId", s."total" FROM (
           SELECT m."groupId" AS "p", CAST(m."subjectType" AS TEXT) AS "subjectType", m."userId",
                  ROW_NUMBER() OVER (PARTITION BY m."groupId" ORDER BY m."id") AS "rn",
                  COUNT(*) OVER (PARTITION BY m."groupId") AS "total"
           FROM "GroupMember" m WHERE m."groupId" IN (${marks(parents.length)})) s
         WHERE s."rn" <= ? ORDER BY s."p", s."rn"`,
        [...parents, first],
      ],
      (row) => ({ subjectType: row.subjectType as string, userId: (row.userId as string | null) ?? null }),
    ),
    user: new DataLoader<string, UserRow | null>(async (ids) => {
      const rows = (await query(`SELECT "id", "email", "firstName" FROM "User" WHERE "id" IN (${marks(ids.length)})`, [...ids])) as unknown as UserRow[];
      const byId = new Map(rows.map((r) => [r.id, r]));
      return ids.map((id) => byId.get(id) ?? null);
    }),
  };
}

type Loaders = ReturnType<typeof loaders>;

function nestedSchema() {
  return createSchema<{ loaders: Loaders }>({
    typeDefs: /* GraphQL */ `
      type Query { account(id: ID!): Account }
      type Account { id: ID! name: String! groups(first: Int): GroupConnection! }
      type GroupConnection { totalCount: Int! edges: [GroupEdge!]! }
      type GroupEdge { node: Group! }
      type Group { id: ID! name: String! members(first: Int): GroupMemberConnection! }
      type GroupMemberConnection { totalCount: Int! edges: [GroupMemberEdge!]! }
      type GroupMemberEdge { node: GroupMember! }
      enum MemberSubjectType { USER GROUP SERVICE_ACCOUNT }
      type GroupMember { subjectType: MemberSubjectType! user: User }
      type User { id: ID! email: String! firstName: String }
    `,
    resolvers: {
      Query: {
        account: (_: unknown, args: { id: string }, ctx: { loaders: Loaders }) => {
          const id = decodeId('Account', args.id);
          return id === null ? null : ctx.loaders.account.load(id);
        },
      },
      Account: {
        id: (a: Row) => encodeId('Account', a.id as string),
        groups: (a: Row, args: { first?: number | null }, ctx: { loaders: Loaders }) => ctx.loaders.groups.load({ parent: a.id as string, first: args.first ?? 20 }),
      },
      Group: {
        id: (g: GroupRow) => encodeId('Group', g.id),
        members: (g: GroupRow, args: { first?: number | null }, ctx: { loaders: Loaders }) => ctx.loaders.members.load({ parent: g.id, first: args.first ?? 20 }),
      },
      GroupMember: {
        user: (m: MemberRow, _args: unknown, ctx: { loaders: Loaders }) => (m.userId === null ? null : ctx.loaders.user.load(m.userId)),
      },
      User: {
        id: (u: UserRow) => encodeId('User', u.id),
      },
    },
  });
}

function helloSchema() {
  return createSchema({ typeDefs: 'type Query { hello: String! }', resolvers: { Query: { hello: () => 'world' } } });
}

function main(): void {
  if (mode !== 'hello' && mode !== 'dataloader') throw new Error(`PEER_MODE must be hello or dataloader, got ${String(mode)}`);
  const yoga =
    mode === 'hello'
      ? createYoga({ schema: helloSchema(), logging: false, graphiql: false, landingPage: false })
      : (() => {
          const query = connect(databaseUrl);
          return createYoga<{ loaders: Loaders }>({ schema: nestedSchema(), context: () => ({ loaders: loaders(query) }), logging: false, graphiql: false, landingPage: false });
        })();
  const server = createServer((req, res) => {
    if (req.url === '/readyz') {
      res.writeHead(200).end('ok');
      return;
    }
    void yoga(req, res);
  });
  server.listen(port, '127.0.0.1');
  const stop = () => server.close(() => process.exit(0));
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}

main();
