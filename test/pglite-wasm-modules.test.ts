import fs from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it, vi } from 'vitest';
// This file mocks a module, so it imports src/ itself and no helper that does (test/setup/compiled-sources.ts):
// a helper would load the compiled copy of the modules under test, which the mock does not reach.
import { copyPgliteTemplate, onPostgres } from './helpers/pglite-template.js';

// The first read of PGlite's WebAssembly fails (a damaged install, a full disk); later reads are real.
let failures = 1;
vi.mock('node:fs/promises', async (importOriginal) => {
  const actual = await importOriginal<typeof import('node:fs/promises')>();
  return {
    ...actual,
    readFile: (async (...args: Parameters<typeof actual.readFile>) => {
      if (String(args[0]).endsWith('.wasm') && failures > 0) {
        failures--;
        throw Object.assign(new Error(`ENOENT: no such file or directory, open '${String(args[0])}'`), { code: 'ENOENT' });
      }
      return actual.readFile(...args);
    }) as typeof actual.readFile,
  };
});

const { PgliteWorkerClient } = await import('../src/server/pglite-worker.client.js');
const { pgliteWasmModules } = await import('../src/server/pglite-wasm.modules.js');

describe.skipIf(onPostgres)('PGlite WebAssembly compiled once per process (pglite)', () => {
  const copies: string[] = [];
  /** A copy of the suite's migrated template (no initdb: fast). */
  const tempDir = async () => {
    const copy = copyPgliteTemplate('core');
    copies.push(copy);
    return path.join(copy, 'pgdata');
  };
  afterAll(() => {
    for (const copy of copies) fs.rmSync(copy, { recursive: true, force: true });
  });

  it('a failed compile says which database it was opening and why; the next opening compiles again and works', async () => {
    const dataDir = await tempDir();
    const error = await PgliteWorkerClient.start(dataDir).then(
      () => undefined,
      (e: Error) => e,
    );
    expect(error?.message).toContain(`Could not open the embedded database in ${dataDir}`);
    expect(error?.message).toContain("PGlite's WebAssembly did not compile");
    expect(error?.message).toContain('ENOENT');

    // Two databases opened at once: one compile, shared by both threads.
    const [a, b] = await Promise.all([PgliteWorkerClient.start(await tempDir()), PgliteWorkerClient.start(await tempDir())]);
    try {
      expect((await a.query<{ n: number }>('select 1 as n')).rows).toEqual([{ n: 1 }]);
      expect((await b.query<{ n: number }>('select 2 as n')).rows).toEqual([{ n: 2 }]);
    } finally {
      await Promise.all([a.close(), b.close()]);
    }
    expect(await pgliteWasmModules()).toBe(await pgliteWasmModules());
  });
});
