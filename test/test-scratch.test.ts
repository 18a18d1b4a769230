// @database-independent
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { useMemoryScratch } from './setup/scratch.js';

describe('where the test run keeps its files (test/setup/scratch.ts)', () => {
  it('this run: TMPDIR is the directory the config chose, and the databases are made in it', () => {
    const chosen = process.env.CG_TEST_SCRATCH;
    if (chosen) expect(os.tmpdir()).toBe(chosen);
    if (process.env.CG_TEST_TMPDIR === undefined && chosen) expect(chosen.startsWith('/dev/shm/cg-tests-')).toBe(true);
  });

  it('a memory file system that is missing, or a file: TMPDIR stays as it is', () => {
    const file = path.join(os.tmpdir(), `cg-scratch-file-${process.pid}`);
    fs.writeFileSync(file, '');
    try {
      for (const memoryFs of ['/nonexistent-shm', file, '']) {
        const env: NodeJS.ProcessEnv = { TMPDIR: '/keep' };
        expect(useMemoryScratch(env, memoryFs)).toBeUndefined();
        expect(env).toEqual({ TMPDIR: '/keep' });
      }
    } finally {
      fs.rmSync(file);
    }
  });

  it('CG_TEST_TMPDIR: an existing directory is used, empty leaves TMPDIR, anything else is refused with its value', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cg-scratch-'));
    try {
      const env: NodeJS.ProcessEnv = { CG_TEST_TMPDIR: dir };
      expect(useMemoryScratch(env, '/nonexistent-shm')).toBe(dir);
      expect(env.TMPDIR).toBe(dir);
      expect(useMemoryScratch(env, '/nonexistent-shm')).toBe(dir); // loaded again in the same run: the same one
      const empty: NodeJS.ProcessEnv = { CG_TEST_TMPDIR: '', TMPDIR: '/keep' };
      expect(useMemoryScratch(empty)).toBeUndefined();
      expect(empty.TMPDIR).toBe('/keep');
      for (const bad of [path.join(dir, 'missing'), `${dir}\0x`, path.join(dir, '..', '..', '\u202e'), 'x'.repeat(10_000)]) {
        expect(() => useMemoryScratch({ CG_TEST_TMPDIR: bad })).toThrow(`CG_TEST_TMPDIR must name a writable directory (got ${JSON.stringify(bad)})`);
      }
    } finally {
      fs.rmSync(dir, { recursive: true });
    }
  });
});
