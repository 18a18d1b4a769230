import type { EntityManager } from '@mikro-orm/sql';
import type { User } from '../../accounts/user.entity.js';
import { type ContentTarget, loadContentObject } from '../../content/target.js';
import type { ContentTypeRegistry } from '../../generic/content-type.registry.js';
import { toGlobalId } from '../../generic/global-id.js';
import { NotFoundError } from '../../generic/errors.js';
import { OBJECT_REPR_LENGTH, recordActivity } from '../activity/activity.service.js';
import { truncate } from '../../generic/validation.js';
import { ContentLink } from './content-link.entity.js';

/**
 * The write paths of links, inside the caller's transaction. A link is
 * unique per (source, target, kind): linking twice returns the existing link
 * (`INSERT … ON CONFLICT DO NOTHING`, safe under concurrency) and records
 * nothing the second time.
 */

/** Links `source` to `target` with `kind`; records `linked` on the source when the link is new. */
export async function linkObjects(
  tx: EntityManager,
  registry: ContentTypeRegistry,
  actor: User,
  source: ContentTarget,
  target: ContentTarget,
  kind: string,
): Promise<{ link: ContentLink; created: boolean }> {
  const sourceType = registry.idOf(source.type.cls);
  const targetType = registry.idOf(target.type.cls);
  let created = false;
  let id: number | undefined;
  // An existing link is read FOR KEY SHARE; one unlinked between the insert and that read is linked again.
  for (let attempt = 0; id === undefined && attempt < 3; attempt++) {
    const inserted = await tx.execute<{ id: number }[]>(
      `insert into "content_link" ("source_type_id", "source_id", "target_type_id", "target_id", "kind", "created_by_id") ` +
        `values (?, ?, ?, ?, ?, ?) on conflict do nothing returning "id"`,
      [sourceType, source.id, targetType, target.id, kind, actor.id],
    );
    created = inserted.length > 0;
    const [row] = created
      ? inserted
      : await tx.execute<{ id: number }[]>(
          `select "id" from "content_link" where "source_type_id" = ? and "source_id" = ? and "target_type_id" = ? and "target_id" = ? and "kind" = ? for key share`,
          [sourceType, source.id, targetType, target.id, kind],
        );
    id = row ? Number(row.id) : undefined;
  }
  const link = await tx.findOneOrFail(ContentLink, { id });
  if (created) {
    await recordActivity(tx, registry, { actor, verb: 'linked', target: source.object, data: linkData(registry, link, target.object) });
  }
  return { link, created };
}

/** Deletes a (locked) link; records `unlinked` on its source. Returns both ends. */
export async function unlinkObjects(
  tx: EntityManager,
  registry: ContentTypeRegistry,
  actor: User,
  link: ContentLink,
): Promise<{ source: object; target: object | null }> {
  const source = await loadContentObject(tx, registry, link.sourceType.id, link.sourceId);
  const target = await loadContentObject(tx, registry, link.targetType.id, link.targetId);
  if (!source) throw new NotFoundError('The source of this link no longer exists.');
  await recordActivity(tx, registry, { actor, verb: 'unlinked', target: source, data: linkData(registry, link, target) });
  tx.remove(link);
  await tx.flush();
  return { source, target };
}

function linkData(registry: ContentTypeRegistry, link: ContentLink, target: object | null): Record<string, unknown> {
  const type = target && registry.get(target);
  return {
    link: toGlobalId('ContentLink', link.id),
    kind: link.kind,
    target: type ? { id: toGlobalId(type.typeName, link.targetId), repr: truncate(type.repr(target), OBJECT_REPR_LENGTH) } : null,
  };
}
