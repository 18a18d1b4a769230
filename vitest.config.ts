import { fileURLToPath } from 'node:url';
import { configDefaults, defineConfig } from 'vitest/config';
import { compiledSources } from './test/setup/compiled-sources.js';
import { databaseIndependentFiles } from './test/setup/database-independent.js';
import { TEST_NODE_FLAGS } from './test/setup/node-flags.js';
import { useCompileCache, useMemoryScratch } from './test/setup/scratch.js';
import { testProcessGroups } from './test/setup/test-projects.js';

const root = fileURLToPath(new URL('.', import.meta.url));
// Test files share processes (vitest's `isolate: false`, in the projects below) unless CG_TEST_ISOLATE=1 gives every
// file a process of its own. Only a run that imports the compiled application shares: in watch mode, under
// CG_TEST_SOURCES=1 and when the build wrote nothing, the plugin (compiled-sources.ts) isolates every project again,
// since vitest then evaluates the sources itself and sharing gained little (check:extending's nine files: 26.6 → 24.7 s).
const shared = process.env.CG_TEST_ISOLATE !== '1';

// Before any test process starts: they inherit both (test/setup/scratch.ts says why).
useMemoryScratch();
useCompileCache(root);
// Every embedded database the run opens (each test file's, and every server and CLI process a test starts) zeroes
// its buffer pool first: 128 MB cost half a second per opening, and a test's database is a few MB (docs/stack.md).
process.env.PGLITE_SHARED_BUFFERS_MB ??= '16';

export default defineConfig({
  // vitest runs the files that took longest last time first, from the durations it keeps under cacheDir. One file
  // takes very different times on the two engines (workers.test.ts: 7 s on PGlite, where most of it is skipped, and
  // 51 s on PostgreSQL; outage.test.ts: 0 and 19 s), so each engine keeps its own: with PGlite's, the PostgreSQL
  // run started its long files last and ended on them alone.
  cacheDir: process.env.DATABASE_URL ? 'node_modules/.vite-postgresql' : 'node_modules/.vite',
  // Outside watch mode the tests import the application compiled, built first when stale (compiled-sources.ts).
  plugins: [compiledSources(root)],
  resolve: {
    // One copy of graphql: "Cannot use GraphQLSchema from another module or realm" otherwise.
    alias: [{ find: /^graphql$/, replacement: 'graphql/index.js' }],
  },
  test: {
    // With shared processes each project lists its files (an `include` here would be added to each project's).
    include: shared ? [] : ['test/**/*.test.ts'],
    // On PostgreSQL (CI's second run) the files that open no database are left out: they ran on PGlite already
    // and would give the same answers (test/setup/database-independent.ts). CG_TEST_ALL_FILES=1 keeps them.
    exclude: [
      ...configDefaults.exclude,
      ...(process.env.DATABASE_URL && process.env.CG_TEST_ALL_FILES !== '1' ? databaseIndependentFiles(root) : []),
    ],
    // Node loads the compiled application itself (compiled-sources.ts), as it loads node_modules.
    server: { deps: { external: [/\/dist\/src\//] } },
    setupFiles: ['test/setup/reflect.ts'],
    globalSetup: ['test/setup/global.ts'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    pool: 'forks',
    // V8's baseline WebAssembly compiler only, in every test process (test/setup/node-flags.ts says why).
    execArgv: [...TEST_NODE_FLAGS],
    fileParallelism: true,
    // On PostgreSQL a test process often waits on the server (its CPU is not ours, pg_sleep, lock waits):
    // a third process fills that time (149 → 133 s). On PGlite the test processes are the database and keep
    // both cores busy already (docs/stack.md, "Test run time").
    maxWorkers: process.env.DATABASE_URL ? 3 : 2,
    // The second one tells scripts/test.mjs (npm test) which files lost their worker to a signal.
    reporters: ['default', './test/setup/worker-crash.reporter.ts'],
    projects: shared ? processProjects() : undefined,
  },
});

/**
 * Three projects (test/setup/test-projects.ts says which file goes where): the files that need a process of
 * their own, then the core app's files and the demo's, each group sharing its processes. vitest runs the projects in
 * the order of their names, the longest files first within each.
 */
function processProjects() {
  const groups = testProcessGroups(root);
  return [
    { extends: true, test: { name: 'own-process', include: groups.own, isolate: true } },
    { extends: true, test: { name: 'shared-core', include: groups.core, isolate: false } },
    { extends: true, test: { name: 'shared-demo', include: groups.demo, isolate: false } },
  ];
}
