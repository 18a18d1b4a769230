/**
 * What observability costs: the same hot read query against three server
 * processes that differ only in it,
 *
 *   off              METRICS=false, LOG_LEVEL=silent (statement counting and request ids stay: they are always on)
 *   metrics+logs     the production default: Prometheus metrics, one JSON log line per request
 *   +traces          the same plus OTLP/HTTP span export to a local receiver (which discards them)
 *
 * Each is its own production process (NODE_ENV=production, own embedded
 * database with the demo data, or its own database on DATABASE_URL's server),
 * its log lines written to /dev/null. Rounds alternate the variants (the
 * order rotates) so that drift in the machine's load hits them alike; the
 * figures are medians over rounds, reported as ratios to `off` with the load
 * average before and after. The server's CPU time per request (from /proc)
 * is the figure the machine's load moves least; latency and throughput on a
 * busy machine move by more than the overhead.
 *
 *   npx tsx bench/observability.bench.ts                      # BENCH_OBS_ROUNDS=5 BENCH_OBS_REQUESTS=200
 *   DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres npx tsx bench/observability.bench.ts
 */
import { type ChildProcess, spawn } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import pg from 'pg';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const HOT_READ = `query HotRead { articles(first: 20) { edges { node { id title tags { name } commentCount } } } }`;

interface Variant {
  name: string;
  env: Record<string, string>;
}

interface RoundResult {
  meanMs: number;
  p50Ms: number;
  throughput: number;
  /** CPU time the server process spent per request (user + system), the figure least moved by the machine's load. */
  cpuMs: number;
}

export async function observabilityBench(options: { rounds?: number; requests?: number; concurrency?: number } = {}): Promise<void> {
  const rounds = options.rounds ?? Number(process.env.BENCH_OBS_ROUNDS ?? 5);
  const requests = options.requests ?? Number(process.env.BENCH_OBS_REQUESTS ?? 200);
  const concurrency = options.concurrency ?? Number(process.env.BENCH_OBS_CONCURRENCY ?? 8);
  const receiver = await startDiscardingReceiver();
  const variants: Variant[] = [
    { name: 'off', env: { METRICS: 'false', LOG_LEVEL: 'silent' } },
    { name: 'metrics+logs', env: { METRICS: 'true', LOG_LEVEL: 'info' } },
    { name: '+traces', env: { METRICS: 'true', LOG_LEVEL: 'info', OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url } },
  ];
  const loadBefore = os.loadavg();
  const servers = await Promise.all(variants.map((variant) => startServerProcess(variant)));
  try {
    const results = new Map<string, RoundResult[]>(variants.map((v) => [v.name, []]));
    for (const server of servers) for (let i = 0; i < 20; i++) await query(server.url); // warm-up
    for (let round = 0; round < rounds; round++) {
      for (let k = 0; k < servers.length; k++) {
        const server = servers[(round + k) % servers.length];
        results.get(server.name)!.push(await measure(server, requests, concurrency));
      }
    }
    const loadAfter = os.loadavg();
    const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
    const summary = variants.map((v) => {
      const r = results.get(v.name)!;
      return {
        name: v.name,
        meanMs: median(r.map((x) => x.meanMs)),
        p50Ms: median(r.map((x) => x.p50Ms)),
        throughput: median(r.map((x) => x.throughput)),
        cpuMs: median(r.map((x) => x.cpuMs)),
      };
    });
    const off = summary[0];
    console.log(
      `observability overhead on ${process.env.DATABASE_URL ? 'PostgreSQL' : 'embedded PGlite'}, node ${process.version}, ${os.cpus().length} cores; ` +
        `${rounds} rounds × ${requests} sequential + ${requests} at concurrency ${concurrency}; query: articles(first: 20) with tags and commentCount`,
    );
    console.log(`load average (1/5/15 min) before ${fmtLoad(loadBefore)}, after ${fmtLoad(loadAfter)}\n`);
    const columns = ['mean ms', 'p50 ms', 'req/s', 'CPU ms/req', 'p50 ×off', 'req/s ×off', 'CPU ×off'];
    console.log(`${'variant'.padEnd(14)} ${columns.map((c) => c.padStart(11)).join(' ')}`);
    for (const s of summary) {
      const cells = [s.meanMs, s.p50Ms, s.throughput, s.cpuMs].map((n, i) => n.toFixed(i === 2 ? 0 : 2));
      cells.push(...[s.p50Ms / off.p50Ms, s.throughput / off.throughput, s.cpuMs / off.cpuMs].map((n) => n.toFixed(3)));
      console.log(`${s.name.padEnd(14)} ${cells.map((c) => c.padStart(11)).join(' ')}`);
    }
    console.log(`\nspans received by the local OTLP receiver: ${receiver.exports()} export requests`);
  } finally {
    await Promise.all(servers.map((server) => server.stop()));
    await receiver.close();
  }
}

