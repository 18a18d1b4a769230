import path from 'node:path';
import { loadObservabilityConfig, type ObservabilityConfig } from '../observability/observability.config.js';

/** Runtime configuration, read once from the environment. */
export interface AppConfig {
  /** `postgres://…` when set: use that server; otherwise the embedded PGlite. */
  databaseUrl: string | undefined;
  /** Directory of the embedded database and its lock file (default `./data`). */
  dataDir: string;
  port: number;
  host: string;
  /** Development mode: Apollo Sandbox landing page, statement counts in `extensions`, error details. */
  development: boolean;
  /** Load demo data into an empty database at start-up. */
  seedDemoData: boolean;
  /** Add `extensions.sqlStatements` to responses (on in development and tests). */
  statementCounts: boolean;
  /** Logs, metrics, traces and the slow-operation threshold (src/observability). */
  observability: ObservabilityConfig;
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): AppConfig {
  const production = env.NODE_ENV === 'production';
  const port = Number(env.PORT ?? 4000);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new Error(`PORT must be a port number (got "${env.PORT}")`);
  }
  return {
    databaseUrl: env.DATABASE_URL || undefined,
    dataDir: path.resolve(env.DATA_DIR || './data'),
    port,
    host: env.HOST || 'localhost',
    development: !production && env.NODE_ENV !== 'test',
    seedDemoData: env.SEED_DEMO_DATA ? env.SEED_DEMO_DATA !== 'false' : !production,
    statementCounts: env.STATEMENT_COUNTS ? env.STATEMENT_COUNTS === 'true' : !production,
    observability: loadObservabilityConfig(env),
  };
}
