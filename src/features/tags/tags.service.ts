import type { EntityManager } from '@mikro-orm/sql';
import type { User } from '../../accounts/user.entity.js';
import type { ContentTarget } from '../../content/target.js';
import type { ContentTypeRegistry } from '../../generic/content-type.registry.js';
import { invariant } from '../../generic/invariant.js';
import { keyFromText } from '../../generic/object-key.js';
import { recordActivities, recordActivity } from '../activity/activity.service.js';
import { Tag } from './tag.entity.js';
import { TaggedItem } from './tagged-item.entity.js';
import { slugify, tagKey } from './tags.validation.js';
import { placeholders } from '../../generic/sql.js';

/**
 * The write paths of tags. Every function runs inside the caller's
 * transaction (`tx`) and takes names already normalised by tags.validation.ts.
 *
 * Concurrency: tags and tagged items are written with
 * `INSERT … ON CONFLICT DO NOTHING` and then read back, so concurrent calls
 * adding the same name (on one or many targets) all succeed and leave one
 * tag and one tagged item per target: on PostgreSQL a second inserter waits
 * for the first to commit and then inserts nothing. Rows are inserted in a
 * fixed order (by name, then by tag id) so that two calls with overlapping
 * names cannot deadlock.
 */

export interface TaggingResult {
  /** Every tag on the target after the call, by name. */
  tags: Tag[];
  /** Names this call added or removed (empty when it changed nothing). */
  changed: string[];
}

/** Adds tags to a target, creating missing tags; records `tagged` with the names it added. */
export async function addTags(
  tx: EntityManager,
  registry: ContentTypeRegistry,
  actor: User,
  target: ContentTarget,
  names: string[],
): Promise<TaggingResult> {
  const tagIds = await ensureTags(tx, names);
  const ids = [...new Set(names.map((name) => tagIds.get(tagKey(name))!))];
  const contentTypeId = registry.idOf(target.type.cls);
  const addedIds = await insertTaggedItems(tx, ids, contentTypeId, target.objectId, actor.id);
  const tags = await tagsOf(tx, contentTypeId, target.objectId);
  const changed = tags.filter((tag) => addedIds.has(tag.id)).map((tag) => tag.name);
  if (changed.length) await recordActivity(tx, registry, { actor, verb: 'tagged', target: target.object, data: { tags: changed } });
  return { tags, changed };
}

/** Inserts tagged items for `tagIds` (sorted, so concurrent calls lock in one order); returns the ids this call added. */
async function insertTaggedItems(tx: EntityManager, tagIds: number[], contentTypeId: number, objectId: string, actorId: number): Promise<Set<number>> {
  if (tagIds.length === 0) return new Set();
  const ids = [...tagIds].sort((a, b) => a - b);
  const inserted = await tx.execute<{ tag_id: number }[]>(
    `insert into "tagged_item" ("tag_id", "content_type_id", "object_id", "tagged_by_id") values ${placeholders(ids.length, '(?, ?, ?, ?)')} ` +
      `on conflict do nothing returning "tag_id"`,
    ids.flatMap((id) => [id, contentTypeId, objectId, actorId]),
  );
  return new Set(inserted.map((row) => Number(row.tag_id)));
}

export interface SetTagsResult {
  /** Every tag on the target after the call, by name. */
  tags: Tag[];
  added: string[];
  removed: string[];
}

/**
 * Replaces the tags of a target with exactly `names` (as Django's generic
 * inline formset edits an object's tags as one set): adds the missing ones
 * (creating tags as needed), removes the others, and records `tagged` and
 * `untagged` entries for what changed; nothing when the set is unchanged.
 */
