import type { EntityManager } from '@mikro-orm/sql';
import type { ContentTypeRegistry } from '../../generic/content-type.registry.js';
import type { BoundGenericForeignKey } from '../../generic/generic-relation.js';
import { invariant } from '../../generic/invariant.js';
import { type PartitionPageSpec, targetPartition } from '../partition-page.sql.js';
import type DataLoader from 'dataloader';
import type { RequestLoaders } from '../../generic/request-loaders.js';
import type { TargetKey } from '../content-target.js';
import type { TimeKey } from '../keyset.js';
import { type ColumnFilter, type TargetPage, targetPages } from '../target-page.loader.js';
import { type RelationDefinition, relationDefinition, type ResolvedEnd } from './relation.options.js';

export interface EndInfo {
  fk: BoundGenericForeignKey;
  spec: PartitionPageSpec;
  column: (property: string) => string;
  /** The entity's primary key property. */
  primaryKeyProperty: string;
}

const endInfos = new WeakMap<ContentTypeRegistry, Map<string, EndInfo>>();

/** Table, columns and page spec of a relation end, from the bound registry and the ORM metadata (memoised per registry). */
export function endInfo(ctx: { registry: ContentTypeRegistry; em: EntityManager }, definition: RelationDefinition, end: ResolvedEnd): EndInfo {
  let infos = endInfos.get(ctx.registry);
  if (!infos) endInfos.set(ctx.registry, (infos = new Map()));
  let info = infos.get(end.key);
  if (!info) {
    const fk = ctx.registry.foreignKeys().find((k) => k.name === end.key);
    invariant(fk, `generic foreign key ${end.key} is not registered`);
    const meta = ctx.em.getMetadata().get(definition.entity as never);
    const column = (property: string) => {
      const prop = (meta.properties as Record<string, { fieldNames?: string[] }>)[property];
      invariant(prop?.fieldNames?.length === 1, `${definition.entity.name}.${property} is not one column`);
      return prop.fieldNames[0];
    };
    const connection = end.connection;
    info = {
      fk,
      column,
      primaryKeyProperty: String(meta.primaryKeys[0]),
      spec: {
        table: fk.tableName,
        partitionColumns: targetPartition(fk.contentTypeColumn, fk.objectIdColumn),
        timeColumn: connection ? column(connection.orderBy ?? 'createdAt') : '',
        idColumn: fk.primaryKeyColumn,
        direction: connection?.direction ?? 'desc',
      },
    };
    infos.set(end.key, info);
  }
  return info;
}


/**
 * The page loader of one end of a relation (`comments` of objects, `activity`
 * of objects, links from objects): one statement per batch. Shared by the
 * derived connection fields and a feature's own queries (`comments(target)`),
 * so both batch together.
 */
export function relationPages<T extends object>(
  ctx: { registry: ContentTypeRegistry; em: EntityManager; loaders: RequestLoaders },
  entity: new (...args: any[]) => T,
  keyName: string,
  first: number,
  after: TimeKey | null,
  filter: ColumnFilter = {},
): DataLoader<TargetKey, TargetPage<T>, string> {
  const definition = relationDefinition(entity);
  const end = definition?.resolvedEnds.find((e) => e.key === keyName);
  invariant(definition && end, `${entity.name} declares no relation end ${keyName}`);
  return targetPages(ctx.loaders, `relation.${keyName}`, entity, endInfo(ctx, definition, end).spec, first, after, filter);
}
