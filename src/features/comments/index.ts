import type { ContentTypeRegistry } from '../../generic/content-type.registry.js';
import { Comment } from './comment.entity.js';

export { Comment };
export const commentEntities = [Comment];

export function registerComments(registry: ContentTypeRegistry): void {
  registry.genericForeignKey({
    name: 'comment',
    entity: Comment,
    contentTypeProperty: 'contentType',
    objectIdProperty: 'objectId',
    onDelete: 'cascade',
  });
}
