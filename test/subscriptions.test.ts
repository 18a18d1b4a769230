import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { readAuthorization } from '../src/server/subscriptions/websocket.server.js';
import { parsePayload } from '../src/server/subscriptions/event.listener.js';
import { createContent, createTestUser, type TestUser } from './helpers/accounts.js';
import { createTestDatabase, databaseKind, onPostgres, testApp } from './helpers/database.js';
import { captureLogs, observabilityConfig } from './helpers/log-capture.js';
import { TcpProxy } from './helpers/tcp-proxy.js';
import { startServer } from '../src/server/start.js';
import { startTestServer, type TestServer } from './helpers/server.js';
import { eventually, WsConnection } from './helpers/ws.js';

/**
 * Subscriptions over graphql-ws on one in-process server (the embedded PGlite's
 * in-process LISTEN, or a PostgreSQL LISTEN connection): events come only from
 * the database's NOTIFY of committed inserts, so what is asserted here is the
 * whole path of a cross-instance event. test/subscriptions-processes.test.ts
 * runs two server processes on one PostgreSQL.
 */

const COMMENT_ADDED = `subscription($target: ID!) { commentAdded(target: $target) { id body author { username } target { __typename ... on ContentNode { id } } } }`;
const ACTIVITY_ADDED = `subscription($actor: ID, $verb: String, $target: ID) {
  activityAdded(actor: $actor, verb: $verb, target: $target) { verb actor { username } target { __typename ... on ContentNode { id } } }
}`;
const ADD_COMMENT = `mutation($target: ID!, $body: String!) { addComment(target: $target, body: $body) { id } }`;
const RECORD = `mutation($target: ID!, $verb: String!) { recordActivity(target: $target, verb: $verb) { id } }`;

let t: TestServer;
let grace: TestUser;
let alan: TestUser;
let animal: { id: string; databaseId: number | string };
let fossil: { id: string; databaseId: number | string };
const open: WsConnection[] = [];

/** Subscribers of this server's topic (registered before a mutation is made). */
const listeners = (table: string) => t.server.subscriptions.subscribers(table);

async function connect(payload?: Record<string, unknown>): Promise<WsConnection> {
  const connection = await WsConnection.connect(t.url, payload);
  open.push(connection);
  return connection;
}

async function subscribed(connection: WsConnection, id: string, query: string, variables: Record<string, unknown>, table: string, expected: number) {
  connection.subscribe(id, query, variables);
  await eventually(() => listeners(table) >= expected, 10_000, `${expected} subscribers of ${table}`);
}

beforeAll(async () => {
  t = await startTestServer(
    {
      subscriptions: {
        maxConnections: 50,
        maxConnectionsPerAddress: 12,
        maxPerConnection: 10,
        maxMessageBytes: 4096,
        maxMessagesPer10s: 60,
        initTimeoutMs: 400,
        keepAliveMs: 12_000,
        tokenRecheckMs: 0,
      },
    },
    { app: 'core' },
  );
  grace = await createTestUser(t, 'grace');
  alan = await createTestUser(t, 'alan');
  animal = await createContent(t, grace.token, 'FixtureAnimal', { name: 'Watched' });
  fossil = await createContent(t, grace.token, 'FixtureFossil', { name: 'Other' });
});

afterEach(async () => {
  await Promise.all(open.splice(0).map((connection) => connection.close()));
  await eventually(() => listeners('comment') === 0 && listeners('activity_entry') === 0, 10_000, 'every listener released');
});

afterAll(async () => {
  await t?.stop();
});

