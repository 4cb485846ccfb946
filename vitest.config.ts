// The suite runs once per database: always on SQLite, and on PostgreSQL too when TEST_DATABASE_URL
// points at a server (a throwaway database is created per test file and dropped after it).
import { defineConfig } from 'vitest/config';

const postgres = process.env.TEST_DATABASE_URL;

const project = (provider: 'sqlite' | 'postgresql') => ({
  extends: true as const,
  test: {
    name: provider,
    env: { KEYGRAPH_TEST_PROVIDER: provider },
  },
});

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: 'forks',
    projects: postgres ? [project('sqlite'), project('postgresql')] : [project('sqlite')],
  },
});
