import DataLoader from 'dataloader';
import type { EntityClass } from '@mikro-orm/core';
import type { EntityManager } from '@mikro-orm/sql';

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
 * A per-request loader of one entity class by primary key: one
 * `SELECT … WHERE pk IN (…)` per batch, `null` for a missing row.
 */
export function createEntityLoader<T extends object>(
  em: EntityManager,
  cls: EntityClass<T>,
  primaryKeyProperty = 'id',
): DataLoader<number, T | null> {
  return new DataLoader<number, T | null>(
    async (ids) => {
      const rows = (await em.find(cls, { [primaryKeyProperty]: { $in: [...ids] } } as never)) as T[];
      return sortByKeys(ids, rows, (row) => Number((row as Record<string, unknown>)[primaryKeyProperty]));
    },
    { maxBatchSize: 1000 },
  );
}
