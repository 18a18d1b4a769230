import type { CliCommand } from './command.js';
import { staleContentTypesCommand } from './content-types.command.js';
import { orphansCommand } from './orphans.command.js';
import { usersCreateCommand, usersListCommand, usersRoleCommand } from './users.command.js';
import { usersDeleteCommand } from './users-delete.command.js';
import { tokensCreateCommand, tokensListCommand, tokensRevokeCommand } from './tokens.command.js';

/** Every CLI command. Add one line per command. */
export const commands: CliCommand[] = [
  usersCreateCommand,
  usersRoleCommand,
  usersListCommand,
  usersDeleteCommand,
  tokensCreateCommand,
  tokensListCommand,
  tokensRevokeCommand,
  orphansCommand,
  staleContentTypesCommand,
];
