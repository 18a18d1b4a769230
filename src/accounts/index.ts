import type { ContentTypeRegistry } from '../generic/content-type.registry.js';
import { User } from './user.entity.js';

export { User };

export const accountEntities = [User];

export function registerAccounts(registry: ContentTypeRegistry): void {
  registry.register(User, { appLabel: 'accounts', repr: (u) => u.name || u.username });
}