describe(`subscriptions over graphql-ws (${databaseKind})`, () => {
  it('delivers a committed comment to the subscribers of its target, resolved like a query', async () => {
    const c = await connect({ authorization: `Bearer ${alan.token}` });
    await subscribed(c, 'a', COMMENT_ADDED, { target: animal.id }, 'comment', 1);
    const other = await connect();
    await subscribed(other, 'f', COMMENT_ADDED, { target: fossil.id }, 'comment', 2);
    const added = await t.gql(ADD_COMMENT, { target: animal.id, body: 'Live!' }, { token: grace.token });
    expect(added.errors).toBeUndefined();
    const [message] = await c.nextOf('a');
    expect(message.payload).toEqual({
      data: { commentAdded: { id: added.data.addComment.id, body: 'Live!', author: { username: 'grace' }, target: { __typename: 'FixtureAnimal', id: animal.id } } },
    });
    // The fossil's subscriber heard nothing: a comment on the fossil comes through alone.
    await t.gql(ADD_COMMENT, { target: fossil.id, body: 'Fossil' }, { token: grace.token });
    await other.nextOf('f');
    expect(other.of('f').map((m) => m.payload.data.commentAdded.body)).toEqual(['Fossil']);
    expect(c.of('a')).toHaveLength(1);
  });

  it('emits nothing for a rolled-back transaction', async () => {
    const c = await connect();
    await subscribed(c, 'a', COMMENT_ADDED, { target: animal.id }, 'comment', 1);
    const ct = (await t.sql<{ id: number }>(`select id from content_type where model = 'fixtureanimal'`))[0].id;
    const em = (await import('../src/server/orm.js')).rootEm(t.server.orm).fork();
    await expect(
      em.transactional(async (tx) => {
        await tx.execute(`insert into comment (content_type_id, object_id, author_id, body, created_at) values (?, ?, ?, 'rolled back', now())`, [
          ct,
          String(animal.databaseId),
          grace.id,
        ]);
        throw new Error('roll back');
      }),
    ).rejects.toThrow('roll back');
    // A failing mutation through the API: the same, nothing committed.
    const refused = await t.gql(ADD_COMMENT, { target: animal.id, body: ' ' }, { token: grace.token });
    expect(refused.errors?.[0].extensions?.code).toBe('BAD_USER_INPUT');
    await t.gql(ADD_COMMENT, { target: animal.id, body: 'committed' }, { token: grace.token });
    await c.nextOf('a');
    // Notifications arrive in commit order: had the rolled-back one been sent, it would have come first.
    expect(c.of('a').map((m) => m.payload.data.commentAdded.body)).toEqual(['committed']);
  });

  it('filters the activity feed by actor, verb and target, as the activity query does', async () => {
    const c = await connect();
    await subscribed(c, 'all', ACTIVITY_ADDED, {}, 'activity_entry', 1);
    await subscribed(c, 'alan', ACTIVITY_ADDED, { actor: alan.globalId }, 'activity_entry', 2);
    await subscribed(c, 'viewed', ACTIVITY_ADDED, { verb: 'viewed' }, 'activity_entry', 3);
    await subscribed(c, 'fossil', ACTIVITY_ADDED, { target: fossil.id }, 'activity_entry', 4);
    await subscribed(c, 'both', ACTIVITY_ADDED, { actor: grace.globalId, verb: 'viewed', target: animal.id }, 'activity_entry', 5);
    const steps: [TestUser, string, string][] = [
      [grace, animal.id, 'viewed'],
      [alan, animal.id, 'viewed'],
      [grace, fossil.id, 'shared'],
      [alan, fossil.id, 'viewed'],
    ];
    for (const [user, target, verb] of steps) {
      const res = await t.gql(RECORD, { target, verb }, { token: user.token });
      expect(res.errors).toBeUndefined();
    }
    await c.nextOf('all', 4);
    await c.nextOf('alan', 2);
    await c.nextOf('viewed', 3);
    await c.nextOf('fossil', 2);
    await c.nextOf('both', 1);
    const seen = (id: string) =>
      c.of(id).map(({ payload: { data } }) => `${data.activityAdded.actor.username} ${data.activityAdded.verb} ${data.activityAdded.target.__typename}`);
    expect(seen('all')).toEqual(['grace viewed FixtureAnimal', 'alan viewed FixtureAnimal', 'grace shared FixtureFossil', 'alan viewed FixtureFossil']);
    expect(seen('alan')).toEqual(['alan viewed FixtureAnimal', 'alan viewed FixtureFossil']);
    expect(seen('viewed')).toEqual(['grace viewed FixtureAnimal', 'alan viewed FixtureAnimal', 'alan viewed FixtureFossil']);
    expect(seen('fossil')).toEqual(['grace shared FixtureFossil', 'alan viewed FixtureFossil']);
    expect(seen('both')).toEqual(['grace viewed FixtureAnimal']);
  });

  it('sends nothing after `complete`, and releases the listener at once', async () => {
    const c = await connect();
    await subscribed(c, 'gone', COMMENT_ADDED, { target: animal.id }, 'comment', 1);
    await subscribed(c, 'kept', COMMENT_ADDED, { target: animal.id }, 'comment', 2);
    c.complete('gone');
    await eventually(() => listeners('comment') === 1, 10_000, 'the completed listener removed');
    await t.gql(ADD_COMMENT, { target: animal.id, body: 'after' }, { token: grace.token });
    await c.nextOf('kept');
    expect(c.of('gone')).toEqual([]);
    // Disconnecting releases the rest.
    await c.close();
    await eventually(() => listeners('comment') === 0, 10_000, 'listeners released on disconnect');
  });

  it('refuses bad filters with BAD_USER_INPUT when subscribing', async () => {
    const c = await connect();
    c.subscribe('x', COMMENT_ADDED, { target: 'not-an-id' });
    c.subscribe('y', ACTIVITY_ADDED, { actor: animal.id });
    c.subscribe('z', ACTIVITY_ADDED, { target: `\u202e${animal.id}` }); // a bidi override in front of a real ID
    c.subscribe('w', ACTIVITY_ADDED, { verb: 12 });
    const answers = await Promise.all(['x', 'y', 'z', 'w'].map((id) => c.waitFor((m) => m.id === id && m.type !== 'complete')));
    expect(answers.map((m) => m.payload.errors?.[0]?.extensions?.code ?? m.payload[0]?.extensions?.code)).toEqual([
      'BAD_USER_INPUT',
      'BAD_USER_INPUT',
      'BAD_USER_INPUT',
      'BAD_USER_INPUT',
    ]);
    expect(listeners('comment') + listeners('activity_entry')).toBe(0);
  });
});

