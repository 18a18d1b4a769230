import { type ClassType, createUnionType } from 'type-graphql';
import type { ContentTypeRegistry } from '../generic/content-type.registry.js';
import { invariant } from '../generic/invariant.js';
import { applyContentObjectTypes } from './content-object.type.js';

let members: ContentTypeRegistry | undefined;

/**
 * Sets the registry whose content types make up `ContentObject` and applies
 * the deferred `@ObjectType` of the content types (see `ContentObjectType`).
 * Called by the schema builder before the schema is built.
 */
export function defineContentObjectMembers(registry: ContentTypeRegistry): void {
  members = registry;
  applyContentObjectTypes();
}

/**
 * `union ContentObject` of every registered content type, resolved through
 * the registry by the object's class (never by guessing from its fields).
 */
export const ContentObject = createUnionType({
  name: 'ContentObject',
  description: 'Any content object: one of the registered content types. Select fields with `... on Article { … }`.',
  types: () => {
    invariant(members, 'defineContentObjectMembers() must run before the schema is built');
    return members.entityClasses() as ClassType[];
  },
  resolveType: (value: object) => members?.find(value)?.typeName,
});
