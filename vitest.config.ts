// The suite runs once per database: always on SQLite, and on PostgreSQL too when TEST_DATABASE_URL
// points at a server (a throwaway database is created per test file and dropped after it).
import { availableParallelism } from 'node:os';
import { defineConfig } from 'vitest/config';

const postgres = process.env.TEST_DATABASE_URL;

// Which executor runs does not depend on the database: SQLite runs every operation compiled by graphql-jit from
// its first execution (KEYGRAPH_COMPILE_AFTER=1), PostgreSQL as keygraph runs by default (2: a query's first run
// on graphql-js, its later runs compiled), so both executors, and their agreeing, stay tested.
const project = (provider: 'sqlite' | 'postgresql') => ({
  extends: true as const,
  test: {
    name: provider,
    env: { KEYGRAPH_TEST_PROVIDER: provider, KEYGRAPH_COMPILE_AFTER: provider === 'sqlite' ? '1' : '2' },
  },
});

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: 'forks',
    // Most test files wait on a database, a child process or a socket more than they compute, so one worker
    // more than the CPUs (vitest's default is one fewer: a single worker on a 2-core machine) keeps the CPUs
    // busy; with both databases this took the suite from 17 to 10 minutes on 2 cores.
    maxWorkers: Math.min(8, availableParallelism() + 1),
    projects: postgres ? [project('sqlite'), project('postgresql')] : [project('sqlite')],
  },
});
