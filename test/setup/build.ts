import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { PROJECT_ROOT } from '../../src/server/project-root.js';

/** The file every build writes (the server's entry point); its time is the build's. */
const BUILT = 'dist/src/server.js';
/** What `npm run build` compiles (tsconfig.build.json), and what it depends on. */
const SOURCES = ['src', 'migrations'];
const CONFIGS = ['tsconfig.json', 'tsconfig.build.json', 'package.json'];

/**
 * Whether `dist/` (`npm run build`) is missing, older than a file it is
 * compiled from (`src/`, `migrations/`, the TypeScript configuration,
 * package.json), or holds the output of a source that is gone (tsc never
 * deletes what it wrote: a deleted migration would still be found in
 * `dist/migrations`). A few ms: one `stat` per file.
 */
export function buildIsStale(root = PROJECT_ROOT): boolean {
  const built = path.join(root, BUILT);
  if (!fs.existsSync(built)) return true;
  const builtAt = fs.statSync(built).mtimeMs;
  const newer = (file: string) => fs.statSync(file).mtimeMs > builtAt;
  const files = (dir: string) =>
    fs.existsSync(dir)
      ? fs
          .readdirSync(dir, { recursive: true, withFileTypes: true })
          .filter((entry) => entry.isFile())
          .map((entry) => path.join(entry.parentPath, entry.name))
      : [];
  if (CONFIGS.some((name) => fs.existsSync(path.join(root, name)) && newer(path.join(root, name)))) return true;
  if (SOURCES.some((dir) => files(path.join(root, dir)).some(newer))) return true;
  // An output without its source (`x.js`, `x.js.map`, `x.d.ts` of `x.ts`).
  return SOURCES.some((dir) =>
    files(path.join(root, 'dist', dir)).some((output) => {
      const source = path.join(root, path.relative(path.join(root, 'dist'), output)).replace(/\.(js|js\.map|d\.ts|d\.ts\.map)$/, '.ts');
      return !fs.existsSync(source);
    }),
  );
}

/**
 * CG_TEST_SOURCES=1: the tests run the TypeScript sources only, never `dist/`
 * (no build; processes start through tsx, test files import `src/`).
 */
export function testsRunSources(): boolean {
  return process.env.CG_TEST_SOURCES === '1';
}

/**
 * Builds `dist/` when it is stale, before any test process starts (the run's
 * configuration, test/setup/compiled-sources.ts; and the global setup, for
 * the processes of a watch-mode run). The test files then import the
 * application compiled, and the servers and CLIs they start run compiled,
 * as production runs them, and start in 1.4 s instead of 2.3–3.4 s through
 * tsx (test/fixtures/processes.ts). Skipped under CG_TEST_SOURCES=1.
 *
 * A build starts from an empty `dist/` (tsc compiles everything anyway, and
 * never deletes the output of a removed source), and its entry point is
 * dated when the build began: a source saved while tsc ran is newer, so the
 * next run builds again.
 */
export function buildWhenStale(root = PROJECT_ROOT): void {
  if (testsRunSources() || !buildIsStale(root)) return;
  const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
  const began = new Date();
  fs.rmSync(path.join(root, 'dist'), { recursive: true, force: true });
  try {
    execFileSync(process.execPath, [tsc, '-p', 'tsconfig.build.json'], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
  } catch (error) {
    // A type error does not stop the tests (vitest does not type-check either); tsc still writes dist/ then, and
    // if it could not, the tests import and start the sources (compiled-sources.ts, compiledEntry).
    const output = String((error as { stdout?: Buffer }).stdout ?? '').trim();
    console.warn(`test/setup/build.ts: \`tsc -p tsconfig.build.json\` failed; the tests go on.\n${output.split('\n').slice(0, 20).join('\n')}`);
  }
  const built = path.join(root, BUILT);
  if (fs.existsSync(built)) fs.utimesSync(built, began, began);
}

/**
 * The compiled file of a TypeScript entry point under `src/` (`src/cli.ts` →
 * `dist/src/cli.js`) when the build is current and not turned off
 * (CG_TEST_SOURCES=1); undefined otherwise, and for any other file
 * (test fixtures are not built).
 */
export function compiledEntry(script: string, root = PROJECT_ROOT): string | undefined {
  if (testsRunSources() || !/^src\/[\w./-]+\.ts$/.test(script) || script.includes('..')) return undefined;
  const compiled = path.join('dist', script.replace(/\.ts$/, '.js'));
  return fs.existsSync(path.join(root, compiled)) && !buildIsStale(root) ? compiled : undefined;
}
