import type { MikroORM } from '@mikro-orm/core';
import type { ContentTypeRegistry } from '../generic/content-type.registry.js';
import { diffIntegrity } from '../generic/integrity.inspect.js';
import { rootEm } from '../server/orm.js';

/**
 * Lists how the migrated database differs from the code: table changes the
 * entities need (MikroORM schema diff) and integrity triggers the registry
 * needs. Empty when the migrations are current. Run it on a database that
 * has every migration applied.
 */
export async function checkMigrationsCurrent(orm: MikroORM, registry: ContentTypeRegistry): Promise<string[]> {
  const problems: string[] = [];
  const pending = await orm.migrator.getPending();
  if (pending.length) problems.push(`pending migrations: ${pending.map((m) => m.name).join(', ')}`);
  const schemaSql = (await orm.schema.getUpdateSchemaSQL({ wrap: false })).trim();
  if (schemaSql) problems.push(`the entities need table changes no migration makes:\n${schemaSql}`);
  const drift = await diffIntegrity(rootEm(orm), registry);
  for (const object of drift.changed) problems.push(`integrity trigger ${object.functionName} on ${object.tableName} is missing or outdated`);
  for (const object of drift.removed) problems.push(`integrity trigger ${object.functionName} is installed but no longer generated`);
  if (problems.length) problems.push('run `npm run migration:create` and commit the new migration.');
  return problems;
}
