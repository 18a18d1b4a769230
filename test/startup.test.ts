import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAppRegistry } from '../src/app/registry.js';
import { rootEm } from '../src/server/orm.js';
import { type RunningServer, startServer } from '../src/server/start.js';
import { createTestDatabase, databaseKind, onPostgres, type TestDatabase } from './helpers/database.js';
import { type Spawned, spawnTsx } from './fixtures/processes.js';

/** The application's tables: its content types' and its relations' (from the running server's registry). */
function tablesOf(server: RunningServer): string[] {
  return [...new Set(['content_type', 'tag', ...server.registry.types().map((t) => t.tableName), ...server.registry.foreignKeys().map((fk) => fk.tableName)])];
}

/** Row count and a hash of every row of the main tables: equal fingerprints mean equal data. */
async function fingerprint(server: RunningServer): Promise<Record<string, string>> {
  const result: Record<string, string> = {};
  for (const table of tablesOf(server)) {
    const [row] = await rootEm(server.orm)
      .getConnection()
      .execute<{ n: number; hash: string }[]>(`select count(*) as n, md5(coalesce(string_agg(x::text, '|' order by x::text), '')) as hash from "${table}" x`);
    result[table] = `${row.n}:${row.hash}`;
  }
  return result;
}

/** POSTs a GraphQL body in two parts: the headers and half the body now, the rest when `finish()` is called. */
function slowRequest(url: string, query: string) {
  const body = Buffer.from(JSON.stringify({ query }));
  const target = new URL(url);
  const request = http.request({
    host: target.hostname,
    port: target.port,
    path: target.pathname,
    method: 'POST',
    headers: { 'content-type': 'application/json', 'content-length': body.length },
  });
  const response = new Promise<{ status: number; body: any }>((resolve, reject) => {
    request.on('response', (res) => {
      let text = '';
      res.on('data', (chunk) => (text += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: JSON.parse(text) }));
    });
    request.on('error', reject);
  });
  request.write(body.subarray(0, 10));
  return { response, finish: () => request.end(body.subarray(10)) };
}

describe(`start-up (${databaseKind})`, () => {
  let db: TestDatabase;
  let seeded: Record<string, string>;
  beforeAll(async () => {
    db = await createTestDatabase({ seedDemoData: true }, 'demo');
  });
  afterAll(() => db?.drop());

  it('loads demo data into an empty database once; a second start adds nothing', async () => {
    const first = await startServer(db.config);
    try {
      expect(first.startup.seeded).toBe(true);
      seeded = await fingerprint(first);
      // every content type that declares demo objects gets them, with its relations' rows
      const demoTypes = first.registry.types().filter((t) => t.options.demo?.length);
      expect(demoTypes.length).toBeGreaterThan(0);
      for (const table of ['user', ...demoTypes.map((t) => t.tableName), 'tagged_item', 'comment', 'activity_entry', 'content_link']) {
        expect(Number(seeded[table].split(':')[0]), table).toBeGreaterThan(0);
      }
    } finally {
      await first.stop();
    }
    const second = await startServer(db.config);
    try {
      expect(second.startup).toEqual({ migrations: [], seeded: false });
      expect(await fingerprint(second)).toEqual(seeded);
    } finally {
      await second.stop();
    }
  });

  describe('the server process (tsx src/server.ts)', () => {
    let server: Spawned;
    let url: string;
    const env = () => ({
      ...(db.config.databaseUrl ? { DATABASE_URL: db.config.databaseUrl } : { DATA_DIR: db.config.dataDir }),
      PORT: '0',
      HOST: '127.0.0.1',
      SEED_DEMO_DATA: 'true',
      // As `npm start` runs it: development mode, where Apollo Server would
      // install signal handlers of its own unless told not to.
      NODE_ENV: 'development',
    });
    beforeAll(async () => {
      server = spawnTsx('src/server.ts', [], env());
      await server.waitFor(/contentgraph ready at (\S+)/);
      url = /contentgraph ready at (\S+)/.exec(server.stdout())![1];
    });
    afterAll(async () => {
      if (server && server.child.exitCode === null) {
        server.child.kill('SIGKILL');
        await server.exited;
      }
    });

    // Once (2026-12-01, a CI run on a loaded machine) the second process had not exited after 60 s, and passed in every
    // run since: what it printed is now reported, and the test is tried once more before it fails.
    it.skipIf(onPostgres)('refuses a second process on the same PGlite data directory with a clear error', { retry: 1, timeout: 90_000 }, async () => {
      const second = spawnTsx('src/server.ts', [], env());
      const stuck = setTimeout(() => second.child.kill('SIGKILL'), 40_000);
      const code = await second.exited.finally(() => clearTimeout(stuck));
      expect(code, `exit code ${code} (null: killed after 40 s); stdout: ${second.stdout()}; stderr: ${second.stderr()}`).toBe(1);
      expect(second.stderr()).toContain(`The embedded database in ${db.config.dataDir} is in use by another process (pid `);
      expect(second.stderr()).toContain('Stop that process, or point this one at another directory with DATA_DIR=…');
      expect(second.stdout()).not.toContain('ready');
      expect(fs.readFileSync(path.join(db.config.dataDir, 'server.lock'), 'utf8').trim()).not.toBe(String(second.child.pid));
    });

    it('on SIGINT finishes the request in flight, closes the database and exits 0', async () => {
      const inFlight = slowRequest(url, '{ health { ok } contentTypes { appLabel model } }');
      await new Promise((resolve) => setTimeout(resolve, 300)); // the server has the request's headers
      server.child.kill('SIGINT');
      await server.waitFor(/SIGINT received/);
      inFlight.finish();
      const response = await inFlight.response;
      expect(response.status).toBe(200);
      expect(response.body.data.health.ok).toBe(true);
      expect(response.body.data.contentTypes).toHaveLength(createAppRegistry().types().length);
      expect(await server.exited).toBe(0);
      expect(server.stdout()).toContain('Stopped cleanly.');
      expect(server.stderr()).toBe('');
      if (!onPostgres) expect(fs.existsSync(path.join(db.config.dataDir, 'server.lock'))).toBe(false);
    });

    it('restarts on the same database with every row intact', async () => {
      const again = await startServer(db.config);
      try {
        expect(again.startup).toEqual({ migrations: [], seeded: false });
        expect(await fingerprint(again)).toEqual(seeded);
      } finally {
        await again.stop();
      }
    });
  });

  it.skipIf(onPostgres)('takes over a lock left by a process that no longer runs', async () => {
    const dead = spawnSync(process.execPath, ['-e', '']).pid!;
    const lockPath = path.join(db.config.dataDir, 'server.lock');
    fs.writeFileSync(lockPath, `${dead}\n`);
    const server = await startServer(db.config);
    try {
      expect(fs.readFileSync(lockPath, 'utf8').trim()).toBe(String(process.pid));
    } finally {
      await server.stop();
    }
    expect(fs.existsSync(lockPath)).toBe(false);
  });

  it.skipIf(onPostgres)('refuses to open one PGlite data directory twice in one process', async () => {
    const server = await startServer(db.config);
    try {
      await expect(startServer(db.config)).rejects.toThrow(`The embedded database in ${db.config.dataDir} is already open in this process`);
    } finally {
      await server.stop();
    }
  });
});
