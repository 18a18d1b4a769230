import type { ContentTypeRegistry } from '../../generic/content-type.registry.js';
import { Tag } from './tag.entity.js';
import { TaggedItem } from './tagged-item.entity.js';

export { Tag, TaggedItem };
export const tagEntities = [Tag, TaggedItem];

export function registerTags(registry: ContentTypeRegistry): void {
  registry.genericForeignKey({
    name: 'tagged_item',
    entity: TaggedItem,
    contentTypeProperty: 'contentType',
    objectIdProperty: 'objectId',
    onDelete: 'cascade',
  });
}
