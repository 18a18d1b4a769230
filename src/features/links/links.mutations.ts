import { GraphQLJSON } from 'graphql-scalars';
import { Arg, Ctx, Field, ID, Mutation, ObjectType, Resolver } from 'type-graphql';
import type { MutationContext } from '../../accounts/authentication.js';
import { ContentObjectRef } from '../../content/content-object-ref.input.js';
import { ContentObject } from '../../content/content-object.union.js';
import { resolveContentTarget, resolveNodeOfType } from '../../content/target.js';
import { inTransaction } from '../../generic/transaction.js';
import { invalid } from '../../generic/validation.js';
import { ContentLink } from './content-link.entity.js';
import { linkObjects, unlinkObjects } from './links.service.js';
import { validateLinkData, validateLinkKind } from './links.validation.js';

@ObjectType('UnlinkPayload', { description: 'The result of unlinkObjects.' })
export class UnlinkPayload {
  @Field(() => ID, { description: 'The global ID the deleted link had.' })
  deletedId!: string;

  @Field(() => ContentObject, { nullable: true })
  source!: object | null;

  @Field(() => ContentObject, { nullable: true })
  target!: object | null;
}

/** linkObjects, unlinkObjects. */
@Resolver()
export class LinkMutations {
  @Mutation(() => ContentLink, {
    description:
      'Links one content object to another with a `kind` (a lowercase identifier of at most 40 characters, such as "related" or ' +
      '"sequel_of") and optional `data` (a JSON object of at most 4 KiB). Each end is given as a global ID (`source`, `target`) or a ' +
      'reference (`sourceRef`, `targetRef`). Idempotent: an existing link of that kind is returned; when `data` is given and differs, ' +
      'it replaces the link\'s data (recording `link_updated`). Records a `linked` activity entry on the source. Needs an API token.',
  })
  async linkObjects(
    @Arg('source', () => ID, { nullable: true }) source: string | null,
    @Arg('sourceRef', () => ContentObjectRef, { nullable: true }) sourceRef: ContentObjectRef | null,
    @Arg('target', () => ID, { nullable: true }) target: string | null,
    @Arg('targetRef', () => ContentObjectRef, { nullable: true }) targetRef: ContentObjectRef | null,
    @Arg('kind', () => String) kind: string,
    @Arg('data', () => GraphQLJSON, { nullable: true, description: 'A JSON object of at most 4 KiB; omitted: a new link has none, an existing one keeps its own. Other data for an existing link replaces its data: only its creator, the owner of either end or an admin may (rule `links.remove`, FORBIDDEN otherwise).' })
    data: unknown,
    @Ctx() ctx: MutationContext,
  ): Promise<ContentLink> {
    const actor = await ctx.auth.requireUser();
    validateLinkKind(kind);
    const checked = data === undefined ? undefined : validateLinkData(data);
    return inTransaction(ctx.em, async (tx) => {
      const from = await resolveContentTarget(tx, ctx.registry, ctx.nodeTypes, { id: source, ref: sourceRef }, ['source', 'sourceRef'], { relation: 'links' });
      const to = await resolveContentTarget(tx, ctx.registry, ctx.nodeTypes, { id: target, ref: targetRef }, ['target', 'targetRef'], { relation: 'links' });
      if (from.type === to.type && from.objectId === to.objectId) throw invalid('target', 'must differ from `source`: an object cannot be linked to itself.');
      return (await linkObjects(tx, ctx.registry, actor, from, to, kind, checked)).link;
    });
  }

  @Mutation(() => UnlinkPayload, {
    description:
      'Deletes a link. Only the user who made it, the owner of either end or an admin may (FORBIDDEN otherwise, rule `links.remove`). ' +
      'Records an `unlinked` activity entry on its source. Needs an API token.',
  })
  async unlinkObjects(
    @Arg('id', () => ID, { description: 'Global ID of the link.' }) id: string,
    @Ctx() ctx: MutationContext,
  ): Promise<UnlinkPayload> {
    const actor = await ctx.auth.requireUser();
    return inTransaction(ctx.em, async (tx) => {
      const link = await resolveNodeOfType(tx, ctx.nodeTypes, ContentLink, id, 'id', { lock: 'update' });
      const deletedId = ctx.nodeTypes.globalIdOf(link);
      const ends = await unlinkObjects(tx, ctx.registry, actor, link);
      return { deletedId, ...ends };
    });
  }
}
