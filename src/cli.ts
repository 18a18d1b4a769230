/**
 * Command line: `npm run cli -- <command> [options]`. Runs against the
 * embedded database in DATA_DIR (./data) or DATABASE_URL. Commands live in
 * src/cli/*.command.ts and are listed in src/cli/commands.ts.
 */
import 'reflect-metadata';
import { commands } from './cli/commands.js';

async function main(): Promise<void> {
  const [name, ...args] = process.argv.slice(2);
  const command = commands.find((c) => c.name === name);
  if (!command) {
    console.log('usage: npm run cli -- <command> [options]\n\ncommands:');
    for (const c of commands) console.log(`  ${c.name.padEnd(28)} ${c.summary}`);
    process.exitCode = name && name !== 'help' ? 2 : 0;
    return;
  }
  process.exitCode = await command.run(args);
}

main().catch((error) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
