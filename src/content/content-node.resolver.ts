import { Ctx, FieldResolver, Resolver, Root } from 'type-graphql';
import type { GenericContext } from '../generic/context.js';
import { ContentType } from '../generic/content-type.entity.js';
import { ContentNode } from './content-object.interfaces.js';
import { ownerEntity, ownerIdOf } from './content-owner.js';

/** Resolves the `ContentNode` fields of every content type. */
@Resolver(() => ContentNode)
export class ContentNodeResolver {
  @FieldResolver(() => ContentType)
  contentType(@Root() obj: object, @Ctx() ctx: GenericContext): ContentType {
    return ctx.registry.contentTypeOf(obj);
  }

  /** The owner through the per-request user loader: one statement per batch, whatever the types and the page size. */
  @FieldResolver(() => ownerEntity(), { nullable: true })
  async owner(@Root() obj: object, @Ctx() ctx: GenericContext): Promise<object | null> {
    const id = ownerIdOf(obj);
    return id === null ? null : ctx.loaders.entity(ownerEntity() as never).load(id);
  }
}
