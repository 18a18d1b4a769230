import { writeFileSync } from 'node:fs';
import type { Reporter, TestModule } from 'vitest/node';

/**
 * Records, for `scripts/test.mjs`, which test files lost their worker process
 * to a signal (the V8 WebAssembly crash of nodejs/node#64500, docs/stack.md)
 * and whether anything else failed. Writes only when `CG_TEST_OUTCOME_FILE` is
 * set; prints nothing itself.
 */
export default class WorkerCrashReporter implements Reporter {
  onTestRunEnd(testModules: ReadonlyArray<TestModule>, unhandledErrors: ReadonlyArray<{ message?: string; cause?: unknown }>): void {
    const target = process.env.CG_TEST_OUTCOME_FILE;
    if (!target) return;
    const crashed = new Set<string>();
    let otherErrors = 0;
    for (const error of unhandledErrors) {
      const text = [error.message, (error.cause as { message?: string } | undefined)?.message].filter(Boolean).join('\n');
      // A worker that runs several files at once (shared processes with one worker, test/setup/test-projects.ts)
      // names them all: each is rerun.
      const match = /Worker exited unexpectedly with signal (SIG[A-Z]+) .* while running test files? (.+)$/m.exec(text);
      if (match) for (const file of match[2]!.split(', ')) crashed.add(file);
      else otherErrors += 1;
    }
    // A crashed file counts as failed too when one of its tests had already failed before the signal:
    // a rerun that passes must not hide that failure.
    const failedFiles = testModules
      .filter((m) => (m.state() === 'failed' && !crashed.has(m.moduleId)) || [...m.children.allTests('failed')].length > 0)
      .map((m) => m.moduleId);
    // Every file that ran and how it ended: scripts/test.mjs checks that a rerun really ran the crashed files.
    const modules = testModules.map((m) => ({ id: m.moduleId, state: m.state() }));
    writeFileSync(target, JSON.stringify({ crashed: [...crashed], failedFiles, otherErrors, modules }));
  }
}
