import { Ctx, Query, Resolver } from 'type-graphql';
import type { GenericContext } from './context.js';
import { ContentType } from './content-type.entity.js';

@Resolver(() => ContentType)
export class ContentTypeResolver {
  @Query(() => [ContentType], { description: 'Every registered content type.' })
  contentTypes(@Ctx() ctx: GenericContext): ContentType[] {
    return ctx.registry.rows();
  }
}
