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

/** A condition on the paged table (alias `g`), e.g. `ofContentTypes`. */
export interface PageCondition {
  sql: string;
  params: unknown[];
}

/** Columns and joins added around the page rows (alias `p`), e.g. their targets (`RequestLoaders.targetJoin`). */
export interface AroundPage {
  select: string;
  joins: string;
}

/**
 * Where a page statement's parents come from, as a FROM item aliased `k` with
 * the partition's values in columns `k0`, `k1`, …: a `VALUES` list of keys
 * (`firstRowsPerPartition`), or a statement of the caller's that finds the
 * parents and selects their own columns too (e.g. a tag looked up by name
 * and its first items, `tagsWithFirstItems`).
 */
export interface PartitionSource {
  sql: string;
  params: unknown[];
  /**
   * Columns of `k` to return once per row of the source, on a row of its own
   * (`cg_head` true, every column of the page null; theirs null on the
   * page's rows): so a parent without rows comes back too, and a page of 100
   * rows does not carry (and the driver parse) its parent's columns 100
   * times. Their names must differ from the table's columns (`p.*` follows
   * them), and the joins `around` adds must be outer ones, or the head row
   * would be lost.
   */
  head?: readonly string[];
}

/** The source of `keys` as a `VALUES` list. */
function valuesSource(spec: PartitionPageSpec, keys: readonly (readonly (number | string)[])[]): PartitionSource {
  const width = spec.partitionColumns.length;
  const values = placeholders(keys.length, `(${spec.partitionColumns.map((c) => `?::${c.type}`).join(', ')})`);
  const params: unknown[] = keys.flatMap((key) => {
    if (key.length !== width) throw new Error(`partition key ${JSON.stringify(key)} needs ${width} values`);
    return key;
  });
  return { sql: `(values ${values}) as k(${spec.partitionColumns.map((_, i) => `k${i}`).join(', ')})`, params };
}

/**
 * The statement of `firstRowsPerPartition`: for each parent of `source`, a
 * `LATERAL (… order by time, id limit n)` subquery that reads the head of its
 * range of the `(partition…, time, id)` index and stops there.
 */
export function partitionPagesStatement(
  spec: PartitionPageSpec,
  source: PartitionSource,
  limit: number,
  after: TimeKey | null,
  extra?: PageCondition,
  around?: AroundPage,
): { sql: string; params: unknown[] } {
  const params: unknown[] = [...source.params];
  const join = spec.partitionColumns.map((column, i) => `g.${q(column.name)} = k.k${i}`).join(' and ');
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
  let page =
    `select g.*, ${cursorTimestampSql(`g.${q(spec.timeColumn)}`)} as cg_at${source.head ? ', false as cg_head' : ''} from ${q(spec.table)} g ` +
    `where ${[join, ...conditions].join(' and ')} order by ${order} limit ?`;
  let head = '';
  if (source.head) {
    // The page, then the parent's own row: the table's columns null (`(null::<table>).*`, typed as the page's).
    // (In this order EXPLAIN names the page's columns by the page's own expressions.)
    page = `(${page}) union all select (null::${q(spec.table)}).*, null, true`;
    head = source.head.map((column) => `case when p.cg_head then k.${q(column)} end as ${q(column)}, `).join('');
  }
  const sql = `select ${head}p.*${around?.select ? `, ${around.select}` : ''} from ${source.sql} cross join lateral (${page}) p${around?.joins ?? ''}`;
  return { sql, params };
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
  extra?: PageCondition,
  around?: AroundPage,
): Promise<PageRow[][]> {
  if (keys.length === 0) return [];
  const statement = partitionPagesStatement(spec, valuesSource(spec, keys), limit, after, extra, around);
  const rows = await readRows<PageRow>(em, statement.sql, statement.params);
  const byKey = new Map<string, PageRow[]>();
  for (const row of rows) {
    const key = partitionKey(spec.partitionColumns.map((c) => row[c.name] as number | string));
    let group = byKey.get(key);
    if (!group) byKey.set(key, (group = []));
    group.push(row);
  }
  return keys.map((key) => inPageOrder(spec, byKey.get(partitionKey(key)) ?? []));
}

/**
 * Puts one parent's rows in (time, id) order, in place. A nested loop returns
 * each key's rows in index order, but SQL promises no order without an outer
 * ORDER BY (which would sort the result); `cg_at` is fixed-width UTC text, so
 * it sorts as text.
 */
export function inPageOrder(spec: PartitionPageSpec, rows: PageRow[]): PageRow[] {
  const sign = spec.direction === 'desc' ? -1 : 1;
  const id = (row: PageRow) => row[spec.idColumn] as number | string;
  return rows.sort((a, b) => sign * (a.cg_at < b.cg_at ? -1 : a.cg_at > b.cg_at ? 1 : Number(id(a)) - Number(id(b))));
}

/** Maps raw rows (column names) to read-only objects (`rowMapper`: no managed entities), keeping each row's cursor timestamp. */
export function mapPageRows<T extends object>(em: EntityManager, cls: new (...args: any[]) => T, rows: PageRow[]): { node: T; at: string; id: number }[] {
  const mapper = rowMapper(em, cls);
  return rows.map((row) => ({ node: mapper.map(row)!, at: row.cg_at, id: Number(row.id) }));
}
