import { Arg, Ctx, ID, Mutation, Resolver } from 'type-graphql';
import { GraphQLJSON } from 'graphql-scalars';
import type { MutationContext } from '../../accounts/authentication.js';
import { ContentObjectRef } from '../../content/content-object-ref.input.js';
import { relationDefinition } from '../../content/relations/relation.options.js';
import type { ContentTypeRegistry } from '../../generic/content-type.registry.js';
import { resolveContentTarget } from '../../content/target.js';
import { inTransaction } from '../../generic/transaction.js';
import { authorize } from '../../content/permissions.policy.js';
import { ActivityEntry } from './activity-entry.entity.js';
import { ACTIVITY_RELATION, recordActivity } from './activity.service.js';
import { validateActivityData, validateClientVerb } from './activity.validation.js';

/** The activity verbs the registered relations' derived mutations record (`reacted`, …): the server's own, like AUTOMATIC_VERBS. */
function relationVerbs(registry: ContentTypeRegistry): string[] {
  return registry.relations().flatMap((relation) => {
    const verbs = relationDefinition(relation.entity)?.mutations?.verbs;
    return verbs ? [verbs.add, verbs.remove] : [];
  });
}

/** `recordActivity`: a client-defined entry in the activity stream. */
@Resolver()
export class ActivityMutations {
  @Mutation(() => ActivityEntry, {
    description:
      'Records that the authenticated user did something (`verb`, a lowercase identifier such as "viewed" or "shared") to a content object, ' +
      'given as `target` (global ID) or `targetRef`. `data`: an optional JSON object of at most 8 KiB. Verbs the server records itself ' +
      '(created, updated, deleted, tagged, untagged, commented, linked, …) are refused. Needs an API token.',
  })
  async recordActivity(
    @Arg('target', () => ID, { nullable: true }) target: string | null,
    @Arg('targetRef', () => ContentObjectRef, { nullable: true }) targetRef: ContentObjectRef | null,
    @Arg('verb', () => String) verb: string,
    @Arg('data', () => GraphQLJSON, { nullable: true }) data: unknown,
    @Ctx() ctx: MutationContext,
  ): Promise<ActivityEntry> {
    const actor = await ctx.auth.requireUser();
    validateClientVerb(verb, 'verb', relationVerbs(ctx.registry));
    const checked = validateActivityData(data);
    return inTransaction(ctx.em, async (tx) => {
      const resolved = await resolveContentTarget(tx, ctx.registry, ctx.nodeTypes, { id: target, ref: targetRef }, ['target', 'targetRef'], {
        relation: ACTIVITY_RELATION,
      });
      await authorize(tx, actor, `${ACTIVITY_RELATION}.add`, [resolved]);
      const object = resolved.object;
      return (await recordActivity(tx, ctx.registry, { actor, verb, target: object, data: checked }))!;
    });
  }
}
