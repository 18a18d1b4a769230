import DataLoader from 'dataloader';
import type { EntityClass } from '@mikro-orm/core';
import type { EntityManager } from '@mikro-orm/sql';
import { normalizeKey, type ObjectKey } from './object-key.js';
import { rowMapper } from './row.mapper.js';
import { placeholders, quoteIdentifier as q, readRows } from './sql.js';

/**
 * The batch contract every loader follows (as Pothos' `loadAndSort`): one
 * result per key, in key order, `null` for a miss.
 */
export function sortByKeys<K, V>(keys: readonly K[], rows: V[], keyOf: (row: V) => K): (V | null)[] {
  const byKey = new Map<K, V>();
  for (const row of rows) byKey.set(keyOf(row), row);
  return keys.map((key) => byKey.get(key) ?? null);
}

/**
 * A per-request loader of one entity class by primary key (numbers, or
 * lowercase uuid strings): one `SELECT … WHERE pk IN (…)` per batch (the
 * literals take the column's type, so the primary key index is used), rows
 * mapped to read-only objects (`rowMapper`, no managed entities), `null` for
 * a missing row.
 */
export function createEntityLoader<T extends object>(em: EntityManager, cls: EntityClass<T>, primaryKeyProperty = 'id'): DataLoader<ObjectKey, T | null> {
  return new DataLoader<ObjectKey, T | null>(
    async (keys) => {
      const meta = em.getMetadata().get(cls);
      const pkColumn = (meta.properties as Record<string, { fieldNames?: string[] } | undefined>)[primaryKeyProperty]?.fieldNames?.[0] ?? primaryKeyProperty;
      const mapper = rowMapper(em, cls);
      const rows = await readRows<Record<string, unknown>>(em,
        `select ${mapper.columns.map(q).join(', ')} from ${q(meta.tableName)} where ${q(pkColumn)} in (${placeholders(keys.length)})`,
        [...keys],
      );
      const objects = rows.map((row) => mapper.map(row)!);
      const kind = typeof keys[0] === 'string' ? 'uuid' : 'integer';
      return sortByKeys(keys, objects, (row) => normalizeKey(kind, (row as Record<string, unknown>)[primaryKeyProperty]));
    },
    { maxBatchSize: 1000 },
  );
}
