import http from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestUser } from './helpers/accounts.js';
import { databaseKind } from './helpers/database.js';
import { startTestServer, type TestServer } from './helpers/server.js';

/**
 * Found by the hostile review (not fixed: the fix belongs in src/server/http.ts
 * or shutdown.ts): SIGTERM to `npm start` under keep-alive load (8 clients)
 * cut a request that arrived on a kept-alive connection just after the
 * signal (the client got "other side closed"), and the stop was then logged
 * at error level as "abandoning: 1 request(s) still running after 10000 ms",
 * with exit code 1, 0.4 s after the signal. A response finishing while the
 * server stops says nothing about closing its connection, so the client sends
 * its next request on a socket the drain is about to end. Responses sent while
 * stopping must carry `Connection: close`, and a stop in which every request
 * finished is clean.
 */
describe(`a response finishing during the stop closes its connection (${databaseKind})`, () => {
  let t: TestServer;
  let token: string;
  let stopped = false;
  beforeAll(async () => {
    t = await startTestServer();
    token = (await createTestUser(t, 'keepalive')).token;
    await t.sql(`create function cg_test_slow_insert() returns trigger language plpgsql as $$ begin perform pg_sleep(1.5); return new; end $$`);
    await t.sql('create trigger cg_test_slow_insert before insert on tagged_item for each row execute function cg_test_slow_insert()');
  });
  afterAll(async () => {
    if (!stopped) await t?.stop();
    else await t?.db.drop();
  });

  it('answers the in-flight request with Connection: close and stops cleanly', async () => {
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    const url = new URL(t.url);
    const body = JSON.stringify({ query: 'mutation { addTags(targetRef: { user: 1 }, names: ["during-stop"]) { changed } }' });
    const answered = new Promise<{ status: number; connection: string | undefined }>((resolve, reject) => {
      const req = http.request(
        { agent, host: url.hostname, port: url.port, path: url.pathname, method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` } },
        (res) => {
          res.resume();
          res.on('end', () => resolve({ status: res.statusCode!, connection: res.headers.connection }));
        },
      );
      req.on('error', reject);
      req.end(body);
    });
    // The mutation is sleeping in its trigger: stop the server as SIGTERM does.
    await new Promise((resolve) => setTimeout(resolve, 500));
    const stopping = t.server.stop();
    stopped = true;
    const response = await answered;
    const report = await stopping;
    agent.destroy();
    expect(response.status).toBe(200);
    expect(response.connection).toBe('close');
    expect(report).toEqual({ clean: true, abandoned: [] });
  });
});
