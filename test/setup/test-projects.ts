import fs from 'node:fs';
import path from 'node:path';

/** The line a test file carries when it needs a process of its own, followed by why: `// @own-process: <why>`. */
export const OWN_PROCESS = '// @own-process';
const OWN_PROCESS_LINE = /^\/\/ @own-process\b/m;

/** The test files (relative to the root) of each kind of process they run in. */
export interface TestProcessGroups {
  /** A process per file (vitest's isolation): marked `// @own-process`, or mocking modules. */
  own: string[];
  /** Files that start the core test app (`'core'`): they share processes with each other. */
  core: string[];
  /** The other files (the demo app, or no app in the test process): they share processes with each other. */
  demo: string[];
}

/**
 * Sorts the test files into the processes they may share (vitest.config.ts
 * makes a project of each group: `isolate: false` for `core` and `demo`).
 *
 * Why share: a test process costs about 2 s of CPU before its first test
 * (vitest's worker, then importing the application: 1,500 modules, 0.9 s),
 * and the suite has 80 files; sharing a process between files of one group
 * runs it 2 times per group and core instead of 80 times (docs/stack.md,
 * "Test run time").
 *
 * What keeps a group apart: a process serves one registry
 * (`buildAppSchema` throws when asked for another), so files of the core
 * test app and of the demo app never share one. A file that starts both
 * apps, changes a registry the others use (registers a fixture type in the
 * demo's), installs module mocks (`vi.mock` would reach the next file; such a
 * file needs no mark) or depends on what the process did before it (the
 * process-wide metrics) says `// @own-process: <why>` on a line of its own. A file put in the wrong group fails loudly (the
 * schema error above), never silently.
 */
export function testProcessGroups(root: string): TestProcessGroups {
  const dir = path.join(root, 'test');
  const groups: TestProcessGroups = { own: [], core: [], demo: [] };
  for (const name of testFiles(dir)) {
    const text = fs.readFileSync(path.join(dir, name), 'utf8');
    const file = `test/${name}`;
    if (OWN_PROCESS_LINE.test(text) || /\bvi\s*\.\s*(?:mock|doMock)\b/.test(text)) groups.own.push(file);
    else if (text.includes(`'core'`)) groups.core.push(file);
    else groups.demo.push(file);
  }
  return groups;
}

/** The `*.test.ts` files under `dir` at any depth (vitest's include, `test/**`), relative to it, in order. */
export function testFiles(dir: string): string[] {
  return fs
    .readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .map((name) => name.split(path.sep).join('/'))
    .filter((name) => name.endsWith('.test.ts') && !name.split('/').includes('node_modules'))
    .sort();
}
