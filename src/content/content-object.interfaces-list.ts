import { Node } from '../generic/node.interface.js';
import { ContentNode } from './content-object.interfaces.js';

/**
 * The interfaces a content object type implements. Features add theirs here
 * (Taggable, Commentable, …); keep this module free of entity imports so it
 * can be evaluated before any entity class is decorated.
 */
export function contentObjectInterfaces(): Function[] {
  return [Node, ContentNode];
}
