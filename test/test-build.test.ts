// @database-independent
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { buildIsStale, compiledEntry } from './setup/build.js';
import { compiledSources } from './setup/compiled-sources.js';

/**
 * test/setup/build.ts: the servers and CLIs the tests start run from dist/
 * only while it is current; any source, configuration or missing output
 * sends them back to the sources (tsx). On a project of its own in a
 * temporary directory, so the run's real dist/ is never touched.
 */
describe('the test run starts src/ entry points compiled only from a current build', () => {
  let root: string;
  const saved = process.env.CG_TEST_SOURCES;
  const write = (file: string, at: number) => {
    fs.mkdirSync(path.dirname(path.join(root, file)), { recursive: true });
    fs.writeFileSync(path.join(root, file), '');
    fs.utimesSync(path.join(root, file), at, at);
  };
  const now = Date.now() / 1000;

  beforeEach(() => {
    root = fs.mkdtempSync(path.join(os.tmpdir(), 'cg-build-'));
    delete process.env.CG_TEST_SOURCES;
    for (const file of ['src/server.ts', 'src/cli.ts', 'src/server/start.ts', 'migrations/Migration1.ts', 'package.json', 'tsconfig.json', 'tsconfig.build.json']) write(file, now - 100);
  });
  afterEach(() => {
    fs.rmSync(root, { recursive: true, force: true });
    if (saved === undefined) delete process.env.CG_TEST_SOURCES;
    else process.env.CG_TEST_SOURCES = saved;
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

  it('uses the sources when CG_TEST_SOURCES=1', () => {
    write('dist/src/server.js', now - 10);
    process.env.CG_TEST_SOURCES = '1';
    expect(compiledEntry('src/server.ts', root)).toBeUndefined();
  });
});

/**
 * test/setup/compiled-sources.ts: under `vitest run` a test file's imports of
 * src/ load from dist/, except what a mock must reach, the global setup's,
 * the project root, and everything while dist/ is stale. On a temporary
 * project, with vite's resolver played by a function that maps `.js` to `.ts`.
 */
describe('the test files import src/ compiled only where that is safe', () => {
  let root: string;
  const saved = process.env.CG_TEST_SOURCES;
  const write = (file: string, text = '', at = Date.now() / 1000 - 100) => {
    fs.mkdirSync(path.dirname(path.join(root, file)), { recursive: true });
    fs.writeFileSync(path.join(root, file), text);
    fs.utimesSync(path.join(root, file), at, at);
  };
  /** The plugin as a run starts it (watch mode or not), with a build that does nothing, and the cache key it defines. */
  const start = (options: { watch?: boolean } = {}) => {
    const plugin = compiledSources(root, () => {});
    const keys: (() => unknown)[] = [];
    const configure = plugin.configureVitest as (context: object) => void;
    configure({ vitest: { config: { watch: options.watch ?? false } }, defineCacheKeyGenerator: (generator: () => unknown) => keys.push(generator) });
    return { plugin, cacheKey: () => keys.map((generator) => generator()).join() };
  };
  /** What the plugin answers for `source` imported by `importer` (both relative to the project). */
  const resolve = async (plugin: ReturnType<typeof compiledSources>, source: string, importer: string) => {
    const context = {
      resolve: async (s: string, from: string) => {
        const file = path.resolve(path.dirname(from), s.replace(/\.js$/, '.ts'));
        return fs.existsSync(file) ? { id: file } : null;
      },
    };
    const hook = plugin.resolveId as (this: typeof context, source: string, importer: string | undefined, options: object) => Promise<{ id: string; external: boolean } | null>;
    const answer = await hook.call(context, source, importer && path.join(root, importer), {});
    return answer && { id: path.relative(root, answer.id), external: answer.external };
  };

  beforeEach(() => {
    root = fs.mkdtempSync(path.join(os.tmpdir(), 'cg-compiled-'));
    delete process.env.CG_TEST_SOURCES;
    for (const file of ['src/server.ts', 'src/app/registry.ts', 'src/server/project-root.ts', 'package.json', 'tsconfig.json', 'tsconfig.build.json']) write(file);
    write('test/a.test.ts', "import { x } from '../src/app/registry.js';");
    write('test/mocking.test.ts', "vi.mock('node:fs/promises');");
    write('test/setup/global.ts');
  });
  afterEach(() => {
    fs.rmSync(root, { recursive: true, force: true });
    if (saved === undefined) delete process.env.CG_TEST_SOURCES;
    else process.env.CG_TEST_SOURCES = saved;
  });
  const built = () => write('dist/src/server.js', '', Date.now() / 1000 - 10);

  it("sends a test file's import of a module under src/ to its compiled file, loaded by Node", async () => {
    built();
    const { plugin, cacheKey } = start();
    expect(await resolve(plugin, '../src/app/registry.js', 'test/a.test.ts')).toEqual({ id: path.join('dist', 'src', 'app', 'registry.js'), external: true });
    expect(await resolve(plugin, '../../src/app/registry.js', 'test/setup/global.ts')).toEqual({ id: path.join('dist', 'src', 'app', 'registry.js'), external: true });
    expect(await resolve(plugin, './helpers/x.js', 'test/a.test.ts')).toBeNull(); // not under src/: vitest's
    expect(await resolve(plugin, 'graphql', 'test/a.test.ts')).toBeNull(); // a package: vitest's
    expect(await resolve(plugin, '../src/missing.js', 'test/a.test.ts')).toBeNull();
    expect(cacheKey()).toBe('contentgraph:compiled');
  });

  it('keeps on the sources: a file that mocks, what a source module imports, the project root', async () => {
    built();
    const { plugin } = start();
    expect(await resolve(plugin, '../src/app/registry.js', 'test/mocking.test.ts')).toBeNull();
    expect(await resolve(plugin, '../server.js', 'src/app/registry.ts')).toBeNull();
    expect(await resolve(plugin, '../src/server/project-root.js', 'test/a.test.ts')).toBeNull();
    expect(await resolve(plugin, '../src/app/registry.js', 'test/a.test.ts')).not.toBeNull(); // the same plugin, another file
  });

  it('decides once, as the run starts: the sources while dist/ is missing or stale, in watch mode and under CG_TEST_SOURCES=1', async () => {
    const sources = async (run: ReturnType<typeof start>) => {
      expect(await resolve(run.plugin, '../src/app/registry.js', 'test/a.test.ts')).toBeNull();
      expect(run.cacheKey()).toBe('contentgraph:sources');
    };
    await sources(start()); // no build
    built();
    write('src/app/registry.ts', 'edited', Date.now() / 1000);
    await sources(start()); // stale
    built();
    write('src/app/registry.ts', '', Date.now() / 1000 - 100);
    await sources(start({ watch: true }));
    process.env.CG_TEST_SOURCES = '1';
    await sources(start());
    delete process.env.CG_TEST_SOURCES;
    const run = start();
    write('src/app/registry.ts', 'edited', Date.now() / 1000); // stale only after the run started: its decision stands
    expect(await resolve(run.plugin, '../src/app/registry.js', 'test/a.test.ts')).not.toBeNull();
  });

  it('counts a build stale that still holds the output of a deleted source', () => {
    built();
    write('dist/src/app/registry.js');
    write('dist/src/app/registry.js.map');
    expect(buildIsStale(root)).toBe(false);
    write('dist/src/app/gone.js');
    expect(buildIsStale(root)).toBe(true);
  });
});
