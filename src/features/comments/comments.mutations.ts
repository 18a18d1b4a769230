import { Arg, Ctx, Field, ID, Mutation, ObjectType, Resolver } from 'type-graphql';
import type { MutationContext } from '../../accounts/authentication.js';
import { ContentObjectRef } from '../../content/content-object-ref.input.js';
import { ContentObject } from '../../content/content-object.union.js';
import { resolveContentTarget, resolveNodeOfType } from '../../content/target.js';
import { inTransaction } from '../../generic/transaction.js';
import { Comment } from './comment.entity.js';
import { addComment, deleteComment, editComment } from './comments.service.js';
import { MAX_COMMENT_LENGTH, normalizeCommentBody } from './comments.validation.js';

@ObjectType('DeleteCommentPayload', { description: 'The result of deleteComment.' })
export class DeleteCommentPayload {
  @Field(() => ID, { description: 'The global ID the deleted comment had.' })
  deletedId!: string;

  @Field(() => ContentObject, { description: 'The object the comment was about.' })
  target!: object;
}

/** addComment, editComment, deleteComment. */
@Resolver()
export class CommentMutations {
  @Mutation(() => Comment, {
    description:
      `Comments on a content object, given as \`target\` (a global ID) or \`targetRef\` (e.g. \`{ article: 1 }\`). The body is trimmed, ` +
      `1–${MAX_COMMENT_LENGTH} characters. Records a \`commented\` activity entry. NOT_FOUND when the object does not exist ` +
      '(or is deleted concurrently). Needs an API token.',
  })
  async addComment(
    @Arg('target', () => ID, { nullable: true }) target: string | null,
    @Arg('targetRef', () => ContentObjectRef, { nullable: true }) targetRef: ContentObjectRef | null,
    @Arg('body', () => String) body: string,
    @Ctx() ctx: MutationContext,
  ): Promise<Comment> {
    const author = await ctx.auth.requireUser();
    const text = normalizeCommentBody(body);
    return inTransaction(ctx.em, async (tx) => {
      const resolved = await resolveContentTarget(tx, ctx.registry, ctx.nodeTypes, { id: target, ref: targetRef }, ['target', 'targetRef'], {
        relation: 'comments',
      });
      return addComment(tx, ctx.registry, author, resolved, text);
    });
  }

  @Mutation(() => Comment, {
    description:
      'Replaces the body of a comment. Only its author or an admin may (FORBIDDEN otherwise, rule `comments.edit`). Records a `comment_edited` activity ' +
      'entry on the commented object with the old and new body. Needs an API token.',
  })
  async editComment(
    @Arg('id', () => ID, { description: 'Global ID of the comment.' }) id: string,
    @Arg('body', () => String) body: string,
    @Ctx() ctx: MutationContext,
  ): Promise<Comment> {
    const actor = await ctx.auth.requireUser();
    const text = normalizeCommentBody(body);
    return inTransaction(ctx.em, async (tx) => {
      const comment = await resolveNodeOfType(tx, ctx.nodeTypes, Comment, id, 'id', { lock: 'update' });
      return editComment(tx, ctx.registry, actor, comment, text);
    });
  }

  @Mutation(() => DeleteCommentPayload, {
    description:
      'Deletes a comment. Only its author, the owner of the commented object, a moderator or an admin may (FORBIDDEN otherwise, rule `comments.delete`); its text is then redacted from the activity stream. Records a `comment_deleted` activity entry on the ' +
      'commented object. Needs an API token.',
  })
  async deleteComment(
    @Arg('id', () => ID, { description: 'Global ID of the comment.' }) id: string,
    @Ctx() ctx: MutationContext,
  ): Promise<DeleteCommentPayload> {
    const actor = await ctx.auth.requireUser();
    return inTransaction(ctx.em, async (tx) => {
      const comment = await resolveNodeOfType(tx, ctx.nodeTypes, Comment, id, 'id', { lock: 'update' });
      const deletedId = ctx.nodeTypes.globalIdOf(comment);
      const target = await deleteComment(tx, ctx.registry, actor, comment);
      return { deletedId, target };
    });
  }
}
