import DataLoader from 'dataloader';
import type { EntityClass } from '@mikro-orm/core';
import type { EntityManager } from '@mikro-orm/sql';
import { normalizeKey, type ObjectKey } from './object-key.js';

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
 * lowercase uuid strings): one `SELECT … WHERE pk IN (…)` per batch, typed
 * like the column (so the primary key index is used), `null` for a missing row.
 */
export function createEntityLoader<T extends object>(em: EntityManager, cls: EntityClass<T>, primaryKeyProperty = 'id'): DataLoader<ObjectKey, T | null> {
  return new DataLoader<ObjectKey, T | null>(
    async (keys) => {
      const rows = (await em.find(cls, { [primaryKeyProperty]: { $in: [...keys] } } as never)) as T[];
      const kind = typeof keys[0] === 'string' ? 'uuid' : 'integer';
      return sortByKeys(keys, rows, (row) => normalizeKey(kind, (row as Record<string, unknown>)[primaryKeyProperty]));
    },
    { maxBatchSize: 1000 },
  );
}
