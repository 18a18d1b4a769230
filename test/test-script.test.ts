// @database-independent
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import WorkerCrashReporter from './setup/worker-crash.reporter.js';

/**
 * `npm test` (scripts/test.mjs) on test/fixtures/test-script: z-crash.fixture-spec.ts always loses its worker to
 * SIGKILL. vitest shards by a hash of the path under the root: z-crash lands in shard 2/2 of the two files, and
 * a single file always in 1/2, so a rerun that kept --shard=2/2 ran nothing.
 */
function npmTest(...args: string[]) {
  return npmTestWith('test/fixtures/test-script/vitest.config.ts', {}, args);
}

function npmTestWith(config: string, extraEnv: Record<string, string>, args: string[]) {
  const { CG_TEST_OUTCOME_FILE: _outer, ...env } = process.env;
  const result = spawnSync(process.execPath, ['scripts/test.mjs', '--config', config, ...args], {
    encoding: 'utf8',
    env: { ...env, ...extraEnv, NO_COLOR: '1' },
  });
  return { status: result.status, output: `${result.stdout}${result.stderr}` };
}

describe('npm test (scripts/test.mjs): a crash never turns a failure into a pass', () => {
  it('fails when the crashing file crashes again on its rerun', () => {
    const run = npmTest();
    expect(run.output).toContain('running them once more');
    expect(run.status).toBe(1);
  });

  it('with --reporter=dot (which replaces the configured reporters) the crash is still seen and rerun', () => {
    const run = npmTest('--reporter=dot');
    expect(run.output).toContain('running them once more');
    expect(run.status, run.output).toBe(1);
  });

  it('with --shard and --passWithNoTests: the shard that ran the crashing file fails (its rerun is not sharded away)', () => {
    let crashedIn = 0;
    for (const shard of ['1/2', '2/2']) {
      const run = npmTest(`--shard=${shard}`, '--passWithNoTests');
      if (run.output.includes('z-crash.fixture-spec.ts')) {
        crashedIn++;
        expect(run.status, run.output).toBe(1);
      } else expect(run.status, run.output).toBe(0);
    }
    expect(crashedIn).toBe(1);
  });

  it('a test that failed before its worker was killed counts as a failure (the run fails, nothing is rerun)', () => {
    // The reporter's verdict on such a file, from the objects vitest hands it (deterministic: an end-to-end
    // version would depend on the runner reporting the failure before the signal).
    const file = '/repo/test/a.test.ts';
    const crash = { message: '[vitest-pool]: Worker forks emitted error.', cause: { message: `Worker exited unexpectedly with signal SIGSEGV during started state while running test file ${file}` } };
    const module = (id: string, state: string, failedTests: number) => ({
      moduleId: id,
      state: () => state,
      children: { allTests: (filter?: string) => (filter === 'failed' ? Array.from({ length: failedTests }) : [])[Symbol.iterator]() },
    });
    const verdict = (modules: ReturnType<typeof module>[], error = crash) => {
      const dir = mkdtempSync(join(tmpdir(), 'cg-test-script-'));
      const saved = process.env.CG_TEST_OUTCOME_FILE;
      process.env.CG_TEST_OUTCOME_FILE = join(dir, 'outcome.json');
      try {
        new WorkerCrashReporter().onTestRunEnd(modules as never, [error]);
        return JSON.parse(readFileSync(join(dir, 'outcome.json'), 'utf8'));
      } finally {
        if (saved === undefined) delete process.env.CG_TEST_OUTCOME_FILE;
        else process.env.CG_TEST_OUTCOME_FILE = saved;
        rmSync(dir, { recursive: true, force: true });
      }
    };
    // Crashed with no failed test: a crash only, rerun.
    expect(verdict([module(file, 'failed', 0), module('/repo/test/b.test.ts', 'passed', 0)])).toMatchObject({ crashed: [file], failedFiles: [], otherErrors: 0 });
    // Crashed after one of its tests failed: a failure, so scripts/test.mjs does not rerun it away.
    expect(verdict([module(file, 'failed', 1)])).toMatchObject({ crashed: [file], failedFiles: [file] });
    // Another file failed: a failure.
    expect(verdict([module(file, 'failed', 0), module('/repo/test/b.test.ts', 'failed', 2)]).failedFiles).toEqual(['/repo/test/b.test.ts']);
    // A worker that ran several files at once (shared processes, one worker) names them all: each is a crash to rerun.
    const files = ['/repo/test/a.test.ts', '/repo/test/b.test.ts', '/repo/test/c.test.ts'];
    const batch = { ...crash, cause: { message: `Worker exited unexpectedly with signal SIGSEGV during started state while running test files ${files.join(', ')}` } };
    expect(verdict(files.map((f) => module(f, 'failed', 0)), batch)).toMatchObject({ crashed: files, failedFiles: [], otherErrors: 0 });
  });
});
