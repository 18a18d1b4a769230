import DataLoader from 'dataloader';
import type { RequestLoaders } from '../generic/request-loaders.js';
import { placeholders, quoteIdentifier as q, readRows } from '../generic/sql.js';
import { type TargetKey, targetCacheKey } from './content-target.js';
import type { TimeKey } from './keyset.js';
import { firstRowsPerPartition, mapPageRows, type PartitionPageSpec } from './partition-page.sql.js';

/** A page of a reverse generic relation: entities with their `(time, id)` keys, `first + 1` at most. */
export type TargetPage<T> = { node: T; at: string; id: number }[];

/** Equality conditions on columns of the relation's table (alias `g`), e.g. `{ kind: 'related' }`. */
export type ColumnFilter = Record<string, unknown>;

/**
 * The loader of one reverse generic relation (comments of objects, activity
 * of objects, links from/to objects) for one `(first, after, filter)`: the
 * first `first + 1` rows of EVERY requested object come from ONE statement
 * per batch (`firstRowsPerPartition`), mapped to read-only objects of `cls` (`rowMapper`).
 * Memoised per request by name and arguments.
 */
export function targetPages<T extends object>(
  loaders: RequestLoaders,
  name: string,
  cls: new (...args: any[]) => T,
  spec: PartitionPageSpec,
  first: number,
  after: TimeKey | null,
  filter: ColumnFilter = {},
): DataLoader<TargetKey, TargetPage<T>, string> {
  const filters = Object.entries(filter).sort(([a], [b]) => (a < b ? -1 : 1));
  const memo = `${name}:${first}:${after ? `${after.at}/${after.id}` : ''}:${JSON.stringify(filters)}`;
  const extra = filters.length
    ? { sql: filters.map(([column]) => `g.${q(column)} = ?`).join(' and '), params: filters.map(([, value]) => value) }
    : undefined;
  return loaders.named(memo, () =>
    new DataLoader<TargetKey, TargetPage<T>, string>(
      async (keys) => {
        const groups = await firstRowsPerPartition(
          loaders.em,
          spec,
          keys.map((k) => [k.contentTypeId, k.objectId]),
          first + 1,
          after,
          extra,
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
        const rows = await readRows<{ ct: number; oid: string; n: number }>(loaders.em,
          `select k.ct, k.oid, count(g.*)::int as n from (values ${placeholders(keys.length, '(?::int, ?::text)')}) as k(ct, oid) ` +
            `join ${q(table)} g on g.${q(typeColumn)} = k.ct and g.${q(idColumn)} = k.oid group by k.ct, k.oid`,
          keys.flatMap((k) => [k.contentTypeId, k.objectId]),
        );
        const counts = new Map(rows.map((row) => [`${row.ct}:${row.oid}`, Number(row.n)]));
        return keys.map((key) => counts.get(targetCacheKey(key)) ?? 0);
      },
      { cacheKeyFn: targetCacheKey, maxBatchSize: 1000 },
    ),
  );
}

/**
 * Counts rows of a generic table per object and per value of one column
 * (reactions per emoji): ONE `group by` statement per batch; each object's
 * values ordered by count (descending), then value.
 */
export function countsByPerTarget(
  loaders: RequestLoaders,
  name: string,
  table: string,
  typeColumn: string,
  idColumn: string,
  byColumn: string,
): DataLoader<TargetKey, { value: unknown; count: number }[], string> {
  return loaders.named(name, () =>
    new DataLoader<TargetKey, { value: unknown; count: number }[], string>(
      async (keys) => {
        const rows = await readRows<{ ct: number; oid: string; value: unknown; n: number }>(loaders.em,
          `select k.ct, k.oid, g.${q(byColumn)} as value, count(*)::int as n from (values ${placeholders(keys.length, '(?::int, ?::text)')}) as k(ct, oid) ` +
            `join ${q(table)} g on g.${q(typeColumn)} = k.ct and g.${q(idColumn)} = k.oid group by k.ct, k.oid, g.${q(byColumn)} ` +
            `order by n desc, g.${q(byColumn)}::text collate "C"`,
          keys.flatMap((k) => [k.contentTypeId, k.objectId]),
        );
        const byTarget = new Map<string, { value: unknown; count: number }[]>();
        for (const row of rows) {
          const key = `${row.ct}:${row.oid}`;
          let list = byTarget.get(key);
          if (!list) byTarget.set(key, (list = []));
          list.push({ value: row.value, count: Number(row.n) });
        }
        return keys.map((key) => byTarget.get(targetCacheKey(key)) ?? []);
      },
      { cacheKeyFn: targetCacheKey, maxBatchSize: 1000 },
    ),
  );
}
