import type { EntityManager } from '@mikro-orm/sql';
import { User } from '../../accounts/user.entity.js';
import { type ContentTarget, loadContentObject } from '../../content/target.js';
import { ContentType } from '../../generic/content-type.entity.js';
import type { ContentTypeRegistry } from '../../generic/content-type.registry.js';
import { NotFoundError } from '../../generic/errors.js';
import { authorize, policyTarget } from '../../content/permissions.policy.js';
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

/** Adds a comment by `author` (rule `comments.add`) and records `commented` on the target. */
export async function addComment(tx: EntityManager, registry: ContentTypeRegistry, author: User, target: ContentTarget, body: string): Promise<Comment> {
  await authorize(tx, author, 'comments.add', [target]);
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

/**
 * Replaces the body of a (locked) comment (rule `comments.edit` of its
 * target's type: its author or an admin by default); records
 * `comment_edited` on its target with the old and new body.
 */
export async function editComment(tx: EntityManager, registry: ContentTypeRegistry, actor: User, comment: Comment, body: string): Promise<Comment> {
  const target = await targetOf(tx, registry, comment);
  await authorize(tx, actor, 'comments.edit', [policyTarget(registry, target)], { authors: [comment.author.id] });
  const old = comment.body;
  if (old === body) return comment;
  comment.body = body;
  await tx.flush();
  await recordActivity(tx, registry, {
    actor,
    verb: 'comment_edited',
    target,
    data: { comment: toGlobalId('Comment', comment.id), changes: { body: { old: activityValue(old), new: activityValue(body) } } },
  });
  return comment;
}

/**
 * Deletes a (locked) comment (rule `comments.delete`: its author, the
 * owner of its target, a moderator or an admin by default). Its text goes from the activity stream too:
 * the `commented` and `comment_edited` entries quoting it are redacted (they
 * stay, with only the comment's id); the `comment_deleted` entry recorded on
 * its target carries no text. Returns the target.
 */
export async function deleteComment(tx: EntityManager, registry: ContentTypeRegistry, actor: User, comment: Comment): Promise<object> {
  const target = await targetOf(tx, registry, comment);
  await authorize(tx, actor, 'comments.delete', [policyTarget(registry, target)], { authors: [comment.author.id] });
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
