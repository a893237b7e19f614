import { defineConfig } from 'vitest/config';

// Two cores on CI: a couple of forks keeps integration tests (real servers,
// real subprocesses) from starving each other and producing flaky latencies.
export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    pool: 'forks',
    maxWorkers: 2,
    testTimeout: 30_000,
    hookTimeout: 30_000,
  },
});
