import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { databaseKind } from './helpers/database.js';
import type { CapturedLogs } from './helpers/log-capture.js';
import { startLoggedTestServer, type TestServer } from './helpers/server.js';

/**
 * Found by the hostile review: any `subscription { … }` sent over HTTP (POST
 * or GET) validated and then failed in execution with graphql-js's uncoded
 * "Schema is not configured to execute subscription operation.", answered as
 * HTTP 200 INTERNAL_SERVER_ERROR and logged at error level ("unexpected error
 * in a resolver"): one anonymous request per error-log line.
 *   curl -s localhost:4000/graphql -H 'content-type: application/json' -d '{"query":"subscription { __typename }"}'
 * Apollo Server does not serve subscriptions over HTTP (they run over
 * graphql-ws on the same URL): the answer is the client's error, HTTP 400
 * with a code, nothing logged as a server error.
 */
describe(`a subscription sent over HTTP (${databaseKind})`, () => {
  let t: TestServer;
  let logs: CapturedLogs;
  beforeAll(async () => {
    ({ t, logs } = await startLoggedTestServer());
  });
  afterAll(() => t?.stop());

  it("is refused with BAD_REQUEST (POST: 400, GET: 405), with no error logged", async () => {
    const post = await t.gql('subscription S { activityAdded { verb } }');
    expect(post.status).toBe(400);
    expect(post.errors?.[0].extensions?.code).toBe('BAD_REQUEST');
    expect(post.errors?.[0].message).toMatch(/subscription/i);
    const get = await fetch(`${t.url}?query=${encodeURIComponent('subscription { activityAdded { verb } }')}`, { headers: { 'apollo-require-preflight': '1' } });
    const body = (await get.json()) as any;
    expect(get.status).toBe(405); // Apollo: GET serves queries only
    expect(body.errors[0].extensions.code).toBe('BAD_REQUEST');
    expect(logs.lines().filter((line) => line.level >= 50)).toEqual([]);
    expect((await t.gql('{ health { ok } }')).status).toBe(200);
  });
});
