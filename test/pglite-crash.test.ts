import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rootEm } from '../src/server/orm.js';
import { startServer } from '../src/server/start.js';
import { createTestDatabase, onPostgres, type TestDatabase } from './helpers/database.js';
import { spawnTsx } from './fixtures/processes.js';

/**
 * Crash safety of the embedded database, which runs on a worker thread of
 * the server process: a process killed with SIGKILL (no shutdown, no close)
 * leaves a data directory that reopens with what was committed, without what
 * was not, and takes writes again.
 */
describe.skipIf(onPostgres)('the embedded database after its process is killed (pglite)', () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase();
  });
  afterAll(() => db?.drop());

  it('reopens with the committed rows and without the transaction that was open', async () => {
    const writer = spawnTsx('test/fixtures/crash-writer.ts', [], { DATA_DIR: db.config.dataDir });
    await writer.waitFor(/in transaction/, 60_000);
    // The process holding the database (tsx runs the script in a child process of its own).
    const holder = Number(fs.readFileSync(path.join(db.config.dataDir, 'server.lock'), 'utf8'));
    process.kill(holder, 'SIGKILL');
    await writer.exited;

    // The lock of the killed process is stale: the server takes it over.
    const server = await startServer(db.config);
    try {
      const sql = <T>(query: string) => rootEm(server.orm).getConnection().execute<T[]>(query);
      expect(await sql(`select name from crash_probe`)).toEqual([{ name: 'committed-before-crash' }]);
      await sql(`insert into crash_probe (name) select 'after-' || g from generate_series(1, 1000) g`);
      expect(await sql(`select count(*)::int as n from crash_probe where name like 'after-%'`)).toEqual([{ n: 1000 }]);
      const response = await fetch(server.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ query: '{ health { ok database } }' }),
      });
      expect(((await response.json()) as { data: unknown }).data).toEqual({ health: { ok: true, database: 'pglite' } });
    } finally {
      await server.stop();
    }
  });
});