describe(`one event for many subscribers costs the same statements as for one (${databaseKind})`, () => {
  const statementTotal = async () => {
    const metric = await t.server.observability.metrics!.statementDuration.get();
    return metric.values.filter((v) => v.metricName?.endsWith('_count')).reduce((sum, v) => sum + v.value, 0);
  };
  const eventsHeard = async () => (await t.server.observability.metrics!.subscriptionEvents.get()).values.reduce((sum, v) => sum + v.value, 0);
  const SELECTION = `subscription($target: ID!) { commentAdded(target: $target) { id body createdAt author { id username } target { __typename ... on ContentNode { id } ... on Commentable { commentCount } } } }`;

  /** Statements issued by one addComment and the delivery of its event to `subscribers` subscribers (on 4 connections). */
  async function costWith(subscribers: number): Promise<{ total: number; mutation: number }> {
    const connections = await Promise.all([0, 1, 2, 3].map(() => connect()));
    for (let i = 0; i < subscribers; i++) connections[i % 4].subscribe(`s${i}`, SELECTION, { target: animal.id });
    await eventually(() => listeners('comment') === subscribers, 10_000, `${subscribers} subscribers`);
    const before = await statementTotal();
    const heardBefore = await eventsHeard();
    const res = await t.gql(ADD_COMMENT, { target: animal.id, body: `for ${subscribers}` }, { token: grace.token });
    expect(res.errors).toBeUndefined();
    // Its two events (the comment, the `commented` entry) have reached this process: none is left over for the next run.
    await eventually(async () => (await eventsHeard()) >= heardBefore + 2, 10_000, 'the events heard');
    for (let i = 0; i < subscribers; i++) await connections[i % 4].nextOf(`s${i}`);
    const total = (await statementTotal()) - before;
    for (let i = 0; i < subscribers; i++) {
      expect(connections[i % 4].of(`s${i}`)[0].payload.data.commentAdded).toMatchObject({ body: `for ${subscribers}`, author: { username: 'grace' }, target: { commentCount: expect.any(Number) } });
    }
    await Promise.all(open.splice(0).map((connection) => connection.close()));
    await eventually(() => listeners('comment') === 0);
    return { total, mutation: res.extensions!.sqlStatements! };
  }

  it('loads the row and each selected relation once per event, however many subscribe', async () => {
    const none = await costWith(0);
    const one = await costWith(1);
    const many = await costWith(40);
    // The mutation's own statements (and, on PostgreSQL, its transaction's) are the same in every run: with nobody listening they are all there is.
    expect(none.total).toBeGreaterThanOrEqual(none.mutation);
    const eventCost = (run: { total: number }) => run.total - none.total;
    expect(eventCost(one)).toBeGreaterThan(0);
    expect(eventCost(one)).toBeLessThanOrEqual(5); // the comment, its author, its target, the target's count
    expect(eventCost(many)).toBe(eventCost(one));
  });
});

