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

/**
 * The column type of the primary key a class (or a base class) declares
 * with `@PrimaryKey`, lower case (`integer`, `bigint`, `uuid`, …); undefined
 * when none is declared. Known before discovery, so the GraphQL schema can be
 * built from a registry that is not bound yet (`schema:print` binds it anyway).
 */
export function declaredPrimaryKeyType(cls: Function): string | undefined {
  for (let current: Function | null = cls; current && current !== Function.prototype; current = Object.getPrototypeOf(current)) {
    if (!Object.hasOwn(current, MetadataStorage.PATH_SYMBOL)) continue; // no decorator on this class
    const props = Object.values(decoratorMetadata(current).properties as Record<string, { primary?: boolean; type?: unknown; columnType?: unknown }>);
    const pk = props.find((p) => p.primary);
    if (!pk) continue;
    const type = pk.columnType ?? pk.type;
    return typeof type === 'string' ? type.toLowerCase() : (type as { constructor?: { name?: string } } | undefined)?.constructor?.name?.replace(/Type$/, '').toLowerCase();
  }
  return undefined;
}
