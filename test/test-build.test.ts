// @database-independent
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { buildIsStale, compiledEntry } from './setup/build.js';

/**
 * test/setup/build.ts: the servers and CLIs the tests start run from dist/
 * only while it is current; any source, configuration or missing output
 * sends them back to the sources (tsx). On a project of its own in a
 * temporary directory, so the run's real dist/ is never touched.
 */
describe('the test run starts src/ entry points compiled only from a current build', () => {
  let root: string;
  const saved = process.env.CG_TEST_SPAWN_SOURCE;
  const write = (file: string, at: number) => {
    fs.mkdirSync(path.dirname(path.join(root, file)), { recursive: true });
    fs.writeFileSync(path.join(root, file), '');
    fs.utimesSync(path.join(root, file), at, at);
  };
  const now = Date.now() / 1000;

  beforeEach(() => {
    root = fs.mkdtempSync(path.join(os.tmpdir(), 'cg-build-'));
    delete process.env.CG_TEST_SPAWN_SOURCE;
    for (const file of ['src/server.ts', 'src/cli.ts', 'src/server/start.ts', 'migrations/Migration1.ts', 'package.json', 'tsconfig.json', 'tsconfig.build.json']) write(file, now - 100);
  });
  afterEach(() => {
    fs.rmSync(root, { recursive: true, force: true });
    if (saved === undefined) delete process.env.CG_TEST_SPAWN_SOURCE;
    else process.env.CG_TEST_SPAWN_SOURCE = saved;
  });

  it('uses the sources while there is no build', () => {
    expect(buildIsStale(root)).toBe(true);
    expect(compiledEntry('src/server.ts', root)).toBeUndefined();
  });

  it('uses the build once it is newer than every source, and only for entry points it has', () => {
    write('dist/src/server.js', now - 10);
    write('dist/src/cli.js', now - 10);
    expect(buildIsStale(root)).toBe(false);
    expect(compiledEntry('src/server.ts', root)).toBe(path.join('dist', 'src', 'server.js'));
    expect(compiledEntry('src/cli.ts', root)).toBe(path.join('dist', 'src', 'cli.js'));
    expect(compiledEntry('src/tools/migrate.ts', root)).toBeUndefined(); // not built here
  });

  it.each([['a source edited after the build', 'src/server/start.ts'], ['a new migration', 'migrations/Migration2.ts'], ['the build configuration', 'tsconfig.build.json'], ['package.json', 'package.json']])(
    'goes back to the sources after %s',
    (_, file) => {
      write('dist/src/server.js', now - 10);
      write(file, now);
      expect(buildIsStale(root)).toBe(true);
      expect(compiledEntry('src/server.ts', root)).toBeUndefined();
    },
  );

  it('never compiles what is not an entry point under src/, nor a path that leaves it', () => {
    write('dist/src/server.js', now - 10);
    write('dist/test/fixtures/crash-writer.js', now - 10);
    for (const script of ['test/fixtures/crash-writer.ts', 'src/../test/fixtures/crash-writer.ts', 'src/server.js', '/abs/src/server.ts', 'src/server.ts; rm -rf /', ' src/server.ts'])
      expect(compiledEntry(script, root)).toBeUndefined();
  });

  it('uses the sources when CG_TEST_SPAWN_SOURCE=1', () => {
    write('dist/src/server.js', now - 10);
    process.env.CG_TEST_SPAWN_SOURCE = '1';
    expect(compiledEntry('src/server.ts', root)).toBeUndefined();
  });
});
