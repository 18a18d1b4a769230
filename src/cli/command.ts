import { parseArgs, type ParseArgsOptionsConfig } from 'node:util';
import type { EntityManager } from '@mikro-orm/sql';
import { createAppRegistry } from '../app/registry.js';
import type { ContentTypeRegistry } from '../generic/content-type.registry.js';
import { loadCommandConfig } from '../server/config.js';
import { acquireDataDirLock } from '../server/data-dir-lock.js';
import { prepareDatabase } from '../server/database.js';
import { initOrm, rootEm } from '../server/orm.js';

export interface CliCommand {
  name: string;
  summary: string;
  /** Returns the process exit code. */
  run(args: string[]): Promise<number>;
}

/**
 * Parses a command's arguments (strict: unknown options are errors). Prints
 * the parser's message and `usage` and returns undefined when they are wrong.
 */
export function parseOptions<T extends ParseArgsOptionsConfig, P extends boolean = false>(args: string[], options: T, usage: string, allowPositionals?: P) {
  try {
    return parseArgs({ args, options, allowPositionals: (allowPositionals ?? false) as P, strict: true });
  } catch (error) {
    console.error(`${(error as Error).message}\n${usage}`);
    return undefined;
  }
}

/**
 * Opens the configured database (migrated, content types synced) for a
 * command, runs `fn` with a fresh EntityManager fork, and closes it. Holds
 * the data-directory lock on PGlite, so it fails clearly while a server runs
 * on the same directory.
 */
export async function withDatabase<T>(fn: (em: EntityManager, registry: ContentTypeRegistry) => Promise<T>): Promise<T> {
  const config = loadCommandConfig();
  const lock = config.databaseUrl ? undefined : acquireDataDirLock(config.dataDir);
  const registry = createAppRegistry();
  const orm = await initOrm(config, registry);
  try {
    await prepareDatabase(orm, registry, config);
    return await fn(rootEm(orm).fork(), registry);
  } finally {
    await orm.close(true);
    lock?.release();
  }
}
