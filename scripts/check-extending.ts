/**
 * `npm run check:extending` (run by CI): follows docs/extending.md on a
 * temporary copy of the project, as a developer would, and fails when any
 * documented step does:
 *
 *   1. copy the project (node_modules symlinked);
 *   2. add the walkthrough's content type (its file and its line, exactly as
 *      printed in the docs), `npm run migration:create -- add_podcast`: the
 *      migration must stay small and rewrite no relation's check function;
 *   3. add the walkthrough's generic relation, `npm run migration:create --
 *      add_bookmarks`;
 *   4. `npm run schema:print`, `npm run codegen`, `npm run typecheck`,
 *      `npm run migration:up` + `npm run migration:check`;
 *   5. run the suite's core part and the registry-derived demo checks there
 *      (PGlite), plus a smoke test of the new type and relation over HTTP.
 *
 * `KEEP_COPY=1` keeps the copy for inspection.
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { applyDocBlocks, type DocBlock, docBlocks } from '../test/helpers/doc-blocks.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
/** The suite's core part (the core test app) and the demo checks that derive from the registry. */
const TESTS = [
  'test/integrity.test.ts',
  'test/relations.test.ts',
  'test/read-api.test.ts',
  'test/statement-counts.test.ts',
  'test/migrations.test.ts',
  'test/schema.test.ts',
  'test/reactions.test.ts',
  'test/cursors.test.ts',
  'test/extending.smoke.test.ts',
];
const MAX_TYPE_MIGRATION_LINES = 150;

const copy = fs.mkdtempSync(path.join(os.tmpdir(), 'cg-extending-'));
// The embedded database in the copy, whatever the caller's environment says.
// Its tests run the TypeScript sources (imports and processes): the copy has no dist/, and building one would cost
// more than its nine test files save (test/setup/build.ts, test/setup/compiled-sources.ts).
const env: NodeJS.ProcessEnv = { ...process.env, DATA_DIR: path.join(copy, '.data'), CG_TEST_SOURCES: '1' };
delete env.DATABASE_URL;

/** The steps' processes still running (a failed step stops the others). */
const running = new Set<ChildProcess>();

/** Runs one documented command in the copy; rejects (after printing its output) when it fails. */
function step(title: string, command: string, args: string[]): Promise<void> {
  const started = Date.now();
  const line = `== ${title}: ${command} ${args.join(' ')}`;
  console.log(`${line} …`);
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd: copy, env, stdio: ['ignore', 'pipe', 'pipe'] });
    running.add(child);
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    child.on('error', reject);
    child.on('close', (status, signal) => {
      running.delete(child);
      if (status !== 0) {
        console.log(`${line}: FAILED (${signal ?? `exit ${status}`})`);
        console.error(`${stdout}\n${stderr}`);
        reject(new Error(`${title} failed (${signal ?? `exit ${status}`})`));
        return;
      }
      console.log(`${line}: ok (${((Date.now() - started) / 1000).toFixed(1)} s)`);
      resolve();
    });
  });
}

/**
 * Runs independent chains of steps side by side; when one fails, stops the
 * others' processes (npm passes the signal on to the command it runs) and
 * rejects with every failure.
 */
async function sideBySide(...chains: (() => Promise<void>)[]): Promise<void> {
  let failed = false;
  const outcomes = await Promise.allSettled(
    chains.map((chain) =>
      chain().catch((error: unknown) => {
        if (!failed) for (const child of running) child.kill('SIGTERM');
        failed = true;
        throw error;
      }),
    ),
  );
  const errors = outcomes.flatMap((outcome) => (outcome.status === 'rejected' ? [outcome.reason instanceof Error ? outcome.reason.message : String(outcome.reason)] : []));
  if (errors.length > 0) throw new Error(errors.join('; '));
}

function apply(blocks: DocBlock[]): void {
  for (const [file, text] of applyDocBlocks(copy, blocks)) {
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, text);
  }
}

function newMigration(before: Set<string>): string {
  const created = fs.readdirSync(path.join(copy, 'migrations')).filter((f) => !before.has(f));
  if (created.length !== 1) throw new Error(`expected one new migration, got ${created.join(', ') || 'none'}`);
  return path.join(copy, 'migrations', created[0]);
}

