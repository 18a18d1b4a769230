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

const args = process.argv.slice(2);
const first = run(args);
const crashed = first.outcome?.crashed ?? [];
const onlyCrashes = first.status !== 0 && crashed.length > 0 && first.outcome.failedFiles.length === 0 && first.outcome.otherErrors === 0;
if (!onlyCrashes) process.exit(first.status);

// The options of the first run (a name filter, say) apply again; its file filters give way to the crashed files.
const options = args.filter((arg, i) => arg.startsWith('-') || (i > 0 && args[i - 1].startsWith('-') && !args[i - 1].includes('=')));
const files = crashed.map((file) => relative(process.cwd(), file));
console.error(
  `\nscripts/test.mjs: ${files.length} test file(s) lost their worker process to a signal, nothing else failed: ` +
    `running them once more (the V8 WebAssembly crash of nodejs/node#64500, see docs/stack.md):\n  ${files.join('\n  ')}\n`,
);
const second = run([...files, ...options]);
process.exit(second.status);
