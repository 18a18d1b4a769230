import type { EntityManager } from '@mikro-orm/sql';
import type { User } from '../../accounts/user.entity.js';
import type { ContentTarget } from '../../content/target.js';
import type { ContentTypeRegistry } from '../../generic/content-type.registry.js';
import { invariant } from '../../generic/invariant.js';
import { keyFromText } from '../../generic/object-key.js';
import { recordActivities, recordActivity } from '../activity/activity.service.js';
import { Tag } from './tag.entity.js';
import { TaggedItem } from './tagged-item.entity.js';
import { MAX_TAGS_PER_OBJECT, slugify, tagKey } from './tags.validation.js';
import { placeholders, quoteIdentifier as q } from '../../generic/sql.js';
import { invalid } from '../../generic/validation.js';
import { authorize, authorizeGlobal } from '../../content/permissions.policy.js';

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
 *
 * Names are compared by key in the database (`tag.name_key =
 * cg_tag_key(?)`, see tag-key.ts). `ensureTags` reads the tags back `FOR KEY
 * SHARE`, in id order: a `mergeTags` that is deleting one of them (it holds
 * it `FOR UPDATE`) makes the call wait, and once the merge has committed the
 * name is created anew; a merge that comes second waits for the tagging to
 * commit and then moves its tagged items. So an addTags racing a mergeTags
 * never fails on a tag deleted under it.
 */

export interface TaggingResult {
  /** Every tag on the target after the call, by name. */
  tags: Tag[];
  /** Names this call added or removed (empty when it changed nothing). */
  changed: string[];
}

/**
 * Adds tags to a target (rule `tags.add`), creating missing tags; records `tagged` with the names it added.
 * Past MAX_TAGS_PER_OBJECT it throws (the transaction rolls back). The caller holds the target's row
 * `FOR NO KEY UPDATE` (tags.mutations.ts), so concurrent calls on one object run one after the other and cannot
 * each stay under the bound and together pass it.
 */
