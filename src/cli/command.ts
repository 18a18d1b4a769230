import type { MikroORM } from '@mikro-orm/core';
import { createAppRegistry } from '../app/registry.js';
import type { ContentTypeRegistry } from '../generic/content-type.registry.js';
import { loadConfig } from '../server/config.js';
import { acquireDataDirLock } from '../server/data-dir-lock.js';
import { prepareDatabase } from '../server/database.js';
import { initOrm } from '../server/orm.js';

export interface CliCommand {
  name: string;
  summary: string;
  /** Returns the process exit code. */
  run(args: string[]): Promise<number>;
}

/**
 * Opens the configured database (migrated, content types synced) for a
 * command, runs `fn`, and closes it. Holds the data-directory lock on PGlite,
 * so it fails clearly while a server runs on the same directory.
 */
export async function withDatabase<T>(fn: (orm: MikroORM, registry: ContentTypeRegistry) => Promise<T>): Promise<T> {
  const config = loadConfig();
  const lock = config.databaseUrl ? undefined : acquireDataDirLock(config.dataDir);
  const registry = createAppRegistry();
  const orm = await initOrm(config, registry);
  try {
    await prepareDatabase(orm, registry, config);
    return await fn(orm, registry);
  } finally {
    await orm.close(true);
    lock?.release();
  }
}
