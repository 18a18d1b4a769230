import { Ctx, FieldResolver, Int, Resolver, Root } from 'type-graphql';
import type { GenericContext } from '../generic/context.js';
import { ContentType } from '../generic/content-type.entity.js';
import { ContentNode } from './content-object.interfaces.js';

/** Resolves the `ContentNode` fields of every content type. */
@Resolver(() => ContentNode)
export class ContentNodeResolver {
  @FieldResolver(() => Int)
  databaseId(@Root() obj: object, @Ctx() ctx: GenericContext): number {
    return (obj as Record<string, number>)[ctx.registry.get(obj).primaryKeyProperty];
  }

  @FieldResolver(() => ContentType)
  contentType(@Root() obj: object, @Ctx() ctx: GenericContext): ContentType {
    const type = ctx.registry.get(obj);
    return Object.assign(new ContentType(), { id: ctx.registry.idOf(type.cls), appLabel: type.appLabel, model: type.model });
  }
}
