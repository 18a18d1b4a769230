import { Node } from '../generic/node.interface.js';
import { ContentNode } from './content-object.interfaces.js';
import { Taggable } from '../features/tags/taggable.interface.js';
import { Commentable } from '../features/comments/commentable.interface.js';
import { HasActivity } from '../features/activity/has-activity.interface.js';
import { Linkable } from '../features/links/linkable.interface.js';

/**
 * The interfaces a content object type implements: `Node`, `ContentNode`
 * and one per generic feature. Called (a thunk) only when the schema is
 * built, by `applyContentObjectTypes()`, never while entity modules are
 * being evaluated: the interface modules reach entities (Taggable → Tag)
 * and entities are content types, so an eager read could meet a class in
 * its temporal dead zone through an ESM import cycle.
 */
export function contentObjectInterfaces(): Function[] {
  return [Node, ContentNode, Taggable, Commentable, HasActivity, Linkable];
}
