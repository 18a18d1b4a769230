import type { EntityManager } from '@mikro-orm/sql';
import { AccountError, createApiToken } from '../accounts/api-token.service.js';
import { createUser, type NewUser } from '../accounts/user.service.js';
import type { User } from '../accounts/user.entity.js';
import type { ContentTypeRegistry } from '../generic/content-type.registry.js';
import { recordActivity } from '../features/activity/activity.service.js';
import { type CliCommand, parseOptions, withDatabase } from './command.js';

/**
 * Creates a user and a first API token in one transaction, and records the
 * user's `created` activity entry (actor: none, the system). Returns the
 * token in clear: the database keeps only its hash. Throws AccountError for
 * invalid input or a taken username.
 */
export async function createUserWithToken(
  em: EntityManager,
  registry: ContentTypeRegistry,
  input: NewUser & { tokenName?: string },
): Promise<{ user: User; token: string }> {
  return em.transactional(async (tx) => {
    const user = await createUser(tx, input);
    const { token } = await createApiToken(tx, user, input.tokenName ?? 'default');
    await recordActivity(tx, registry, { actor: null, verb: 'created', target: user });
    return { user, token };
  });
}

const USAGE = 'usage: npm run cli -- users:create --username <name> [--name "<display name>"] [--admin] [--token-name <name>]';

/** `users:create`: a user and its first API token, printed once. */
export const usersCreateCommand: CliCommand = {
  name: 'users:create',
  summary: 'create a user (--username, --name, --admin) and print its first API token',
  async run(args) {
    const parsed = parseOptions(
      args,
      { username: { type: 'string' }, name: { type: 'string' }, admin: { type: 'boolean' }, 'token-name': { type: 'string' } },
      USAGE,
    );
    if (!parsed) return 2;
    const options = parsed.values;
    if (!options.username) {
      console.error(USAGE);
      return 2;
    }
    const input = { username: options.username, name: options.name, isAdmin: options.admin ?? false, tokenName: options['token-name'] ?? 'cli' };
    try {
      const { user, token } = await withDatabase((em, registry) => createUserWithToken(em, registry, input));
      console.log(`Created ${user.isAdmin ? 'admin ' : ''}user "${user.username}" (id ${user.id}).`);
      console.log(`API token "${input.tokenName}" (shown once, store it now):\n  ${token}`);
      console.log(`Send it as: Authorization: Bearer ${token}`);
      return 0;
    } catch (error) {
      if (error instanceof AccountError) {
        console.error(error.message);
        return 1;
      }
      throw error;
    }
  },
};
