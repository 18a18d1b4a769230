import type { EntityManager } from '@mikro-orm/sql';
import type { ContentTypeRegistry } from './content-type.registry.js';
import type { NodeTypes } from './node-types.js';
import type { RequestLoaders } from './request-loaders.js';

/** What the generic core needs from a request's context. */
export interface GenericContext {
  /** A fresh EntityManager fork for this request. */
  em: EntityManager;
  registry: ContentTypeRegistry;
  nodeTypes: NodeTypes;
  loaders: RequestLoaders;
}
