import type { Connection } from '../../generic/connection.js';
import { decodeCursor, encodeCursor, toConnection } from '../../generic/connection.js';
import { BadUserInputError } from '../../generic/errors.js';
import type { RequestLoaders } from '../../generic/request-loaders.js';
import { Tag } from './tag.entity.js';
import { registeredTypeIds, tagItemCounts, tagLookupName } from './tags.loaders.js';
import { placeholders } from '../../generic/sql.js';

/** Escapes LIKE wildcards; the escape character is `!`. */
const likePrefix = (prefix: string) => `${prefix.replace(/[!%_]/g, (c) => `!${c}`)}%`;

/**
 * A page of `tags(first, after, prefix)`: tags whose name starts with
 * `prefix` (case-insensitively), most used first, then by lower(name), then
 * id. Keyset on `(uses, lower(name), id)`; the use counts are computed in the
 * same statement and primed into the `itemCount` loader. Use counts can move
 * between pages (tagging is live), so a tag can move across a page boundary;
 * that is the price of ordering by a live count.
 */
export async function tagPage(loaders: RequestLoaders, first: number, after: string | null | undefined, prefix: string | null | undefined): Promise<Connection<Tag>> {
  const cursor = decodeCursor(after, 3);
  if (cursor && !(Number.isSafeInteger(cursor[0]) && typeof cursor[1] === 'string' && Number.isSafeInteger(cursor[2]))) {
    throw new BadUserInputError('`after` is not a cursor returned by this connection.', { argumentName: 'after' });
  }
  const typeIds = registeredTypeIds(loaders);
  const params: unknown[] = [...typeIds];
  const where: string[] = [];
  const lookupPrefix = prefix ? tagLookupName(prefix) : '';
  if (lookupPrefix) {
    where.push(`lower(t.name) like ? escape '!'`);
    params.push(likePrefix(lookupPrefix));
  }
  let keyset = '';
  if (cursor) {
    keyset = ` where s.cg_uses < ? or (s.cg_uses = ? and (s.cg_lower collate "C", s.id) > (? collate "C", ?))`;
    params.push(cursor[0], cursor[0], cursor[1], cursor[2]);
  }
  params.push(first + 1);
  const rows = await loaders.em.getConnection().execute<Record<string, unknown>[]>(
    `select * from (select t.*, lower(t.name) as cg_lower, ` +
      `(select count(*) from tagged_item ti where ti.tag_id = t.id and ti.content_type_id in (${placeholders(typeIds.length) || 'null'}))::int as cg_uses ` +
      `from tag t${where.length ? ` where ${where.join(' and ')}` : ''}) s${keyset} ` +
      `order by s.cg_uses desc, s.cg_lower collate "C", s.id limit ?`,
    params,
  );
  const counts = tagItemCounts(loaders);
  const page = rows.map(({ cg_lower, cg_uses, ...columns }) => {
    const tag = loaders.em.map(Tag, columns as never);
    counts.prime(tag.id, Number(cg_uses));
    return { tag, key: [Number(cg_uses), String(cg_lower), tag.id] };
  });
  const connection = toConnection(page, first, (row) => encodeCursor(row.key));
  return { ...connection, edges: connection.edges.map((edge) => ({ cursor: edge.cursor, node: edge.node.tag })) };
}
