import type { ContentTypeRegistry } from '../generic/content-type.registry.js';
import { invariant } from '../generic/invariant.js';

let members: ContentTypeRegistry | undefined;

/** Sets the registry whose content types make up `ContentObject` and its interfaces (once per schema build). */
export function setContentObjectMembers(registry: ContentTypeRegistry): void {
  members = registry;
}

/** The registry of the schema being built or served. */
export function contentObjectMembers(): ContentTypeRegistry {
  invariant(members, 'defineContentObjectMembers() must run before the schema is built');
  return members;
}

/**
 * The GraphQL type of a content object, through the registry by its class
 * (never by guessing from its fields): `resolveType` of `ContentObject` and
 * of every content interface.
 */
export function contentObjectTypeName(value: object): string | undefined {
  return members?.find(value)?.typeName;
}
