import DataLoader from 'dataloader';
import { MAX_JOINED_TARGET_TYPES, type RequestLoaders } from '../../generic/request-loaders.js';
import { type TargetKey, targetCacheKey } from '../../content/content-target.js';
import { firstRowsPerPartition, type PageRow, partitionKey } from '../../content/partition-page.sql.js';
import type { TimeKey } from '../../content/keyset.js';
import { Tag } from './tag.entity.js';
import { placeholders, readRows } from '../../generic/sql.js';
import { invalid } from '../../generic/validation.js';
import { tagKey } from './tag-key.js';
import { rowMapper } from '../../generic/row.mapper.js';
import { ofContentTypes, TAG_ITEMS_PAGE } from './tag-items.page.js';

/** Longest name a lookup (`tag(name)`, `tagged`, `prefix`) accepts: a stored name is at most 50 characters, NFD or NFKC forms stay within this. */
export const MAX_LOOKUP_LENGTH = 200;

/**
 * Lookup form of a tag name: its key (`tagKey`: NFKC, full case folding,
 * invisible characters dropped, whitespace collapsed), which also dedupes
 * lookups; the database compares `tag.name_key = cg_tag_key(<lookup>)`.
 * BAD_USER_INPUT naming `argumentName` above MAX_LOOKUP_LENGTH characters,
 * or with a NUL character (U+0000), which no name holds and PostgreSQL text
 * cannot carry (the statement failed and was answered as a database outage).
 */
export function tagLookupName(name: string, argumentName = 'name'): string {
  if (name.length > MAX_LOOKUP_LENGTH) throw invalid(argumentName, `must be at most ${MAX_LOOKUP_LENGTH} characters long (got ${name.length}).`);
  if (name.includes('\u0000')) throw invalid(argumentName, `contains a NUL character (U+0000 at character ${name.indexOf('\u0000') + 1}); no tag name holds one.`);
  return tagKey(name);
}

/** Ids of the content types that take part in tags (rows of stale types, or of types without tags, are never read). */
export function registeredTypeIds(loaders: RequestLoaders): number[] {
  const types = new Set(loaders.registry.typesOf('tags').map((t) => `${t.appLabel}.${t.model}`));
  return loaders.registry
    .rows()
    .filter((row) => types.has(`${row.appLabel}.${row.model}`))
    .map((row) => row.id);
}

/**
 * The tags of many content objects: ONE statement per batch
 * (`tagged_item ⨝ tag` joined to a VALUES list of `(content_type_id, object_id)`),
 * each object's tags ordered by their key (`name_key`).
 */
export function tagsOfTargets(loaders: RequestLoaders): DataLoader<TargetKey, Tag[], string> {
  return loaders.named('tags.ofTargets', () =>
    new DataLoader<TargetKey, Tag[], string>(
      async (keys) => {
        const rows = await readRows<Record<string, unknown>>(loaders.em,
          `select k.ct as cg_ct, k.oid as cg_oid, t.* from (values ${placeholders(keys.length, '(?::int, ?::text)')}) as k(ct, oid) ` +
            `join tagged_item ti on ti.content_type_id = k.ct and ti.object_id = k.oid ` +
            `join tag t on t.id = ti.tag_id order by t.name_key collate "C", t.id`,
          keys.flatMap((k) => [k.contentTypeId, k.objectId]),
        );
        const mapper = rowMapper(loaders.em, Tag);
        const byTarget = new Map<string, Tag[]>();
        for (const row of rows) {
          const key = partitionKey([row.cg_ct as number, row.cg_oid as string]);
          let tags = byTarget.get(key);
          if (!tags) byTarget.set(key, (tags = []));
          tags.push(mapper.map(row)!);
        }
        return keys.map((key) => byTarget.get(targetCacheKey(key)) ?? []);
      },
      { cacheKeyFn: targetCacheKey, maxBatchSize: 1000 },
    ),
  );
}

