import { Arg, Ctx, FieldResolver, Int, Resolver, Root } from 'type-graphql';
import { type Connection, pageSize } from '../../generic/connection.js';
import type { GenericContext } from '../../generic/context.js';
import { ContentObject } from '../../content/content-object.union.js';
import { targetKeyOf } from '../../content/content-target.js';
import { decodeTimeKey, timeKeyConnection } from '../../content/keyset.js';
import { ContentLink } from './content-link.entity.js';
import { ContentLinkConnection } from './content-link.connection.js';
import { Linkable } from './linkable.interface.js';
import { type LinkEnd, linkPages } from './links.loaders.js';

const FIRST = 'How many to return: 0 to 100, default 20.';
const AFTER = 'Return the links after this cursor (an `endCursor` or edge `cursor` of a previous page).';

/** The fields of `ContentLink`. */
@Resolver(() => ContentLink)
export class ContentLinkResolver {
  @FieldResolver(() => ContentObject, { nullable: true, description: 'The object the link starts from.' })
  source(@Root() link: ContentLink, @Ctx() ctx: GenericContext): Promise<object | null> {
    return ctx.loaders.contentObject(link.sourceType.id, link.sourceId);
  }

  @FieldResolver(() => ContentObject, { nullable: true, description: 'The object the link points to.' })
  target(@Root() link: ContentLink, @Ctx() ctx: GenericContext): Promise<object | null> {
    return ctx.loaders.contentObject(link.targetType.id, link.targetId);
  }
}

/** `Linkable.outgoingLinks` / `incomingLinks` of every content object, batched across objects. */
@Resolver(() => Linkable)
export class LinkableResolver {
  @FieldResolver(() => ContentLinkConnection, { description: 'Links from this object to others, newest first.' })
  outgoingLinks(
    @Root() obj: object,
    @Arg('first', () => Int, { nullable: true, description: FIRST }) first: number | null,
    @Arg('after', () => String, { nullable: true, description: AFTER }) after: string | null,
    @Ctx() ctx: GenericContext,
  ): Promise<Connection<ContentLink>> {
    return page(ctx, obj, 'source', first, after);
  }

  @FieldResolver(() => ContentLinkConnection, { description: 'Links from other objects to this one, newest first.' })
  incomingLinks(
    @Root() obj: object,
    @Arg('first', () => Int, { nullable: true, description: FIRST }) first: number | null,
    @Arg('after', () => String, { nullable: true, description: AFTER }) after: string | null,
    @Ctx() ctx: GenericContext,
  ): Promise<Connection<ContentLink>> {
    return page(ctx, obj, 'target', first, after);
  }
}

async function page(ctx: GenericContext, obj: object, end: LinkEnd, first: number | null, after: string | null): Promise<Connection<ContentLink>> {
  const size = pageSize(first);
  const target = targetKeyOf(ctx, obj);
  const list = `links:${end}:${target.contentTypeId}:${target.objectId}`;
  const rows = await linkPages(ctx.loaders, end, size, decodeTimeKey(after, list)).load(target);
  return timeKeyConnection(rows, size, list);
}
