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
 * Whether `dist/` (`npm run build`) is missing or older than a file it is
 * compiled from (`src/`, `migrations/`, the TypeScript configuration,
 * package.json). A few ms: one `stat` per file.
 */
export function buildIsStale(root = PROJECT_ROOT): boolean {
  const built = path.join(root, BUILT);
  if (!fs.existsSync(built)) return true;
  const builtAt = fs.statSync(built).mtimeMs;
  const newer = (file: string) => fs.statSync(file).mtimeMs > builtAt;
  return (
    CONFIGS.some((name) => fs.existsSync(path.join(root, name)) && newer(path.join(root, name))) ||
    SOURCES.filter((dir) => fs.existsSync(path.join(root, dir))).some((dir) =>
      fs.readdirSync(path.join(root, dir), { recursive: true, withFileTypes: true }).some((entry) => entry.isFile() && newer(path.join(entry.parentPath, entry.name))),
    )
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
 * Builds `dist/` when it is stale (the run's global setup, before any test
 * process starts, so no two build at once). The test files then import the
 * application compiled (test/setup/compiled-sources.ts), and the servers and
 * CLIs they start run compiled, as production runs them, and start in 1.4 s
 * instead of 2.3–3.4 s through tsx (test/fixtures/processes.ts). Skipped
 * under CG_TEST_SOURCES=1.
 */
export function buildWhenStale(): void {
  if (testsRunSources() || !buildIsStale()) return;
  const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
  try {
    execFileSync(process.execPath, [tsc, '-p', 'tsconfig.build.json'], { cwd: PROJECT_ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  } catch (error) {
    // A type error does not stop the tests (vitest does not type-check either); tsc still writes dist/ then, and
    // if it could not, the tests import and start the sources (compiled-sources.ts, compiledEntry).
    const output = String((error as { stdout?: Buffer }).stdout ?? '').trim();
    console.warn(`test/setup/build.ts: \`tsc -p tsconfig.build.json\` failed; the tests go on.\n${output.split('\n').slice(0, 20).join('\n')}`);
  }
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
