import pg from 'pg';
import type { MikroORM } from '@mikro-orm/core';
import type { ContentTypeRegistry } from '../generic/content-type.registry.js';
import type { AppConfig } from './config.js';
import { rootEm } from './orm.js';

/** Advisory lock key shared by every contentgraph process on one database. */
const MIGRATION_LOCK_KEY = 727_140_615_001n;

/**
 * Applies pending migrations and syncs the content types, serialised across
 * processes by a PostgreSQL advisory lock (several instances may start at
 * once against one server). The embedded database is single-process (its
 * directory lock), so it needs no advisory lock.
 */
export async function prepareDatabase(orm: MikroORM, registry: ContentTypeRegistry, config: AppConfig): Promise<string[]> {
  const run = async () => {
    const migrated = await orm.migrator.up();
    await registry.sync(rootEm(orm).fork());
    return migrated.map((m) => m.name);
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
