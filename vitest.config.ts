import { defineConfig } from 'vitest/config';

// Two cores on CI: a couple of forks keeps integration tests (real servers,
// real subprocesses) from starving each other and producing flaky latencies.
// The few tests that must measure wall-clock latency are named
// `*.wallclock.test.ts`: they run in their own project, one file at a time,
// after everything else (groupOrder), so no other test competes with them.
const WALLCLOCK = 'test/**/*.wallclock.test.ts';

export default defineConfig({
  test: {
    pool: 'forks',
    maxWorkers: 2,
    testTimeout: 30_000,
    hookTimeout: 30_000,
    projects: [
      {
        extends: true,
        test: { name: 'suite', include: ['test/**/*.test.ts'], exclude: [WALLCLOCK], sequence: { groupOrder: 0 } },
      },
      {
        extends: true,
        test: { name: 'wallclock', include: [WALLCLOCK], fileParallelism: false, sequence: { groupOrder: 1 } },
      },
    ],
  },
});
