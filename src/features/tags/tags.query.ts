import type { Connection } from '../../generic/connection.js';
import { decodeCursor, encodeCursor, toConnection } from '../../generic/connection.js';
import { BadUserInputError } from '../../generic/errors.js';
import type { RequestLoaders } from '../../generic/request-loaders.js';
import { Tag } from './tag.entity.js';
import { registeredTypeIds, tagItemCounts, tagLookupName } from './tags.loaders.js';
import { placeholders, readRows } from '../../generic/sql.js';
import { rowMapper } from '../../generic/row.mapper.js';

/**
 * A page of `tags(first, after, prefix)`: tags whose name starts with
 * `prefix` (compared by key: `name_key` starts with `cg_tag_key(prefix)`),
 * most used first, then by key, then id. Keyset on `(uses, name_key, id)`; the use counts are computed in the
 * same statement and primed into the `itemCount` loader. Use counts can move
 * between pages (tagging is live), so a tag can move across a page boundary;
 * that is the price of ordering by a live count.
 */
export async function tagPage(loaders: RequestLoaders, first: number, after: string | null | undefined, prefix: string | null | undefined): Promise<Connection<Tag>> {
  const cursor = decodeCursor(after, 'tags', 3);
  if (cursor && !(Number.isSafeInteger(cursor[0]) && typeof cursor[1] === 'string' && Number.isSafeInteger(cursor[2]))) {
    throw new BadUserInputError('`after` is not a cursor returned by this connection.', { argumentName: 'after' });
  }
  const typeIds = registeredTypeIds(loaders);
  const params: unknown[] = [...typeIds];
  const where: string[] = [];
  const lookupPrefix = prefix ? tagLookupName(prefix, 'prefix') : '';
  if (lookupPrefix) {
    // LIKE wildcards in the key are escaped with `!`.
    where.push(`t.name_key like replace(replace(replace(cg_tag_key(?), '!', '!!'), '%', '!%'), '_', '!_') || '%' escape '!'`);
    params.push(lookupPrefix);
  }
  let keyset = '';
  if (cursor) {
    keyset = ` where s.cg_uses < ? or (s.cg_uses = ? and (s.name_key collate "C", s.id) > (? collate "C", ?))`;
    params.push(cursor[0], cursor[0], cursor[1], cursor[2]);
  }
  params.push(first + 1);
  const rows = await readRows<Record<string, unknown>>(loaders.em,
    `select * from (select t.*, ` +
      `(select count(*) from tagged_item ti where ti.tag_id = t.id and ti.content_type_id in (${placeholders(typeIds.length) || 'null'}))::int as cg_uses ` +
      `from tag t${where.length ? ` where ${where.join(' and ')}` : ''}) s${keyset} ` +
      `order by s.cg_uses desc, s.name_key collate "C", s.id limit ?`,
    params,
  );
  const counts = tagItemCounts(loaders);
  const mapper = rowMapper(loaders.em, Tag);
  const page = rows.map((row) => {
    const tag = mapper.map(row)!;
    counts.prime(tag.id, Number(row.cg_uses));
    return { tag, key: [Number(row.cg_uses), String(row.name_key), tag.id] };
  });
  const connection = toConnection(page, first, (row) => encodeCursor('tags', row.key));
  return { ...connection, edges: connection.edges.map((edge) => ({ cursor: edge.cursor, node: edge.node.tag })) };
}
