import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAppRegistry } from '../src/app/registry.js';
import { rootEm } from '../src/server/orm.js';
import { ACTIVITY_RELATION } from '../src/features/activity/activity.service.js';
import { createContent, createTestUser, type TestUser } from './helpers/accounts.js';
import { onPostgres } from './helpers/database.js';
import { startTestServer, type TestServer } from './helpers/server.js';
import { eventually, WsConnection } from './helpers/ws.js';
import { type Spawned, spawnTsx } from './fixtures/processes.js';

/**
 * Subscriptions across processes on one PostgreSQL: server A (in this
 * process) takes the mutations, server B (`npm start`'s entry point, two
 * workers of a node:cluster primary) holds the subscribers; the only path
 * between them is the database's NOTIFY, delivered on commit to each
 * process's LISTEN connection. The content type commented on is the first of
 * the demo registry's that takes comments and activity.
 */

const COMMENT_ADDED = `subscription($target: ID!) { commentAdded(target: $target) { body author { username } } }`;
const ACTIVITY_ADDED = `subscription($verb: String) { activityAdded(verb: $verb) { verb data actor { username } } }`;
const ADD_COMMENT = `mutation($target: ID!, $body: String!) { addComment(target: $target, body: $body) { id } }`;

const registry = createAppRegistry();
const commented = registry.types().find((type) => registry.takesPart(type, 'comments') && registry.takesPart(type, ACTIVITY_RELATION) && type.options.demo?.length);

describe.skipIf(!onPostgres || !commented)('a subscriber on server B receives what is committed through server A (postgresql)', () => {
  let a: TestServer;
  let b: Spawned;
  let bUrl: string;
  let grace: TestUser;
  let target: string;
  const sockets: WsConnection[] = [];

  beforeAll(async () => {
    a = await startTestServer();
    // B runs as production does (NODE_ENV=production: masked errors, no statement counts).
    b = spawnTsx('src/server.ts', [], { DATABASE_URL: a.db.config.databaseUrl, WORKERS: '2', PORT: '0', HOST: '127.0.0.1', SEED_DEMO_DATA: 'false', NODE_ENV: 'production', SUBSCRIPTIONS_TOKEN_RECHECK_MS: '1000' });
    grace = await createTestUser(a, 'grace');
    target = (await createContent(a, grace.token, commented!.typeName, commented!.options.demo![0].values as Record<string, unknown>)).id;
    await b.waitFor(/contentgraph ready at (\S+)/, 60_000);
    bUrl = /contentgraph ready at (\S+)/.exec(b.stdout())![1];
  });

  afterAll(async () => {
    await Promise.all(sockets.map((socket) => socket.close()));
    if (b && b.child.exitCode === null) {
      b.child.kill('SIGTERM');
      await b.exited;
    }
    await a?.stop();
  });

  /** The comment body an event carries (`commentAdded`, or the excerpt of `activityAdded`). */
  const bodyOf = (m: { payload?: any }) => m.payload?.data?.commentAdded?.body ?? m.payload?.data?.activityAdded?.data.excerpt;

  /**
   * Adds comments through A until every subscription `ids[i]` on `connections[i]` has heard the same one: then all
   * of B's subscriptions are in place, and no earlier probe is still on its way (each connection gets its events in
   * commit order), so what comes next is what the test sends.
   */
  async function warmUp(pairs: [WsConnection, string][]): Promise<void> {
    for (let i = 0; ; i++) {
      await a.gql(ADD_COMMENT, { target, body: `probe ${i}` }, { token: grace.token });
      const ok = await eventually(() => pairs.every(([c, id]) => c.of(id).some((m) => bodyOf(m) === `probe ${i}`)), 500).then(
        () => true,
        () => false,
      );
      if (ok) return;
      if (i > 40) throw new Error('B never delivered');
    }
  }

  it('each worker of B checks the tokens of its own connections again: a token revoked through A closes them all with 4403', async () => {
    const hal = await createTestUser(a, 'hal');
    // Four connections: the primary hands them to its two workers in turn.
    const connections: WsConnection[] = [];
    for (let i = 0; i < 4; i++) connections.push(await WsConnection.connect(bUrl, { authorization: `Bearer ${hal.token}` }));
    await a.sql(`update "api_token" set "revoked_at" = now() where "user_id" = ?`, [hal.id]);
    const closes = await Promise.all(connections.map((c) => c.closed));
    expect(closes.map((c) => c.code)).toEqual([4403, 4403, 4403, 4403]);
    expect(closes.every((c) => c.reason.includes('revoked') && Buffer.byteLength(c.reason) <= 123)).toBe(true);
  });

  it('delivers on both workers of B, nothing that was rolled back, and nothing after complete; SIGTERM closes with 1001', async () => {
    // Two connections: the primary hands them to its two workers in turn.
    for (let i = 0; i < 4; i++) sockets.push(await WsConnection.connect(bUrl, { token: grace.token }));
    for (const [i, c] of sockets.entries()) {
      c.subscribe('comments', COMMENT_ADDED, { target });
      c.subscribe('feed', ACTIVITY_ADDED, { verb: 'commented' });
      c.subscribe(`gone${i}`, COMMENT_ADDED, { target });
    }
    await warmUp(sockets.flatMap((c, i) => [[c, 'comments'], [c, 'feed'], [c, `gone${i}`]] as [WsConnection, string][]));
    for (const [i, c] of sockets.entries()) c.complete(`gone${i}`);
    const heard = sockets.map((c) => c.messages.length);

    // Rolled back on A's database session: the trigger's NOTIFY goes with it.
    const [{ content_type_id: ct, object_id: objectId }] = await a.sql<{ content_type_id: number; object_id: string }>(
      `select content_type_id, object_id from comment order by id desc limit 1`,
    );
    await expect(
      rootEm(a.server.orm)
        .fork()
        .transactional(async (tx) => {
          await tx.execute(`insert into comment (content_type_id, object_id, author_id, body, created_at) values (?, ?, ?, 'rolled back', now())`, [ct, objectId, grace.id]);
          throw new Error('roll back');
        }),
    ).rejects.toThrow('roll back');
    const added = await a.gql(ADD_COMMENT, { target, body: 'from A' }, { token: grace.token });
    expect(added.errors).toBeUndefined();
    for (const [i, c] of sockets.entries()) {
      await c.waitFor((m) => m.id === 'comments' && m.payload?.data?.commentAdded.body === 'from A');
      await c.waitFor((m) => m.id === 'feed' && m.payload?.data?.activityAdded.data.excerpt === 'from A');
      const since = c.messages.slice(heard[i]).filter((m) => m.type === 'next');
      expect(since.map((m) => [m.id, bodyOf(m)])).toEqual([
        ['comments', 'from A'],
        ['feed', 'from A'],
      ].sort((x, y) => since.findIndex((m) => m.id === x[0]) - since.findIndex((m) => m.id === y[0])));
      expect(c.messages.filter((m) => m.id === `gone${i}` && m.type === 'next').length).toBeGreaterThan(0); // heard the probe before completing
    }

    // SIGTERM: every worker closes its WebSockets (1001 Going away) and the process exits cleanly.
    b.child.kill('SIGTERM');
    const closes = await Promise.all(sockets.map((c) => c.closed));
    expect(closes.map((c) => c.code)).toEqual(sockets.map(() => 1001));
    expect(await b.exited).toBe(0);
  });
});
