import { defineConfig } from 'vitest/config';

// Integration tests share one Postgres server and one Redis; each test file makes
// its own database and key prefix, so files may run in parallel on the two cores.
// Every event the service writes is checked against its published schema in every test
// (EVENT_SCHEMA_CHECK): an event that drifts from /v1/events/schemas fails the test that emits it.
export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    pool: 'forks',
    maxWorkers: 2,
    testTimeout: 30_000,
    hookTimeout: 60_000,
    reporters: ['default'],
    env: { EVENT_SCHEMA_CHECK: '1' },
  },
});
