import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    allowOnly: !process.env.CI,
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: 'forks',
    // Two files at once even on a 2-core machine: most of a test's time is spent waiting on the
    // binary it runs or on a database, so a second file fills those waits. Every test creates and
    // drops its own database, tables and folders, so files never share state.
    maxWorkers: 2,
    include: ['test/**/*.test.ts'],
    reporters: ['default'],
  },
});
