import type { ContentTypeRegistry } from './content-type.registry.js';
import type { ContentType } from './content-type.entity.js';

/** An entity holding a `(contentType, objectId)` pair. */
export interface GenericTarget {
  contentType: ContentType;
  objectId: number;
}

/**
 * Points a generic foreign key at a content object. Throws for an entity
 * that is not a registered content type (contenttypes.E005).
 */
export function setGenericTarget(
  registry: ContentTypeRegistry,
  em: { getReference: (cls: typeof ContentType, id: number) => ContentType },
  ContentTypeClass: typeof ContentType,
  holder: GenericTarget,
  target: object,
): void {
  const type = registry.get(target);
  const id = (target as Record<string, unknown>)[type.primaryKeyProperty];
  if (typeof id !== 'number') throw new Error(`${type.typeName} has no primary key yet; flush it before pointing at it`);
  holder.contentType = em.getReference(ContentTypeClass, registry.idOf(type.cls));
  holder.objectId = id;
}

/** `(content type id, object id)` of a holder, as plain numbers. */
export function genericKeyOf(holder: GenericTarget): { contentTypeId: number; objectId: number } {
  return { contentTypeId: holder.contentType.id, objectId: holder.objectId };
}
