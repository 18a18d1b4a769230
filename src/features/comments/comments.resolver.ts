import { Arg, Ctx, FieldResolver, ID, Int, Query, Resolver, Root } from 'type-graphql';
import { type Connection, pageSize } from '../../generic/connection.js';
import type { GenericContext } from '../../generic/context.js';
import { User } from '../../accounts/user.entity.js';
import { contentTargetArg } from '../../content/content-target.js';
import { decodeTimeKey, timeKeyConnection } from '../../content/keyset.js';
import { relationPages } from '../../content/relations/relation.end.js';
import { connectionTypeOf } from '../../content/relations/relation.graphql.js';
import { Comment } from './comment.entity.js';

const FIRST = 'How many to return: 0 to 100, default 20.';
const AFTER = 'Return the comments after this cursor (an `endCursor` or edge `cursor` of a previous page).';

/** `comments(target)` and `Comment.author`; `Commentable` and `Comment.target` are derived from the relation. */
@Resolver(() => Comment)
export class CommentResolver {
  @Query(() => connectionTypeOf(Comment), { description: 'The comments on one content object, oldest first. Empty when the object does not exist.' })
  async comments(
    @Arg('target', () => ID, { description: 'Global ID of the commented object.' }) target: string,
    @Arg('first', () => Int, { nullable: true, description: FIRST }) first: number | null,
    @Arg('after', () => String, { nullable: true, description: AFTER }) after: string | null,
    @Ctx() ctx: GenericContext,
  ): Promise<Connection<Comment>> {
    const key = contentTargetArg(ctx, target, 'target');
    const size = pageSize(first);
    const list = `comments:${key.contentTypeId}:${key.objectId}`;
    const rows = await relationPages(ctx, Comment, 'comment', size, decodeTimeKey(after, list)).load({ contentTypeId: key.contentTypeId, objectId: key.objectId });
    return timeKeyConnection(rows, size, list);
  }

  @FieldResolver(() => User, { description: 'Who wrote the comment.' })
  async author(@Root() comment: Comment, @Ctx() ctx: GenericContext): Promise<User> {
    const author = await ctx.loaders.entity(User).load(comment.author.id);
    // comment.author_id is a real foreign key (on delete cascade): the row exists.
    return author!;
  }
}
