import { Arg, Ctx, FieldResolver, ID, Query, Resolver, Root } from 'type-graphql';
import type { GenericContext } from './context.js';
import { BadUserInputError } from './errors.js';
import { DatabaseIdScalar } from './database-id.scalar.js';
import { Node } from './node.interface.js';
import type { ObjectKey } from './object-key.js';

const MAX_NODES = 100;

/** `node(id)`, `nodes(ids)` and the `id` and `databaseId` of every Node. */
@Resolver(() => Node)
export class NodeResolver {
  @FieldResolver(() => ID)
  id(@Root() obj: object, @Ctx() ctx: GenericContext): string {
    return ctx.nodeTypes.globalIdOf(obj);
  }

  @FieldResolver(() => DatabaseIdScalar)
  databaseId(@Root() obj: object, @Ctx() ctx: GenericContext): ObjectKey {
    return ctx.nodeTypes.databaseIdOf(obj);
  }

  @Query(() => Node, {
    nullable: true,
    description: 'Fetches any object by its global ID; null when the ID is malformed, of an unknown type, or names no object.',
  })
  node(@Arg('id', () => ID) id: string, @Ctx() ctx: GenericContext): Promise<object | null> {
    return ctx.nodeTypes.load(ctx.loaders, id);
  }

  @Query(() => [Node], {
    nullable: 'items',
    description: `Fetches up to ${MAX_NODES} objects by global ID, in the order given; null for each ID that names no object.`,
  })
  nodes(@Arg('ids', () => [ID]) ids: string[], @Ctx() ctx: GenericContext): Promise<(object | null)[]> {
    if (ids.length > MAX_NODES) {
      throw new BadUserInputError(`\`ids\` may hold at most ${MAX_NODES} IDs (got ${ids.length}).`, { argumentName: 'ids' });
    }
    return Promise.all(ids.map((id) => ctx.nodeTypes.load(ctx.loaders, id)));
  }
}
