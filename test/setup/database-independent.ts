import fs from 'node:fs';
import path from 'node:path';

/** The line a test file carries when it opens no database (none of its own, and no server or CLI that would). */
export const DATABASE_INDEPENDENT = '// @database-independent';

/**
 * What a file that says so must not use: the helpers, modules and entry points that open a database (by name, by
 * import, or as a process started), and the variables that point at one.
 */
const OPENS_A_DATABASE = new RegExp(
  [
    String.raw`\b(createTestDatabase|createEmptyDatabase|openTestDatabase|startTestServer|startLoggedTestServer|startServer|runServerProcess|withDatabase|copyPgliteTemplate|initOrm|PgliteWorkerClient|PGlite|onPostgres|databaseKind|spawnTsx|runTsx)\b`,
    String.raw`from '[^']*/helpers/(database|pglite-template|server|cli|accounts)\.js'`,
    String.raw`from '[^']*/src/(cli|server/(orm|start|serve|database|cluster\.[a-z]+|pglite[-.a-z]*))\.js'`,
    String.raw`from '[^']*/fixtures/(core\.data|core\.database|processes)\.js'`,
    String.raw`\b(spawn|spawnSync|exec|execSync|execFile|execFileSync|fork)\([^;]*['"\`](npm|[^'"\`]*(src/(server|cli|tools)|dist/))`,
    'DATABASE_URL|DATA_DIR',
  ].join('|'),
);

/**
 * The test files (relative to `root`) marked `// @database-independent`:
 * their answers do not depend on the database, so the run on PostgreSQL
 * leaves them out (vitest.config.ts) and they run once, on PGlite. A file
 * marked so that uses a database helper is refused here, before any test
 * runs: the mark would hide it from the PostgreSQL run.
 */
export function databaseIndependentFiles(root: string): string[] {
  const dir = path.join(root, 'test');
  const marked: string[] = [];
  for (const name of fs.readdirSync(dir)) {
    if (!name.endsWith('.test.ts')) continue;
    const text = fs.readFileSync(path.join(dir, name), 'utf8');
    if (!text.split('\n').some((line) => line.trim() === DATABASE_INDEPENDENT)) continue;
    const uses = OPENS_A_DATABASE.exec(text);
    if (uses) throw new Error(`test/${name} is marked ${DATABASE_INDEPENDENT} but uses ${uses[0]}: remove the mark, or the use`);
    marked.push(`test/${name}`);
  }
  return marked;
}
