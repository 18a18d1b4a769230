import type { EntityClass } from '@mikro-orm/core';
import type { ContentTypeRegistry } from '../generic/content-type.registry.js';
import { loadConfig } from '../server/config.js';
import { initOrm } from '../server/orm.js';

/**
 * Discovers `entities` (the application's when omitted) and binds `registry`
 * to them, which runs the start-up checks (throws ContentTypeCheckError),
 * without opening a database: MikroORM connects lazily and this ORM points
 * at an address it never reaches. For tools that need the bound registry
 * (key kinds, table names) but no data: `schema:print`, tests.
 */
export async function bindWithoutDatabase(registry: ContentTypeRegistry, entities?: EntityClass<any>[]): Promise<void> {
  const config = { ...loadConfig({ NODE_ENV: 'test' }), databaseUrl: 'postgres://nobody@127.0.0.1:9/never_connected' };
  const orm = await initOrm(config, registry, { entities });
  await orm.close(true);
}