describe('connection and subscription limits, coded', () => {
  it('refuses more subscriptions than SUBSCRIPTIONS_MAX_PER_CONNECTION with TOO_MANY_SUBSCRIPTIONS', async () => {
    const c = await connect();
    for (let i = 0; i < 10; i++) c.subscribe(`s${i}`, COMMENT_ADDED, { target: animal.id });
    await eventually(() => listeners('comment') === 10);
    c.subscribe('one-too-many', COMMENT_ADDED, { target: animal.id });
    const refused = await c.waitFor((m) => m.id === 'one-too-many');
    expect(refused.type).toBe('error');
    expect(refused.payload[0]).toMatchObject({ extensions: { code: 'TOO_MANY_SUBSCRIPTIONS', maximum: 10 } });
    // Completing one makes room again.
    c.complete('s0');
    await eventually(() => listeners('comment') === 9);
    c.subscribe('room', COMMENT_ADDED, { target: animal.id });
    await eventually(() => listeners('comment') === 10);
    expect(c.isClosed).toBe(false);
  });

  it('closes connections beyond SUBSCRIPTIONS_MAX_CONNECTIONS_PER_ADDRESS with 4429, and takes new ones once some close', async () => {
    for (let i = 0; i < 12; i++) open.push(await WsConnection.open(t.url));
    const refused = await WsConnection.open(t.url);
    expect(await refused.closed).toEqual({ code: 4429, reason: expect.stringContaining('Too many connections from your address (12)') });
    await open.pop()!.close();
    await eventually(() => t.server.subscriptions.connections() === 11);
    const again = await WsConnection.connect(t.url);
    open.push(again);
    expect(again.isClosed).toBe(false);
  });
});

describe('connection_init: tokens', () => {
  it('accepts the API token as `authorization` or `token`, and anonymous connections', async () => {
    for (const payload of [{ authorization: `Bearer ${grace.token}` }, { token: grace.token }, undefined, {}]) {
      const c = await connect(payload);
      expect(c.messages.map((m) => m.type)).toEqual(['connection_ack']);
    }
  });

  it.each([
    ['an unknown token', { token: 'cg_' + 'x'.repeat(40) }, 4403, /invalid, unknown or revoked/],
    ['a malformed authorization', { authorization: 'Basic abc' }, 4403, /Bearer <token>/],
    ['a non-string token', { token: 12 }, 4400, /must be a string/],
    ['an authorization object', { authorization: { bearer: 'x' } }, 4400, /must be a string/],
    ['both forms', { authorization: `Bearer ${'a'}`, token: 'b' }, 4400, /not both/],
    ['a huge token', { token: 'x'.repeat(3000) }, 4400, /too long/],
    ['an empty token', { token: '  ' }, 4400, /empty/],
  ])('closes the connection for %s', async (_name, payload, code, reason) => {
    const c = await WsConnection.open(t.url);
    c.send({ type: 'connection_init', payload });
    const closed = await c.closed;
    expect(closed.code).toBe(code);
    expect(closed.reason).toMatch(reason);
    expect(Buffer.byteLength(closed.reason)).toBeLessThanOrEqual(123);
  });

  it('reads the payload forms without a database', () => {
    expect(readAuthorization(undefined, 'Bearer h')).toEqual({ authorization: 'Bearer h' });
    expect(readAuthorization({ token: ' t ' }, 'Bearer h')).toEqual({ authorization: 'Bearer t' });
    expect(readAuthorization({ Authorization: 'Bearer a' }, undefined)).toEqual({ authorization: 'Bearer a' });
    expect(readAuthorization({ other: 1 }, undefined)).toEqual({ authorization: undefined });
  });
});

