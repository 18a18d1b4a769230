import fs from 'node:fs';
import path from 'node:path';
import type { Plugin } from 'vitest/config';
import { buildIsStale, buildWhenStale, testsRunSources } from './build.js';
import { mocksModules } from './test-projects.js';

/**
 * A run that is not in watch mode (`npm test`, `vitest run`, CI): the
 * application is built to `dist/` first when it is stale, and the test
 * files, their helpers and the global setup import it from there (tsc's
 * output, the code production runs), loaded by Node itself, instead of
 * vitest compiling and evaluating `src/` module by module in every test
 * process.
 *
 * Why (2026-12-02, vitest's import breakdown and `diagnostic()` per file): a
 * test file spent a median 1.7 s of its process importing the application,
 * about 150 modules, each fetched from vitest's main process and evaluated
 * by its module runner (20–60 ms apiece on a busy machine): a quarter of the
 * suite's time. Natively the same modules load in about 0.2 s (the rest is
 * the dependencies, which vitest loads natively already).
 *
 * One decision per run, taken before anything is imported: compiled when
 * the build is current after building, sources otherwise (watch mode, which
 * would not rebuild on a change; CG_TEST_SOURCES=1; a build that wrote
 * nothing). The decision is part of the key of vitest's on-disk module cache,
 * whose entries keep the resolved paths: a module cached by a compiled run is
 * never reused by a run on the sources, nor the other way round. A run on
 * the sources also gives every test file a process of its own (the shared
 * processes of vitest.config.ts's projects pay off only when Node loads the
 * compiled application once for many files).
 *
 * What stays on the sources in a compiled run:
 * - what a test file that calls `vi.mock` imports from `src/` directly (a
 *   mock reaches only the modules vitest evaluates itself), and what those
 *   modules import. Such a file must not also reach `src/` through a helper,
 *   which would load the compiled copy: two instances of one module;
 * - `src/server/project-root.ts` imported by a test: the tests read files of
 *   the checkout, while the compiled modules keep their own copy, whose root
 *   is `dist/`, as in production.
 */
export function compiledSources(root: string, build: (root: string) => void = buildWhenStale): Plugin {
  const src = path.join(root, 'src') + path.sep;
  const dist = path.join(root, 'dist', 'src') + path.sep;
  const projectRoot = path.join(src, 'server', 'project-root.ts');
  const mocks = new Map<string, boolean>();
  let compiled = false;
  let decided = false;
  /** Imports of a module that vitest evaluates from the sources stay on the sources. */
  const staysOnSources = (importer: string): boolean => {
    if (importer.startsWith(src)) return true;
    let mocking = mocks.get(importer);
    if (mocking === undefined) {
      mocking = mocksModules(readOrEmpty(importer));
      mocks.set(importer, mocking);
    }
    return mocking;
  };
  return {
    name: 'contentgraph:compiled-sources',
    enforce: 'pre',
    // Called once per vitest project (vitest.config.ts): the first call decides for the run.
    configureVitest({ vitest, project, defineCacheKeyGenerator }) {
      if (!decided && !vitest.config.watch && !testsRunSources()) {
        build(root);
        compiled = !buildIsStale(root);
      }
      decided = true;
      defineCacheKeyGenerator(() => (compiled ? 'contentgraph:compiled' : 'contentgraph:sources'));
      // Test files share a process only where Node loads the compiled application once for all of them
      // (vitest.config.ts, test/setup/test-projects.ts); on the sources each keeps a process of its own.
      if (!compiled) project.config.isolate = true;
    },
    async resolveId(source, importer, options) {
      if (!compiled || !importer || !source.startsWith('.') || staysOnSources(importer)) return null;
      const resolved = await this.resolve(source, importer, { ...options, skipSelf: true });
      if (!resolved || !resolved.id.startsWith(src) || !resolved.id.endsWith('.ts') || resolved.id === projectRoot) return null;
      return { id: dist + path.relative(src, resolved.id).replace(/\.ts$/, '.js'), external: true };
    },
  };
}

function readOrEmpty(file: string): string {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch {
    return '';
  }
}
