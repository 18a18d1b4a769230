import { type EntityMetadata, MetadataStorage } from '@mikro-orm/core';

/**
 * The metadata MikroORM's decorators recorded for a class, before (and
 * without) discovery: what an entity declares, for code that runs while the
 * application is being assembled (deriving indexes, GraphQL fields and
 * inputs). The same lookup as the decorators' own.
 */
export function decoratorMetadata(cls: Function): EntityMetadata {
  return MetadataStorage.getMetadata(cls.name, (cls as unknown as Record<symbol, string>)[MetadataStorage.PATH_SYMBOL], cls as never);
}
