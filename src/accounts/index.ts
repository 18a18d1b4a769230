import type { ContentTypeRegistry } from '../generic/content-type.registry.js';
import { ApiToken } from './api-token.entity.js';
import { User } from './user.entity.js';

export { ApiToken, User };

export const accountEntities = [User, ApiToken];

export function registerAccounts(registry: ContentTypeRegistry): void {
  registry.register(User, { appLabel: 'accounts', repr: (u) => u.name || u.username });
}
