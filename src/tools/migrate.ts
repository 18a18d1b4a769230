/**
 * Migration commands, on the embedded database (./data) or DATABASE_URL:
 *
 *   npm run migration:create [-- name]   table changes (MikroORM schema diff) plus
 *                                        integrity trigger changes (from the registry)
 *   npm run migration:up                 apply pending migrations
 *   npm run migration:down               revert the last migration
 *   npm run migration:check              exit 1 when migrations are behind the code
 */
import 'reflect-metadata';
import type { MigrationDiff } from '@mikro-orm/core';
import { TSMigrationGenerator } from '@mikro-orm/migrations';
import { createAppRegistry } from '../app/registry.js';
import { loadCommandConfig } from '../server/config.js';
import { initOrm, rootEm } from '../server/orm.js';
import { diffIntegrity } from '../generic/integrity.inspect.js';
import { acquireDataDirLock } from '../server/data-dir-lock.js';
import { checkMigrationsCurrent } from './migration-check.js';
import { composeMigration } from './migration-file.js';

async function main(): Promise<void> {
  const [command, name] = process.argv.slice(2);
  const config = loadCommandConfig();
  const lock = config.databaseUrl ? undefined : acquireDataDirLock(config.dataDir);
  const registry = createAppRegistry();
  let extra: { dropUp: string[]; createUp: string[]; createDown: string[]; dropDown: string[] } = {
    dropUp: [],
    createUp: [],
    createDown: [],
    dropDown: [],
  };

  class IntegrityMigrationGenerator extends TSMigrationGenerator {
    override generateMigrationFile(className: string, diff: MigrationDiff): string {
      return super.generateMigrationFile(className, composeMigration(diff, extra));
    }
  }

  const orm = await initOrm(config, registry, {
    migrationGenerator: command === 'create' ? IntegrityMigrationGenerator : undefined,
  });
  try {
    if (command === 'up') {
      const done = await orm.migrator.up();
      console.log(done.length ? `applied: ${done.map((m) => m.name).join(', ')}` : 'no pending migrations');
    } else if (command === 'down') {
      const done = await orm.migrator.down();
      console.log(done.length ? `reverted: ${done.map((m) => m.name).join(', ')}` : 'nothing to revert');
    } else if (command === 'create') {
      await orm.migrator.up();
      const drift = await diffIntegrity(rootEm(orm), registry);
      extra = drift;
      let result = await orm.migrator.create(undefined, false, false, name);
      if (!result.fileName && (drift.dropUp.length || drift.createUp.length)) {
        result = await orm.migrator.create(undefined, true, false, name ?? 'integrity');
      }
      console.log(result.fileName ? `created migrations/${result.fileName}` : 'no changes: migrations are current');
    } else if (command === 'check') {
      const problems = await checkMigrationsCurrent(orm, registry);
      if (problems.length) {
        console.error(problems.join('\n'));
        process.exitCode = 1;
      } else {
        console.log('migrations are current');
      }
    } else {
      console.error('usage: migrate.ts create [name] | up | down | check');
      process.exitCode = 2;
    }
  } finally {
    await orm.close(true);
    lock?.release();
  }
}

main().catch((error) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
