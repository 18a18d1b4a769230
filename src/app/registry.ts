import { ContentTypeRegistry } from '../generic/content-type.registry.js';
import { registerAccounts } from '../accounts/index.js';
import { registerActivity } from '../features/activity/index.js';
import { registerComments } from '../features/comments/index.js';
import { registerLinks } from '../features/links/index.js';
import { registerTags } from '../features/tags/index.js';
import { registerDomain } from '../domain/index.js';

/**
 * Builds the application's content-type registry: the accounts app (User),
 * the generic features' foreign keys and the demo domain's content types.
 * This module is the composition root; the generic core never imports it.
 */
export function createAppRegistry(): ContentTypeRegistry {
  const registry = new ContentTypeRegistry();
  registerAccounts(registry);
  registerDomain(registry);
  registerTags(registry);
  registerComments(registry);
  registerActivity(registry);
  registerLinks(registry);
  return registry;
}
