import type { ContentTypeRegistry } from '../../generic/content-type.registry.js';
import { ActivityEntry } from './activity-entry.entity.js';

export { ActivityEntry };
export const activityEntities = [ActivityEntry];

export function registerActivity(registry: ContentTypeRegistry): void {
  registry.genericForeignKey({
    name: 'activity_entry',
    entity: ActivityEntry,
    contentTypeProperty: 'contentType',
    objectIdProperty: 'objectId',
    // History outlives its target: the entry stays, `target` reads as null, `objectRepr` remains.
    onDelete: 'keep',
  });
}