async function main(): Promise<void> {
  const files = execFileSync('git', ['ls-files', '--cached', '--others', '--exclude-standard'], { cwd: ROOT, encoding: 'utf8' })
    .split('\n')
    .filter((f) => f && fs.existsSync(path.join(ROOT, f)));
  for (const file of files) {
    fs.mkdirSync(path.dirname(path.join(copy, file)), { recursive: true });
    fs.copyFileSync(path.join(ROOT, file), path.join(copy, file));
  }
  fs.symlinkSync(path.join(ROOT, 'node_modules'), path.join(copy, 'node_modules'), 'dir');
  console.log(`copied ${files.length} files to ${copy}`);

  const blocks = docBlocks(path.join(copy, 'docs/extending.md'));
  const typeBlocks = blocks.filter((b) => b.path.includes('podcast') || (b.kind === 'append' && b.code.includes('Podcast')));
  const relationBlocks = blocks.filter((b) => !typeBlocks.includes(b));
  if (typeBlocks.length !== 2 || relationBlocks.length !== 2) throw new Error('docs/extending.md: expected a file and a line for the type and for the relation');

  apply(typeBlocks);
  let existing = new Set(fs.readdirSync(path.join(copy, 'migrations')));
  await step('migration for the new content type', 'npm', ['run', '--silent', 'migration:create', '--', 'add_podcast']);
  const typeMigration = fs.readFileSync(newMigration(existing), 'utf8');
  const lines = typeMigration.split('\n').length;
  console.log(`   the content type's migration has ${lines} lines`);
  if (lines > MAX_TYPE_MIGRATION_LINES) throw new Error(`the migration of one content type has ${lines} lines (more than ${MAX_TYPE_MIGRATION_LINES})`);
  if (/function "cg_gfk_/.test(typeMigration)) throw new Error("the migration of one content type rewrites a relation's check function");

  apply(relationBlocks);
  existing = new Set(fs.readdirSync(path.join(copy, 'migrations')));
  await step('migration for the new relation', 'npm', ['run', '--silent', 'migration:create', '--', 'add_bookmarks']);
  newMigration(existing);

  // Two independent chains, side by side (each is mostly one single-threaded process): the schema, the client and
  // the type check; the migrations applied to the copy's embedded database and checked current.
  await sideBySide(
    async () => {
      await step('schema', 'npm', ['run', '--silent', 'schema:print']);
      await step('client', 'npm', ['run', '--silent', 'codegen']);
      const schema = fs.readFileSync(path.join(copy, 'schema.graphql'), 'utf8');
      for (const expected of ['type Podcast implements', 'interface Bookmarkable', 'addBookmark(', 'podcasts(']) {
        if (!schema.includes(expected)) throw new Error(`schema.graphql lacks ${expected}`);
      }
      await step('type check', 'npm', ['run', '--silent', 'typecheck']);
    },
    async () => {
      await step('migrations applied', 'npm', ['run', '--silent', 'migration:up']);
      await step('migrations current', 'npm', ['run', '--silent', 'migration:check']);
    },
  );

  fs.writeFileSync(path.join(copy, 'test/extending.smoke.test.ts'), SMOKE_TEST);
  await step("the suite's core part", 'npx', ['vitest', 'run', ...TESTS]);
  console.log('docs/extending.md works as documented.');
}

/** The new type and relation over HTTP, on the copy's demo application. */
const SMOKE_TEST = `import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestUser, type TestUser } from './helpers/accounts.js';
import { startTestServer, type TestServer } from './helpers/server.js';
import { Role } from '../src/accounts/roles.js';

describe('the documented content type and relation, over HTTP', () => {
  let t: TestServer;
  let ada: TestUser;
  let bob: TestUser;
  let mo: TestUser;
  beforeAll(async () => {
    t = await startTestServer({}, { app: 'demo' });
    ada = await createTestUser(t, 'ada');
    bob = await createTestUser(t, 'bob');
    mo = await createTestUser(t, 'mo', { role: Role.MODERATOR });
  });
  afterAll(() => t?.stop());

  it('creates, tags, bookmarks, lists and deletes a podcast', async () => {
    const token = { token: ada.token };
    const created = await t.gql('mutation { createPodcast(input: { title: "Episode 1", minutes: 42 }) { id databaseId } }', {}, token);
    expect(created.errors).toBeUndefined();
    const id = created.data.createPodcast.id;
    expect((await t.gql('mutation($id: ID!) { addTags(target: $id, names: ["audio"]) { changed } }', { id }, token)).data.addTags.changed).toEqual(['audio']);
    const added = await t.gql('mutation($id: ID!) { addBookmark(target: $id) { changed bookmark { user { username } target { __typename } } } }', { id }, token);
    expect(added.data.addBookmark).toEqual({ changed: true, bookmark: { user: { username: 'ada' }, target: { __typename: 'Podcast' } } });
    const read = await t.gql('{ podcasts { edges { node { title tags { name } bookmarkCount bookmarks { edges { node { user { username } } } } } } } }');
    expect(read.data.podcasts.edges).toEqual([{ node: { title: 'Episode 1', tags: [{ name: 'audio' }], bookmarkCount: 1, bookmarks: { edges: [{ node: { user: { username: 'ada' } } }] } } }]);
    const reacted = await t.gql('mutation($id: ID!) { addReaction(target: $id, emoji: "🎉") { changed } }', { id }, token);
    expect(reacted.errors?.[0].extensions?.code).toBe('BAD_USER_INPUT'); // the podcast leaves reactions out
    // Its owner is the creator; its own rule lets a moderator update it, a member who does not own it may not.
    expect((await t.gql('query($id: ID!) { node(id: $id) { ... on Podcast { owner { username } } } }', { id })).data.node.owner).toEqual({ username: 'ada' });
    const update = 'mutation($id: ID!, $title: String!) { updatePodcast(id: $id, input: { title: $title }) { title } }';
    const member = await t.gql(update, { id, title: 'Mine' }, { token: bob.token });
    expect(member.errors?.[0].extensions).toMatchObject({ code: 'FORBIDDEN', rule: 'object.update' });
    expect((await t.gql(update, { id, title: 'Episode 1 (fixed)' }, { token: mo.token })).data.updatePodcast).toEqual({ title: 'Episode 1 (fixed)' });
    expect((await t.gql('mutation($id: ID!) { deletePodcast(id: $id) { deletedId } }', { id }, { token: mo.token })).errors?.[0].extensions?.code).toBe('FORBIDDEN');
    expect((await t.gql('mutation($id: ID!) { deletePodcast(id: $id) { deletedId } }', { id }, token)).errors).toBeUndefined();
    expect(await t.sql('select 1 from bookmark')).toEqual([]);
  });
});
`;

main()
  .then(() => {
    if (!process.env.KEEP_COPY) fs.rmSync(copy, { recursive: true, force: true });
  })
  .catch((error: unknown) => {
    console.error(error instanceof Error ? error.message : error);
    console.error(`the copy is kept in ${copy}`);
    process.exit(1);
  });
