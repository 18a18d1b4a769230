import { Arg, Ctx, Field, ID, Mutation, ObjectType, Resolver } from 'type-graphql';
import type { MutationContext } from '../../accounts/authentication.js';
import { ContentObjectRef } from '../../content/content-object-ref.input.js';
import { ContentObject } from '../../content/content-object.union.js';
import { resolveContentTarget, resolveNodeOfType } from '../../content/target.js';
import { inTransaction } from '../../generic/transaction.js';
import { invalid } from '../../generic/validation.js';
import { ContentLink } from './content-link.entity.js';
import { linkObjects, unlinkObjects } from './links.service.js';
import { validateLinkKind } from './links.validation.js';

@ObjectType('UnlinkPayload', { description: 'The result of unlinkObjects.' })
export class UnlinkPayload {
  @Field(() => ID, { description: 'The global ID the deleted link had.' })
  deletedId!: string;

  @Field(() => ContentObject)
  source!: object;

  @Field(() => ContentObject, { nullable: true })
  target!: object | null;
}

/** linkObjects, unlinkObjects. */
@Resolver()
export class LinkMutations {
  @Mutation(() => ContentLink, {
    description:
      'Links one content object to another with a `kind` (a lowercase identifier of at most 40 characters, such as "related" or ' +
      '"sequel_of"). Each end is given as a global ID (`source`, `target`) or a reference (`sourceRef`, `targetRef`). Idempotent: ' +
      'an existing link of that kind is returned. Records a `linked` activity entry on the source. Needs an API token.',
  })
  async linkObjects(
    @Arg('source', () => ID, { nullable: true }) source: string | null,
    @Arg('sourceRef', () => ContentObjectRef, { nullable: true }) sourceRef: ContentObjectRef | null,
    @Arg('target', () => ID, { nullable: true }) target: string | null,
    @Arg('targetRef', () => ContentObjectRef, { nullable: true }) targetRef: ContentObjectRef | null,
    @Arg('kind', () => String) kind: string,
    @Ctx() ctx: MutationContext,
  ): Promise<ContentLink> {
    const actor = await ctx.auth.requireUser();
    validateLinkKind(kind);
    return inTransaction(ctx.em, async (tx) => {
      const from = await resolveContentTarget(tx, ctx.registry, ctx.nodeTypes, { id: source, ref: sourceRef }, ['source', 'sourceRef']);
      const to = await resolveContentTarget(tx, ctx.registry, ctx.nodeTypes, { id: target, ref: targetRef }, ['target', 'targetRef']);
      if (from.type === to.type && from.id === to.id) throw invalid('target', 'must differ from `source`: an object cannot be linked to itself.');
      return (await linkObjects(tx, ctx.registry, actor, from, to, kind)).link;
    });
  }

  @Mutation(() => UnlinkPayload, {
    description: 'Deletes a link. Records an `unlinked` activity entry on its source. Needs an API token.',
  })
  async unlinkObjects(
    @Arg('id', () => ID, { description: 'Global ID of the link.' }) id: string,
    @Ctx() ctx: MutationContext,
  ): Promise<UnlinkPayload> {
    const actor = await ctx.auth.requireUser();
    return inTransaction(ctx.em, async (tx) => {
      const link = await resolveNodeOfType(tx, ctx.nodeTypes, ContentLink, id, 'id', { forUpdate: true });
      const deletedId = ctx.nodeTypes.globalIdOf(link);
      const ends = await unlinkObjects(tx, ctx.registry, actor, link);
      return { deletedId, ...ends };
    });
  }
}