async function measure(server: ServerProcess, requests: number, concurrency: number): Promise<RoundResult> {
  const url = server.url;
  const cpuBefore = server.cpuMs();
  const latencies: number[] = [];
  for (let i = 0; i < requests; i++) {
    const started = performance.now();
    await query(url);
    latencies.push(performance.now() - started);
  }
  latencies.sort((a, b) => a - b);
  let sent = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (sent < requests) {
        sent++;
        await query(url);
      }
    }),
  );
  return {
    meanMs: latencies.reduce((a, b) => a + b, 0) / latencies.length,
    p50Ms: latencies[Math.floor(latencies.length / 2)],
    throughput: (requests / (performance.now() - started)) * 1000,
    cpuMs: (server.cpuMs() - cpuBefore) / (2 * requests),
  };
}

/** User + system CPU time of a process in ms (Linux /proc; NaN elsewhere). */
function processCpuMs(pid: number): number {
  try {
    const fields = fs.readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / CLOCK_TICKS;
  } catch {
    return NaN;
  }
}

/** Kernel clock ticks per second (USER_HZ), 100 on Linux. */
const CLOCK_TICKS = 100;

async function query(url: string): Promise<void> {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ query: HOT_READ }),
    signal: AbortSignal.timeout(30_000),
  });
  const body = (await response.json()) as { errors?: unknown; data?: { articles: { edges: unknown[] } } };
  if (body.errors || !body.data?.articles.edges.length) throw new Error(`the hot read failed: ${JSON.stringify(body)}`);
}

interface ServerProcess {
  name: string;
  url: string;
  cpuMs(): number;
  stop(): Promise<void>;
}

/** One production server process for a variant, on a free port and a database of its own. */
async function startServerProcess(variant: Variant): Promise<ServerProcess> {
  const port = await freePort();
  const database = await benchDatabase(variant.name);
  // The compiled server when there is one (production runs compiled JavaScript; `npm run bench` builds it), else the sources.
  const compiled = path.join(ROOT, 'dist/src/server.js');
  const entry = fs.existsSync(compiled) ? [compiled] : ['--import', 'tsx', 'src/server.ts'];
  const child: ChildProcess = spawn(process.execPath, entry, {
    cwd: ROOT,
    // WORKERS=1: the CPU time read from /proc is this one process's, the whole server.
    env: { ...process.env, ...database.env, ...variant.env, NODE_ENV: 'production', SEED_DEMO_DATA: 'true', WORKERS: '1', PORT: String(port), HOST: '127.0.0.1' },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  let stopping = false;
  child.once('exit', (code, signal) => {
    if (!stopping) console.error(`the ${variant.name} server (pid ${child.pid}) ended unexpectedly: ${signal ?? `exit ${code}`}`);
  });
  const url = `http://127.0.0.1:${port}/graphql`;
  for (let waited = 0; ; waited += 100) {
    if (child.exitCode !== null) throw new Error(`the ${variant.name} server exited during start-up`);
    if (waited > 60_000) throw new Error(`the ${variant.name} server did not start within 60 s`);
    try {
      if ((await fetch(url.replace('/graphql', '/healthz'))).ok) break;
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return {
    name: variant.name,
    url,
    cpuMs: () => processCpuMs(child.pid!),
    async stop() {
      stopping = true;
      if (child.exitCode === null && child.signalCode === null) {
        const exited = new Promise((resolve) => child.once('exit', resolve));
        child.kill('SIGTERM');
        await exited;
      }
      await database.drop();
    },
  };
}

async function benchDatabase(name: string): Promise<{ env: Record<string, string>; drop(): Promise<void> }> {
  const serverUrl = process.env.DATABASE_URL;
  if (!serverUrl) {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), `cg-obs-bench-`));
    return { env: { DATA_DIR: dataDir }, drop: async () => fs.rmSync(dataDir, { recursive: true, force: true }) };
  }
  const database = `cg_obs_bench_${name.replace(/\W/g, '_')}_${process.pid}`;
  const admin = async (sql: string) => {
    const client = new pg.Client({ connectionString: serverUrl });
    await client.connect();
    try {
      await client.query(sql);
    } finally {
      await client.end();
    }
  };
  await admin(`create database "${database}"`);
  const url = new URL(serverUrl);
  url.pathname = `/${database}`;
  return { env: { DATABASE_URL: url.toString() }, drop: () => admin(`drop database if exists "${database}" with (force)`) };
}

/** Stands in for an OpenTelemetry collector: accepts OTLP/HTTP exports and discards them. */
async function startDiscardingReceiver() {
  let exports = 0;
  const server = http.createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      exports++;
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end('{}');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as net.AddressInfo).port}`,
    exports: () => exports,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

function fmtLoad(load: number[]): string {
  return load.map((l) => l.toFixed(2)).join(' / ');
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  observabilityBench().catch((error) => {
    console.error(error);
    process.exit(1);
  });
}
