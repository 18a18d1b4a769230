import { ObjectType } from 'type-graphql';
import { contentObjectInterfaces } from './content-object.interfaces-list.js';

/**
 * `@ObjectType` for a content type: implements `Node`, `ContentNode` and the
 * generic feature interfaces (`Taggable`, `Commentable`, …), so that a new
 * content type gets every generic field by using this one decorator.
 */
export function ContentObjectType(name: string, options: { description?: string } = {}): ClassDecorator {
  return ObjectType(name, { ...options, implements: contentObjectInterfaces() });
}
