import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { createContent, createTestUser, type TestUser } from './helpers/accounts.js';
import { databaseKind } from './helpers/database.js';
import { captureLogs, type CapturedLogs, observabilityConfig } from './helpers/log-capture.js';
import { startTestServer, type TestServer } from './helpers/server.js';
import { eventually } from './helpers/ws.js';

const COMMENT_ADDED = 'subscription($target: ID!) { commentAdded(target: $target) { id body } }';
const ADD_COMMENT = 'mutation($target: ID!, $body: String!) { addComment(target: $target, body: $body) { id } }';

/**
 * Regression: a client that stops reading while events stream to it and then
 * drops its connection made every send still queued for it fail (ECONNRESET,
 * EPIPE, ECANCELED); graphql-ws ends the subscription with that error, which
 * was logged at error level as "unexpected error in a resolver", one line
 * with a stack per subscription: any client could fill the error log at will.
 * The connection is gone, nothing is sent: no error line now.
 */
describe(`regression: sends to a client that dropped its connection (${databaseKind})`, () => {
  let t: TestServer;
  let logs: CapturedLogs;
  let user: TestUser;
  beforeAll(async () => {
    logs = captureLogs(observabilityConfig().log);
    t = await startTestServer({}, { app: 'core', logger: logs.logger });
    user = await createTestUser(t, 'ann');
  });
  afterAll(() => t?.stop());

  it('logs no error and releases every subscription', async () => {
    const target = (await createContent(t, user.token, 'FixtureAnimal', { name: 'Watched' })).id;
    const ws = new WebSocket(t.url.replace(/^http/, 'ws'), 'graphql-transport-ws');
    ws.on('error', () => undefined);
    await new Promise((resolve) => ws.once('open', resolve));
    ws.send(JSON.stringify({ type: 'connection_init' }));
    await new Promise((resolve) => ws.once('message', resolve));
    const subscriptions = t.server.services.config.subscriptions.maxPerConnection;
    for (let i = 0; i < subscriptions; i++) ws.send(JSON.stringify({ id: `s${i}`, type: 'subscribe', payload: { query: COMMENT_ADDED, variables: { target } } }));
    await eventually(() => t.server.subscriptions.subscribers('comment') === subscriptions, 10_000, 'subscribed');
    (ws as unknown as { _socket: { pause(): void } })._socket.pause(); // reads nothing more: the sends pile up
    const body = 'x'.repeat(10_000);
    for (let i = 0; i < 60; i++) expect((await t.gql(ADD_COMMENT, { target, body }, { token: user.token })).errors).toBeUndefined();
    await new Promise((resolve) => setTimeout(resolve, 300));
    (ws as unknown as { _socket: { destroy(): void } })._socket.destroy(); // unread data: a reset
    await eventually(() => t.server.subscriptions.subscribers('comment') === 0 && t.server.subscriptions.connections() === 0, 10_000, 'released');
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(logs.lines().filter((line) => line.level >= 50 || line.level === 'error').map((line) => `${line.msg}: ${line.err?.message}`)).toEqual([]);
  });
});
