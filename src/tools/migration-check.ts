import type { MikroORM } from '@mikro-orm/core';
import type { ContentTypeRegistry } from '../generic/content-type.registry.js';
import { diffIntegrity } from '../generic/integrity.inspect.js';
import { rootEm } from '../server/orm.js';

/**
 * Lists how the migrated database differs from the code: table changes the
 * entities need (MikroORM schema diff) and integrity functions and triggers
 * the registry needs, each with the command that fixes it. Empty when the
 * migrations are current. A database with unapplied migrations is only told
 * to apply them first: comparing it with the code would report, as missing,
 * what those migrations create.
 */
export async function checkMigrationsCurrent(orm: MikroORM, registry: ContentTypeRegistry): Promise<string[]> {
  const pending = await orm.migrator.getPending();
  if (pending.length) {
    return [
      `pending migrations (written, not yet applied to this database): ${pending.map((m) => m.name).join(', ')}`,
      'run `npm run migration:up` (`npm start` does too), then check again.',
    ];
  }
  const problems: string[] = [];
  const schemaSql = (await orm.schema.getUpdateSchemaSQL({ wrap: false })).trim();
  if (schemaSql) problems.push(`the entities need table changes no migration makes:\n${schemaSql}`);
  const drift = await diffIntegrity(rootEm(orm), registry);
  for (const f of drift.changedFunctions) problems.push(`integrity function ${f.name} is missing or outdated`);
  for (const t of drift.changedTriggers) problems.push(`integrity trigger ${t.name} on ${t.table} is missing, outdated or disabled`);
  for (const f of drift.removedFunctions) problems.push(`integrity function ${f.name} is installed but no longer generated`);
  for (const t of drift.removedTriggers) problems.push(`integrity trigger ${t.name} on ${t.table} is installed but no longer generated`);
  if (problems.length) problems.push('run `npm run migration:create` and commit the new migration.');
  return problems;
}
