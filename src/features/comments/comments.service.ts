import type { EntityManager } from '@mikro-orm/sql';
import { User } from '../../accounts/user.entity.js';
import { isAdmin, isModerator } from '../../accounts/roles.js';
import { type ContentTarget, loadContentObject } from '../../content/target.js';
import { ContentType } from '../../generic/content-type.entity.js';
import type { ContentTypeRegistry } from '../../generic/content-type.registry.js';
import { ForbiddenError, NotFoundError } from '../../generic/errors.js';
import { toGlobalId } from '../../generic/global-id.js';
import { activityValue, recordActivity } from '../activity/activity.service.js';
import { redactCommentActivity } from '../activity/activity.redaction.js';
import { Comment } from './comment.entity.js';

/**
 * The write paths of comments, inside the caller's transaction. The insert
 * trigger locks the target (`FOR KEY SHARE`): a concurrent delete of the
 * target either waits for this transaction and then deletes the comment with
 * the object, or wins and makes the insert fail with SQLSTATE 23503, which
 * the server reports as NOT_FOUND. A comment never outlives its target.
 */

/** Adds a comment by `author` and records `commented` on the target. */
export async function addComment(tx: EntityManager, registry: ContentTypeRegistry, author: User, target: ContentTarget, body: string): Promise<Comment> {
  const comment = tx.create(Comment, {
    contentType: tx.getReference(ContentType, registry.idOf(target.type.cls)),
    objectId: target.objectId,
    author: tx.getReference(User, author.id),
    body,
  });
  await tx.flush();
  await recordActivity(tx, registry, {
    actor: author,
    verb: 'commented',
    target: target.object,
    data: { comment: toGlobalId('Comment', comment.id), excerpt: activityValue(body) },
  });
  return comment;
}

/** Only the author of a comment or an admin may edit it. */
export function assertMayEdit(actor: User, comment: Comment): void {
  if (!isAdmin(actor) && comment.author.id !== actor.id) {
    throw new ForbiddenError('Only the author of a comment or an admin may edit it.');
  }
}

/** The author of a comment, a moderator or an admin may delete it. */
export function assertMayDelete(actor: User, comment: Comment): void {
  if (!isModerator(actor) && comment.author.id !== actor.id) {
    throw new ForbiddenError('Only the author of a comment, a moderator or an admin may delete it.');
  }
}

/** Replaces the body of a (locked) comment; records `comment_edited` on its target with the old and new body. */
export async function editComment(tx: EntityManager, registry: ContentTypeRegistry, actor: User, comment: Comment, body: string): Promise<Comment> {
  assertMayEdit(actor, comment);
  const old = comment.body;
  if (old === body) return comment;
  comment.body = body;
  await tx.flush();
  await recordActivity(tx, registry, {
    actor,
    verb: 'comment_edited',
    target: await targetOf(tx, registry, comment),
    data: { comment: toGlobalId('Comment', comment.id), changes: { body: { old: activityValue(old), new: activityValue(body) } } },
  });
  return comment;
}

/**
 * Deletes a (locked) comment. Its text goes from the activity stream too:
 * the `commented` and `comment_edited` entries quoting it are redacted (they
 * stay, with only the comment's id); the `comment_deleted` entry recorded on
 * its target carries no text. Returns the target.
 */
export async function deleteComment(tx: EntityManager, registry: ContentTypeRegistry, actor: User, comment: Comment): Promise<object> {
  assertMayDelete(actor, comment);
  const target = await targetOf(tx, registry, comment);
  const globalId = toGlobalId('Comment', comment.id);
  await redactCommentActivity(tx, [{ contentTypeId: comment.contentType.id, objectId: comment.objectId, globalId }]);
  await recordActivity(tx, registry, { actor, verb: 'comment_deleted', target, data: { comment: globalId } });
  tx.remove(comment);
  await tx.flush();
  return target;
}

async function targetOf(tx: EntityManager, registry: ContentTypeRegistry, comment: Comment): Promise<object> {
  const target = await loadContentObject(tx, registry, comment.contentType.id, comment.objectId);
  if (!target) throw new NotFoundError('The object this comment is about no longer exists.');
  return target;
}
