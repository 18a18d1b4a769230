import fs from 'node:fs';
import path from 'node:path';

export interface DataDirLock {
  path: string;
  release(): void;
}

/** Lock files this process holds (a pid check cannot tell two holders in one process apart). */
const held = new Set<string>();

/**
 * PGlite takes no lock on its data directory, and two processes writing one
 * directory corrupt it. This lock file (`<dataDir>/server.lock`, holding the
 * owner's pid) makes a second process, or a second server in this process,
 * fail with a clear message instead. A lock left by a process that no longer
 * runs is taken over; the takeover renames the stale file first, so two
 * processes finding the same stale lock cannot both win.
 */
export function acquireDataDirLock(dataDir: string): DataDirLock {
  fs.mkdirSync(dataDir, { recursive: true });
  const lockPath = path.join(dataDir, 'server.lock');
  if (held.has(lockPath)) {
    throw new Error(
      `The embedded database in ${dataDir} is already open in this process; close it (server.stop()) before opening it again.`,
    );
  }
  for (let attempt = 0; attempt < 5; attempt++) {
    try {
      // Created with its content in one step (link fails when the path
      // exists), so nobody ever reads a lock file without a pid.
      const draft = `${lockPath}.${process.pid}.tmp`;
      fs.writeFileSync(draft, `${process.pid}\n`);
      try {
        fs.linkSync(draft, lockPath);
      } finally {
        fs.rmSync(draft, { force: true });
      }
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      const owner = readOwner(lockPath);
      if (owner === undefined) continue; // removed meanwhile: try again
      if (owner !== process.pid && isRunning(owner)) {
        throw new Error(
          `The embedded database in ${dataDir} is in use by another process (pid ${owner}). ` +
            'Stop that process, or point this one at another directory with DATA_DIR=…, or use a PostgreSQL server with DATABASE_URL=…. ' +
            `If no contentgraph process runs any more, delete ${lockPath}.`,
        );
      }
      // Stale (its process is gone, or it is our own pid from an earlier life
      // of a restarted container): move it aside, and put it back if another
      // process replaced it between our read and the rename.
      const aside = `${lockPath}.stale-${process.pid}`;
      try {
        fs.renameSync(lockPath, aside);
      } catch (renameError) {
        if ((renameError as NodeJS.ErrnoException).code === 'ENOENT') continue;
        throw renameError;
      }
      if (readOwner(aside) !== owner) {
        try {
          fs.linkSync(aside, lockPath);
        } catch {
          // someone else holds the path now; the next attempt reports them
        }
      }
      fs.rmSync(aside, { force: true });
      continue;
    }
    held.add(lockPath);
    let released = false;
    const release = () => {
      if (released) return;
      released = true;
      held.delete(lockPath);
      process.removeListener('exit', release);
      try {
        if (readOwner(lockPath) === process.pid) fs.unlinkSync(lockPath);
      } catch {
        // already gone
      }
    };
    process.once('exit', release);
    return { path: lockPath, release };
  }
  throw new Error(`Could not take the lock ${lockPath}: other processes keep taking it over; try again.`);
}

function readOwner(lockPath: string): number | undefined {
  try {
    const pid = Number.parseInt(fs.readFileSync(lockPath, 'utf8'), 10);
    return Number.isInteger(pid) ? pid : -1;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}

function isRunning(pid: number): boolean {
  if (pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
