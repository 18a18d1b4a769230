import { vi } from 'vitest';
import { commands } from '../../src/cli/commands.js';

/**
 * Runs a command of `npm run cli` in this process (the same `run(args)` the
 * CLI entry calls, looked up in its command list) against the test database,
 * and captures what it prints. In-process because a CLI process costs
 * seconds to start; the entry point itself is exercised by commands.test.ts.
 */
export async function cli(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const command = commands.find((c) => c.name === args[0]);
  if (!command) throw new Error(`no CLI command ${args[0]}`);
  const out: string[] = [];
  const err: string[] = [];
  const log = vi.spyOn(console, 'log').mockImplementation((...line: unknown[]) => void out.push(line.join(' ')));
  const error = vi.spyOn(console, 'error').mockImplementation((...line: unknown[]) => void err.push(line.join(' ')));
  try {
    const code = await command.run(args.slice(1));
    return { code, stdout: out.join('\n'), stderr: err.join('\n') };
  } finally {
    log.mockRestore();
    error.mockRestore();
  }
}
