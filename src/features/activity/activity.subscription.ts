import { Arg, Ctx, ID, Resolver, Root, Subscription } from 'type-graphql';
import { type EventContext, eventTopic, type ServerEvent } from '../../generic/events.js';
import { ActivityEntry } from './activity-entry.entity.js';
import type { FeedFilter } from './activity.loaders.js';
import { type FeedArgs, feedFilterOf } from './activity.resolver.js';

/** Each subscription's filter, read once at subscribe time (BAD_USER_INPUT there) and reused for every event. */
const filters = new WeakMap<object, FeedFilter>();

function feedFilter(args: FeedArgs, ctx: EventContext): FeedFilter {
  let filter = filters.get(args);
  if (!filter) filters.set(args, (filter = feedFilterOf(ctx, args)));
  return filter;
}

function matches(entry: ActivityEntry, filter: FeedFilter): boolean {
  if (filter.actorId !== undefined && String(entry.actor?.id) !== String(filter.actorId)) return false;
  if (filter.verb !== undefined && entry.verb !== filter.verb) return false;
  if (filter.target && (entry.contentType.id !== filter.target.contentTypeId || entry.objectId !== filter.target.objectId)) return false;
  return true;
}

/** `activityAdded`: the activity feed, live. */
@Resolver()
export class ActivitySubscription {
  @Subscription(() => ActivityEntry, {
    description:
      'Each new activity entry once its transaction has committed, optionally filtered by actor, verb and target like `activity`. ' +
      'Over WebSocket (graphql-ws) on /graphql. Nothing is replayed: after a reconnect, refetch `activity`.',
    topics: ({ args, context }) => {
      feedFilter(args as FeedArgs, context as EventContext); // refuses bad IDs when subscribing
      return eventTopic(context as EventContext, 'activity_entry');
    },
    filter: async ({ payload, args, context }) => {
      const entry = await (payload as ServerEvent).row(ActivityEntry);
      return entry !== null && matches(entry, feedFilter(args as FeedArgs, context as EventContext));
    },
  })
  async activityAdded(
    @Root() event: ServerEvent,
    @Arg('actor', () => ID, { nullable: true, description: 'Global ID of a User: only what they do.' }) _actor: string | null,
    @Arg('verb', () => String, { nullable: true, description: 'Only entries with this verb (created, updated, tagged, commented, …).' }) _verb: string | null,
    @Arg('target', () => ID, { nullable: true, description: 'Global ID of a content object: only what happens to it.' }) _target: string | null,
    @Ctx() ctx: EventContext,
  ): Promise<ActivityEntry> {
    event.enter(ctx);
    return (await event.row(ActivityEntry))!; // the filter saw it exist; the loader has it cached
  }
}
