import type { EntityManager } from '@mikro-orm/sql';
import type { ContentTypeRegistry } from './content-type.registry.js';
import type { BoundGenericForeignKey, DeletePolicy } from './generic-relation.js';
import { quoteIdentifier as q } from './sql.js';

/** Why a generic row is an orphan. */
export type OrphanReason =
  /** Its content type is a valid target, but no object has its object_id. */
  | 'missing-object'
  /** Its content_type row belongs to no registered type (a stale content type). */
  | 'unregistered-type'
  /** Its content type is registered, but the relation's `targets` do not allow it. */
  | 'not-a-target';

/** The orphans of one generic foreign key pointing at one content type, for one reason. */
export interface OrphanGroup {
  /** The generic foreign key's name, e.g. `tagged_item`, `content_link_source`. */
  relation: string;
  table: string;
  policy: DeletePolicy;
  contentTypeId: number;
  /** `app_label.model` of the content_type row. */
  contentType: string;
  reason: OrphanReason;
  /** Primary keys of the rows, ascending. */
  rowIds: number[];
}

export interface OrphanReport {
  /** Orphans of cascade and restrict relations: rows that should not exist. */
  orphans: OrphanGroup[];
  /** Dangling rows of keep relations (e.g. activity): dangling by design, never removed. */
  kept: OrphanGroup[];
}

/**
 * Finds generic rows whose target does not exist: rows that slipped past the
 * integrity triggers (a restore with triggers off, `session_replication_role
 * = replica`, a TRUNCATE … CASCADE of a content-type table), rows of stale
 * content types, and rows pointing at a type their relation does not allow.
 * Rows of `keep` relations are reported apart, in `kept`. Needs a bound and
 * synced registry; reads only.
 */
export async function findOrphans(em: EntityManager, registry: ContentTypeRegistry): Promise<OrphanReport> {
  return collect(em, registry, 'select');
}

/**
 * Deletes the orphans of cascade and restrict relations in one transaction
 * and returns what it deleted (`orphans`) and the dangling rows of keep
 * relations it left alone (`kept`). Idempotent: a second run finds nothing.
 */
export async function removeOrphans(em: EntityManager, registry: ContentTypeRegistry): Promise<OrphanReport> {
  return em.transactional((tx) => collect(tx as EntityManager, registry, 'delete'));
}

async function collect(em: EntityManager, registry: ContentTypeRegistry, mode: 'select' | 'delete'): Promise<OrphanReport> {
  const report: OrphanReport = { orphans: [], kept: [] };
  const contentTypes = await em.execute<{ id: number; app_label: string; model: string }[]>('select id, app_label, model from content_type');
  const keyOf = new Map(contentTypes.map((row) => [Number(row.id), `${row.app_label}.${row.model}`]));
  for (const fk of registry.foreignKeys()) {
    const deleting = mode === 'delete' && fk.onDelete !== 'keep';
    const add = (contentTypeId: number, reason: OrphanReason, rowIds: number[]) => {
      if (rowIds.length === 0) return;
      const group: OrphanGroup = {
        relation: fk.name,
        table: fk.tableName,
        policy: fk.onDelete,
        contentTypeId,
        contentType: keyOf.get(contentTypeId) ?? `#${contentTypeId}`,
        reason,
        rowIds: rowIds.sort((a, b) => a - b),
      };
      (fk.onDelete === 'keep' ? report.kept : report.orphans).push(group);
    };

    const targetIds: number[] = [];
    for (const type of registry.targetsOf(fk)) {
      const contentTypeId = idIfSynced(registry, type.cls);
      if (contentTypeId === undefined) continue; // no row yet: nothing can point at it
      targetIds.push(contentTypeId);
      // Compared as text (the canonical form): a malformed object_id written with
      // the triggers off is an orphan too, not a cast error.
      const where =
        `g.${q(fk.contentTypeColumn)} = ${contentTypeId} and not exists ` +
        `(select 1 from ${q(type.tableName)} t where t.${q(type.primaryKeyColumn)}::text = g.${q(fk.objectIdColumn)})`;
      add(contentTypeId, 'missing-object', await rowsWhere(em, fk, where, deleting));
    }

    const otherTypes = targetIds.length ? `${q(fk.contentTypeColumn)} not in (${targetIds.join(', ')})` : 'true';
    const others = await em.execute<{ ct: number }[]>(
      `select distinct ${q(fk.contentTypeColumn)} as ct from ${q(fk.tableName)} where ${otherTypes} order by 1`,
    );
    for (const { ct } of others) {
      const contentTypeId = Number(ct);
      const ids = await rowsWhere(em, fk, `g.${q(fk.contentTypeColumn)} = ${contentTypeId}`, deleting);
      add(contentTypeId, registry.byId(contentTypeId) ? 'not-a-target' : 'unregistered-type', ids);
    }
  }
  return report;
}

/** Selects, or deletes and returns, the primary keys of a generic table's rows matching `where` (alias `g`). */
async function rowsWhere(em: EntityManager, fk: BoundGenericForeignKey, where: string, deleting: boolean): Promise<number[]> {
  const pk = q(fk.primaryKeyColumn);
  const sql = deleting
    ? `delete from ${q(fk.tableName)} g where ${where} returning g.${pk} as id`
    : `select g.${pk} as id from ${q(fk.tableName)} g where ${where}`;
  const rows = await em.execute<{ id: number }[]>(sql);
  return rows.map((row) => Number(row.id));
}

function idIfSynced(registry: ContentTypeRegistry, cls: Function): number | undefined {
  try {
    return registry.idOf(cls);
  } catch {
    return undefined;
  }
}

/** Total rows of a list of groups. */
export function countRows(groups: OrphanGroup[]): number {
  return groups.reduce((sum, group) => sum + group.rowIds.length, 0);
}
