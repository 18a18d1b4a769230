import fs from 'node:fs';
import module from 'node:module';
import path from 'node:path';

/** Free space a memory file system must have to hold the run's databases (a PGlite data directory is about 40 MB). */
const MIN_FREE_BYTES = 2 * 1024 ** 3;

/**
 * Points TMPDIR of this vitest run, and so of every test file, server and
 * CLI process it starts, at a directory of its own on a memory file system
 * (`/dev/shm`) when the machine has one with room to spare, and removes that
 * directory when the run ends. Returns the directory (undefined: TMPDIR left
 * as it was).
 *
 * Why: every test file copies a migrated PGlite data directory (40 MB, 1,100
 * files) and PGlite then reads and writes it file by file. On this project's
 * CI machines a copy onto the disk costs 0.6–0.8 s of kernel time against
 * 36 ms on tmpfs, and the PGlite suite runs in 162 s instead of 241 s
 * (docs/stack.md, "Test run time"). What the tests assert does not depend on
 * where the files are: a process killed mid-write leaves the same files in
 * the page cache either way.
 *
 * `CG_TEST_TMPDIR=<dir>` chooses the directory instead (it must exist and be
 * writable); `CG_TEST_TMPDIR=` (empty) leaves TMPDIR as it is.
 */
export function useMemoryScratch(env: NodeJS.ProcessEnv = process.env, memoryFs = '/dev/shm'): string | undefined {
  if (env.CG_TEST_SCRATCH) return env.CG_TEST_SCRATCH; // chosen already: this config was loaded again in the same run
  let dir: string | undefined;
  const chosen = env.CG_TEST_TMPDIR;
  if (chosen !== undefined) {
    if (chosen !== '' && !writableDir(chosen)) throw new Error(`CG_TEST_TMPDIR must name a writable directory (got ${JSON.stringify(chosen)}).`);
    dir = chosen || undefined;
  } else if (writableDir(memoryFs) && freeBytes(memoryFs) >= MIN_FREE_BYTES) {
    const made = fs.mkdtempSync(path.join(memoryFs, 'cg-tests-'));
    // Like /tmp, others may pass through it (the replica tests run initdb as the postgres user in a
    // directory of their own in it); what the tests make inside it is theirs alone (mkdtemp: 0700).
    fs.chmodSync(made, 0o755);
    process.once('exit', () => fs.rmSync(made, { recursive: true, force: true }));
    dir = made;
  }
  if (dir) env.TMPDIR = env.CG_TEST_SCRATCH = dir;
  return dir;
}

function writableDir(dir: string): boolean {
  try {
    fs.accessSync(dir, fs.constants.W_OK | fs.constants.X_OK);
    return fs.statSync(dir).isDirectory();
  } catch {
    return false;
  }
}

function freeBytes(dir: string): number {
  const stats = fs.statfsSync(dir);
  return stats.bavail * stats.bsize;
}

/**
 * Keeps V8's compiled code of the modules the test processes load (Node's
 * module compile cache) in `node_modules/.cache`, so the 70-odd test files,
 * each in a process of its own, and the servers they start compile the same
 * dependencies once instead of every time (about 0.2 s of CPU per process).
 * `NODE_COMPILE_CACHE` set by the caller wins.
 */
export function useCompileCache(root: string, env: NodeJS.ProcessEnv = process.env): void {
  env.NODE_COMPILE_CACHE ??= path.join(root, 'node_modules', '.cache', 'node-compile-cache');
  module.enableCompileCache?.(env.NODE_COMPILE_CACHE);
}
