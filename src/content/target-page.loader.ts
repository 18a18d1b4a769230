import DataLoader from 'dataloader';
import type { RequestLoaders } from '../generic/request-loaders.js';
import { type TargetKey, targetCacheKey } from './content-target.js';
import type { TimeKey } from './keyset.js';
import { firstRowsPerPartition, mapPageRows, type PartitionPageSpec } from './partition-page.sql.js';
import { placeholders } from '../generic/sql.js';

/** A page of a reverse generic relation: entities with their `(time, id)` keys, `first + 1` at most. */
export type TargetPage<T> = { node: T; at: string; id: number }[];

/**
 * The loader of one reverse generic relation (comments of objects, activity
 * of objects, links from/to objects) for one `(first, after)`: the first
 * `first + 1` rows of EVERY requested object come from ONE statement per
 * batch (`firstRowsPerPartition`, a window function), mapped to managed
 * entities of `cls`. Memoised per request by name and arguments.
 */
export function targetPages<T extends object>(
  loaders: RequestLoaders,
  name: string,
  cls: new (...args: any[]) => T,
  spec: PartitionPageSpec,
  first: number,
  after: TimeKey | null,
): DataLoader<TargetKey, TargetPage<T>, string> {
  return loaders.named(`${name}:${first}:${after ? `${after.at}/${after.id}` : ''}`, () =>
    new DataLoader<TargetKey, TargetPage<T>, string>(
      async (keys) => {
        const groups = await firstRowsPerPartition(
          loaders.em,
          spec,
          keys.map((k) => [k.contentTypeId, k.objectId]),
          first + 1,
          after,
        );
        return groups.map((rows) => mapPageRows(loaders.em, cls, rows));
      },
      { cacheKeyFn: targetCacheKey, maxBatchSize: 1000 },
    ),
  );
}

/**
 * Counts rows of a generic table per object: ONE `group by` statement per
 * batch. `table`, `typeColumn` and `idColumn` are trusted identifiers.
 */
export function countsPerTarget(loaders: RequestLoaders, name: string, table: string, typeColumn: string, idColumn: string): DataLoader<TargetKey, number, string> {
  return loaders.named(name, () =>
    new DataLoader<TargetKey, number, string>(
      async (keys) => {
        const values = placeholders(keys.length, '(?::bigint, ?::bigint)');
        const rows = await loaders.em.getConnection().execute<{ ct: number; oid: number; n: number }[]>(
          `select k.ct, k.oid, count(g.*)::int as n from (values ${values}) as k(ct, oid) ` +
            `join "${table}" g on g."${typeColumn}" = k.ct and g."${idColumn}" = k.oid group by k.ct, k.oid`,
          keys.flatMap((k) => [k.contentTypeId, k.objectId]),
        );
        const counts = new Map(rows.map((row) => [`${Number(row.ct)}:${Number(row.oid)}`, Number(row.n)]));
        return keys.map((key) => counts.get(targetCacheKey(key)) ?? 0);
      },
      { cacheKeyFn: targetCacheKey, maxBatchSize: 1000 },
    ),
  );
}
