import { Arg, Ctx, FieldResolver, ID, Int, Query, Resolver, Root } from 'type-graphql';
import { type Connection, pageSize } from '../../generic/connection.js';
import type { GenericContext } from '../../generic/context.js';
import { User } from '../../accounts/user.entity.js';
import { ContentObject } from '../../content/content-object.union.js';
import { contentTargetArg, targetKeyOf } from '../../content/content-target.js';
import { decodeTimeKey, timeKeyConnection } from '../../content/keyset.js';
import { Comment } from './comment.entity.js';
import { CommentConnection } from './comment.connection.js';
import { Commentable } from './commentable.interface.js';
import { commentCounts, commentPages } from './comments.loaders.js';

const FIRST = 'How many to return: 0 to 100, default 20.';
const AFTER = 'Return the comments after this cursor (an `endCursor` or edge `cursor` of a previous page).';

/** `comments(target)` and the fields of `Comment`. */
@Resolver(() => Comment)
export class CommentResolver {
  @Query(() => CommentConnection, { description: 'The comments on one content object, oldest first. Empty when the object does not exist.' })
  async comments(
    @Arg('target', () => ID, { description: 'Global ID of the commented object.' }) target: string,
    @Arg('first', () => Int, { nullable: true, description: FIRST }) first: number | null,
    @Arg('after', () => String, { nullable: true, description: AFTER }) after: string | null,
    @Ctx() ctx: GenericContext,
  ): Promise<Connection<Comment>> {
    const key = contentTargetArg(ctx, target, 'target');
    const size = pageSize(first);
    const list = `comments:${key.contentTypeId}:${key.objectId}`;
    const rows = await commentPages(ctx.loaders, size, decodeTimeKey(after, list)).load({ contentTypeId: key.contentTypeId, objectId: key.objectId });
    return timeKeyConnection(rows, size, list);
  }

  @FieldResolver(() => User, { description: 'Who wrote the comment.' })
  async author(@Root() comment: Comment, @Ctx() ctx: GenericContext): Promise<User> {
    const author = await ctx.loaders.entity(User).load(comment.author.id);
    // comment.author_id is a real foreign key (on delete cascade): the row exists.
    return author!;
  }

  @FieldResolver(() => ContentObject, { nullable: true, description: 'The commented object.' })
  target(@Root() comment: Comment, @Ctx() ctx: GenericContext): Promise<object | null> {
    return ctx.loaders.contentObject(comment.contentType.id, comment.objectId);
  }
}

/** `Commentable.comments` and `Commentable.commentCount` of every content object, batched across objects. */
@Resolver(() => Commentable)
export class CommentableResolver {
  @FieldResolver(() => CommentConnection, { description: 'Comments on this object, oldest first.' })
  async comments(
    @Root() obj: object,
    @Arg('first', () => Int, { nullable: true, description: FIRST }) first: number | null,
    @Arg('after', () => String, { nullable: true, description: AFTER }) after: string | null,
    @Ctx() ctx: GenericContext,
  ): Promise<Connection<Comment>> {
    const size = pageSize(first);
    const target = targetKeyOf(ctx, obj);
    const list = `comments:${target.contentTypeId}:${target.objectId}`;
    const rows = await commentPages(ctx.loaders, size, decodeTimeKey(after, list)).load(target);
    return timeKeyConnection(rows, size, list);
  }

  @FieldResolver(() => Int)
  commentCount(@Root() obj: object, @Ctx() ctx: GenericContext): Promise<number> {
    return commentCounts(ctx.loaders).load(targetKeyOf(ctx, obj));
  }
}
