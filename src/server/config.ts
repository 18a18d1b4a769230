import { type AllowedHostsSetting, parseAllowedHosts } from './pipeline/allowed-hosts.js';
import path from 'node:path';
import type { OperationLimits } from './pipeline/operation-cost.js';
import { loadObservabilityConfig, type ObservabilityConfig } from '../observability/observability.config.js';
import { loadReplicasConfig, type ReplicaConfig } from './replicas.config.js';
import { loadWorkersConfig, type WorkersConfig } from './workers.config.js';
import { loadSubscriptionsConfig, type SubscriptionsConfig } from './subscriptions/subscriptions.config.js';

/** Runtime configuration, read once from the environment. */
export interface AppConfig {
  /** `postgres://…` when set: use that server; otherwise the embedded PGlite. */
  databaseUrl: string | undefined;
  /** Read replicas of `databaseUrl` (`DATABASE_REPLICA_URLS`, docs/deployment.md#read-replicas); empty: none. */
  replicas: ReplicaConfig[];
  /**
   * Run reads as named (prepared) statements on PostgreSQL (`DATABASE_PREPARED_STATEMENTS`, default true); false
   * behind a pooler that cannot keep them (PgBouncer in transaction mode before 1.21, or without `max_prepared_statements`).
   */
  preparedStatements: boolean;
  /** Directory of the embedded database and its lock file (default `./data`). */
  dataDir: string;
  /**
   * The embedded database's buffer pool (PostgreSQL's `shared_buffers`) in megabytes, `PGLITE_SHARED_BUFFERS_MB`:
   * 128 for the server, 16 for one-shot commands unless set (PGlite zeroes it at every opening, about 4 ms per MB).
   */
  pgliteSharedBuffersMb: number;
  port: number;
  host: string;
  /** Development mode: Apollo Sandbox landing page, statement counts in `extensions`, error details. */
  development: boolean;
  /** Load demo data into an empty database at start-up. */
  seedDemoData: boolean;
  /** Add `extensions.sqlStatements` and `extensions.cost` to responses (on in development and tests). */
  statementCounts: boolean;
  /** What one operation may ask for before it runs (docs/security.md). */
  limits: OperationLimits;
  /** Cost points per client per window; 0 turns the budget off. */
  rateLimitPoints: number;
  rateLimitWindowSeconds: number;
  /** How many reverse proxies in front of the server append to X-Forwarded-For (0: ignore the header). */
  trustProxy: number;
  /** Deadline of one request in milliseconds (its SQL runs under a matching statement_timeout). */
  requestTimeoutMs: number;
  /** How long SIGTERM waits for in-flight requests and the database before exiting anyway. */
  shutdownTimeoutMs: number;
  /** After this long without a request, give the memory of the last burst back to the system (0: never; src/server/idle-memory.ts). */
  idleMemoryReleaseMs: number;
  /** Origins a browser may call the API from: a list, or `*` for any. Empty: same-origin only. */
  corsOrigins: string[] | '*';
  /** Host names the server answers to (`Host` header), Django's ALLOWED_HOSTS; `*`: any (src/server/pipeline/allowed-hosts.ts). */
  allowedHosts: AllowedHostsSetting;
  /** Answer introspection queries (`__schema`, `__type`). */
  introspection: boolean;
  /** "Did you mean …?" suggestions in validation errors. */
  suggestions: boolean;
  /** Run a query compiled (graphql-jit) from its Nth execution of the same document on; 0: always graphql-js (src/server/jit.executor.ts). */
  compileQueriesAfter: number;
  /** Logs, metrics, traces and the slow-operation threshold (src/observability). */
  observability: ObservabilityConfig;
  /** Processes serving the port (`WORKERS`, src/server/cluster.primary.ts). */
  workers: WorkersConfig;
  /** GraphQL over WebSocket: connection and subscription limits (src/server/subscriptions). */
  subscriptions: SubscriptionsConfig;
}

/** PostgreSQL's default `shared_buffers`: the serving embedded database's buffer pool. */
export const DEFAULT_PGLITE_SHARED_BUFFERS_MB = 128;
/** A one-shot command's (`npm run cli`, migrations): it reads a few pages, and a smaller pool opens 0.4 s sooner. */
export const COMMAND_PGLITE_SHARED_BUFFERS_MB = 16;
/** PGlite's memory ends at 2 GiB. */
const MAX_PGLITE_SHARED_BUFFERS_MB = 1024;

/**
 * The configuration of a one-shot command (the CLI, migrations): the server's,
 * with a small buffer pool for the embedded database unless PGLITE_SHARED_BUFFERS_MB says otherwise.
 */
