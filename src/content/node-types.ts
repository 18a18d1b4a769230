import type { EntityClass } from '@mikro-orm/core';
import type { ContentTypeRegistry } from '../generic/content-type.registry.js';
import { ContentType } from '../generic/content-type.entity.js';
import { NodeTypes } from '../generic/node-types.js';
import { relationNodeTypes } from './relations/relation.resolvers.js';

/** Every type reachable by global ID: the content types, ContentType, and the Node entities of the registered relations. */
export function createNodeTypes(registry: ContentTypeRegistry): NodeTypes {
  const nodeTypes = new NodeTypes(registry).add('ContentType', ContentType);
  for (const { typeName, cls } of relationNodeTypes(registry)) nodeTypes.add(typeName, cls as EntityClass<any>);
  return nodeTypes;
}