export async function setTags(tx: EntityManager, registry: ContentTypeRegistry, actor: User, target: ContentTarget, names: string[]): Promise<SetTagsResult> {
  const contentTypeId = registry.idOf(target.type.cls);
  const wanted = names.length ? [...new Set((await ensureTags(tx, names)).values())].sort((a, b) => a - b) : [];
  const removedRows = await tx.execute<{ name: string }[]>(
    `delete from "tagged_item" ti using "tag" t where ti."tag_id" = t."id" and ti."content_type_id" = ? and ti."object_id" = ?` +
      (wanted.length ? ` and ti."tag_id" not in (${placeholders(wanted.length)})` : '') +
      ` returning t."name"`,
    [contentTypeId, target.objectId, ...wanted],
  );
  const addedIds = await insertTaggedItems(tx, wanted, contentTypeId, target.objectId, actor.id);
  const tags = await tagsOf(tx, contentTypeId, target.objectId);
  const added = tags.filter((tag) => addedIds.has(tag.id)).map((tag) => tag.name);
  const removed = removedRows.map((row) => row.name).sort(byName);
  const entries = [
    ...(added.length ? [{ actor, verb: 'tagged', target: target.object, data: { tags: added } }] : []),
    ...(removed.length ? [{ actor, verb: 'untagged', target: target.object, data: { tags: removed } }] : []),
  ];
  await recordActivities(tx, registry, entries);
  return { tags, added, removed };
}

/** Removes tags (by case-insensitive name) from a target; unknown names are ignored. Records `untagged`. */
export async function removeTags(
  tx: EntityManager,
  registry: ContentTypeRegistry,
  actor: User,
  target: ContentTarget,
  names: string[],
): Promise<TaggingResult> {
  const contentTypeId = registry.idOf(target.type.cls);
  const removed = await tx.execute<{ name: string }[]>(
    `delete from "tagged_item" ti using "tag" t where ti."tag_id" = t."id" and ti."content_type_id" = ? and ti."object_id" = ? ` +
      `and lower(t."name") in (${placeholders(names.length, 'lower(?)')}) returning t."name"`,
    [contentTypeId, target.objectId, ...names],
  );
  const changed = removed.map((row) => row.name).sort(byName);
  if (changed.length) await recordActivity(tx, registry, { actor, verb: 'untagged', target: target.object, data: { tags: changed } });
  return { tags: await tagsOf(tx, contentTypeId, target.objectId), changed };
}

export interface MergeResult {
  tag: Tag;
  /** Names of the tags merged into `tag` (and deleted). */
  merged: string[];
  /** Content objects that carried a merged tag. */
  retagged: number;
}

/**
 * Merges the tags `from` into `into` (created when missing): every object
 * that carried one of them carries `into` afterwards (once), the `from` tags
 * are deleted, and each such object gets a `retagged` activity entry.
 * `from` must name existing tags other than `into` (NOT_FOUND otherwise,
 * raised by the caller from `missing`). The merged tags are locked first, so
 * a concurrent addTags of one of them waits for the merge.
 */