export function loadCommandConfig(env: NodeJS.ProcessEnv = process.env): AppConfig {
  const config = loadConfig(env);
  return env.PGLITE_SHARED_BUFFERS_MB?.trim() ? config : { ...config, pgliteSharedBuffersMb: COMMAND_PGLITE_SHARED_BUFFERS_MB };
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): AppConfig {
  const production = env.NODE_ENV === 'production';
  const settings = integerSettings(env);
  const { int, ms, periodMs } = settings;
  // Empty (a blank line in an env file) is the default, not port 0 (a random port).
  const port = int('PORT', 4000, 0, 65535, 'a port number');
  const bool = (name: string, fallback: boolean) => boolean(env, name, fallback);
  return {
    databaseUrl: env.DATABASE_URL || undefined,
    replicas: loadReplicasConfig(env, env.DATABASE_URL || undefined),
    preparedStatements: bool('DATABASE_PREPARED_STATEMENTS', true),
    dataDir: path.resolve(env.DATA_DIR || './data'),
    pgliteSharedBuffersMb: int('PGLITE_SHARED_BUFFERS_MB', DEFAULT_PGLITE_SHARED_BUFFERS_MB, 1, MAX_PGLITE_SHARED_BUFFERS_MB),
    port,
    host: env.HOST || 'localhost',
    development: !production && env.NODE_ENV !== 'test',
    seedDemoData: bool('SEED_DEMO_DATA', !production),
    statementCounts: bool('STATEMENT_COUNTS', !production),
    limits: {
      maxCost: int('QUERY_MAX_COST', 50_000, 1),
      maxDepth: int('QUERY_MAX_DEPTH', 15, 1),
      maxAliases: int('QUERY_MAX_ALIASES', 30),
      maxFields: int('QUERY_MAX_FIELDS', 1_000, 1),
      maxTokens: int('QUERY_MAX_TOKENS', 5_000, 1),
    },
    rateLimitPoints: int('RATE_LIMIT_POINTS', 1_000_000),
    rateLimitWindowSeconds: int('RATE_LIMIT_WINDOW_SECONDS', 60, 1),
    trustProxy: int('TRUST_PROXY', 0),
    requestTimeoutMs: ms('REQUEST_TIMEOUT_MS', 10_000, 100),
    shutdownTimeoutMs: ms('SHUTDOWN_TIMEOUT_MS', 15_000, 0),
    // Each release is a 20–70 ms full collection: "10" (meant as seconds) would run one in nearly every pause.
    idleMemoryReleaseMs: periodMs('IDLE_MEMORY_RELEASE_MS', 10_000),
    corsOrigins: corsOrigins(env.CORS_ORIGINS, production),
    allowedHosts: parseAllowedHosts(env.ALLOWED_HOSTS),
    introspection: bool('GRAPHQL_INTROSPECTION', !production),
    suggestions: bool('GRAPHQL_SUGGESTIONS', !production),
    compileQueriesAfter: int('GRAPHQL_COMPILE_AFTER', 2, 0, 1_000_000),
    observability: loadObservabilityConfig(env),
    workers: loadWorkersConfig(env, env.DATABASE_URL || undefined),
    subscriptions: loadSubscriptionsConfig(settings),
  };
}

/** The longest delay Node's timers take (2^31 - 1 ms, about 24.8 days): a longer one fires after 1 ms. */
const MAX_TIMER_MS = 2_147_483_647;

/** Readers of whole-number settings, for this module and the sub-configs (subscriptions). */
export interface IntegerSettings {
  /** A whole number from `min` to `max` (`what` names it in the error: "a port number"). */
  int(name: string, fallback: number, min?: number, max?: number, what?: string): number;
  /** Milliseconds that a timer waits: at most Node's longest timer. */
  ms(name: string, fallback: number, min?: number): number;
  /** The interval of a periodic task: 0 (off) or from a second up to Node's longest timer. */
  periodMs(name: string, fallback: number): number;
}

export function integerSettings(env: NodeJS.ProcessEnv): IntegerSettings {
  const int = (name: string, fallback: number, min = 0, max = Number.MAX_SAFE_INTEGER, what?: string) => integer(env, name, fallback, min, max, what);
  const ms = (name: string, fallback: number, min = 0) => int(name, fallback, min, MAX_TIMER_MS, `a whole number of milliseconds from ${min} to ${MAX_TIMER_MS} (Node's longest timer)`);
  const periodMs = (name: string, fallback: number) => {
    const value = ms(name, fallback);
    if (value > 0 && value < 1000) throw new Error(`${name} must be 0 (off) or at least 1000 milliseconds (got "${env[name]}")`);
    return value;
  };
  return { int, ms, periodMs };
}

function integer(env: NodeJS.ProcessEnv, name: string, fallback: number, min: number, max: number, what?: string): number {
  const raw = env[name];
  if (raw === undefined || raw.trim() === '') return fallback;
  // Decimal digits only: Number() alone would also take "0x10", "1e3" or "0b1".
  const value = /^\s*\d+\s*$/.test(raw) ? Number(raw) : Number.NaN;
  if (!Number.isSafeInteger(value) || value < min || value > max) {
    const expected = what ?? (max === Number.MAX_SAFE_INTEGER ? `a whole number of at least ${min}` : `a whole number from ${min} to ${max}`);
    throw new Error(`${name} must be ${expected} (got "${raw}")`);
  }
  return value;
}

function boolean(env: NodeJS.ProcessEnv, name: string, fallback: boolean): boolean {
  const raw = env[name];
  if (raw === undefined || raw.trim() === '') return fallback;
  if (raw === 'true') return true;
  if (raw === 'false') return false;
  throw new Error(`${name} must be "true" or "false" (got "${raw}")`);
}

/**
 * `CORS_ORIGINS`: comma-separated origins (`https://app.example,http://localhost:5173`)
 * or `*`. Default: `*` in development (Apollo Sandbox and local frontends on any
 * port), none in production (same-origin only until configured).
 */
function corsOrigins(raw: string | undefined, production: boolean): string[] | '*' {
  if (raw === undefined) return production ? [] : '*';
  if (raw.trim() === '*') return '*';
  const origins = raw
    .split(',')
    .map((entry) => entry.trim())
    .filter(Boolean);
  for (const origin of origins) {
    let parsed: URL | undefined;
    try {
      parsed = new URL(origin);
    } catch {
      // reported below
    }
    if (!parsed || parsed.origin !== origin) {
      throw new Error(`CORS_ORIGINS entries must be origins like https://app.example (scheme, host, optional port, no path); got "${origin}"`);
    }
  }
  return origins;
}