describe('hostile messages', () => {
  const closesWith = async (send: (c: WsConnection) => void | Promise<void>, init = true) => {
    const c = init ? await WsConnection.connect(t.url) : await WsConnection.open(t.url);
    await send(c);
    return (await c.closed).code;
  };

  it('closes on malformed JSON, unknown message types, bad shapes, subscribe before init, duplicate ids, a second init (graphql-ws codes)', async () => {
    expect(await closesWith((c) => c.send('{not json'))).toBe(4400);
    expect(await closesWith((c) => c.send({ type: 'gimme' }))).toBe(4400);
    expect(await closesWith((c) => c.send({ type: 'subscribe', id: 'x', payload: { query: 12 } }))).toBe(4400);
    expect(await closesWith((c) => c.send({ type: 'subscribe', id: 7, payload: { query: '{ __typename }' } }))).toBe(4400);
    expect(await closesWith((c) => c.send(Buffer.from([0xff, 0xfe, 0x00])))).toBe(4400);
    expect(await closesWith((c) => c.subscribe('x', COMMENT_ADDED, { target: animal.id }), false)).toBe(4401);
    expect(await closesWith((c) => c.send({ type: 'connection_init' }))).toBe(4429);
    expect(
      await closesWith((c) => {
        c.subscribe('same', COMMENT_ADDED, { target: animal.id });
        c.subscribe('same', COMMENT_ADDED, { target: animal.id });
      }),
    ).toBe(4409);
    await eventually(() => listeners('comment') === 0);
  });

  it('closes a connection that does not send connection_init in time (4408)', async () => {
    const c = await WsConnection.open(t.url);
    expect((await c.closed).code).toBe(4408);
  });

  it('closes on a message larger than SUBSCRIPTIONS_MAX_MESSAGE_BYTES (1009) and on a flood (4429)', async () => {
    expect(await closesWith((c) => c.subscribe('big', COMMENT_ADDED, { target: 'x'.repeat(5000) }))).toBe(1009);
    expect(
      await closesWith((c) => {
        for (let i = 0; i < 100; i++) c.send({ type: 'ping' });
      }),
    ).toBe(4429);
  });

  it('refuses a subprotocol other than graphql-transport-ws (4406) and upgrades outside /graphql', async () => {
    const none = await WsConnection.open(t.url, { protocol: null });
    expect((await none.closed).code).toBe(4406);
    await expect(WsConnection.open(t.url, { protocol: 'graphql-ws' })).rejects.toThrow(/no subprotocol/); // the legacy protocol of subscriptions-transport-ws
    await expect(WsConnection.open(t.url.replace(/\/graphql$/, '/elsewhere'))).rejects.toThrow(/404/);
  });

  it('applies the cost limits of HTTP requests to subscription documents', async () => {
    const c = await connect();
    const deep = `subscription($t: ID!) { commentAdded(target: $t) { ${'target { ... on Commentable { comments { edges { node { '.repeat(6)}id${' } } } } }'.repeat(6)} } }`;
    const aliased = `subscription($t: ID!) { commentAdded(target: $t) { ${Array.from({ length: 40 }, (_, i) => `a${i}: id`).join(' ')} } }`;
    const tokens = `subscription($t: ID!) { commentAdded(target: $t) { ${'id '.repeat(6000)} } }`;
    c.subscribe('deep', deep, { t: animal.id });
    c.subscribe('aliased', aliased, { t: animal.id });
    c.subscribe('tokens', tokens.slice(0, 3500), { t: animal.id }); // under the message size: cut, so a parse error
    c.subscribe('syntax', 'subscription {', {});
    c.subscribe('invalid', 'subscription { nothingHere }', {});
    c.subscribe('query', '{ __typename }', {});
    c.subscribe('two', 'subscription a { commentAdded(target: "x") { id } } subscription b { commentAdded(target: "y") { id } }', {});
    const errorOf = async (id: string) => {
      const message = await c.waitFor((m) => m.id === id && m.type === 'error');
      return message.payload[0];
    };
    expect(await errorOf('deep')).toMatchObject({ extensions: { code: 'QUERY_TOO_COMPLEX', limit: 'depth' } });
    expect(await errorOf('aliased')).toMatchObject({ extensions: { code: 'QUERY_TOO_COMPLEX', limit: 'aliases' } });
    expect(await errorOf('tokens')).toMatchObject({ extensions: { code: 'GRAPHQL_PARSE_FAILED' } });
    expect(await errorOf('syntax')).toMatchObject({ extensions: { code: 'GRAPHQL_PARSE_FAILED' } });
    expect(await errorOf('invalid')).toMatchObject({ extensions: { code: 'GRAPHQL_VALIDATION_FAILED' } });
    expect(await errorOf('query')).toMatchObject({ message: expect.stringContaining('send queries over HTTP POST'), extensions: { code: 'BAD_REQUEST' } });
    expect(await errorOf('two')).toMatchObject({ extensions: { code: 'BAD_REQUEST' } });
    expect(c.isClosed).toBe(false);
    expect(listeners('comment')).toBe(0);
  });

  it('refuses a document over QUERY_MAX_TOKENS and one the rate budget cannot pay, with the HTTP codes; drops a client that stops answering pings; takes SUBSCRIPTIONS_MAX_CONNECTIONS', async () => {
    const small = await startTestServer(
      { limits: { ...t.db.config.limits, maxTokens: 50 }, subscriptions: { ...t.db.config.subscriptions, keepAliveMs: 1000, maxConnections: 3 }, suggestions: false, rateLimitPoints: 250 },
      { app: 'core' },
    );
    try {
      const c = await WsConnection.connect(small.url);
      c.subscribe('tokens', `subscription($t: ID!) { commentAdded(target: $t) { ${'id '.repeat(60)} } }`, { t: animal.id });
      const refused = await c.waitFor((m) => m.id === 'tokens');
      expect(refused.payload[0]).toMatchObject({ extensions: { code: 'QUERY_TOO_COMPLEX', limit: 'tokens', maximum: 50 } });
      c.subscribe('typo', 'subscription { commentAdde(target: "x") { id } }');
      const typo = await c.waitFor((m) => m.id === 'typo');
      expect(typo.payload[0]).toEqual({ message: 'Cannot query field "commentAdde" on type "Subscription".', extensions: { code: 'GRAPHQL_VALIDATION_FAILED' } });
      // The rate budget: each subscription is charged its cost, at least 100 points, when it starts.
      const target = 'Rml4dHVyZUFuaW1hbDox';
      c.subscribe('paid1', COMMENT_ADDED, { target });
      c.subscribe('paid2', COMMENT_ADDED, { target });
      await eventually(() => small.server.subscriptions.subscribers('comment') === 2);
      c.subscribe('broke', COMMENT_ADDED, { target });
      const broke = await c.waitFor((m) => m.id === 'broke');
      expect(broke.payload[0]).toMatchObject({ message: expect.stringContaining('Rate limit exceeded'), extensions: { code: 'RATE_LIMITED' } });
      expect(broke.payload[0].extensions.http).toBeUndefined();
      // graphql-ws ping → pong.
      c.send({ type: 'ping' });
      await c.waitFor((m) => m.type === 'pong');
      await c.close();
      // A client that does not answer the server's WebSocket pings is dropped (one interval without a pong).
      const silent = await WsConnection.connect(small.url, undefined, { autoPong: false });
      expect((await silent.closed).code).toBe(1006);
      // SUBSCRIPTIONS_MAX_CONNECTIONS: the process takes 3, whatever their addresses.
      await eventually(() => small.server.subscriptions.connections() === 0);
      const held = await Promise.all([0, 1, 2].map(() => WsConnection.connect(small.url)));
      const over = await WsConnection.open(small.url);
      expect(await over.closed).toEqual({ code: 4429, reason: 'Too many connections: this server takes 3; try another or later.' });
      await Promise.all(held.map((connection) => connection.close()));
    } finally {
      await small.stop();
    }
  });

  it('answers a subscription sent over HTTP with a coded error, not a 500', async () => {
    const res = await t.gql(COMMENT_ADDED, { target: animal.id });
    expect(res.status).toBe(400);
    expect(res.errors).toEqual([{ message: expect.stringContaining('open a WebSocket'), extensions: { code: 'BAD_REQUEST' } }]);
  });

  it('ignores notifications on the channel that are not our events', () => {
    expect(parsePayload('{"t":"comment","id":5}')).toEqual({ table: 'comment', id: 5 });
    for (const payload of ['', 'null', '[]', '{"t":"user","id":1}', '{"t":"comment"}', '{"t":"comment","id":1.5}', '{"t":"comment","id":{}}', 'x'.repeat(2000)]) {
      expect(parsePayload(payload)).toBeUndefined();
    }
  });
});

