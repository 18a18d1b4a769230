import DataLoader from 'dataloader';
import { MAX_JOINED_TARGET_TYPES, type RequestLoaders, type TargetJoin } from '../../generic/request-loaders.js';
import { type TargetKey, targetCacheKey } from '../../content/content-target.js';
import { firstRowsPerPartition, inPageOrder, type PageRow, partitionKey, partitionPagesStatement } from '../../content/partition-page.sql.js';
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

const typeIdsOfRequest = new WeakMap<RequestLoaders, readonly number[]>();

/**
 * Ids of the content types that take part in tags (rows of stale types, or of
 * types without tags, are never read); worked out once per request (a tag
 * page asks three times: the tag, its items, their count).
 */
export function registeredTypeIds(loaders: RequestLoaders): readonly number[] {
  let ids = typeIdsOfRequest.get(loaders);
  if (!ids) {
    const types = new Set(loaders.registry.typesOf('tags').map((t) => `${t.appLabel}.${t.model}`));
    ids = loaders.registry
      .rows()
      .filter((row) => types.has(`${row.appLabel}.${row.model}`))
      .map((row) => row.id);
    typeIdsOfRequest.set(loaders, ids);
  }
  return ids;
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
        if (targets) return pages.map((rows) => withTargets(rows, targets));
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

/** Each row with its target, read in the row's own statement (`RequestLoaders.targetJoin`). */
function withTargets(rows: PageRow[], targets: TargetJoin): TaggedItemRow[] {
  return rows.map((row) => Object.assign(row, { cg_target: targets.target(row) }));
}

/**
 * Tags by lookup name (as `tagsByName`) together with the first page of each
 * one's items (as `taggedItemPages(first, null, typeIds)`, which it primes):
 * ONE statement per batch where the two took one each, one round trip less
 * for the common `tag(name) { items(first) }` (its resolver looks ahead,
 * `TagResolver.tag`). The tags are found as `tagsByName` finds them, and each
 * tag's page is the same `LATERAL … LIMIT` over `tagged_item_tag_page_index`,
 * after a row of the tag's own columns (`PartitionSource.head`), so a tag
 * without items comes back too. Undefined when the
 * page cannot join its targets (past `MAX_JOINED_TARGET_TYPES`): then the
 * two loaders answer separately.
 */
export function tagsWithFirstItems(loaders: RequestLoaders, first: number, typeIds: number[]): DataLoader<string, Tag | null> | undefined {
  if (typeIds.length === 0 || typeIds.length > MAX_JOINED_TARGET_TYPES) return undefined;
  // (Only a registry without these types has no join; the two loaders then answer as they would without this one.)
  const targets = loaders.targetJoin(typeIds, 'p.content_type_id', 'p.object_id', 'content_type_id', 'object_id');
  if (!targets) return undefined;
  const page = `${first}:${typeIds.join(',')}`;
  return loaders.named(`tags.withItems:${page}`, () =>
    new DataLoader<string, Tag | null>(
      (names) => {
        const read = readTagsWithFirstItems(loaders, names, first, typeIds, targets);
        let inFlight = firstItemsInFlight.get(loaders);
        if (!inFlight) firstItemsInFlight.set(loaders, (inFlight = new Map()));
        const before = inFlight.get(page);
        inFlight.set(page, Promise.all([before, read.catch(() => undefined)]));
        return read;
      },
      { maxBatchSize: 1000 },
    ),
  );
}

/** Per request and page (`<first>:<type ids>`): the reads of `tagsWithFirstItems` started, settled once their pages are primed. */
const firstItemsInFlight = new WeakMap<RequestLoaders, Map<string, Promise<unknown>>>();

/**
 * Settles once every `tagsWithFirstItems` read of this request for this page
 * has primed `taggedItemPages(first, null, typeIds)` (or failed); at once
 * when there is none. `Tag.items` waits for it before reading a first page
 * itself, so a request that selects a tag both ways reads its page once.
 */
export function firstItemsRead(loaders: RequestLoaders, first: number, typeIds: readonly number[]): Promise<unknown> | undefined {
  return firstItemsInFlight.get(loaders)?.get(`${first}:${typeIds.join(',')}`);
}

/** The statement of `tagsWithFirstItems` for one batch of names, priming `tagsByName` and `taggedItemPages`. */
async function readTagsWithFirstItems(loaders: RequestLoaders, names: readonly string[], first: number, typeIds: number[], targets: TargetJoin): Promise<(Tag | null)[]> {
  const mapper = rowMapper(loaders.em, Tag);
  const tags = {
    sql:
      `(select w.name as cg_wanted, t.id as k0, ${mapper.selectList('t', TAG_PREFIX)} ` +
      `from (values ${placeholders(names.length, '(?)')}) as w(name) join tag t on t.name_key = cg_tag_key(w.name)) k`,
    params: [...names],
    head: ['cg_wanted', ...mapper.columns.map((column) => TAG_PREFIX + column)],
  };
  const statement = partitionPagesStatement(TAG_ITEMS_PAGE, tags, first + 1, null, ofContentTypes(typeIds), targets);
  const rows = await readRows<PageRow>(loaders.em, statement.sql, statement.params);
  // Each tag found comes once per name that found it on a row of its own (cg_head), its items on the others.
  const found = new Map<string, Tag>();
  const items = new Map<number, PageRow[]>();
  const heads = new Map<number, number>();
  for (const row of rows) {
    if (row.cg_head) {
      const tag = mapper.map(row, TAG_PREFIX)!;
      found.set(String(row.cg_wanted), tag);
      heads.set(tag.id, (heads.get(tag.id) ?? 0) + 1);
      continue;
    }
    const tagId = Number(row[TAG_ITEMS_PAGE.partitionColumns[0]!.name]);
    let page = items.get(tagId);
    if (!page) items.set(tagId, (page = []));
    page.push(row);
  }
  const byName = tagsByName(loaders);
  const pages = taggedItemPages(loaders, first, null, typeIds);
  return names.map((name) => {
    const tag = found.get(name) ?? null;
    byName.prime(name, tag);
    if (tag) pages.prime(tag.id, withTargets(inPageOrder(TAG_ITEMS_PAGE, onePerId(items.get(tag.id) ?? [], heads.get(tag.id)!)), targets));
    return tag;
  });
}

/**
 * A tag's page once: two lookup names the database keys alike (`cg_tag_key`)
 * but this process's `tagKey` does not would each bring the page.
 */
function onePerId(rows: PageRow[], copies: number): PageRow[] {
  if (copies <= 1) return rows;
  const seen = new Set<string>();
  return rows.filter((row) => {
    const id = String(row[TAG_ITEMS_PAGE.idColumn]);
    return !seen.has(id) && (seen.add(id), true);
  });
}

/** Prefix of the tag's own columns in `tagsWithFirstItems`'s statement (the page's rows have columns of the same names). */
const TAG_PREFIX = 'cg_tag_';
