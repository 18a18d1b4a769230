import { Arg, Ctx, FieldResolver, ID, Int, Query, Resolver, Root } from 'type-graphql';
import { type Connection, pageSize } from '../../generic/connection.js';
import type { GenericContext } from '../../generic/context.js';
import { ContentType } from '../../generic/content-type.entity.js';
import { User } from '../../accounts/user.entity.js';
import { contentTargetArg } from '../../content/content-target.js';
import { decodeTimeKey, timeKeyConnection } from '../../content/keyset.js';
import { connectionTypeOf } from '../../content/relations/relation.graphql.js';
import { ActivityEntry } from './activity-entry.entity.js';
import { type FeedFilter, feedPage, joinedActor } from './activity.loaders.js';
import { invalid } from '../../generic/validation.js';

const FIRST = 'How many to return: 0 to 100, default 20.';

/** The filter arguments of `activity` and `activityAdded`. */
export interface FeedArgs {
  actor?: string | null;
  verb?: string | null;
  target?: string | null;
}

/** The feed's filter from its arguments (the query's and the subscription's): BAD_USER_INPUT naming the argument. */
export function feedFilterOf(ctx: Pick<GenericContext, 'registry' | 'nodeTypes'>, { actor, verb, target }: FeedArgs): FeedFilter {
  const filter: FeedFilter = {};
  if (actor !== null && actor !== undefined) filter.actorId = ctx.nodeTypes.idArg(User, actor, 'actor');
  if (verb !== null && verb !== undefined) {
    // PostgreSQL text cannot carry U+0000 (PGlite fails the statement as a protocol error, answered 503): no verb holds one.
    if (verb.includes('\u0000')) throw invalid('verb', 'contains a NUL character (U+0000); no verb holds one.');
    filter.verb = verb;
  }
  if (target !== null && target !== undefined) {
    const { contentTypeId, objectId } = contentTargetArg(ctx, target, 'target');
    filter.target = { contentTypeId, objectId };
  }
  return filter;
}
const AFTER = 'Return the entries after this cursor (an `endCursor` or edge `cursor` of a previous page).';

/** The activity feed, `ActivityEntry.actor` and `.targetType`; `HasActivity` and `ActivityEntry.target` are derived from the relation. */
@Resolver(() => ActivityEntry)
export class ActivityEntryResolver {
  @Query(() => connectionTypeOf(ActivityEntry), { description: 'The activity feed, newest first, optionally filtered by actor, verb and target.' })
  async activity(
    @Arg('first', () => Int, { nullable: true, description: FIRST }) first: number | null,
    @Arg('after', () => String, { nullable: true, description: AFTER }) after: string | null,
    @Arg('actor', () => ID, { nullable: true, description: 'Global ID of a User: only what they did.' }) actor: string | null,
    @Arg('verb', () => String, { nullable: true, description: 'Only entries with this verb (created, updated, tagged, commented, …).' }) verb: string | null,
    @Arg('target', () => ID, { nullable: true, description: 'Global ID of a content object: only what happened to it.' }) target: string | null,
    @Ctx() ctx: GenericContext,
  ): Promise<Connection<ActivityEntry>> {
    const size = pageSize(first);
    const key = decodeTimeKey(after, 'activity');
    return timeKeyConnection(await feedPage(ctx.loaders, feedFilterOf(ctx, { actor, verb, target }), size, key), size, 'activity');
  }

  @FieldResolver(() => User, { nullable: true, description: 'Who did it; null for the system or a deleted user.' })
  actor(@Root() entry: ActivityEntry, @Ctx() ctx: GenericContext): User | null | Promise<User | null> {
    if (!entry.actor) return null;
    const joined = joinedActor(entry);
    return joined !== undefined ? joined : ctx.loaders.entity(User).load(entry.actor.id);
  }

  @FieldResolver(() => Boolean, {
    description:
      'True when the text this entry quoted has been deleted (its comment, its object or its actor) and `data` was redacted: the entry stays, ' +
      'so the history still shows that something happened.',
  })
  redacted(@Root() entry: ActivityEntry): boolean {
    return entry.redactedAt != null;
  }

  @FieldResolver(() => ContentType, { nullable: true, description: 'The content type of the target, also after the target is deleted.' })
  targetType(@Root() entry: ActivityEntry, @Ctx() ctx: GenericContext): ContentType | null {
    return ctx.registry.contentTypeById(entry.contentType.id) ?? null;
  }
}
