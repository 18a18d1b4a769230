import type { EntityManager } from '@mikro-orm/sql';
import type { ContentTypeRegistry } from './content-type.registry.js';
import { quoteIdentifier as q } from './sql.js';

/** A table whose foreign key to `content_type` would take rows with a stale content type. */
export interface StaleDependent {
  table: string;
  column: string;
  /** The generic foreign key declared on that column, when there is one. */
  relation: string | undefined;
  /** The foreign key's ON DELETE rule: `cascade` deletes the rows; anything else blocks the removal while rows exist. */
  onDelete: 'cascade' | 'set null' | 'set default' | 'restrict' | 'no action';
  rows: number;
}

/** A `content_type` row that no registered type claims any more (like Django's stale content types). */
export interface StaleContentType {
  id: number;
  appLabel: string;
  model: string;
  /** Rows per referencing table and column; only those with rows. */
  dependents: StaleDependent[];
}

const ON_DELETE: Record<string, StaleDependent['onDelete']> = {
  c: 'cascade',
  n: 'set null',
  d: 'set default',
  r: 'restrict',
  a: 'no action',
};

/**
 * Lists the `content_type` rows of types that are no longer registered and,
 * for each, how many rows of every table with a foreign key to
 * `content_type` (the generic tables) would go with it. Reads only; the
 * registry needs `bind()`.
 */
export async function findStaleContentTypes(em: EntityManager, registry: ContentTypeRegistry): Promise<StaleContentType[]> {
  return collect(em, registry, false);
}

/**
 * Removes the stale content types in one transaction: their generic rows go
 * with them through the foreign keys' ON DELETE CASCADE. Returns what it
 * removed, with the rows counted inside that transaction. Never runs by
 * itself: content types are only removed on request. Throws (and removes
 * nothing) when a referencing foreign key is not ON DELETE CASCADE and still
 * has rows.
 */
export async function removeStaleContentTypes(em: EntityManager, registry: ContentTypeRegistry): Promise<StaleContentType[]> {
  const removed = await em.transactional((tx) => collect(tx as EntityManager, registry, true));
  await registry.reload(em);
  return removed;
}

async function collect(em: EntityManager, registry: ContentTypeRegistry, remove: boolean): Promise<StaleContentType[]> {
  const registered = new Set(registry.types().map((t) => t.key));
  // FOR UPDATE: a concurrent sync or insert cannot use a row this call is removing.
  const rows = await em.execute<{ id: number; app_label: string; model: string }[]>(
    `select id, app_label, model from content_type order by id${remove ? ' for update' : ''}`,
  );
  const stale = rows
    .filter((row) => !registered.has(`${row.app_label}.${row.model}`))
    .map((row): StaleContentType => ({ id: Number(row.id), appLabel: row.app_label, model: row.model, dependents: [] }));
  if (stale.length === 0) return [];

  const ids = stale.map((s) => s.id).join(', ');
  const relations = new Map(registry.foreignKeys().map((fk) => [`${fk.tableName}.${fk.contentTypeColumn}`, fk.name]));
  for (const reference of await referencingColumns(em)) {
    const counts = await em.execute<{ id: number; n: number }[]>(
      `select ${q(reference.column)} as id, count(*) as n from ${q(reference.schema)}.${q(reference.table)} where ${q(reference.column)} in (${ids}) group by 1`,
    );
    for (const count of counts) {
      stale.find((s) => s.id === Number(count.id))!.dependents.push({
        table: reference.table,
        column: reference.column,
        relation: relations.get(`${reference.table}.${reference.column}`),
        onDelete: ON_DELETE[reference.action] ?? 'no action',
        rows: Number(count.n),
      });
    }
  }
  if (remove) {
    const blocked = stale.flatMap((s) => s.dependents.filter((d) => d.onDelete !== 'cascade').map((d) => ({ s, d })));
    if (blocked.length) {
      throw new Error(
        'Cannot remove stale content types: ' +
          blocked.map(({ s, d }) => `${d.rows} rows of ${d.table}.${d.column} (ON DELETE ${d.onDelete.toUpperCase()}) still use ${s.appLabel}.${s.model}`).join('; ') +
          '. Delete or move those rows first.',
      );
    }
    await em.execute(`delete from content_type where id in (${ids})`);
  }
  return stale;
}

/** Every single-column foreign key that references `content_type`. */
async function referencingColumns(em: EntityManager): Promise<{ schema: string; table: string; column: string; action: string }[]> {
  return em.execute(
    `select n.nspname as schema, c.relname as "table", a.attname as "column", k.confdeltype as action
       from pg_constraint k
       join pg_class c on c.oid = k.conrelid
       join pg_namespace n on n.oid = c.relnamespace
       join pg_attribute a on a.attrelid = k.conrelid and a.attnum = k.conkey[1]
      where k.contype = 'f' and k.confrelid = 'content_type'::regclass and cardinality(k.conkey) = 1
      order by 2, 3`,
  );
}
