// A migrated SQLite file filled straight through better-sqlite3 (foreign keys off): for tests of statement plans
// and page forms over more rows than the API would write in a test's time. It holds one account, 'acct'.
import Database from 'better-sqlite3';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { migrate } from '../../src/infra/db/migrate.js';

export interface RawSqlite {
  dir: string;
  url: string;
  raw: Database.Database;
  /** The timestamp every row gets. */
  now: string;
  /** Inserts of the account's users, their AccountUser rows, groups and user members (ids first). */
  insert: {
    user: Database.Statement<[id: string, email: string, searchText: string, updatedAt: string]>;
    accountUser: Database.Statement<[id: string, userId: string]>;
    group: Database.Statement<[id: string, name: string, searchText: string, updatedAt: string]>;
    member: Database.Statement<[id: string, groupId: string, userId: string]>;
  };
  /** Removes the file and its directory. */
  remove(): void;
}

export async function rawSqlite(prefix: string, accountName: string): Promise<RawSqlite> {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  const file = join(dir, 'raw.db');
  const url = `file:${file}`;
  await migrate(url);
  const raw = new Database(file);
  raw.pragma('foreign_keys = OFF');
  const now = new Date().toISOString();
  raw.prepare(`INSERT INTO "Account" ("id", "name", "updatedAt") VALUES ('acct', ?, ?)`).run(accountName, now);
  return {
    dir,
    url,
    raw,
    now,
    insert: {
      user: raw.prepare(`INSERT INTO "User" ("id", "email", "searchText", "updatedAt") VALUES (?, ?, ?, ?)`),
      accountUser: raw.prepare(`INSERT INTO "AccountUser" ("id", "accountId", "userId") VALUES (?, 'acct', ?)`),
      group: raw.prepare(`INSERT INTO "Group" ("id", "accountId", "name", "attributes", "linkedScopes", "searchText", "updatedAt") VALUES (?, 'acct', ?, '{}', '[]', ?, ?)`),
      member: raw.prepare(`INSERT INTO "GroupMember" ("id", "accountId", "groupId", "subjectType", "userId") VALUES (?, 'acct', ?, 'USER', ?)`),
    },
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
}