/** How many objects (of registered content types) carry each tag: one `group by` statement per batch. */
export function tagItemCounts(loaders: RequestLoaders): DataLoader<number, number> {
  return loaders.named('tags.itemCounts', () =>
    new DataLoader<number, number>(
      async (tagIds) => {
        const typeIds = registeredTypeIds(loaders);
        const rows = await readRows<{ tag_id: number; n: number }>(loaders.em,
          `select tag_id, count(*)::int as n from tagged_item where tag_id in (${placeholders(tagIds.length)}) ` +
            `and content_type_id in (${placeholders(typeIds.length)}) group by tag_id`,
          [...tagIds, ...typeIds],
        );
        const counts = new Map(rows.map((row) => [Number(row.tag_id), Number(row.n)]));
        return tagIds.map((id) => counts.get(id) ?? 0);
      },
      { maxBatchSize: 1000 },
    ),
  );
}

/** Tags by lookup name (see `tagLookupName`), compared by key in the database: one statement per batch; null when none. */
export function tagsByName(loaders: RequestLoaders): DataLoader<string, Tag | null> {
  return loaders.named('tags.byName', () =>
    new DataLoader<string, Tag | null>(
      async (names) => {
        const rows = await readRows<Record<string, unknown>>(loaders.em,
          `select w.name as cg_wanted, t.* from (values ${placeholders(names.length, '(?)')}) as w(name) join tag t on t.name_key = cg_tag_key(w.name)`,
          [...names],
        );
        const mapper = rowMapper(loaders.em, Tag);
        const byName = new Map(rows.map((row) => [String(row.cg_wanted), mapper.map(row)!]));
        return names.map((name) => byName.get(name) ?? null);
      },
      { maxBatchSize: 1000 },
    ),
  );
}

/** A tagged item of a page with its target (null when it is gone). */
export type TaggedItemRow = PageRow & { cg_target: object | null };

/**
 * The first `first` tagged items (after `after`) of many tags, newest first
 * (`tagged_item.created_at desc, id desc`), restricted to `typeIds`, each
 * with its target: ONE statement per batch (`firstRowsPerPartition`: a
 * LATERAL … LIMIT per tag over `tagged_item_tag_page_index (tag_id,
 * created_at, id)`, read backwards; each row's target joined by a probe of
 * its type's primary key, `RequestLoaders.targetJoin`), where reading the
 * targets through `contentObject` took a second one.
 */
export function taggedItemPages(loaders: RequestLoaders, first: number, after: TimeKey | null, typeIds: number[]): DataLoader<number, TaggedItemRow[]> {
  const name = `tags.items:${first}:${after ? `${after.at}/${after.id}` : ''}:${typeIds.join(',')}`;
  return loaders.named(name, () =>
    new DataLoader<number, TaggedItemRow[]>(
      async (tagIds) => {
        if (typeIds.length === 0) return tagIds.map(() => []);
        const targets =
          typeIds.length <= MAX_JOINED_TARGET_TYPES ? loaders.targetJoin(typeIds, 'p.content_type_id', 'p.object_id', 'content_type_id', 'object_id') : undefined;
        const pages = await firstRowsPerPartition(
          loaders.em,
          TAG_ITEMS_PAGE,
          tagIds.map((id) => [id]),
          first + 1,
          after,
          ofContentTypes(typeIds),
          targets,
        );
        if (targets) return pages.map((rows) => rows.map((row) => Object.assign(row, { cg_target: targets.target(row) })));
        // Too many types to join (targetJoin): the targets of the page's rows in one more statement.
        return Promise.all(
          pages.map((rows) =>
            Promise.all(rows.map(async (row) => Object.assign(row, { cg_target: await loaders.contentObject(Number(row.content_type_id), String(row.object_id)) }))),
          ),
        );
      },
      { maxBatchSize: 1000 },
    ),
  );
}
