import fs from 'node:fs';
import path from 'node:path';

/** The line a test file carries when it needs a process of its own, followed by why: `// @own-process: <why>`. */
const OWN_PROCESS_LINE = /^\/\/ @own-process\b/m;

/** Whether a module's text calls `vi.mock` or `vi.doMock` (such a test file keeps its imports and its process to itself). */
export function mocksModules(text: string): boolean {
  return /\bvi\s*\.\s*(?:mock|doMock)\b/.test(text);
}

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
 * (vitest's worker, importing the application: 1,568 modules, 0.9 s; the
 * core app's start), and the suite has 80 files. Sharing, each group starts
 * about one process per core instead of one per file (docs/stack.md, "Test
 * run time").
 *
 * What keeps the groups apart: a process serves one registry
 * (`buildAppSchema` throws when asked for another), so files of the core
 * test app and of the demo app never share one. A file that starts both
 * apps, changes a registry the others use (registers a fixture type in the
 * demo's), needs the demo's schema without the core fixtures the helpers
 * load, or depends on what the process did before it (the process-wide
 * metrics) says `// @own-process: <why>` on a line of its own; a file that
 * installs module mocks (`vi.mock` would reach the next file) gets its own
 * process without the mark. A file of one app put in the other's group fails
 * (the schema error above) once it shares a process with a file of that
 * group, or makes the next one fail.
 */
export function testProcessGroups(root: string): TestProcessGroups {
  const dir = path.join(root, 'test');
  const groups: TestProcessGroups = { own: [], core: [], demo: [] };
  for (const name of testFiles(dir)) {
    const text = fs.readFileSync(path.join(dir, name), 'utf8');
    const file = `test/${name}`;
    if (OWN_PROCESS_LINE.test(text) || mocksModules(text)) groups.own.push(file);
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
