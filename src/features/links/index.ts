import type { ContentTypeRegistry } from '../../generic/content-type.registry.js';
import { ContentLink } from './content-link.entity.js';

export { ContentLink };
export const linkEntities = [ContentLink];

export function registerLinks(registry: ContentTypeRegistry): void {
  registry.genericForeignKey({
    name: 'content_link_source',
    entity: ContentLink,
    contentTypeProperty: 'sourceType',
    objectIdProperty: 'sourceId',
    onDelete: 'cascade',
  });
  registry.genericForeignKey({
    name: 'content_link_target',
    entity: ContentLink,
    contentTypeProperty: 'targetType',
    objectIdProperty: 'targetId',
    onDelete: 'cascade',
  });
}
