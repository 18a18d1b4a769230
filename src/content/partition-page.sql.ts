import type { EntityManager } from '@mikro-orm/sql';
import { afterTimeKeySql, cursorTimestampSql, type SortDirection, type TimeKey, timeKeyOrderSql } from './keyset.js';
import { placeholders, quoteIdentifier as q, readRows } from '../generic/sql.js';
import { rowMapper } from '../generic/row.mapper.js';

/** A column identifying a parent and the SQL type its values are sent as. */
export interface PartitionColumn {
  name: string;
  type: 'int' | 'bigint' | 'text';
}

/** The partition of a generic foreign key: `(content_type_id int, object_id text)`. */
export function targetPartition(contentTypeColumn: string, objectIdColumn: string): PartitionColumn[] {
  return [
    { name: contentTypeColumn, type: 'int' },
    { name: objectIdColumn, type: 'text' },
  ];
}

/** A table read in pages of `(time, id)` order, partitioned by some columns. */
export interface PartitionPageSpec {
  table: string;
  /** Columns identifying a parent, e.g. `targetPartition('content_type_id', 'object_id')` or `[{ name: 'tag_id', type: 'int' }]`. */
  partitionColumns: PartitionColumn[];
  timeColumn: string;
  idColumn: string;
  direction: SortDirection;
}

/** A raw row plus `cg_at`, its timestamp as cursor text. */
export type PageRow = Record<string, unknown> & { cg_at: string };

/** Canonical text of a partition key, e.g. `3:42` (values as the database returns them: numbers or text). */
export function partitionKey(values: readonly (number | string | bigint)[]): string {
  return values.map((v) => String(v)).join(':');
}

/**
 * Reads the first `limit` rows (after `after`, when given) of EVERY partition
 * named in `keys`, in ONE statement: the keys are a `VALUES` list, and for
 * each a `LATERAL (… order by time, id limit n)` subquery reads the head of
 * its range of the `(partition…, time, id)` index and stops there, so a page
 * costs the same whatever the size of its parent (a window function would
 * number every row of every partition first). `extra` adds a condition on the
 * table (alias `g`). Returns one array of rows per key, in key order.
 */
export async function firstRowsPerPartition(
  em: EntityManager,
  spec: PartitionPageSpec,
  keys: readonly (readonly (number | string)[])[],
  limit: number,
  after: TimeKey | null,
  extra?: { sql: string; params: unknown[] },
  /** Columns and joins added around the page rows (alias `p`), e.g. their targets (`RequestLoaders.targetJoin`). */
  around?: { select: string; joins: string },
): Promise<PageRow[][]> {
  if (keys.length === 0) return [];
  const width = spec.partitionColumns.length;
  const keyColumns = spec.partitionColumns.map((_, i) => `k${i}`);
  const values = placeholders(keys.length, `(${spec.partitionColumns.map((c) => `?::${c.type}`).join(', ')})`);
  const params: unknown[] = keys.flatMap((key) => {
    if (key.length !== width) throw new Error(`partition key ${JSON.stringify(key)} needs ${width} values`);
    return key;
  });
  const join = spec.partitionColumns.map((column, i) => `g.${q(column.name)} = k.${keyColumns[i]}`).join(' and ');
  const conditions: string[] = [];
  if (after) {
    const condition = afterTimeKeySql(`g.${q(spec.timeColumn)}`, `g.${q(spec.idColumn)}`, after, spec.direction);
    conditions.push(condition.sql);
    params.push(...condition.params);
  }
  if (extra) {
    conditions.push(`(${extra.sql})`);
    params.push(...extra.params);
  }
  params.push(limit);
  const order = timeKeyOrderSql(`g.${q(spec.timeColumn)}`, `g.${q(spec.idColumn)}`, spec.direction);
  const sql =
    `select p.*${around?.select ? `, ${around.select}` : ''} from (values ${values}) as k(${keyColumns.join(', ')}) cross join lateral (` +
    `select g.*, ${cursorTimestampSql(`g.${q(spec.timeColumn)}`)} as cg_at from ${q(spec.table)} g ` +
    `where ${[join, ...conditions].join(' and ')} order by ${order} limit ?) p${around?.joins ?? ''}`;
  const rows = await readRows<PageRow>(em, sql, params);
  const byKey = new Map<string, PageRow[]>();
  for (const row of rows) {
    const key = partitionKey(spec.partitionColumns.map((c) => row[c.name] as number | string));
    let group = byKey.get(key);
    if (!group) byKey.set(key, (group = []));
    group.push(row);
  }
  // A nested loop returns each key's rows in index order, but SQL promises no order without an outer ORDER BY (which
  // would sort the result): each page is put in (time, id) order here; `cg_at` is fixed-width UTC text, so it sorts as text.
  const sign = spec.direction === 'desc' ? -1 : 1;
  const id = (row: PageRow) => row[spec.idColumn] as number | string;
  const compare = (a: PageRow, b: PageRow) =>
    sign * (a.cg_at < b.cg_at ? -1 : a.cg_at > b.cg_at ? 1 : Number(id(a)) - Number(id(b)));
  return keys.map((key) => (byKey.get(partitionKey(key)) ?? []).sort(compare));
}

/** Maps raw rows (column names) to read-only objects (`rowMapper`: no managed entities), keeping each row's cursor timestamp. */
export function mapPageRows<T extends object>(em: EntityManager, cls: new (...args: any[]) => T, rows: PageRow[]): { node: T; at: string; id: number }[] {
  const mapper = rowMapper(em, cls);
  return rows.map((row) => ({ node: mapper.map(row)!, at: row.cg_at, id: Number(row.id) }));
}
