import pg from 'pg';
import type { MikroORM } from '@mikro-orm/core';
import type { EntityManager } from '@mikro-orm/sql';
import type { ContentTypeRegistry } from '../generic/content-type.registry.js';
import type { AppConfig } from './config.js';
import { rootEm } from './orm.js';

/** Advisory lock key shared by every contentgraph process on one database. */
const MIGRATION_LOCK_KEY = 727_140_615_001n;

export interface PrepareOptions {
  /**
   * Runs after the sync, still under the advisory lock (e.g. loading demo
   * data into an empty database, which two servers starting at once must not
   * both do). Its result is returned as `afterSync`.
   */
  afterSync?: (em: EntityManager) => Promise<boolean>;
}

export interface PreparedDatabase {
  /** Names of the migrations this call applied. */
  migrations: string[];
  /** What `afterSync` returned; false when there was none. */
  afterSync: boolean;
}

/**
 * Applies pending migrations, syncs the content types and runs `afterSync`,
 * serialised across processes by a PostgreSQL advisory lock (several
 * instances may start at once against one server). The embedded database is
 * single-process (its directory lock), so it needs no advisory lock.
 */
export async function prepareDatabase(
  orm: MikroORM,
  registry: ContentTypeRegistry,
  config: AppConfig,
  options: PrepareOptions = {},
): Promise<PreparedDatabase> {
  const run = async (): Promise<PreparedDatabase> => {
    const migrated = await orm.migrator.up();
    await registry.sync(rootEm(orm).fork());
    const afterSync = options.afterSync ? await options.afterSync(rootEm(orm).fork()) : false;
    return { migrations: migrated.map((m) => m.name), afterSync };
  };
  if (!config.databaseUrl) return run();
  const client = new pg.Client({ connectionString: config.databaseUrl });
  await client.connect();
  try {
    await client.query('select pg_advisory_lock($1)', [MIGRATION_LOCK_KEY.toString()]);
    return await run();
  } finally {
    await client.query('select pg_advisory_unlock($1)', [MIGRATION_LOCK_KEY.toString()]).catch(() => undefined);
    await client.end();
  }
}
