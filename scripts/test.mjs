#!/usr/bin/env node
/**
 * `npm test`: `vitest run` with the arguments given, and once more for the
 * test files whose worker process was killed by a signal, when nothing else
 * failed.
 *
 * Why: V8 crashes now and then (SIGSEGV, or an abort on a failed code-range
 * check) in a process that starts and ends many WebAssembly instances, which
 * test files on the embedded PGlite do (nodejs/node#64500,
 * electric-sql/pglite#1053). The project compiles PGlite's WebAssembly once per
 * process (src/server/pglite-wasm.modules.ts), which removes most of that
 * churn; this rerun covers what remains. It reruns only files that crashed,
 * once, and says so; any failed test or other error fails the run as before.
 * test/setup/worker-crash.reporter.ts tells this script what happened.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const vitest = join(dirname(createRequire(import.meta.url).resolve('vitest/package.json')), 'vitest.mjs');

function run(args) {
  const outcomeFile = join(tmpdir(), `cg-test-outcome-${process.pid}-${Date.now()}.json`);
  const result = spawnSync(process.execPath, [vitest, 'run', ...args], {
    stdio: 'inherit',
    env: { ...process.env, CG_TEST_OUTCOME_FILE: outcomeFile },
  });
  let outcome;
  try {
    outcome = JSON.parse(readFileSync(outcomeFile, 'utf8'));
  } catch {
    outcome = undefined; // no report (another reporter was chosen, or vitest stopped early)
  } finally {
    rmSync(outcomeFile, { force: true });
  }
  return { status: result.status ?? 1, outcome };
}

// A --reporter on the command line replaces the configured reporters, the crash reporter with them: add it back.
const crashReporter = fileURLToPath(new URL('../test/setup/worker-crash.reporter.ts', import.meta.url));
const args = process.argv.slice(2);
if (args.some((arg) => arg === '--reporter' || arg.startsWith('--reporter='))) args.push(`--reporter=${crashReporter}`);
const first = run(args);
const crashed = first.outcome?.crashed ?? [];
const onlyCrashes = first.status !== 0 && crashed.length > 0 && first.outcome.failedFiles.length === 0 && first.outcome.otherErrors === 0;
if (!onlyCrashes) process.exit(first.status);

// The options of the first run (a name filter, say) apply again; its file filters give way to the crashed
// files, and so does --shard (the crashed files were this shard's; sharded again, they could all land in
// another shard and nothing would run). vitest's own parser tells filters from option values.
let filters;
try {
  const { parseCLI } = await import('vitest/node'); // only when a rerun is needed: it loads much of vitest
  filters = new Set(parseCLI(['vitest', 'run', ...args]).filter);
} catch {
  process.exit(first.status);
}
const options = [];
for (let i = 0; i < args.length; i++) {
  const arg = args[i];
  if (arg === '--shard') i++;
  else if (arg.startsWith('--shard=')) continue;
  else if (arg.startsWith('-') || !filters.has(arg)) options.push(arg);
}
const files = crashed.map((file) => relative(process.cwd(), file));
console.error(
  `\nscripts/test.mjs: ${files.length} test file(s) lost their worker process to a signal, nothing else failed: ` +
    `running them once more (the V8 WebAssembly crash of nodejs/node#64500, see docs/stack.md):\n  ${files.join('\n  ')}\n`,
);
const second = run([...files, ...options]);
// Passing means every crashed file ran again and did not fail: a rerun that found none of them
// (--passWithNoTests, a filter that no longer matches) must not turn the crash into a pass.
const rerun = new Map((second.outcome?.modules ?? []).map((m) => [m.id, m.state]));
const missed = crashed.filter((file) => !['passed', 'skipped'].includes(rerun.get(file)));
if (second.status === 0 && missed.length > 0) {
  console.error(`\nscripts/test.mjs: the rerun did not run (or did not pass) ${missed.map((f) => relative(process.cwd(), f)).join(', ')}: failing.\n`);
  process.exit(1);
}
process.exit(second.status);
