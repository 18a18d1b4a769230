import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningServer, startServer } from '../src/server/start.js';
import { createTestDatabase, onPostgres, type TestDatabase } from './helpers/database.js';
import { type Spawned, spawnTsx } from './fixtures/processes.js';
import { TcpProxy } from './helpers/tcp-proxy.js';

const TIMEOUT_MS = 1500;

async function get(url: string) {
  const response = await fetch(url);
  return { status: response.status, body: (await response.json()) as any };
}

async function query(url: string, source = '{ users(first: 5) { edges { node { id } } } }') {
  const response = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query: source }) });
  return { status: response.status, headers: response.headers, body: (await response.json()) as any };
}

/** Polls until `check` is true (the server recovers by itself; how fast is not asserted). */
async function eventually(check: () => Promise<boolean>, what: string): Promise<void> {
  for (let i = 0; i < 200; i++) {
    if (await check()) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`never: ${what}`);
}

/**
 * The database becomes unreachable behind a TCP proxy the test controls:
 * stalled (connections hang) and cut (connections reset, new ones refused).
 * PostgreSQL only: the embedded PGlite lives in the process and has no
 * connection to lose.
 */
describe.skipIf(!onPostgres)('database outages (postgresql)', () => {
  let db: TestDatabase;
  let proxy: TcpProxy;
  let server: RunningServer;
  let base: string;
  beforeAll(async () => {
    db = await createTestDatabase();
    const target = new URL(db.config.databaseUrl!);
    proxy = await new TcpProxy(target.hostname, Number(target.port || 5432)).listen();
    server = await startServer({ ...db.config, databaseUrl: proxy.proxied(db.config.databaseUrl!), requestTimeoutMs: TIMEOUT_MS, shutdownTimeoutMs: 3000 });
    base = server.url.replace(/\/graphql$/, '');
  });
  afterAll(async () => {
    proxy?.resume();
    await server?.stop();
    await proxy?.close();
    await db?.drop();
  });

  const healthy = async () => (await get(`${base}/readyz`)).status === 200 && (await query(server.url)).status === 200;

  it('is ready while the database answers; /healthz is liveness only', async () => {
    expect(await get(`${base}/readyz`)).toMatchObject({ status: 200, body: { ok: true, database: 'postgresql' } });
    expect(await get(`${base}/healthz`)).toMatchObject({ status: 200, body: { ok: true } });
    expect((await query(server.url)).status).toBe(200);
  });

  it('answers 503 SERVICE_UNAVAILABLE while the database stalls, fails /readyz, and recovers when it answers again', async () => {
    proxy.pause();
    try {
      const results = await Promise.all([query(server.url), query(server.url, '{ health { ok } }'), query(server.url)]);
      for (const res of results) {
        expect(res.status).toBe(503);
        expect(res.body.errors[0].extensions.code).toBe('SERVICE_UNAVAILABLE');
        expect(res.headers.get('retry-after')).toBe('5');
      }
      const ready = await get(`${base}/readyz`);
      expect(ready.status).toBe(503);
      expect(ready.body.ok).toBe(false);
      expect((await get(`${base}/healthz`)).status).toBe(200);
      // Known down: further requests are answered at once, still 503.
      expect((await query(server.url)).status).toBe(503);
    } finally {
      proxy.resume();
    }
    await eventually(healthy, 'recovered after the stall');
  });

  it('answers 503 while the database refuses connections, and recovers by itself', async () => {
    proxy.cut();
    try {
      const res = await query(server.url);
      expect(res.status).toBe(503);
      expect(res.body.errors[0].extensions.code).toBe('SERVICE_UNAVAILABLE');
      expect(JSON.stringify(res.body)).not.toMatch(/ECONNRESET|terminated|stack/i);
      expect((await get(`${base}/readyz`)).status).toBe(503);
    } finally {
      proxy.resume();
    }
    await eventually(healthy, 'recovered after the cut');
  });

  it('leaks no connection: after the outages, no session of the server sits in a transaction and the pool is within its size', async () => {
    await eventually(healthy, 'healthy');
    const rows: { state: string; n: number }[] = await server.orm.em
      .getConnection()
      .execute(`select state, count(*)::int as n from pg_stat_activity where datname = current_database() and pid <> pg_backend_pid() group by state`);
    const byState = Object.fromEntries(rows.map((row) => [row.state, row.n]));
    expect(byState['idle in transaction'] ?? 0).toBe(0);
    expect(byState['active'] ?? 0).toBe(0);
    expect(rows.reduce((sum, row) => sum + row.n, 0)).toBeLessThanOrEqual(10);
  });
});

describe.skipIf(!onPostgres)('SIGTERM during an outage (postgresql)', () => {
  let db: TestDatabase;
  let proxy: TcpProxy;
  let child: Spawned | undefined;
  beforeAll(async () => {
    db = await createTestDatabase();
    const target = new URL(db.config.databaseUrl!);
    proxy = await new TcpProxy(target.hostname, Number(target.port || 5432)).listen();
  });
  afterAll(async () => {
    if (child && child.child.exitCode === null) child.child.kill('SIGKILL');
    await proxy?.close();
    await db?.drop();
  });

  it('exits within the shutdown timeout, saying what it abandoned, while requests hang on a stalled database', async () => {
    child = spawnTsx('src/server.ts', [], {
      DATABASE_URL: proxy.proxied(db.config.databaseUrl!),
      PORT: '0',
      HOST: '127.0.0.1',
      REQUEST_TIMEOUT_MS: '60000',
      SHUTDOWN_TIMEOUT_MS: '2000',
    });
    await child.waitFor(/contentgraph ready at (\S+)/);
    const url = /contentgraph ready at (\S+)/.exec(child.stdout())![1];
    expect((await query(url)).status).toBe(200);
    proxy.pause();
    const hanging = Array.from({ length: 3 }, () => query(url).catch((error: unknown) => error));
    await new Promise((resolve) => setTimeout(resolve, 300)); // the requests reach the stalled pool
    child.child.kill('SIGTERM');
    const code = await child.exited;
    expect(code).toBe(1);
    expect(child.stderr()).toContain('abandoning:');
    expect(child.stderr()).toMatch(/request\(s\) still running|database connections still busy/);
    await Promise.all(hanging);
    proxy.resume();
  });

  it('exits within the shutdown timeout when SIGTERM arrives while start-up waits for a stalled database', async () => {
    proxy.pause();
    try {
      child = spawnTsx('src/server.ts', [], { DATABASE_URL: proxy.proxied(db.config.databaseUrl!), PORT: '0', HOST: '127.0.0.1', SHUTDOWN_TIMEOUT_MS: '1500' });
      await child.waitFor(/Starting contentgraph/);
      await new Promise((resolve) => setTimeout(resolve, 500)); // start-up is waiting for its first connection
      child.child.kill('SIGTERM');
      expect(await child.exited).toBe(1);
      expect(child.stdout()).toContain('SIGTERM received while starting');
      expect(child.stderr()).toContain('Start-up did not finish within SHUTDOWN_TIMEOUT_MS=1500; exiting, abandoning the start-up.');
      expect(child.stdout()).not.toContain('ready at');
    } finally {
      proxy.resume();
    }
  });
});
