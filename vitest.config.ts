import { defineConfig } from 'vitest/config';

export default defineConfig({
  resolve: {
    // One copy of graphql: "Cannot use GraphQLSchema from another module or realm" otherwise.
    alias: [{ find: /^graphql$/, replacement: 'graphql/index.js' }],
  },
  test: {
    include: ['test/**/*.test.ts'],
    setupFiles: ['test/setup/reflect.ts'],
    globalSetup: ['test/setup/global.ts'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    pool: 'forks',
    fileParallelism: true,
    maxWorkers: 2,
    // The second one tells scripts/test.mjs (npm test) which files lost their worker to a signal.
    reporters: ['default', './test/setup/worker-crash.reporter.ts'],
  },
});
