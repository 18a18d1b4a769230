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
