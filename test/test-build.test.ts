// @database-independent
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { buildIsStale, compiledEntry } from './setup/build.js';
import { compiledSources } from './setup/compiled-sources.js';
import { testProcessGroups } from './setup/test-projects.js';

/** Each test works on a project of its own in a temporary directory, so the run's real dist/ is never touched. */
let root: string;
const now = Date.now() / 1000;
const saved = process.env.CG_TEST_SOURCES;
/** Writes `file` (relative to the project), dated `at` (seconds; well before any build by default). */
const write = (file: string, at = now - 100, text = '') => {
  fs.mkdirSync(path.dirname(path.join(root, file)), { recursive: true });
  fs.writeFileSync(path.join(root, file), text);
  fs.utimesSync(path.join(root, file), at, at);
};
/** A build (its entry point) newer than the sources. */
const built = () => write('dist/src/server.js', now - 10);

beforeEach(() => {
  root = fs.mkdtempSync(path.join(os.tmpdir(), 'cg-build-'));
  delete process.env.CG_TEST_SOURCES;
});
afterEach(() => {
  fs.rmSync(root, { recursive: true, force: true });
  if (saved === undefined) delete process.env.CG_TEST_SOURCES;
  else process.env.CG_TEST_SOURCES = saved;
});

/**
 * test/setup/build.ts: the servers and CLIs the tests start run from dist/
 * only while it is current; any source, configuration or missing output
 * sends them back to the sources (tsx).
 */
describe('the test run starts src/ entry points compiled only from a current build', () => {
  beforeEach(() => {
    for (const file of ['src/server.ts', 'src/cli.ts', 'src/server/start.ts', 'migrations/Migration1.ts', 'package.json', 'tsconfig.json', 'tsconfig.build.json']) write(file);
  });

  it('uses the sources while there is no build', () => {
    expect(buildIsStale(root)).toBe(true);
    expect(compiledEntry('src/server.ts', root)).toBeUndefined();
  });

  it('uses the build once it is newer than every source, and only for entry points it has', () => {
    built();
    write('dist/src/cli.js', now - 10);
    expect(buildIsStale(root)).toBe(false);
    expect(compiledEntry('src/server.ts', root)).toBe(path.join('dist', 'src', 'server.js'));
    expect(compiledEntry('src/cli.ts', root)).toBe(path.join('dist', 'src', 'cli.js'));
    expect(compiledEntry('src/tools/migrate.ts', root)).toBeUndefined(); // not built here
  });

  it.each([['a source edited after the build', 'src/server/start.ts'], ['a new migration', 'migrations/Migration2.ts'], ['the build configuration', 'tsconfig.build.json'], ['package.json', 'package.json']])(
    'goes back to the sources after %s',
    (_, file) => {
      built();
      write(file, now);
      expect(buildIsStale(root)).toBe(true);
      expect(compiledEntry('src/server.ts', root)).toBeUndefined();
    },
  );

  it('never compiles what is not an entry point under src/, nor a path that leaves it', () => {
    built();
    write('dist/test/fixtures/crash-writer.js', now - 10);
    for (const script of ['test/fixtures/crash-writer.ts', 'src/../test/fixtures/crash-writer.ts', 'src/server.js', '/abs/src/server.ts', 'src/server.ts; rm -rf /', ' src/server.ts'])
      expect(compiledEntry(script, root)).toBeUndefined();
  });

  it('uses the sources when CG_TEST_SOURCES=1', () => {
    built();
    process.env.CG_TEST_SOURCES = '1';
    expect(compiledEntry('src/server.ts', root)).toBeUndefined();
  });
});

/**
 * test/setup/compiled-sources.ts: in a run that is not in watch mode, the
 * imports of src/ load from dist/, except what a mock must reach and the
 * project root, and nothing does while dist/ is stale. Vite's resolver is
 * played by a function that maps `.js` to `.ts`.
 */
