import crypto from 'node:crypto';
import http from 'node:http';
import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { restartDelayMs } from '../src/server/cluster.supervisor.js';
import { loadWorkersConfig, MAX_WORKERS_PER_CORE } from '../src/server/workers.config.js';
import { createTestDatabase, databaseKind, onPostgres, type TestDatabase } from './helpers/database.js';
import { parsePrometheusText } from './helpers/prometheus-text.js';
import { alive, freePort, portOpen, serverChildrenOf } from './helpers/process-tree.js';
import { TcpProxy } from './helpers/tcp-proxy.js';
import { runTsx, type Spawned, spawnTsx } from './fixtures/processes.js';

/**
 * WORKERS=N (src/server/cluster.*.ts): one port served by N processes of a
 * node:cluster primary on PostgreSQL, one process on the embedded PGlite.
 * Which process answered is read from the request log lines (`pid`), never
 * from a response.
 */

const PG = 'postgres://u@db/x';

describe('WORKERS values', () => {
  it('defaults to the cores on PostgreSQL and to one process on PGlite', () => {
    expect(loadWorkersConfig({}, PG, 6)).toEqual({ count: 6, notes: [] });
    expect(loadWorkersConfig({ WORKERS: '' }, PG, 6)).toEqual({ count: 6, notes: [] });
    expect(loadWorkersConfig({}, undefined, 6)).toEqual({ count: 1, notes: [] });
    expect(loadWorkersConfig({ WORKERS: ' 3 ' }, PG, 6)).toEqual({ count: 3, notes: [] });
    expect(loadWorkersConfig({ WORKERS: '1' }, undefined, 6)).toEqual({ count: 1, notes: [] });
  });

  it('serves PGlite from one process when more are asked, and says why', () => {
    const config = loadWorkersConfig({ WORKERS: '4' }, undefined, 2);
    expect(config.count).toBe(1);
    expect(config.notes).toEqual([expect.stringContaining('WORKERS=4 ignored: the embedded PGlite database is single-process')]);
    expect(config.notes[0]).toContain('Set DATABASE_URL=postgres://…');
  });

  it.each(['0', '-1', '1e9', 'abc', '2.5', '+2', '0x2', '２', '1 2', 'Infinity', '٣', '00'])('refuses WORKERS=%j with a message naming it', (value) => {
    for (const url of [PG, undefined]) {
      expect(() => loadWorkersConfig({ WORKERS: value }, url, 2)).toThrow(/^WORKERS must be a whole number of processes, at least 1 \(got "/);
    }
  });

  it('caps a huge WORKERS at four per core, with a note; a huge garbage value is shown shortened', () => {
    for (const value of ['9', '1000000000', '9'.repeat(400)]) {
      const config = loadWorkersConfig({ WORKERS: value }, PG, 2);
      expect(config.count).toBe(MAX_WORKERS_PER_CORE * 2);
      expect(config.notes[0]).toMatch(/^WORKERS=\d{1,40}(…)? is more than 4 per core on this machine \(2 cores\): starting 8\./);
    }
    expect(() => loadWorkersConfig({ WORKERS: 'x'.repeat(100_000) }, PG, 2)).toThrow(/got "x{40}…"\)/);
  });

  it('waits longer after each quick death of a worker, up to 30 s', () => {
    expect([0, 1, 2, 3, 4, 5, 6, 7, 8, 1000].map(restartDelayMs)).toEqual([0, 500, 1000, 2000, 4000, 8000, 16000, 30000, 30000, 30000]);
  });
});

describe('the cost budget shared through the primary', () => {
  const run = async (args: string[]) => {
    const result = await runTsx('test/fixtures/cluster-budget.ts', args, {});
    expect(result.code, result.stderr).toBe(0);
    return JSON.parse(result.stdout.trim()) as string[];
  };

  it('charges the primary\'s store and refuses what it cannot pay', async () => {
    expect(await run([])).toEqual(['charged remaining=150', 'charged remaining=50', 'refused RATE_LIMITED']);
  });

  it('charges a budget of the worker\'s own when the primary does not answer (rather than failing the request)', async () => {
    expect(await run(['stalled'])).toEqual(['charged remaining=150', 'charged remaining=50', 'refused RATE_LIMITED']);
  });
});

describe(`the server process with a hostile WORKERS (${databaseKind})`, () => {
  it.each(['0', 'abc'])('WORKERS=%s stops the start-up with a clear message and exit code 1', async (value) => {
    const server = spawnTsx('src/server.ts', [], { WORKERS: value, PORT: '0', DATABASE_URL: PG });
    expect(await server.exited).toBe(1);
    expect(server.stderr()).toContain(`WORKERS must be a whole number of processes, at least 1 (got "${value}")`);
    expect(server.stdout()).not.toContain('ready');
  });
});

/** Collects the JSON log lines of a spawned server (stdout and stderr). */
function logLines(server: Spawned): Record<string, any>[] {
  return `${server.stdout()}\n${server.stderr()}`
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line));
}

