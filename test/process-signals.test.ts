import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PROJECT_ROOT } from '../src/server/project-root.js';
import { createTestDatabase, databaseKind, onPostgres, type TestDatabase } from './helpers/database.js';
import { alive, childrenOf, freePort, portOpen, serverChildrenOf } from './helpers/process-tree.js';
import { buildIsStale, testsRunSources } from './setup/build.js';

/**
 * The commands the README gives, run as a person or a process manager runs
 * them (through npm), stopped by SIGTERM/SIGINT sent to npm's process: the
 * server stops gracefully, its port closes, the embedded database's lock is
 * released, and no process is left behind. On PostgreSQL with WORKERS=2:
 * the primary and both its workers.
 */
describe(`npm start / npm run start:prod stop on a signal to npm (${databaseKind})`, () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase();
    // start:prod runs the compiled server. A run that imports dist/ built it as it started (compiled-sources.ts):
    // rebuilding it now, under the other test processes loading it, could hand them half-written files. A run on
    // the sources (CG_TEST_SOURCES=1) has no build, and nothing else reads dist/: build it when stale.
    const stale = testsRunSources() ? buildIsStale() : !fs.existsSync(path.join(PROJECT_ROOT, 'dist/src/server.js'));
    if (stale) execFileSync('npm', ['run', 'build'], { cwd: PROJECT_ROOT, stdio: 'ignore' });
  }, 180_000);
  afterAll(() => db?.drop());

  const cases: [string, string[], NodeJS.Signals, Record<string, string>][] = [
    ['npm run start:prod (compiled, production)', ['run', 'start:prod'], 'SIGTERM', {}],
    ['npm run start:prod (compiled, production)', ['run', 'start:prod'], 'SIGINT', {}],
    ['npm start (development, TypeScript)', ['start'], 'SIGTERM', { NODE_ENV: 'development' }],
  ];

  for (const [name, args, signal, env] of cases) {
    it(`${name}: ${signal} to npm's process stops the server, closes its port, releases the lock, leaves no process`, async () => {
      const port = await freePort();
      const npm = spawnNpm(args, {
        ...(db.config.databaseUrl ? { DATABASE_URL: db.config.databaseUrl } : { DATA_DIR: db.config.dataDir }),
        PORT: String(port),
        HOST: '127.0.0.1',
        SEED_DEMO_DATA: 'false',
        ...(onPostgres ? { WORKERS: '2' } : {}),
        ...env,
      });
      try {
        await npm.waitFor(/contentgraph ready at/);
        const health = await fetch(`http://127.0.0.1:${port}/readyz`);
        expect(health.status).toBe(200);
        const children = childrenOf(npm.child.pid!);
        expect(children).toHaveLength(1); // npm → node (the script execs node: no shell, no loader process in between)
        const workers = serverChildrenOf(children[0]);
        expect(workers).toHaveLength(onPostgres ? 2 : 0);
        if (!onPostgres) expect(fs.readFileSync(path.join(db.config.dataDir, 'server.lock'), 'utf8').trim()).toBe(String(children[0]));
        npm.child.kill(signal);
        const code = await npm.exited;
        expect(npm.output()).toContain(`${signal} received`);
        expect(npm.output()).toContain('Stopped cleanly.');
        expect(code).toBe(0);
        expect(alive(children[0])).toBe(false);
        for (const worker of workers) expect(alive(worker)).toBe(false);
        expect(await portOpen(port)).toBe(false);
        if (!onPostgres) expect(fs.existsSync(path.join(db.config.dataDir, 'server.lock'))).toBe(false);
      } finally {
        if (npm.child.exitCode === null) npm.child.kill('SIGKILL');
      }
    });
  }
});

function spawnNpm(args: string[], env: Record<string, string>) {
  const base = { ...process.env };
  for (const name of ['DATABASE_URL', 'DATA_DIR', 'VITEST', 'NODE_ENV', 'WORKERS']) delete base[name];
  const child: ChildProcess = spawn('npm', args, { cwd: PROJECT_ROOT, env: { ...base, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout!.on('data', (chunk) => (output += chunk));
  child.stderr!.on('data', (chunk) => (output += chunk));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return {
    child,
    exited,
    output: () => output,
    async waitFor(pattern: RegExp) {
      for (let i = 0; i < 600 && !pattern.test(output); i++) {
        if (child.exitCode !== null) break;
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      if (!pattern.test(output)) throw new Error(`never saw ${pattern} (exit code ${child.exitCode}, signal ${child.signalCode}): ${output}`);
    },
  };
}

