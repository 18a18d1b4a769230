import type { MigrationDiff } from '@mikro-orm/core';
import type { IntegrityDrift } from '../generic/integrity.inspect.js';

/**
 * SQL of MikroORM's own trigger diff. Our triggers and their functions are
 * generated from the registry (`IntegrityDrift`); MikroORM ignores them going
 * up (`ignoreTriggers`) but, going down, re-creates every trigger it found
 * in the database as an empty, invalid stub (`begin ; end;`), and it drops
 * the triggers of a dropped table under names of its own.
 */
const MIKRO_ORM_TRIGGER_SQL = /^\s*(create\s+(or\s+replace\s+)?function|drop\s+function|create\s+(constraint\s+)?trigger|drop\s+trigger)\b/i;

/**
 * The statements of one migration: MikroORM's table diff (without its
 * trigger statements) inside the integrity drift, so that up drops what the
 * registry no longer wants, changes the tables, then creates the triggers;
 * and down is its mirror image.
 */
export function composeMigration(
  tables: MigrationDiff,
  integrity: Pick<IntegrityDrift, 'dropUp' | 'createUp' | 'createDown' | 'dropDown'>,
): MigrationDiff {
  const strip = (list: string[]) => list.filter((s) => s !== 'select 1' && !MIKRO_ORM_TRIGGER_SQL.test(s));
  return {
    up: [...integrity.dropUp, ...strip(tables.up), ...integrity.createUp],
    down: [...integrity.createDown, ...strip(tables.down), ...integrity.dropDown],
  };
}
