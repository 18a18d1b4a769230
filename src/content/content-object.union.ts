import { type GraphQLSchema, isAbstractType } from 'graphql';
import { type ClassType, createUnionType } from 'type-graphql';
import type { ContentTypeRegistry } from '../generic/content-type.registry.js';
import { contentObjectMembers, contentObjectTypeName, setContentObjectMembers } from './content-object.members.js';
import { applyContentObjectTypes } from './content-object.type.js';

/**
 * Sets the registry whose content types make up `ContentObject` and applies
 * the deferred `@ObjectType` of the content types (see `ContentObjectType`).
 * Called by the schema builder before the schema is built.
 */
export function defineContentObjectMembers(registry: ContentTypeRegistry): void {
  setContentObjectMembers(registry);
  applyContentObjectTypes(registry);
}

/** `union ContentObject` of every registered content type, resolved through the registry by the object's class. */
export const ContentObject = createUnionType({
  name: 'ContentObject',
  description: 'Any content object: one of the registered content types. Select fields with `... on Article { … }`.',
  types: () => contentObjectMembers().entityClasses() as ClassType[],
  resolveType: contentObjectTypeName,
});

/**
 * Makes the type resolution of `ContentObject`, of each relation's interface
 * and of `ContentNode` synchronous: every abstract type whose members are all
 * registered content types resolves a value by the registry, as
 * `contentObjectTypeName` does, but returns the name itself. type-graphql
 * wraps a given `resolveType` in an async function, so each union value cost
 * graphql-js a promise (a feed of 100 entries: 100), and a compiled executor
 * (graphql-jit, src/server/jit.executor.ts) does not await it at all.
 * Mutates the built schema's types in place; returns the schema.
 */
export function resolveContentTypesSynchronously(schema: GraphQLSchema, registry: ContentTypeRegistry): GraphQLSchema {
  for (const type of Object.values(schema.getTypeMap())) {
    if (!isAbstractType(type)) continue;
    const members = schema.getPossibleTypes(type);
    if (members.length === 0 || !members.every((member) => registry.byTypeName(member.name))) continue;
    type.resolveType = (value) => (value !== null && typeof value === 'object' ? registry.find(value)?.typeName : undefined);
  }
  return schema;
}
