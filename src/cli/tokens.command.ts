import { AccountError, createApiToken, listApiTokens, revokeApiToken } from '../accounts/api-token.service.js';
import type { ApiToken } from '../accounts/api-token.entity.js';
import { findUserByUsername } from '../accounts/user.service.js';
import { type CliCommand, parseOptions, withDatabase } from './command.js';

const CREATE_USAGE = 'usage: npm run cli -- tokens:create --user <username> [--name <token name>]';

/** `tokens:create`: a new API token for an existing user, printed once. */
export const tokensCreateCommand: CliCommand = {
  name: 'tokens:create',
  summary: 'create an API token for a user (--user, --name) and print it once',
  async run(args) {
    const parsed = parseOptions(args, { user: { type: 'string' }, name: { type: 'string' } }, CREATE_USAGE);
    const username = parsed?.values.user;
    if (!parsed || typeof username !== 'string') {
      if (parsed) console.error(CREATE_USAGE);
      return 2;
    }
    const name = typeof parsed.values.name === 'string' ? parsed.values.name : 'cli';
    return withDatabase(async (em) => {
      const user = await findUserByUsername(em, username);
      if (!user) {
        console.error(`No user ${JSON.stringify(username)}. Create one with: npm run cli -- users:create --username <username>`);
        return 1;
      }
      try {
        const { token, apiToken } = await createApiToken(em, user, name);
        console.log(`API token #${apiToken.id} "${apiToken.name}" for "${user.username}" (shown once, store it now):\n  ${token}`);
        return 0;
      } catch (error) {
        if (!(error instanceof AccountError)) throw error;
        console.error(error.message);
        return 1;
      }
    });
  },
};

/** Rows of `tokens:list`, one line per token (never the token itself, only its prefix). */
export function formatTokenList(tokens: ApiToken[]): string[] {
  if (tokens.length === 0) return ['No API tokens.'];
  const date = (d: Date | null | undefined) => (d ? d.toISOString().replace(/\.\d+Z$/, 'Z') : '-');
  const rows = tokens.map((t) => [String(t.id), t.user.username, t.name, `${t.prefix}…`, date(t.createdAt), date(t.lastUsedAt), t.revokedAt ? `revoked ${date(t.revokedAt)}` : 'active']);
  const header = ['id', 'user', 'name', 'token', 'created', 'last used', 'status'];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  return [header, ...rows].map((r) => r.map((cell, i) => cell.padEnd(widths[i])).join('  ').trimEnd());
}

/** `tokens:list`: every token (of one user with --user), newest first. */
export const tokensListCommand: CliCommand = {
  name: 'tokens:list',
  summary: 'list API tokens (--user to filter): id, name, prefix, last use, status',
  async run(args) {
    const parsed = parseOptions(args, { user: { type: 'string' } }, 'usage: npm run cli -- tokens:list [--user <username>]');
    if (!parsed) return 2;
    const username = typeof parsed.values.user === 'string' ? parsed.values.user : undefined;
    const tokens = await withDatabase((em) => listApiTokens(em, { username }));
    for (const line of formatTokenList(tokens)) console.log(line);
    return 0;
  },
};

const REVOKE_USAGE = 'usage: npm run cli -- tokens:revoke <id>   (ids are listed by tokens:list)';

/** `tokens:revoke <id>`: the token stops authenticating with the next request. */
export const tokensRevokeCommand: CliCommand = {
  name: 'tokens:revoke',
  summary: 'revoke an API token by id; it stops working at once',
  async run(args) {
    const parsed = parseOptions(args, {}, REVOKE_USAGE, true);
    const id = Number(parsed?.positionals[0]);
    if (!parsed || parsed.positionals.length !== 1 || !Number.isSafeInteger(id) || id < 1) {
      if (parsed) console.error(REVOKE_USAGE);
      return 2;
    }
    const token = await withDatabase((em) => revokeApiToken(em, id));
    if (!token) {
      console.error(`No API token #${id}.`);
      return 1;
    }
    console.log(`Revoked API token #${token.id} "${token.name}" of "${token.user.username}".`);
    return 0;
  },
};
