import type { EntityManager } from '@mikro-orm/sql';
import { AccountError, createApiToken } from '../accounts/api-token.service.js';
import { createUser, listUsers, type NewUser, setUserRole, validateNewUser } from '../accounts/user.service.js';
import { parseRole, Role, ROLES } from '../accounts/roles.js';
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

const ROLE_LIST = ROLES.join(', ');
const USAGE = `usage: npm run cli -- users:create --username <name> [--name "<display name>"] [--role <${ROLES.join('|')}>] [--admin] [--token-name <name>]`;

/** The role of `--role` (or `--admin`); prints why and returns undefined when they are wrong or disagree. */
function roleOption(role: string | undefined, admin: boolean | undefined): Role | undefined {
  const parsed = role === undefined ? (admin ? Role.ADMIN : Role.MEMBER) : parseRole(role);
  if (!parsed) {
    console.error(`Unknown role ${JSON.stringify(role)}: use one of ${ROLE_LIST}.`);
    return undefined;
  }
  if (admin && parsed !== Role.ADMIN) {
    console.error(`--admin and --role ${parsed} disagree: give one of them.`);
    return undefined;
  }
  return parsed;
}

/** `users:create`: a user and its first API token, printed once. */
export const usersCreateCommand: CliCommand = {
  name: 'users:create',
  summary: `create a user (--username, --name, --role ${ROLES.join('|')}) and print its first API token`,
  async run(args) {
    const parsed = parseOptions(
      args,
      { username: { type: 'string' }, name: { type: 'string' }, role: { type: 'string' }, admin: { type: 'boolean' }, 'token-name': { type: 'string' } },
      USAGE,
    );
    if (!parsed) return 2;
    const options = parsed.values;
    if (!options.username) {
      console.error(USAGE);
      return 2;
    }
    const role = roleOption(options.role, options.admin);
    if (!role) return 2;
    const input = { username: options.username, name: options.name, role, tokenName: options['token-name'] ?? 'cli' };
    try {
      validateNewUser(input); // bad input is refused before the database is opened
      const { user, token } = await withDatabase((em, registry) => createUserWithToken(em, registry, input));
      console.log(`Created ${user.role} user "${user.username}" (id ${user.id}).`);
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

const ROLE_USAGE = `usage: npm run cli -- users:role --user <username> --role <${ROLES.join('|')}>`;

/** `users:role`: changes a user's role; it applies from the user's next request. */
export const usersRoleCommand: CliCommand = {
  name: 'users:role',
  summary: `change a user's role (--user, --role ${ROLES.join('|')})`,
  async run(args) {
    const parsed = parseOptions(args, { user: { type: 'string' }, role: { type: 'string' } }, ROLE_USAGE);
    if (!parsed) return 2;
    const { user: username, role: roleName } = parsed.values;
    if (!username || roleName === undefined) {
      console.error(ROLE_USAGE);
      return 2;
    }
    const role = roleOption(roleName, false);
    if (!role) return 2;
    const result = await withDatabase((em) => setUserRole(em, username, role));
    if (!result) {
      console.error(`No user ${JSON.stringify(username)}. List them with: npm run cli -- users:list`);
      return 1;
    }
    console.log(
      result.previous === role
        ? `"${result.user.username}" already is ${role}: nothing changed.`
        : `"${result.user.username}" is now ${role} (was ${result.previous}); it applies from the next request.`,
    );
    return 0;
  },
};

/** Rows of `users:list`. */
export function formatUserList(users: { id: number; username: string; name: string; role: Role; createdAt: Date; activeTokens: number }[]): string[] {
  if (users.length === 0) return ['No users.'];
  const rows = users.map((u) => [String(u.id), u.username, u.role, String(u.activeTokens), u.createdAt.toISOString().replace(/\.\d+Z$/, 'Z'), JSON.stringify(u.name)]);
  const header = ['id', 'username', 'role', 'tokens', 'created', 'name'];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  return [header, ...rows].map((r) => r.map((cell, i) => cell.padEnd(widths[i])).join('  ').trimEnd());
}

/** `users:list`: every user with role and number of active tokens. */
export const usersListCommand: CliCommand = {
  name: 'users:list',
  summary: 'list users: id, username, role, active tokens, display name',
  async run(args) {
    if (!parseOptions(args, {}, 'usage: npm run cli -- users:list')) return 2;
    const users = await withDatabase((em) => listUsers(em));
    for (const line of formatUserList(users)) console.log(line);
    return 0;
  },
};
