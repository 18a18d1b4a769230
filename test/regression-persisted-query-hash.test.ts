import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { databaseKind } from './helpers/database.js';
import type { CapturedLogs } from './helpers/log-capture.js';
import { startLoggedTestServer, type TestServer } from './helpers/server.js';

/**
 * Found by the hostile review:
 * an automatic-persisted-query request whose `sha256Hash` does not match its
 * `query` is the client's mistake, but Apollo Server raises it without a code,
 * so formatError masks it as INTERNAL_SERVER_ERROR ("Internal server error"
 * in production) and logs "unexpected error in a resolver" at error level:
 * any anonymous client can fill the error log and the INTERNAL_SERVER_ERROR
 * metric at will.
 *   curl -s localhost:4000/graphql -H 'content-type: application/json' \
 *     -d '{"query":"{ __typename }","extensions":{"persistedQuery":{"version":1,"sha256Hash":"00"}}}'
 */
describe(`a persisted query with a wrong hash (${databaseKind})`, () => {
  let t: TestServer;
  let logs: CapturedLogs;
  beforeAll(async () => {
    ({ t, logs } = await startLoggedTestServer());
  });
  afterAll(() => t?.stop());

  it("is the client's error: HTTP 400 with a client code, nothing logged at error level", async () => {
    const response = await fetch(t.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query: '{ __typename }', extensions: { persistedQuery: { version: 1, sha256Hash: '0'.repeat(64) } } }),
    });
    const body = (await response.json()) as any;
    expect(response.status).toBe(400);
    expect(body.errors[0].extensions.code).toMatch(/^[A-Z_]+$/);
    expect(body.errors[0].extensions.code).not.toBe('INTERNAL_SERVER_ERROR');
    expect(logs.lines().filter((line) => line.level >= 50)).toEqual([]);
  });
});