describe('the test files import src/ compiled only where that is safe', () => {
  /** The plugin as a run starts it (watch mode or not), with a build that does nothing, and the cache key it defines. */
  const start = (options: { watch?: boolean } = {}) => {
    const plugin = compiledSources(root, () => {});
    const keys: (() => unknown)[] = [];
    const configure = plugin.configureVitest as (context: object) => void;
    // Two projects that share their processes (vitest.config.ts): the plugin is asked once for each.
    const projects = [{ config: { isolate: false } }, { config: { isolate: false } }];
    for (const project of projects) {
      configure({ vitest: { config: { watch: options.watch ?? false } }, project, defineCacheKeyGenerator: (generator: () => unknown) => keys.push(generator) });
    }
    return { plugin, cacheKey: () => [...new Set(keys.map((generator) => generator()))].join(), isolated: () => projects.map((p) => p.config.isolate) };
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
    for (const file of ['src/server.ts', 'src/app/registry.ts', 'src/server/project-root.ts', 'package.json', 'tsconfig.json', 'tsconfig.build.json']) write(file);
    write('test/a.test.ts', now - 100, "import { x } from '../src/app/registry.js';");
    write('test/mocking.test.ts', now - 100, "vi.mock('node:fs/promises');");
    write('test/setup/global.ts');
  });

  it("sends a test file's import of a module under src/ to its compiled file, loaded by Node", async () => {
    built();
    const run = start();
    const { plugin, cacheKey } = run;
    expect(await resolve(plugin, '../src/app/registry.js', 'test/a.test.ts')).toEqual({ id: path.join('dist', 'src', 'app', 'registry.js'), external: true });
    expect(await resolve(plugin, '../../src/app/registry.js', 'test/setup/global.ts')).toEqual({ id: path.join('dist', 'src', 'app', 'registry.js'), external: true });
    expect(await resolve(plugin, './helpers/x.js', 'test/a.test.ts')).toBeNull(); // not under src/: vitest's
    expect(await resolve(plugin, 'graphql', 'test/a.test.ts')).toBeNull(); // a package: vitest's
    expect(await resolve(plugin, '../src/missing.js', 'test/a.test.ts')).toBeNull();
    expect(cacheKey()).toBe('contentgraph:compiled');
    expect(run.isolated()).toEqual([false, false]); // compiled: the files of a project share processes
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
      expect(run.isolated()).toEqual([true, true]); // on the sources every file has a process of its own
    };
    await sources(start()); // no build
    built();
    write('src/app/registry.ts', now, 'edited');
    await sources(start()); // stale
    built();
    write('src/app/registry.ts');
    await sources(start({ watch: true }));
    process.env.CG_TEST_SOURCES = '1';
    await sources(start());
    delete process.env.CG_TEST_SOURCES;
    const run = start();
    write('src/app/registry.ts', now, 'edited'); // stale only after the run started: its decision stands
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

/** test/setup/test-projects.ts: which test files share a process (vitest.config.ts makes a project of each group). */
describe('the test files share processes only with files of the same app', () => {
  it("gives a process of its own to a file marked so or mocking modules, and groups the others by the app they start", () => {
    write('test/marked.test.ts', undefined, "// @own-process: changes the registry\nimport { it } from 'vitest';\nconst app = 'core';");
    write('test/mocks.test.ts', undefined, "vi.mock('../src/server/orm.js');");
    write('test/mocks-later.test.ts', undefined, "vi\n  .doMock('x', () => ({}));");
    write('test/core.test.ts', undefined, "const { registry } = testApp('core');");
    write('test/demo.test.ts', undefined, "const { registry } = testApp('demo');");
    // The mark counts only at the start of a line of its own, not quoted nor indented into other text.
    write('test/quoted.test.ts', undefined, "const mark = '// @own-process';\n  // @own-process");
    write('test/helper.ts', undefined, '// @own-process');
    write('test/nested/deep.test.ts', undefined, '');
    expect(testProcessGroups(root)).toEqual({
      own: ['test/marked.test.ts', 'test/mocks-later.test.ts', 'test/mocks.test.ts'],
      core: ['test/core.test.ts'],
      demo: ['test/demo.test.ts', 'test/nested/deep.test.ts', 'test/quoted.test.ts'],
    });
  });

  it('knows the files of this suite: every one in exactly one group, and the ones that must be alone alone', () => {
    const project = path.resolve(import.meta.dirname, '..');
    const groups = testProcessGroups(project);
    const all = fs.globSync('test/**/*.test.ts', { cwd: project }).sort();
    expect([...groups.own, ...groups.core, ...groups.demo].sort()).toEqual(all);
    expect(groups.own).toEqual(expect.arrayContaining(['test/relations-per-type.test.ts', 'test/migrations.test.ts', 'test/registry.test.ts', 'test/pglite-wasm-modules.test.ts', 'test/schema.test.ts']));
    expect(groups.core).toContain('test/schema-per-process.test.ts');
  });
});