async function waitForLog(server: Spawned, match: (line: Record<string, any>) => boolean, timeoutMs = 60_000): Promise<Record<string, any>> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const found = logLines(server).find(match);
    if (found) return found;
    if (server.child.exitCode !== null || Date.now() > until) {
      throw new Error(`no such log line (exit code ${server.child.exitCode}); stdout: ${server.stdout()}; stderr: ${server.stderr()}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/**
 * One request on a connection of its own (so the primary hands each to the
 * next worker); returns the pid that logged it. Its client address (with
 * TRUST_PROXY=1) is `client`, by default one of its own, so that requests do
 * not share a budget unless a test says so.
 */
async function ask(server: Spawned, url: string, client = `10.${[0, 0, 0].map(() => crypto.randomInt(256)).join('.')}`) {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', connection: 'close', 'x-forwarded-for': client },
    body: JSON.stringify({ query: '{ health { ok } contentTypes { model } }' }),
  });
  const text = await response.text();
  const requestId = response.headers.get('x-request-id');
  const line = await waitForLog(server, (entry) => entry.msg === 'request completed' && entry.requestId === requestId, 10_000);
  return { status: response.status, text, headers: response.headers, pid: line.pid as number };
}

describe.skipIf(onPostgres)('WORKERS=2 on the embedded PGlite (pglite)', () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase();
  });
  afterAll(() => db?.drop());

  it('serves from one process and says why', async () => {
    const server = spawnTsx('src/server.ts', [], { DATA_DIR: db.config.dataDir, WORKERS: '2', PORT: '0', HOST: '127.0.0.1', LOG_FORMAT: 'json' });
    try {
      const ready = await waitForLog(server, (line) => /^contentgraph ready at /.test(line.msg));
      const note = logLines(server).find((line) => line.level === 'warn');
      expect(note?.msg).toContain('WORKERS=2 ignored: the embedded PGlite database is single-process');
      expect(serverChildrenOf(server.child.pid!)).toEqual([]);
      const url = /ready at (\S+)/.exec(ready.msg)![1];
      const answer = await ask(server, url);
      expect(answer.status).toBe(200);
      expect(answer.pid).toBe(server.child.pid);
      server.child.kill('SIGTERM');
      expect(await server.exited).toBe(0);
    } finally {
      if (server.child.exitCode === null) server.child.kill('SIGKILL');
    }
  });
});

describe.skipIf(!onPostgres)('WORKERS=2 on PostgreSQL, production mode (postgresql)', () => {
  let db: TestDatabase;
  let server: Spawned;
  let url: string;
  let metricsUrl: string;
  let primaryPid: number;
  let workerPids: number[];
  let answered = 0;
  beforeAll(async () => {
    db = await createTestDatabase();
    server = spawnTsx('src/server.ts', [], {
      DATABASE_URL: db.config.databaseUrl,
      NODE_ENV: 'production',
      WORKERS: '2',
      PORT: '0',
      HOST: '127.0.0.1',
      METRICS_PORT: String(await freePort()),
      METRICS_HOST: '127.0.0.1',
      LOG_FORMAT: 'json',
      RATE_LIMIT_POINTS: '1000', // ten requests per client: the budget test below
      TRUST_PROXY: '1', // the client's address is the one in X-Forwarded-For (see ask)
    });
    const ready = await waitForLog(server, (line) => /^contentgraph ready at /.test(line.msg));
    url = /ready at (\S+)/.exec(ready.msg)![1];
    metricsUrl = ready.metrics;
    primaryPid = server.child.pid!;
    workerPids = ready.workerPids;
  }, 120_000);
  afterAll(async () => {
    if (server?.child.exitCode === null) server.child.kill('SIGKILL');
    for (const pid of workerPids ?? []) if (alive(pid)) process.kill(pid, 'SIGKILL');
    await db?.drop();
  });

  async function scrape() {
    const response = await fetch(metricsUrl);
    expect(response.status).toBe(200);
    return parsePrometheusText(await response.text());
  }
  const graphqlRequests = (exposition: Awaited<ReturnType<typeof scrape>>) =>
    exposition.value('http_requests_total', { method: 'POST', route: '/graphql', status: '200' });

  it('serves one port from two worker processes of the primary, which serves no request', async () => {
    expect(new Set(workerPids).size).toBe(2);
    expect(serverChildrenOf(primaryPid).sort()).toEqual([...workerPids].sort());
    const pids = new Set<number>();
    for (let i = 0; i < 10; i++) {
      const answer = await ask(server, url);
      answered++;
      expect(answer.status).toBe(200);
      expect(JSON.parse(answer.text).data.health.ok).toBe(true);
      // Which process answered is in the logs only: the body is the data alone, no header names a process.
      expect(Object.keys(JSON.parse(answer.text))).toEqual(['data']);
      for (const [name] of answer.headers) expect(name).not.toMatch(/pid|worker|process|instance|host/i);
      pids.add(answer.pid);
    }
    expect([...pids].sort()).toEqual([...workerPids].sort());
  });

  it('sums the metrics of both workers in one scrape of METRICS_PORT; the shared port has no /metrics', async () => {
    const exposition = await scrape();
    expect(graphqlRequests(exposition)).toBe(answered);
    expect(exposition.value('cluster_workers', { state: 'serving' })).toBe(2);
    expect(exposition.value('cluster_workers_desired')).toBe(2);
    expect(exposition.value('cluster_worker_restarts_total')).toBe(0);
    expect(exposition.value('cluster_metrics_workers_missing')).toBe(0);
    expect((await fetch(url.replace(/\/graphql$/, '/metrics'))).status).toBe(404);
  });

  it('charges one budget per client across the workers', async () => {
    const client = '192.0.2.7';
    const seen = new Set<number>();
    const remaining: string[] = [];
    for (let i = 0; i < 10; i++) {
      const answer = await ask(server, url, client);
      answered++;
      expect(answer.status).toBe(200);
      remaining.push(answer.headers.get('x-ratelimit-remaining')!);
      seen.add(answer.pid);
    }
    expect(seen.size).toBe(2);
    expect(remaining).toEqual(['900', '800', '700', '600', '500', '400', '300', '200', '100', '0']);
    for (let i = 0; i < 2; i++) {
      const refused = await ask(server, url, client);
      expect(refused.status).toBe(429);
      expect(JSON.parse(refused.text).errors[0].extensions.code).toBe('RATE_LIMITED');
    }
  });

  it('replaces a killed worker, with a log line; the port keeps answering and the sums keep what it counted', async () => {
    const before = graphqlRequests(await scrape()); // the sum includes what the victim counted so far
    const [victim, survivor] = workerPids;
    process.kill(victim, 'SIGKILL');
    const died = await waitForLog(server, (line) => line.workerPid === victim && /ended unexpectedly/.test(line.msg));
    expect(died).toMatchObject({ level: 'error', pid: primaryPid, signal: 'SIGKILL', restartInMs: 0 });
    expect(died.msg).toMatch(new RegExp(`^Worker \\d+ \\(pid ${victim}\\) ended unexpectedly \\(killed by SIGKILL\\); starting a replacement now\\.$`));
    for (let i = 0; i < 3; i++) {
      expect((await ask(server, url)).status).toBe(200);
      answered++;
    }
    const serving = await waitForLog(server, (line) => /^Worker \d+ serving/.test(line.msg) && !workerPids.includes(line.pid));
    const replacement = serving.pid as number;
    expect(serverChildrenOf(primaryPid).sort()).toEqual([survivor, replacement].sort());
    const pids = new Set<number>();
    for (let i = 0; i < 6 && pids.size < 2; i++) {
      const answer = await ask(server, url);
      answered++;
      expect(answer.status).toBe(200);
      pids.add(answer.pid);
    }
    expect(pids).toContain(replacement);
    const after = await scrape();
    expect(graphqlRequests(after)).toBeGreaterThanOrEqual(before);
    expect(graphqlRequests(after)).toBe(answered);
    // Histograms too: every GraphQL request (answered or refused) was observed once, whichever worker had it.
    const graphqlTotal = after.find('http_requests_total', { route: '/graphql' }).reduce((sum, sample) => sum + sample.value, 0);
    expect(graphqlTotal).toBe(answered + 2);
    expect(after.value('graphql_request_duration_seconds_count', { operation_name: '__anonymous', operation_type: 'query' })).toBe(graphqlTotal);
    expect(after.value('cluster_worker_restarts_total')).toBe(1);
    expect(after.value('cluster_workers', { state: 'serving' })).toBe(2);
    workerPids = [survivor, replacement];
  });

  it('on SIGTERM lets both workers finish their requests, then exits 0 and the port closes', async () => {
    const port = Number(new URL(url).port);
    const inFlight = slowRequest(url);
    await new Promise((resolve) => setTimeout(resolve, 300)); // a worker has the request's headers
    server.child.kill('SIGTERM');
    await waitForLog(server, (line) => line.pid === primaryPid && /^SIGTERM received: stopping 2 workers/.test(line.msg));
    inFlight.finish();
    const response = await inFlight.response;
    expect(response.status).toBe(200);
    expect(await server.exited).toBe(0);
    const lines = logLines(server);
    for (const pid of workerPids) {
      expect(lines.some((line) => line.pid === pid && /^Worker \d+ stopped cleanly\.$/.test(line.msg))).toBe(true);
      expect(alive(pid)).toBe(false);
    }
    expect(JSON.parse(server.stdout().trim().split('\n').at(-1)!).msg).toBe('Stopped cleanly. All 2 workers finished their requests and closed the database.');
    expect(await portOpen(port)).toBe(false);
  });
});

describe.skipIf(!onPostgres)('a worker that keeps dying (postgresql)', () => {
  let db: TestDatabase;
  let proxy: TcpProxy;
  let server: Spawned | undefined;
  beforeAll(async () => {
    db = await createTestDatabase();
    const target = new URL(db.config.databaseUrl!);
    proxy = await new TcpProxy(target.hostname, Number(target.port || 5432)).listen();
  });
  afterAll(async () => {
    if (server && server.child.exitCode === null) {
      for (const pid of serverChildrenOf(server.child.pid!)) process.kill(pid, 'SIGKILL');
      server.child.kill('SIGKILL');
    }
    await proxy?.close();
    await db?.drop();
  });

  it('is replaced after longer and longer pauses while the database refuses it, then serves again; /metrics on the shared port holds both workers', async () => {
    server = spawnTsx('src/server.ts', [], { DATABASE_URL: proxy.proxied(db.config.databaseUrl!), WORKERS: '2', PORT: '0', HOST: '127.0.0.1', LOG_FORMAT: 'json' });
    const ready = await waitForLog(server, (line) => /^contentgraph ready at /.test(line.msg));
    const url = /ready at (\S+)/.exec(ready.msg)![1];
    const spread = new Set<number>();
    for (let i = 0; i < 6; i++) spread.add((await ask(server, url)).pid);
    expect(spread.size).toBe(2);
    // Through either worker, the scrape of the shared port is the sum of both.
    const metrics = parsePrometheusText(await (await fetch(url.replace(/\/graphql$/, '/metrics'), { headers: { connection: 'close' } })).text());
    expect(metrics.value('http_requests_total', { method: 'POST', route: '/graphql', status: '200' })).toBe(6);

    proxy.cut(); // replacements cannot reach the database: each dies at start-up
    process.kill(ready.workerPids[0], 'SIGKILL');
    const deaths = () => logLines(server!).filter((line) => /ended unexpectedly/.test(line.msg));
    for (let i = 0; i < 3; i++) await waitForLog(server, () => deaths().length > i, 90_000);
    expect(deaths().map((line) => line.restartInMs)).toEqual([0, 500, 1000]);
    expect(deaths()[1].msg).toMatch(/ended unexpectedly \(exit code 1\); starting a replacement in 0\.5 s \(2 quick exits in a row\)\.$/);
    proxy.resume();
    await waitForLog(server, (line) => /^Worker \d+ serving/.test(line.msg) && !ready.workerPids.includes(line.pid), 90_000);
    const workers = serverChildrenOf(server.child.pid!);
    expect(workers).toHaveLength(2);
    // Ctrl-C in a terminal: SIGINT to every process of the group at once.
    for (const pid of [server.child.pid!, ...workers]) process.kill(pid, 'SIGINT');
    expect(await server.exited).toBe(0);
    expect(server.stdout()).toContain('Stopped cleanly. All 2 workers');
    for (const pid of workers) expect(alive(pid)).toBe(false);
  });

  it('fails the start-up, without restarting, when the workers cannot serve (the port is taken)', async () => {
    const taken = net.createServer();
    await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
    try {
      const port = (taken.address() as net.AddressInfo).port;
      server = spawnTsx('src/server.ts', [], { DATABASE_URL: db.config.databaseUrl, WORKERS: '2', PORT: String(port), HOST: '127.0.0.1', LOG_FORMAT: 'json' });
      expect(await server.exited).toBe(1);
      const lines = logLines(server);
      expect(lines.some((line) => line.level === 'fatal' && /EADDRINUSE/.test(line.msg))).toBe(true);
      expect(lines.find((line) => line.pid === server!.child.pid && line.level === 'fatal')?.msg).toMatch(
        /^Worker \d+ \(pid \d+\) ended with exit code 1 before serving; its messages above say why\.$/,
      );
      expect(lines.some((line) => /ended unexpectedly|ready at/.test(line.msg))).toBe(false);
      expect(serverChildrenOf(server.child.pid!)).toEqual([]);
    } finally {
      taken.close();
    }
  });
});

/** POSTs a GraphQL body in two parts: the headers and part of the body now, the rest when `finish()` is called. */
function slowRequest(url: string) {
  const body = Buffer.from(JSON.stringify({ query: '{ health { ok } }' }));
  const target = new URL(url);
  const request = http.request({
    host: target.hostname,
    port: target.port,
    path: target.pathname,
    method: 'POST',
    headers: { 'content-type': 'application/json', 'content-length': body.length },
  });
  const response = new Promise<{ status: number; body: string }>((resolve, reject) => {
    request.on('response', (res) => {
      let text = '';
      res.on('data', (chunk) => (text += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
    });
    request.on('error', reject);
  });
  request.write(body.subarray(0, 10));
  return { response, finish: () => request.end(body.subarray(10)) };
}
