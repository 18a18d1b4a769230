import type { CliCommand } from './command.js';
import { staleContentTypesCommand } from './content-types.command.js';
import { orphansCommand } from './orphans.command.js';
import { usersCreateCommand } from './users.command.js';
import { tokensCreateCommand, tokensListCommand, tokensRevokeCommand } from './tokens.command.js';

/** Every CLI command. Add one line per command. */
export const commands: CliCommand[] = [
  usersCreateCommand,
  tokensCreateCommand,
  tokensListCommand,
  tokensRevokeCommand,
  orphansCommand,
  staleContentTypesCommand,
];
