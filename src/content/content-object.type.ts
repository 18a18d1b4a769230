import { ObjectType } from 'type-graphql';
import { contentObjectInterfaces } from './content-object.interfaces-list.js';

interface PendingContentObjectType {
  target: Function;
  name: string;
  description?: string;
}

const pending: PendingContentObjectType[] = [];
const applied = new Set<Function>();

/**
 * `@ObjectType` for a content type: implements `Node`, `ContentNode` and the
 * generic feature interfaces (`Taggable`, `Commentable`, …), so that a new
 * content type gets every generic field by using this one decorator.
 *
 * The `@ObjectType` itself is applied by `applyContentObjectTypes()` just
 * before the schema is built, not at decoration time: the feature
 * interfaces import entities (Comment → User) that are content types
 * themselves, so reading the interface list while an entity module is still
 * being evaluated could hit a class in its temporal dead zone (ESM cycle).
 */
export function ContentObjectType(name: string, options: { description?: string } = {}): ClassDecorator {
  return (target) => {
    pending.push({ target, name, description: options.description });
  };
}

/**
 * Applies the deferred `@ObjectType` of every class decorated with
 * `ContentObjectType`. Idempotent; called by the schema builder (through
 * `defineContentObjectMembers`) before `buildSchema`.
 */
export function applyContentObjectTypes(): void {
  const interfaces = contentObjectInterfaces();
  for (const { target, name, description } of pending) {
    if (applied.has(target)) continue;
    ObjectType(name, { description, implements: interfaces })(target);
    applied.add(target);
  }
}
