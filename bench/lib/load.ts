import http from 'node:http';
import { machineBusyMs, processCpuMs } from './machine.js';

/** One kind of request: a GraphQL operation, or a path of the floor server. */
export interface Target {
  url: string;
  /** POST body (JSON); a GET when absent. */
  body?: string;
  headers?: Record<string, string>;
}

export interface LoadResult {
  requests: number;
  /** Requests per second over the whole run. */
  throughput: number;
  p50: number;
  p95: number;
  p99: number;
  /** CPU ms per request of the server processes measured (all threads), when pids were given. */
  processCpuPerRequest?: number;
  /** Busy CPU ms per request of the whole machine (includes the database and the load generator; noisy on a shared machine). */
  machineCpuPerRequest: number;
  /** Bytes of the last response body. */
  responseBytes: number;
}

const agent = new http.Agent({ keepAlive: true, maxSockets: 256 });

/** Sends one request; resolves with the body, rejects on a non-200 status or a GraphQL `errors` entry. */
export function send(target: Target): Promise<string> {
  const url = new URL(target.url);
  return new Promise((resolve, reject) => {
    const request = http.request(
      {
        agent,
        host: url.hostname,
        port: url.port,
        path: url.pathname + url.search,
        method: target.body === undefined ? 'GET' : 'POST',
        headers: {
          ...(target.body === undefined ? {} : { 'content-type': 'application/json', 'content-length': Buffer.byteLength(target.body) }),
          ...target.headers,
        },
      },
      (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          if (response.statusCode !== 200 || text.startsWith('{"errors"') || text.includes('"errors":[')) {
            reject(new Error(`${target.url} answered ${response.statusCode}: ${text.slice(0, 500)}`));
          } else resolve(text);
        });
        response.on('error', reject);
      },
    );
    request.on('error', reject);
    request.end(target.body);
  });
}

export interface LoadOptions {
  /** Concurrent clients, each sending its next request when the previous answered. */
  clients: number;
  /** Stop after this many requests… */
  requests?: number;
  /** …or after this many seconds. */
  seconds?: number;
  /** Requests sent (and not measured) first, one at a time. */
  warmup?: number;
  /** Or: seconds of the same closed-loop load (all clients), not measured, first. */
  warmupSeconds?: number;
  /** Server process ids whose CPU time is measured. */
  pids?: number[];
}

/** Closed-loop load: `clients` concurrent clients send `target` until the count or the time is reached. */
export async function runLoad(target: Target, options: LoadOptions): Promise<LoadResult> {
  if (options.warmupSeconds) {
    const until = performance.now() + options.warmupSeconds * 1000;
    await Promise.all(
      Array.from({ length: options.clients }, async () => {
        while (performance.now() < until) await send(target);
      }),
    );
  } else {
    for (let i = 0; i < (options.warmup ?? Math.min(20, options.clients * 2)); i++) await send(target);
  }
  const latencies: number[] = [];
  const deadline = options.seconds ? performance.now() + options.seconds * 1000 : Infinity;
  const limit = options.requests ?? Infinity;
  let started = 0;
  let responseBytes = 0;
  const cpuBefore = (options.pids ?? []).reduce((sum, pid) => sum + processCpuMs(pid), 0);
  const machineBefore = machineBusyMs();
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: options.clients }, async () => {
      while (started < limit && performance.now() < deadline) {
        started++;
        const sent = performance.now();
        const body = await send(target);
        latencies.push(performance.now() - sent);
        responseBytes = Buffer.byteLength(body);
      }
    }),
  );
  const elapsed = performance.now() - t0;
  const n = latencies.length;
  latencies.sort((a, b) => a - b);
  const pct = (p: number) => latencies[Math.min(n - 1, Math.ceil(p * n) - 1)];
  const cpuAfter = (options.pids ?? []).reduce((sum, pid) => sum + processCpuMs(pid), 0);
  return {
    requests: n,
    throughput: (n / elapsed) * 1000,
    p50: pct(0.5),
    p95: pct(0.95),
    p99: pct(0.99),
    processCpuPerRequest: options.pids?.length ? (cpuAfter - cpuBefore) / n : undefined,
    machineCpuPerRequest: (machineBusyMs() - machineBefore) / n,
    responseBytes,
  };
}
