import type { EntityManager } from '@mikro-orm/sql';
import { placeholders } from '../../generic/sql.js';

/**
 * Deleted text is gone: when a comment, a content object or a user is
 * deleted, the activity entries that quote its text keep their place in the
 * history (verb, actor, target, time) but lose that text. Their `data`
 * becomes null, or `{ "comment": <global ID> }` for entries about a comment
 * (an id, no text), and `redacted_at` is set (`ActivityEntry.redacted`).
 * Every function runs in the caller's transaction and returns how many
 * entries it redacted. `objectRepr`, the label of the entry's target, is
 * kept (Django's LogEntry keeps it too), except for deleted users
 * (`redactUserObject`).
 */

/** data → null, or only the comment's id; the SQL of one redaction (no `?` operator: `?` is a placeholder). */
const REDACT = `"data" = case when "data"->'comment' is not null then jsonb_build_object('comment', "data"->'comment') else null end, "redacted_at" = now()`;

/** Entries about a deleted object: every one with data. */
export async function redactActivityAbout(tx: EntityManager, contentTypeId: number, objectId: string): Promise<number> {
  const rows = await tx.execute<{ id: number }[]>(
    `update "activity_entry" set ${REDACT} where "content_type_id" = ? and "object_id" = ? and "data" is not null and "redacted_at" is null returning "id"`,
    [contentTypeId, objectId],
  );
  return rows.length;
}

/** Entries that quote deleted comments (commented, comment_edited, …), found on the comments' targets. */
export async function redactCommentActivity(tx: EntityManager, comments: { contentTypeId: number; objectId: string; globalId: string }[]): Promise<number> {
  let count = 0;
  for (let i = 0; i < comments.length; i += 5000) {
    const chunk = comments.slice(i, i + 5000);
    const rows = await tx.execute<{ id: number }[]>(
      `update "activity_entry" e set ${REDACT} from (values ${placeholders(chunk.length, '(?::int, ?::text, ?::text)')}) as c(ct, oid, gid) ` +
        `where e."content_type_id" = c.ct and e."object_id" = c.oid and e."data"->>'comment' = c.gid and e."redacted_at" is null returning e."id"`,
      chunk.flatMap((c) => [c.contentTypeId, c.objectId, c.globalId]),
    );
    count += rows.length;
  }
  return count;
}

/** Entries a (deleted) user acted in: whatever data they wrote into the stream. */
export async function redactActorActivity(tx: EntityManager, actorId: number): Promise<number> {
  const rows = await tx.execute<{ id: number }[]>(
    `update "activity_entry" set ${REDACT} where "actor_id" = ? and "data" is not null and "redacted_at" is null returning "id"`,
    [actorId],
  );
  return rows.length;
}

/**
 * A deleted user as the target of entries: their name goes from
 * `objectRepr` (replaced by `repr`) and from the data of entries that name
 * them (links to them); the entries stay.
 */
export async function redactUserObject(tx: EntityManager, contentTypeId: number, objectId: string, globalId: string, repr: string): Promise<number> {
  await tx.execute(`update "activity_entry" set "object_repr" = ? where "content_type_id" = ? and "object_id" = ?`, [repr, contentTypeId, objectId], 'run');
  const about = await redactActivityAbout(tx, contentTypeId, objectId);
  const naming = await tx.execute<{ id: number }[]>(
    `update "activity_entry" set ${REDACT} where "data"->'target'->>'id' = ? and "redacted_at" is null returning "id"`,
    [globalId],
  );
  return about + naming.length;
}
