import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { DATABASE_INDEPENDENT, databaseIndependentFiles } from './setup/database-independent.js';

/** The mark that keeps a test file out of the run on PostgreSQL (vitest.config.ts). */
describe('test files marked // @database-independent', () => {
  function project(files: Record<string, string>): string {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), 'cg-marked-'));
    fs.mkdirSync(path.join(root, 'test'));
    for (const [name, text] of Object.entries(files)) fs.writeFileSync(path.join(root, 'test', name), text);
    return root;
  }

  it('are the marked test files only, the mark alone on its line', () => {
    const root = project({
      'a.test.ts': `${DATABASE_INDEPENDENT}\nimport { it } from 'vitest';\n`,
      'b.test.ts': `  ${DATABASE_INDEPENDENT}  \n`,
      'c.test.ts': `// ${DATABASE_INDEPENDENT.slice(3)} is what a file says when it opens none\n`,
      'd.test.ts': `const mark = '${DATABASE_INDEPENDENT}';\n`,
      'e.ts': `${DATABASE_INDEPENDENT}\n`,
    });
    try {
      expect(databaseIndependentFiles(root).sort()).toEqual(['test/a.test.ts', 'test/b.test.ts']);
    } finally {
      fs.rmSync(root, { recursive: true });
    }
  });

  it('refuses a marked file that opens a database, or starts a server or a process that would', () => {
    for (const use of [
      'createTestDatabase()',
      'startTestServer({})',
      'startLoggedTestServer()',
      'await initOrm(config, registry)',
      'await PgliteWorkerClient.start(dir)',
      "spawnTsx('src/server.ts')",
      "spawn(process.execPath, ['dist/src/server.js'])",
      "spawnSync('npm', ['run', 'migration:up'])",
      "execFileSync(process.execPath, ['--import', 'tsx', 'src/cli.ts', 'users:list'])",
      "import { cli } from './helpers/cli.js'",
      "import * as db from './helpers/database.js'",
      "import { copyPgliteTemplate } from './helpers/pglite-template.js'",
      "copyPgliteTemplate('core')",
      "import { startServer } from '../src/server/start.js'",
      "import { attachEverything } from './fixtures/core.data.js'",
      'process.env.DATABASE_URL',
      'describe.skipIf(onPostgres)',
    ]) {
      const root = project({ 'x.test.ts': `${DATABASE_INDEPENDENT}\n${use};\n` });
      try {
        expect(() => databaseIndependentFiles(root), use).toThrow(/^test\/x\.test\.ts is marked \/\/ @database-independent but uses /);
      } finally {
        fs.rmSync(root, { recursive: true });
      }
    }
  });

  it('lets a marked file start processes that open no database (node on a script, vitest on fixtures)', () => {
    const root = project({ 'y.test.ts': `${DATABASE_INDEPENDENT}\nspawnSync(process.execPath, [vitest, 'run', 'test/fixtures/x.ts']);\n` });
    try {
      expect(databaseIndependentFiles(root)).toEqual(['test/y.test.ts']);
    } finally {
      fs.rmSync(root, { recursive: true });
    }
  });

  it("are this project's files that open no database, and every one of them passes the check", () => {
    const marked = databaseIndependentFiles(path.resolve(import.meta.dirname, '..'));
    expect(marked).toContain('test/schema.test.ts');
    expect(marked).not.toContain('test/database-independent.test.ts');
    expect(marked).not.toContain('test/read-api.test.ts');
  });
});
