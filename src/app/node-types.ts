import type { ContentTypeRegistry } from '../generic/content-type.registry.js';
import { ContentType } from '../generic/content-type.entity.js';
import { NodeTypes } from '../generic/node-types.js';
import { ActivityEntry } from '../features/activity/index.js';
import { Comment } from '../features/comments/index.js';
import { ContentLink } from '../features/links/index.js';
import { Tag } from '../features/tags/index.js';

/** Every type reachable by global ID: the content types plus the generic entities. */
export function createNodeTypes(registry: ContentTypeRegistry): NodeTypes {
  return new NodeTypes(registry)
    .add('ContentType', ContentType)
    .add('Tag', Tag)
    .add('Comment', Comment)
    .add('ActivityEntry', ActivityEntry)
    .add('ContentLink', ContentLink);
}