describe.skipIf(!onPostgres)('shutdown', () => {
  it('closes WebSocket connections with 1001 when the server stops', async () => {
    const other = await startTestServer({}, { app: 'core' });
    const c = await WsConnection.connect(other.url);
    await other.stop();
    expect((await c.closed).code).toBe(1001);
  });
});

describe.skipIf(!onPostgres)('the LISTEN connection after an outage (postgresql)', () => {
  it('reconnects with back-off, logs the gap, and delivers again', async () => {
    const db = await createTestDatabase({}, 'core');
    const url = new URL(db.config.databaseUrl!);
    const proxy = await new TcpProxy(url.hostname, Number(url.port || 5432)).listen();
    const logs = captureLogs(observabilityConfig({ LOG_LEVEL: 'info' }).log);
    const { registry: core, entities } = testApp('core');
    const server = await startServer({ ...db.config, databaseUrl: proxy.proxied(db.config.databaseUrl!) }, { registry: core, entities, logger: logs.logger });
    const t = { server, db, url: server.url } as unknown as TestServer;
    t.gql = async (query, variables, options = {}) => {
      const response = await fetch(server.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...(options.token ? { authorization: `Bearer ${options.token}` } : {}) },
        body: JSON.stringify({ query, variables }),
      });
      return { ...((await response.json()) as object), status: response.status };
    };
    try {
      const grace = await createTestUser(t, 'grace');
      const animal = await createContent(t, grace.token, 'FixtureAnimal', { name: 'Outage' });
      const c = await WsConnection.connect(server.url);
      c.subscribe('s', COMMENT_ADDED, { target: animal.id });
      await eventually(() => server.subscriptions.subscribers('comment') === 1);
      proxy.cut();
      await eventually(() => logs.lines().some((line) => /lost the LISTEN connection/.test(line.msg)), 10_000, 'the outage logged');
      proxy.resume();
      await eventually(() => logs.lines().some((line) => /LISTEN connection to PostgreSQL restored/.test(line.msg)), 20_000, 'the LISTEN restored');
      // The pool's connections died too: the first attempt may fail; a retry goes through.
      await eventually(async () => !(await t.gql(ADD_COMMENT, { target: animal.id, body: 'after the outage' }, { token: grace.token })).errors, 20_000, 'a comment');
      const [message] = await c.nextOf('s');
      expect(message.payload.data.commentAdded.body).toBe('after the outage');
      expect(c.isClosed).toBe(false); // the subscription lived through the outage
      await c.close();
    } finally {
      await server.stop();
      await proxy.close();
      await db.drop();
    }
  });
});
