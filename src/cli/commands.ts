import type { CliCommand } from './command.js';

/** Every CLI command. Add one line per command. */
export const commands: CliCommand[] = [];
