import { ObjectType } from 'type-graphql';
import { type ContentTypeOptions, declareContentType } from '../generic/content-type.options.js';
import type { ContentTypeRegistry } from '../generic/content-type.registry.js';
import { Node } from '../generic/node.interface.js';
import { ContentNode } from './content-object.interfaces.js';
import { declareOwnerColumn } from './content-owner.js';
import { relationInterface } from './relations/relation.graphql.js';

/**
 * Declares an entity a content type, with everything the core needs to know
 * about it (app label, display text, the relations it takes part in, …; see
 * `ContentTypeOptions`). Listing the class in the application's list of
 * types registers it.
 *
 *     @ContentObjectType({ appLabel: 'media', description: 'A podcast episode.', repr: (p: Podcast) => p.title })
 *     @Entity({ tableName: 'podcast' })
 *     export class Podcast extends ContentEntity { … }
 *
 * Its GraphQL `@ObjectType` is applied when the schema is built
 * (`applyContentObjectTypes`), because its interfaces (`Node`,
 * `ContentNode` and the interface of every relation it takes part in:
 * `Taggable`, `Commentable`, …) depend on the registry it is part of.
 */
export function ContentObjectType<T>(options: ContentTypeOptions<T>): ClassDecorator {
  return (target) => {
    declareContentType(target, options);
    declareOwnerColumn(target);
  };
}

const applied = new Set<Function>();

/** Applies the `@ObjectType` of every registered content type. Idempotent; called by the schema builder before `buildSchema`. */
export function applyContentObjectTypes(registry: ContentTypeRegistry): void {
  for (const type of registry.types()) {
    if (applied.has(type.cls)) continue;
    const interfaces = registry
      .relationsOf(type)
      .map((relation) => relationInterface(relation.entity))
      .filter((iface): iface is Function => iface !== undefined);
    ObjectType(type.typeName, { description: type.options.description, implements: [Node, ContentNode, ...interfaces] })(type.cls);
    applied.add(type.cls);
  }
}
