/**
 * Node/V8 flags of the test processes: vitest's workers (`execArgv` in
 * vitest.config.ts) and the servers and CLIs the tests start
 * (test/fixtures/processes.ts; a cluster's workers inherit them).
 *
 * `--liftoff-only`: PGlite is PostgreSQL compiled to WebAssembly, and V8
 * compiles its hot functions a second time with its optimising compiler
 * (TurboFan) on a background thread. A test process lives seconds and runs
 * a few hundred small statements, so that compilation is mostly wasted, and
 * it took a core of this 2-core machine (`perf`: most of the run's page
 * faults were TurboFan's zone memory). With V8's baseline compiler only, a
 * statement runs up to twice as slow inside PGlite, but the test processes
 * spend 25–30 % less CPU in all, and the PGlite suite runs in less time
 * (docs/stack.md, "Test run time"). The flag changes how fast WebAssembly
 * runs, not what it computes; the PostgreSQL run has no WebAssembly, so it
 * changes nothing there. Not for production: a long-running server gains
 * from the optimised code.
 */
export const TEST_NODE_FLAGS: readonly string[] = ['--liftoff-only'];
