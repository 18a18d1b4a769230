import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAppRegistry } from '../src/app/registry.js';
import { hashApiToken } from '../src/accounts/api-token.service.js';
import { createUserWithToken } from '../src/cli/users.command.js';
import { toGlobalId } from '../src/generic/global-id.js';
import { initOrm, rootEm } from '../src/server/orm.js';
import { type Spawned, spawnTsx } from './fixtures/processes.js';
import { createTestDatabase, databaseKind, type TestDatabase } from './helpers/database.js';

/**
 * The whole output of a production server process (stdout and stderr) at
 * the most verbose level, with every SQL statement logged, must never carry
 * a token, its hash, an Authorization header or a comment body, whichever
 * path (success, validation error, authentication error, GET) they came by.
 */
describe(`no secret or comment body in any log line (${databaseKind})`, () => {
  let db: TestDatabase;
  let server: Spawned;
  let url: string;
  let token: string;
  let userGlobalId: string;
  const marker = (what: string) => `SECRET-${what}-${process.pid}`;

  beforeAll(async () => {
    db = await createTestDatabase();
    const registry = createAppRegistry();
    const orm = await initOrm(db.config, registry);
    try {
      await registry.sync(rootEm(orm).fork());
      const created = await createUserWithToken(rootEm(orm).fork(), registry, { username: 'writer', tokenName: 'logs' });
      token = created.token;
      userGlobalId = toGlobalId('User', created.user.id);
    } finally {
      await orm.close(true);
    }
    server = spawnTsx('src/server.ts', [], {
      ...(db.config.databaseUrl ? { DATABASE_URL: db.config.databaseUrl } : { DATA_DIR: db.config.dataDir }),
      NODE_ENV: 'production',
      LOG_LEVEL: 'trace',
      DEBUG_SQL: 'true',
      SLOW_OPERATION_MS: '0',
      PORT: '0',
      HOST: '127.0.0.1',
    });
    await server.waitFor(/contentgraph ready at (\S+)/);
    url = /contentgraph ready at (\S+)/.exec(server.stdout())![1];
  });
  afterAll(async () => {
    if (server && server.child.exitCode === null) {
      server.child.kill('SIGKILL');
      await server.exited;
    }
    await db?.drop();
  });

  async function gql(query: string, variables: Record<string, unknown> = {}, authorization = `Bearer ${token}`) {
    const response = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization },
      body: JSON.stringify({ query, variables }),
    });
    return (await response.json()) as { data?: any; errors?: { extensions: { code: string } }[] };
  }

  it('logs requests and SQL at trace level without any of them', async () => {
    const added = await gql(`mutation Add($target: ID!) { addComment(target: $target, body: "${marker('inline-body')}") { id } }`, { target: userGlobalId });
    expect(added.errors).toBeUndefined();
    const commentId = added.data.addComment.id;
    const edited = await gql('mutation Edit($id: ID!, $body: String!) { editComment(id: $id, body: $body) { id } }', { id: commentId, body: marker('variable-body') });
    expect(edited.errors).toBeUndefined();
    const tooLong = await gql('mutation Long($target: ID!, $body: String!) { addComment(target: $target, body: $body) { id } }', {
      target: userGlobalId,
      body: `${marker('too-long-body')} ${'x'.repeat(10_001)}`,
    });
    expect(tooLong.errors?.[0].extensions.code).toBe('BAD_USER_INPUT');
    const read = await gql('query Read($target: ID!) { comments(target: $target) { edges { node { body } } } }', { target: userGlobalId });
    expect(JSON.stringify(read.data)).toContain(marker('variable-body'));
    const badToken = await gql('mutation { addTags(target: "x", names: ["a"]) { changed } }', {}, `Bearer cg_${marker('bad-token')}`);
    expect(badToken.errors?.[0].extensions.code).toBe('UNAUTHENTICATED');
    const basic = await gql('mutation { addTags(target: "x", names: ["a"]) { changed } }', {}, `Basic ${marker('basic-credentials')}`);
    expect(basic.errors?.[0].extensions.code).toBe('UNAUTHENTICATED');
    const get = await fetch(`${url}?query=${encodeURIComponent(`{ tag(name: "${marker('get-query')}") { name } }`)}`, {
      headers: { 'apollo-require-preflight': 'true', authorization: `Bearer ${token}` },
    });
    expect(get.status).toBe(200);

    server.child.kill('SIGTERM');
    expect(await server.exited).toBe(0);
    const output = server.stdout() + server.stderr();
    // The log really was at its most verbose: request lines with the caller, SQL statements, slow-operation lines.
    expect(output).toMatch(/"msg":"sql statement"/);
    expect(output).toMatch(/"operationName":"Edit".*"userId":\d+/);
    expect(output).toMatch(/"msg":"slow operation"/);
    expect(output).toContain('insert into \\"comment\\"');
    for (const secret of [
      token,
      hashApiToken(token),
      'Bearer',
      marker('inline-body'),
      marker('variable-body'),
      marker('too-long-body'),
      marker('bad-token'),
      marker('basic-credentials'),
      marker('get-query'),
    ]) {
      expect(output, secret).not.toContain(secret);
    }
  });
});