export async function addTags(
  tx: EntityManager,
  registry: ContentTypeRegistry,
  actor: User,
  target: ContentTarget,
  names: string[],
): Promise<TaggingResult> {
  await authorize(tx, actor, 'tags.add', [target]);
  const contentTypeId = registry.idOf(target.type.cls);
  const tagIds = await ensureTags(tx, names);
  const ids = [...new Set(names.map((name) => tagIds.get(name)!))];
  const addedIds = await insertTaggedItems(tx, ids, contentTypeId, target.objectId, actor.id);
  const tags = await tagsOf(tx, contentTypeId, target.objectId);
  if (tags.length > MAX_TAGS_PER_OBJECT) {
    throw invalid('names', `would give ${target.type.typeName} ${target.objectId} ${tags.length} tags; an object carries at most ${MAX_TAGS_PER_OBJECT} (remove some first, or replace them with setTags).`);
  }
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
  const wanted = await lockWantedAndCurrentTags(tx, contentTypeId, target.objectId, names);
  const removedRows = await tx.execute<{ name: string; tagged_by_id: number | null }[]>(
    `delete from "tagged_item" ti using "tag" t where ti."tag_id" = t."id" and ti."content_type_id" = ? and ti."object_id" = ?` +
      (wanted.length ? ` and ti."tag_id" not in (${placeholders(wanted.length)})` : '') +
      ` returning t."name", ti."tagged_by_id"`,
    [contentTypeId, target.objectId, ...wanted],
  );
  // Checked on what was deleted (a refusal rolls the delete back): each tag by its tagger, the owner or an admin.
  await authorize(tx, actor, 'tags.remove', [target], { authors: removedRows.map(taggerOf) });
  const addedIds = await insertTaggedItems(tx, wanted, contentTypeId, target.objectId, actor.id);
  if (addedIds.size) await authorize(tx, actor, 'tags.add', [target]);
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

/**
 * setTags' tags, locked before any of their tagged items is touched: the
 * named tags (created when missing) and the tags the object carries now,
 * `FOR KEY SHARE`, in one statement in id order, as a merge locks its own.
 * Locking only the named ones let a merge that had already moved one of the
 * object's tagged items wait for an item this had deleted while this waited
 * for the moved one; locking the two sets one after the other would let a
 * merge of one tag of each wait for this while this waited for it. A named
 * tag a merge deleted before the lock is created again. Returns the named
 * tags' ids, sorted.
 */
async function lockWantedAndCurrentTags(tx: EntityManager, contentTypeId: number, objectId: string, names: string[]): Promise<number[]> {
  for (let attempt = 1; ; attempt++) {
    const wanted = names.length ? [...new Set((await ensureTags(tx, names, { lock: false })).values())].sort((a, b) => a - b) : [];
    const locked = await tx.execute<{ id: number }[]>(
      `select t."id" from "tag" t where ${wanted.length ? `t."id" in (${placeholders(wanted.length)}) or ` : ''}` +
        `t."id" in (select ti."tag_id" from "tagged_item" ti where ti."content_type_id" = ? and ti."object_id" = ?) order by t."id" for key share`,
      [...wanted, contentTypeId, objectId],
    );
    const ids = new Set(locked.map((row) => Number(row.id)));
    if (wanted.every((id) => ids.has(id))) return wanted;
    invariant(attempt < 5, `the tags ${names.join(', ')} kept being deleted while setTags locked them`);
  }
}

/**
 * Removes tags (names compared by key) from a target; unknown names are
 * ignored. Rule `tags.remove`, checked per tag against its tagger (the
 * rows are deleted first and the refusal rolls them back). Records `untagged`.
 */
export async function removeTags(
  tx: EntityManager,
  registry: ContentTypeRegistry,
  actor: User,
  target: ContentTarget,
  names: string[],
): Promise<TaggingResult> {
  const contentTypeId = registry.idOf(target.type.cls);
  // The named tags first, FOR KEY SHARE in id order, before any of their tagged items: a mergeTags of them holds them
  // FOR UPDATE before it moves and deletes their tagged items, so this waits for it instead of holding one tagged item
  // the merge's cascade must delete while waiting for another one the merge has moved (a deadlock).
  await tx.execute(`select 1 from "tag" where "name_key" in (${placeholders(names.length, 'cg_tag_key(?)')}) order by "id" for key share`, names);
  const removed = await tx.execute<{ name: string; tagged_by_id: number | null }[]>(
    `delete from "tagged_item" ti using "tag" t where ti."tag_id" = t."id" and ti."content_type_id" = ? and ti."object_id" = ? ` +
      `and t."name_key" in (${placeholders(names.length, 'cg_tag_key(?)')}) returning t."name", ti."tagged_by_id"`,
    [contentTypeId, target.objectId, ...names],
  );
  await authorize(tx, actor, 'tags.remove', [target], { authors: removed.map(taggerOf) });
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
 * raised by the caller from `missing`). `into` is inserted when missing
 * (not locked), then the merged tags and `into` are locked (`FOR UPDATE`,
 * by id, one statement), so a concurrent addTags of one of them waits for
 * the merge; the objects carrying them are then locked `FOR KEY SHARE`
 * (before their tagged items are moved and their activity is written), so
 * one deleted meanwhile is skipped, not an error, and a delete that comes
 * later waits for the merge. `FOR KEY SHARE` and no stronger: a tag change of one of those
 * objects holds it `FOR NO KEY UPDATE` (tags.mutations.ts) while it waits
 * for a tag this merge holds, and those two modes do not conflict (with `FOR
 * SHARE` here and `FOR UPDATE` there, each waited for the other until
 * PostgreSQL's deadlock detection aborted one, after 1 s).
 */
export async function mergeTags(
  tx: EntityManager,
  registry: ContentTypeRegistry,
  actor: User,
  from: string[],
  into: string,
): Promise<MergeResult | { missing: string[] }> {
  authorizeGlobal(actor, 'tags.merge');
  // `into` is created first when missing, and not locked yet: created after the merged tags were locked, it waited for
  // an addTags that had just inserted the same name while that addTags waited for a merged tag (a deadlock).
  await tx.execute(`insert into "tag" ("name", "slug") values (?, ?) on conflict do nothing`, [into, slugify(into)], 'run');
  // Then the merged tags and `into` in one statement, in id order: two merges of the same tags in opposite directions
  // lock them in one order (locking `into` after the others, or holding it before them, each waited for the other).
  const rows = await tx.execute<{ id: number; name: string; wanted: string }[]>(
    `select t."id", t."name", w."name" as "wanted" from "tag" t join (values ${placeholders(from.length + 1, '(?)')}) as w("name") ` +
      `on t."name_key" = cg_tag_key(w."name") order by t."id" for update of t`,
    [...from, into],
  );
  const sourceRows = rows.filter((row) => row.wanted !== into); // `from` holds no name with the key of `into` (the caller checked)
  const found = new Set(sourceRows.map((row) => row.wanted));
  const missing = from.filter((name) => !found.has(name));
  if (missing.length) return { missing };
  const sources = [...new Map(sourceRows.map((row) => [Number(row.id), row])).values()];
  const sourceIds = sources.map((tag) => Number(tag.id));
  const intoRow = rows.find((row) => row.wanted === into);
  let intoId = intoRow && Number(intoRow.id);
  if (intoId === undefined) {
    // Not there: its slug belongs to another tag (ensureTags gives it a suffix), or a merge deleted it meanwhile.
    intoId = (await ensureTags(tx, [into])).get(into)!;
    await tx.execute(`select 1 from "tag" where "id" = ? for update`, [intoId]);
  }
  if (sourceIds.includes(intoId)) throw invalid('from', `must not contain the tag merged into (\`into\`: ${JSON.stringify(into)}).`);
  const affected = await tx.execute<{ content_type_id: number; object_id: string; names: string[] }[]>(
    `select ti."content_type_id", ti."object_id", array_agg(t."name" order by t."name") as "names" ` +
      `from "tagged_item" ti join "tag" t on t."id" = ti."tag_id" where ti."tag_id" in (?) group by 1, 2 order by 1, 2`,
    [sourceIds],
  );
  // The objects locked before their tagged items are: a delete of one of them (FOR UPDATE, then its cascade to the
  // tagged items) waits for the merge instead of holding the object while it waits for a tagged item the merge moved.
  const { objects, vanished } = await loadTargets(tx, registry, affected);
  // UPDATE, not INSERT: the generic-foreign-key check runs only when the target columns change, so an object
  // deleted meanwhile cannot fail the merge (its tagged item is skipped, or deleted with it).
  await tx.execute(
    `update "tagged_item" ti set "tag_id" = ? from (select distinct on (s."content_type_id", s."object_id") s."id" from "tagged_item" s ` +
      `where s."tag_id" in (?) and not exists (select 1 from "tagged_item" x where x."tag_id" = ? and x."content_type_id" = s."content_type_id" ` +
      `and x."object_id" = s."object_id") order by s."content_type_id", s."object_id", s."created_at", s."id") m where ti."id" = m."id"`,
    [intoId, sourceIds, intoId],
    'run',
  );
  await tx.execute(`delete from "tag" where "id" in (?)`, [sourceIds], 'run'); // their tagged items go with them (FK cascade)
  const tag = await tx.findOneOrFail(Tag, { id: intoId });
  const namesByTarget = new Map(affected.map((row) => [`${row.content_type_id}:${row.object_id}`, row.names]));
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
  return { tag, merged: sources.map((t) => t.name).sort(byName), retagged: affected.length - vanished };
}

/**
 * Makes sure a tag exists for each (normalised) name and returns the ids by
 * name as given. Names with one key share a tag (`tag_name_key_unique`);
 * the first spelling stored wins. A slug taken by another tag ("C++" and
 * "C#" both slugify to "c") gets a numeric suffix. The tags are locked `FOR
 * KEY SHARE` until the transaction ends, so they cannot be merged away
 * before the caller's tagged items are written (see above); `lock: false`
 * leaves that to the caller (setTags locks them with the object's other
 * tags, in one statement).
 */
export async function ensureTags(tx: EntityManager, names: string[], options: { lock?: boolean } = {}): Promise<Map<string, number>> {
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
    // A tag being merged away is locked FOR UPDATE: this waits, then skips it once deleted (and the next round re-creates it).
    const rows = await tx.execute<{ wanted: string; id: number }[]>(
      `select w."name" as "wanted", t."id" from (values ${placeholders(pending.length, '(?)')}) as w("name") ` +
        `join "tag" t on t."name_key" = cg_tag_key(w."name") order by t."id"${options.lock === false ? '' : ' for key share of t'}`,
      pending,
    );
    for (const row of rows) ids.set(row.wanted, Number(row.id));
    pending = pending.filter((name) => !ids.has(name));
  }
  invariant(pending.length === 0, `could not find a free slug for the tags ${pending.join(', ')}`);
  return ids;
}

/** The tags on one content object, by key (one statement). */
export async function tagsOf(tx: EntityManager, contentTypeId: number, objectId: string): Promise<Tag[]> {
  const items = await tx.find(TaggedItem, { contentType: contentTypeId, objectId }, { populate: ['tag'] });
  return items.map((item) => item.tag).sort((a, b) => byName(a.nameKey, b.nameKey) || a.id - b.id);
}

/**
 * Locks the objects `keys` name `FOR KEY SHARE` (by key, per type) and loads those that still exist. `vanished`:
 * how many keys of registered types named no object any more (deleted since `keys` were read).
 */
async function loadTargets(
  tx: EntityManager,
  registry: ContentTypeRegistry,
  keys: { content_type_id: number; object_id: string }[],
): Promise<{ objects: object[]; vanished: number }> {
  const objects: object[] = [];
  let vanished = 0;
  for (const type of registry.typesOf('tags')) {
    const ctId = registry.idOf(type.cls);
    const ids = keys
      .filter((k) => Number(k.content_type_id) === ctId)
      .map((k) => keyFromText(type.keyKind, k.object_id))
      .filter((id) => id !== null);
    if (ids.length === 0) continue;
    // Locked first (by key, so two merges lock in one order); only the objects that still exist are loaded.
    const locked = await tx.execute<{ key: string }[]>(
      `select ${q(type.primaryKeyColumn)}::text as "key" from ${q(type.tableName)} where ${q(type.primaryKeyColumn)} in (?) ` +
        `order by ${q(type.primaryKeyColumn)} for key share`,
      [ids],
    );
    vanished += ids.length - locked.length;
    const lockedIds = locked.map((row) => keyFromText(type.keyKind, row.key)).filter((id) => id !== null);
    if (lockedIds.length === 0) continue;
    const found = await tx.find(type.cls, { [type.primaryKeyProperty]: { $in: lockedIds } } as never, { orderBy: { [type.primaryKeyProperty]: 'asc' } as never });
    objects.push(...found);
  }
  return { objects, vanished };
}

const taggerOf = (row: { tagged_by_id: number | null }) => (row.tagged_by_id === null ? null : Number(row.tagged_by_id));

function byName(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
