import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

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

  it('a test that failed before its worker was killed fails the run, even when the rerun passes', () => {
    const dir = mkdtempSync(join(tmpdir(), 'cg-test-script-'));
    try {
      const run = npmTestWith('test/fixtures/test-script/vitest.flaky.config.ts', { CG_FIXTURE_MARKER: join(dir, 'marker') }, []);
      expect(run.output).toContain('fails on the first run only');
      expect(run.output).not.toContain('running them once more');
      expect(run.status, run.output).toBe(1);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
