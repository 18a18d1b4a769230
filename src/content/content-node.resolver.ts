import { Ctx, FieldResolver, Resolver, Root } from 'type-graphql';
import type { GenericContext } from '../generic/context.js';
import { ContentType } from '../generic/content-type.entity.js';
import { ContentNode } from './content-object.interfaces.js';

/** Resolves the `ContentNode` fields of every content type. */
@Resolver(() => ContentNode)
export class ContentNodeResolver {
  @FieldResolver(() => ContentType)
  contentType(@Root() obj: object, @Ctx() ctx: GenericContext): ContentType {
    return ctx.registry.contentTypeOf(obj);
  }
}
