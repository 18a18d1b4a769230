import type { EntityManager } from '@mikro-orm/sql';
import type { User } from '../../accounts/user.entity.js';
import { type ContentTarget, loadContentObject } from '../../content/target.js';
import type { ContentTypeRegistry } from '../../generic/content-type.registry.js';
import { toGlobalId } from '../../generic/global-id.js';
import { objectRepr, recordActivity } from '../activity/activity.service.js';
import { ContentLink } from './content-link.entity.js';
import { authorize, policyTarget } from '../../content/permissions.policy.js';

/**
 * The write paths of links, inside the caller's transaction. A link is
 * unique per (source, target, kind): linking twice returns the existing link
 * (`INSERT … ON CONFLICT DO NOTHING`, safe under concurrency), replacing its
 * `data` when other data is given, and records nothing when nothing changed.
 */

/**
 * Links `source` to `target` (rule `links.add` of each end) with `kind` and `data` (undefined: keep the
 * existing link's data); records `linked` on the source for a new link,
 * `link_updated` (old and new data) for changed data. Changing an existing
 * link's data needs the rule `links.remove` as well (its creator, the owner
 * of either end or an admin by default): it replaces what another user wrote.
 */
export async function linkObjects(
  tx: EntityManager,
  registry: ContentTypeRegistry,
  actor: User,
  source: ContentTarget,
  target: ContentTarget,
  kind: string,
  data: Record<string, unknown> | null | undefined,
): Promise<{ link: ContentLink; created: boolean }> {
  await authorize(tx, actor, 'links.add', [source]);
  await authorize(tx, actor, 'links.add', [target]);
  const sourceType = registry.idOf(source.type.cls);
  const targetType = registry.idOf(target.type.cls);
  const json = data === undefined || data === null ? null : JSON.stringify(data);
  let created = false;
  let existing: { id: number; data: unknown; createdBy: number | null } | undefined;
  // An existing link is read FOR KEY SHARE (FOR UPDATE when its data may change); one unlinked between the insert and that read is linked again.
  for (let attempt = 0; existing === undefined && attempt < 3; attempt++) {
    const inserted = await tx.execute<{ id: number }[]>(
      `insert into "content_link" ("source_type_id", "source_id", "target_type_id", "target_id", "kind", "data", "created_by_id") ` +
        `values (?, ?, ?, ?, ?, ?::jsonb, ?) on conflict do nothing returning "id"`,
      [sourceType, source.objectId, targetType, target.objectId, kind, json, actor.id],
    );
    created = inserted.length > 0;
    const [row] = created
      ? inserted.map((r) => ({ id: r.id, data: data ?? null, created_by_id: actor.id }))
      : await tx.execute<{ id: number; data: unknown; created_by_id: number | null }[]>(
          `select "id", "data", "created_by_id" from "content_link" where "source_type_id" = ? and "source_id" = ? and "target_type_id" = ? and "target_id" = ? and "kind" = ? ` +
            `for ${data === undefined ? 'key share' : 'update'}`,
          [sourceType, source.objectId, targetType, target.objectId, kind],
        );
    existing = row ? { id: Number(row.id), data: row.data ?? null, createdBy: row.created_by_id === null ? null : Number(row.created_by_id) } : undefined;
  }
  const link = await tx.findOneOrFail(ContentLink, { id: existing!.id });
  if (created) {
    await recordActivity(tx, registry, { actor, verb: 'linked', target: source.object, data: linkData(registry, link, target.object) });
    return { link, created };
  }
  if (data !== undefined) {
    const updated = await tx.execute<{ id: number }[]>(
      `update "content_link" set "data" = ?::jsonb where "id" = ? and "data" is distinct from ?::jsonb returning "id"`,
      [json, link.id, json],
    );
    if (updated.length > 0) {
      // Replacing another user's link data is as good as unlinking and linking again: the rule of `links.remove` too (a refusal rolls the update back).
      await authorize(tx, actor, 'links.remove', [source, target], { authors: [existing!.createdBy] });
      await tx.refresh(link);
      await recordActivity(tx, registry, {
        actor,
        verb: 'link_updated',
        target: source.object,
        data: { ...linkData(registry, link, target.object), changes: { data: { old: existing!.data, new: data } } },
      });
    }
  }
  return { link, created };
}

/**
 * Deletes a (locked) link (rule `links.remove`: its creator, the owner of
 * either end or an admin by default); records `unlinked` on its source (or, when the
 * source is gone and that side keeps its links, on its target). Returns both ends.
 */
export async function unlinkObjects(
  tx: EntityManager,
  registry: ContentTypeRegistry,
  actor: User,
  link: ContentLink,
): Promise<{ source: object | null; target: object | null }> {
  const source = await loadContentObject(tx, registry, link.sourceType.id, link.sourceId);
  const target = await loadContentObject(tx, registry, link.targetType.id, link.targetId);
  const ends = [source, target].filter((end): end is object => end !== null).map((object) => policyTarget(registry, object));
  await authorize(tx, actor, 'links.remove', ends, { authors: [link.createdBy?.id ?? null] });
  const about = source ?? target;
  if (about) await recordActivity(tx, registry, { actor, verb: 'unlinked', target: about, data: linkData(registry, link, target) });
  tx.remove(link);
  await tx.flush();
  return { source, target };
}

function linkData(registry: ContentTypeRegistry, link: ContentLink, target: object | null): Record<string, unknown> {
  const type = target && registry.get(target);
  return {
    link: toGlobalId('ContentLink', link.id),
    kind: link.kind,
    target: type ? { id: toGlobalId(type.typeName, link.targetId), repr: objectRepr(registry, target!) } : null,
    ...(link.data ? { data: link.data } : {}),
  };
}
