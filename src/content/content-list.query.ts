import type { Connection } from '../generic/connection.js';
import { decodeCursor, encodeCursor, toConnection } from '../generic/connection.js';
import type { GenericContext } from '../generic/context.js';
import type { RegisteredContentType } from '../generic/content-type.registry.js';
import { BadUserInputError } from '../generic/errors.js';
import { carriesAllTagsSql } from '../features/tags/tags.filter.js';
import { afterTimeKeySql, cursorTimestampSql, decodeTimeKey, timeKeyConnection } from './keyset.js';
import { type KeyKind, keySqlType, type ObjectKey, parseKey } from '../generic/object-key.js';
import { quoteIdentifier as q, readRows } from '../generic/sql.js';
import { rowMapper } from '../generic/row.mapper.js';
import type { EntityClass } from '@mikro-orm/core';

/**
 * One page of a content type's list query (`articles`, `books`, …), newest
 * first: keyset on `(created_at, pk)` when the entity has a `createdAt`
 * property, on the primary key alone otherwise. `tagged` keeps the objects
 * that carry all those tags. One statement; returns read-only objects (`rowMapper`).
 */
export async function contentListPage(
  ctx: GenericContext,
  type: RegisteredContentType,
  first: number,
  after: string | null | undefined,
  tagged: readonly string[] | null | undefined,
): Promise<Connection<object>> {
  const meta = ctx.em.getMetadata().get(type.cls);
  const timeColumn = (meta.properties as Record<string, { fieldNames?: string[] }>).createdAt?.fieldNames?.[0];
  const pk = `x.${q(type.primaryKeyColumn)}`;
  const where: string[] = [];
  const params: unknown[] = [];
  const filter = tagged ? carriesAllTagsSql(ctx.registry.idOf(type.cls), pk, tagged, 'tagged', keySqlType(type.keyKind)) : null;
  if (filter) {
    where.push(filter.sql);
    params.push(...filter.params);
  }
  const list = type.typeName;
  const timeKey = timeColumn ? decodeTimeKey(after, list, 'after', type.keyKind) : null;
  const idKey = timeColumn ? null : decodeIdCursor(after, list, type.keyKind);
  if (timeKey) {
    const condition = afterTimeKeySql(`x.${q(timeColumn!)}`, pk, timeKey, 'desc');
    where.push(condition.sql);
    params.push(...condition.params);
  } else if (idKey !== null) {
    where.push(`${pk} < ?`);
    params.push(idKey);
  }
  params.push(first + 1);
  const order = timeColumn ? `x.${q(timeColumn)} desc, ${pk} desc` : `${pk} desc`;
  const rows = await readRows<Record<string, unknown>>(ctx.em,
    `select x.*${timeColumn ? `, ${cursorTimestampSql(`x.${q(timeColumn)}`)} as cg_at` : ''} from ${q(type.tableName)} x` +
      (where.length ? ` where ${where.join(' and ')}` : '') +
      ` order by ${order} limit ?`,
    params,
  );
  const mapper = rowMapper(ctx.em, type.cls as EntityClass<object>);
  const page = rows.map((row) => ({
    node: mapper.map(row)!,
    at: row.cg_at as string,
    id: row[type.primaryKeyColumn] as number | string,
  }));
  if (timeColumn) return timeKeyConnection(page, first, list);
  const connection = toConnection(page, first, (row) => encodeCursor(list, [row.id]));
  return { edges: connection.edges.map((edge) => ({ cursor: edge.cursor, node: edge.node.node })), pageInfo: connection.pageInfo };
}

function decodeIdCursor(after: string | null | undefined, list: string, kind: KeyKind): ObjectKey | null {
  const values = decodeCursor(after, list, 1);
  if (!values) return null;
  const key = parseKey(kind, values[0]);
  if (key === null || key !== values[0]) throw new BadUserInputError('`after` is not a cursor returned by this connection.', { argumentName: 'after' });
  return key;
}
