import os from 'node:os';

/**
 * Every setting of `npm run bench`, read from the environment once. The
 * defaults make a run of a few minutes on a 2-core machine; docs/performance.md
 * lists them.
 */
export interface Knobs {
  /** `postgres://…`: bench on a database created (and dropped) on that server; otherwise embedded PGlite in a temp dir. */
  databaseUrl: string | undefined;
  /** Section names to run, in the order of `SECTIONS` (all when unset). */
  sections: string[] | undefined;
  /** Content objects per demo content type in the base data set. */
  objects: number;
  /** Requests per query for latency at one connection. */
  requests: number;
  /** Concurrent clients for throughput and contention figures. */
  concurrency: number;
  /** Concurrent writers (addComment) in the concurrency section. */
  writers: number;
  /** Seconds of load per throughput measurement. */
  seconds: number;
  /** Seconds of unmeasured load before each throughput figure of `floor`, so both servers are measured warm (0: none). */
  warmupSeconds: number;
  /** Tagged items bulk-loaded (with the integrity triggers on, then off). */
  taggedItems: number;
  /** Comments on the one heavily commented object. */
  hotComments: number;
  /** Worker processes for the workers section (issue 11's `WORKERS`). */
  workers: number;
  /** Subscribers (one graphql-ws connection each) in the fanout section. */
  subscribers: number;
  /** Comments per second added while the fanout section measures. */
  fanoutRate: number;
  /** Another compiled server (`…/dist/src/server.js`) measured next to this one, e.g. a build of main. */
  baselineServer: string | undefined;
}

function positiveInt(env: NodeJS.ProcessEnv, name: string, fallback: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw.replace(/_/g, ''));
  if (!Number.isSafeInteger(value) || value < 1) throw new Error(`${name} must be a positive integer (got "${raw}")`);
  return value;
}

function nonNegativeInt(env: NodeJS.ProcessEnv, name: string, fallback: number): number {
  return env[name] === '0' ? 0 : positiveInt(env, name, fallback);
}

export function readKnobs(env: NodeJS.ProcessEnv = process.env): Knobs {
  return {
    databaseUrl: env.DATABASE_URL || undefined,
    sections: env.BENCH_SECTIONS ? env.BENCH_SECTIONS.split(',').map((s) => s.trim()).filter(Boolean) : undefined,
    objects: positiveInt(env, 'BENCH_OBJECTS', 2500),
    requests: positiveInt(env, 'BENCH_REQUESTS', 200),
    concurrency: positiveInt(env, 'BENCH_CONCURRENCY', 16),
    writers: positiveInt(env, 'BENCH_WRITERS', 32),
    seconds: positiveInt(env, 'BENCH_SECONDS', 5),
    warmupSeconds: nonNegativeInt(env, 'BENCH_WARMUP_SECONDS', 3),
    taggedItems: positiveInt(env, 'BENCH_TAGGED_ITEMS', 1_000_000),
    hotComments: positiveInt(env, 'BENCH_HOT_COMMENTS', 20_000),
    workers: positiveInt(env, 'BENCH_WORKERS', os.availableParallelism()),
    subscribers: positiveInt(env, 'BENCH_SUBSCRIBERS', 1000),
    fanoutRate: positiveInt(env, 'BENCH_FANOUT_RATE', 10),
    baselineServer: env.BENCH_BASELINE_SERVER || undefined,
  };
}
