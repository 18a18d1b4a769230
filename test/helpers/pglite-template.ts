import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { inject } from 'vitest';

/**
 * The parts of test/helpers/database.ts that import nothing from src/: a file
 * that mocks a module (`vi.mock`) uses them without loading the compiled
 * application beside the sources it mocks (test/setup/compiled-sources.ts).
 */
export const onPostgres = Boolean(process.env.DATABASE_URL);

/** A data directory of its own: a copy of the run's PGlite template of `app` (`demo` or `core`), without its lock. */
export function copyPgliteTemplate(app: 'demo' | 'core'): string {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'cg-test-'));
  fs.cpSync(inject('pgliteTemplates')[app], dataDir, { recursive: true });
  fs.rmSync(path.join(dataDir, 'server.lock'), { force: true });
  return dataDir;
}
