import { BadUserInputError } from '../../generic/errors.js';
import { tagLookupName } from './tags.loaders.js';
import { placeholders } from '../../generic/sql.js';

export const MAX_TAGGED_FILTER = 10;

/**
 * The condition "the object carries ALL these tags" (names compared by
 * key, `cg_tag_key`) for a content table: SQL with `?` placeholders on
 * `objectColumn` (the table's primary key, qualified, of SQL type `keyType`:
 * `object_id` text is cast to it, so the primary key index stays usable), or
 * null when `names` is empty (no filter). BAD_USER_INPUT naming
 * `argumentName` for more than MAX_TAGGED_FILTER names.
 */
export function carriesAllTagsSql(
  contentTypeId: number,
  objectColumn: string,
  names: readonly string[],
  argumentName = 'tagged',
  keyType: 'bigint' | 'uuid' = 'bigint',
): { sql: string; params: unknown[] } | null {
  const lookup = [...new Set(names.map((name, i) => tagLookupName(name, `${argumentName}[${i}]`)))];
  if (lookup.length > MAX_TAGGED_FILTER) {
    throw new BadUserInputError(`\`${argumentName}\` may name at most ${MAX_TAGGED_FILTER} tags (got ${lookup.length}).`, { argumentName });
  }
  if (lookup.length === 0) return null;
  return {
    sql:
      `${objectColumn} in (select ti.object_id::${keyType} from tagged_item ti join tag t on t.id = ti.tag_id ` +
      `where ti.content_type_id = ? and t.name_key in (${placeholders(lookup.length, 'cg_tag_key(?)')}) ` +
      `group by ti.object_id having count(*) = ?)`,
    params: [contentTypeId, ...lookup, lookup.length],
  };
}
