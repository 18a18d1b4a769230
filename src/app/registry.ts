import { ContentTypeRegistry } from '../generic/content-type.registry.js';
import { appEntities } from './entities.js';

/**
 * Builds the application's content-type registry from its entity list: the
 * content types (User, the demo's types) and the generic relations (tags,
 * comments, activity, links, the demo's reactions), each declared on its
 * entity. This module is the composition root; the generic core never imports it.
 */
export function createAppRegistry(): ContentTypeRegistry {
  return new ContentTypeRegistry().registerAll(appEntities);
}
