import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { loadCommandConfig } from '../../src/server/config.js';
import { acquireDataDirLock } from '../../src/server/data-dir-lock.js';
import { PgliteWorkerClient } from '../../src/server/pglite-worker.client.js';

/** SQL on the bench database, with `$1` placeholders. */
export interface Sql {
  query<T = Record<string, unknown>>(text: string, params?: unknown[]): Promise<T[]>;
}

export interface BenchDatabase {
  kind: 'postgresql' | 'pglite';
  /** What a server process needs to open it (`DATABASE_URL` or `DATA_DIR`). */
  serverEnv: Record<string, string>;
  /**
   * Runs `fn` with SQL access. PGlite is single-process: every server on the
   * data directory must be stopped first (the directory lock refuses otherwise).
   */
  withSql<T>(fn: (sql: Sql) => Promise<T>): Promise<T>;
  drop(): Promise<void>;
}

/** A database of the bench's own: a temp data directory, or a database created on the `DATABASE_URL` server. */
export async function createBenchDatabase(databaseUrl: string | undefined): Promise<BenchDatabase> {
  if (!databaseUrl) {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'cg-bench-'));
    return {
      kind: 'pglite',
      serverEnv: { DATA_DIR: dataDir },
      async withSql(fn) {
        const lock = acquireDataDirLock(dataDir);
        try {
          // A one-shot opening, as a CLI command's (PGLITE_SHARED_BUFFERS_MB, else 16 MB).
          const client = await PgliteWorkerClient.start(path.join(dataDir, 'pgdata'), { sharedBuffersMb: loadCommandConfig().pgliteSharedBuffersMb });
          try {
            return await fn({ query: async (text, params) => (await client.query<any>(text, params)).rows });
          } finally {
            await client.close();
          }
        } finally {
          lock.release();
        }
      },
      drop: async () => fs.rmSync(dataDir, { recursive: true, force: true }),
    };
  }
  const name = `cg_bench_${process.pid}_${Date.now()}`;
  const admin = new pg.Client({ connectionString: databaseUrl });
  await admin.connect();
  await admin.query(`create database "${name}"`);
  const url = new URL(databaseUrl);
  url.pathname = `/${name}`;
  return {
    kind: 'postgresql',
    serverEnv: { DATABASE_URL: url.toString() },
    async withSql(fn) {
      const client = new pg.Client({ connectionString: url.toString() });
      await client.connect();
      try {
        return await fn({ query: async (text, params) => (await client.query(text, params)).rows });
      } finally {
        await client.end();
      }
    },
    async drop() {
      await admin.query(`drop database if exists "${name}" with (force)`);
      await admin.end();
    },
  };
}
