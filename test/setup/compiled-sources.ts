import fs from 'node:fs';
import path from 'node:path';
import type { Plugin } from 'vite';
import { buildIsStale, testsRunSources } from './build.js';

/**
 * `vitest run`: the test files import the application from `dist/` (tsc's
 * output, the code production runs), loaded by Node itself, instead of having
 * vitest compile and evaluate `src/` module by module in every test process.
 *
 * Why (2026-12-02, vitest's import breakdown and `diagnostic()` per file): a
 * test file spent a median 1.7 s of its process importing the application,
 * about 150 modules, each fetched from vitest's main process and evaluated
 * by its module runner (20–60 ms apiece on a busy machine): a quarter of the
 * suite's time. Natively the same modules load in about 0.2 s (the rest is
 * the dependencies, which vitest loads natively already).
 *
 * What stays on the sources:
 * - what a test file that calls `vi.mock` imports from `src/` (a mock reaches
 *   only the modules vitest evaluates itself), and what those modules import;
 * - the global setup's imports (it builds `dist/` when it is stale, so it
 *   cannot import it);
 * - `src/server/project-root.ts` imported by a test: the tests read files of
 *   the checkout, while the compiled modules keep their own copy, whose root
 *   is `dist/`, as in production;
 * - everything when `dist/` is still stale after the global setup's build
 *   (test/setup/build.ts), and under CG_TEST_SOURCES=1.
 *
 * vitest.config.ts adds the plugin to `vitest run` only: watch mode keeps the
 * sources (it would not rebuild `dist/` on a change).
 */
export function compiledSources(root: string): Plugin {
  const src = path.join(root, 'src') + path.sep;
  const dist = path.join(root, 'dist', 'src') + path.sep;
  const setup = path.join(root, 'test', 'setup') + path.sep;
  const projectRoot = path.join(src, 'server', 'project-root.ts');
  const mocks = new Map<string, boolean>();
  /** Decided at the first import that could go to dist/: after the global setup has built it. */
  let distUsable: boolean | undefined;
  const staysOnSources = (importer: string): boolean => {
    if (importer.startsWith(src) || importer.startsWith(setup)) return true;
    let mocking = mocks.get(importer);
    if (mocking === undefined) {
      mocking = /\bvi\.(?:mock|doMock)\(/.test(readOrEmpty(importer));
      mocks.set(importer, mocking);
    }
    return mocking;
  };
  return {
    name: 'contentgraph:compiled-sources',
    enforce: 'pre',
    async resolveId(source, importer, options) {
      if (!importer || !source.startsWith('.') || staysOnSources(importer)) return null;
      const resolved = await this.resolve(source, importer, { ...options, skipSelf: true });
      if (!resolved || !resolved.id.startsWith(src) || !resolved.id.endsWith('.ts') || resolved.id === projectRoot) return null;
      distUsable ??= !testsRunSources() && !buildIsStale(root);
      if (!distUsable) return null;
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
