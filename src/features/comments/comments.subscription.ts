import { Arg, Ctx, ID, Resolver, Root, Subscription } from 'type-graphql';
import { contentTargetArg, type TargetKey } from '../../content/content-target.js';
import { type EventContext, eventTopic, type ServerEvent } from '../../generic/events.js';
import { Comment } from './comment.entity.js';

/** Each subscription's target, read once at subscribe time (BAD_USER_INPUT there). */
const targets = new WeakMap<object, TargetKey>();

function targetOf(args: { target: string }, ctx: EventContext): TargetKey {
  let key = targets.get(args);
  if (!key) {
    const { contentTypeId, objectId } = contentTargetArg(ctx, args.target, 'target');
    targets.set(args, (key = { contentTypeId, objectId }));
  }
  return key;
}

/** `commentAdded(target:)`: a thread of comments, live. */
@Resolver()
export class CommentSubscription {
  @Subscription(() => Comment, {
    description:
      'Each new comment on `target` once its transaction has committed. Over WebSocket (graphql-ws) on /graphql. ' +
      'Nothing is replayed: after a reconnect, refetch `comments`.',
    topics: ({ args, context }) => {
      targetOf(args as { target: string }, context as EventContext);
      return eventTopic(context as EventContext, 'comment');
    },
    filter: async ({ payload, args, context }) => {
      const comment = await (payload as ServerEvent).row(Comment);
      const target = targetOf(args as { target: string }, context as EventContext);
      return comment !== null && comment.contentType.id === target.contentTypeId && comment.objectId === target.objectId;
    },
  })
  async commentAdded(
    @Root() event: ServerEvent,
    @Arg('target', () => ID, { description: 'Global ID of the commented object.' }) _target: string,
    @Ctx() ctx: EventContext,
  ): Promise<Comment> {
    event.enter(ctx);
    return (await event.row(Comment))!;
  }
}
