import type { PartitionPageSpec } from '../../content/partition-page.sql.js';
import { placeholders } from '../../generic/sql.js';

/** `Tag.items`: each tag's tagged items newest first, a range of `tagged_item_tag_page_index (tag_id, created_at, id)` read backwards. */
export const TAG_ITEMS_PAGE: PartitionPageSpec = {
  table: 'tagged_item',
  partitionColumns: [{ name: 'tag_id', type: 'int' }],
  timeColumn: 'created_at',
  idColumn: 'id',
  direction: 'desc',
};

/** The condition that keeps a tag's items of the given content types (rows of stale types, or of types without tags, are never read). */
export function ofContentTypes(typeIds: readonly number[]): { sql: string; params: unknown[] } {
  return { sql: `g.content_type_id in (${placeholders(typeIds.length)})`, params: [...typeIds] };
}