export async function mergeTags(
  tx: EntityManager,
  registry: ContentTypeRegistry,
  actor: User,
  from: string[],
  into: string,
): Promise<MergeResult | { missing: string[] }> {
  const sources = await tx.execute<{ id: number; name: string }[]>(
    `select "id", "name" from "tag" where lower("name") in (${placeholders(from.length, 'lower(?)')}) order by "id" for update`,
    from,
  );
  const found = new Set(sources.map((tag) => tagKey(tag.name)));
  const missing = from.filter((name) => !found.has(tagKey(name)));
  if (missing.length) return { missing };
  const intoId = (await ensureTags(tx, [into])).get(tagKey(into))!;
  const sourceIds = sources.map((tag) => Number(tag.id));
  const affected = await tx.execute<{ content_type_id: number; object_id: string; names: string[] }[]>(
    `select ti."content_type_id", ti."object_id", array_agg(t."name" order by t."name") as "names" ` +
      `from "tagged_item" ti join "tag" t on t."id" = ti."tag_id" where ti."tag_id" in (?) group by 1, 2 order by 1, 2`,
    [sourceIds],
  );
  await tx.execute(
    `insert into "tagged_item" ("tag_id", "content_type_id", "object_id", "tagged_by_id", "created_at") ` +
      `select distinct on ("content_type_id", "object_id") ?, "content_type_id", "object_id", "tagged_by_id", "created_at" ` +
      `from "tagged_item" where "tag_id" in (?) order by "content_type_id", "object_id", "created_at" on conflict do nothing`,
    [intoId, sourceIds],
    'run',
  );
  await tx.execute(`delete from "tag" where "id" in (?)`, [sourceIds], 'run'); // their tagged items go with them (FK cascade)
  const tag = await tx.findOneOrFail(Tag, { id: intoId });
  const namesByTarget = new Map(affected.map((row) => [`${row.content_type_id}:${row.object_id}`, row.names]));
  const objects = await loadTargets(tx, registry, affected);
  await recordActivities(
    tx,
    registry,
    objects.map((object) => ({
      actor,
      verb: 'retagged',
      target: object,
      data: { from: namesByTarget.get(`${registry.idOf(object)}:${registry.keyOf(object).text}`) ?? [], into: tag.name },
    })),
  );
  return { tag, merged: sources.map((t) => t.name).sort(byName), retagged: affected.length };
}

/**
 * Makes sure a tag exists for each (normalised) name and returns the ids by
 * `tagKey`. Names differing only by case share a tag (unique index on
 * lower(name)); the first spelling wins. A slug taken by another tag ("C++"
 * and "C#" both slugify to "c") gets a numeric suffix.
 */
export async function ensureTags(tx: EntityManager, names: string[]): Promise<Map<string, number>> {
  const wanted = [...names].sort((a, b) => byName(tagKey(a), tagKey(b)));
  const ids = new Map<string, number>();
  let pending = wanted;
  for (let attempt = 1; pending.length && attempt <= 20; attempt++) {
    const slug = (name: string) => (attempt === 1 ? slugify(name) : `${slugify(name)}-${attempt}`);
    await tx.execute(
      `insert into "tag" ("name", "slug") values ${placeholders(pending.length, '(?, ?)')} on conflict do nothing`,
      pending.flatMap((name) => [name, slug(name)]),
      'run',
    );
    const rows = await tx.execute<{ wanted: string; id: number }[]>(
      `select w."name" as "wanted", t."id" from (values ${placeholders(pending.length, '(?)')}) as w("name") ` +
        `join "tag" t on lower(t."name") = lower(w."name")`,
      pending,
    );
    for (const row of rows) ids.set(tagKey(row.wanted), Number(row.id));
    pending = pending.filter((name) => !ids.has(tagKey(name)));
  }
  invariant(pending.length === 0, `could not find a free slug for the tags ${pending.join(', ')}`);
  return ids;
}

/** The tags on one content object, by name (one statement). */
export async function tagsOf(tx: EntityManager, contentTypeId: number, objectId: string): Promise<Tag[]> {
  const items = await tx.find(TaggedItem, { contentType: contentTypeId, objectId }, { populate: ['tag'] });
  return items.map((item) => item.tag).sort((a, b) => byName(a.name, b.name));
}

async function loadTargets(
  tx: EntityManager,
  registry: ContentTypeRegistry,
  keys: { content_type_id: number; object_id: string }[],
): Promise<object[]> {
  const objects: object[] = [];
  for (const type of registry.typesOf('tags')) {
    const ctId = registry.idOf(type.cls);
    const ids = keys
      .filter((k) => Number(k.content_type_id) === ctId)
      .map((k) => keyFromText(type.keyKind, k.object_id))
      .filter((id) => id !== null);
    if (ids.length) objects.push(...(await tx.find(type.cls, { [type.primaryKeyProperty]: { $in: ids } } as never)));
  }
  return objects;
}

function byName(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
