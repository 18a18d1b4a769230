import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { databaseKind } from './helpers/database.js';
import { startTestServer, type TestServer } from './helpers/server.js';

/**
 * Found by the hostile review: requests refused before they run (a syntax
 * error, a validation error, QUERY_TOO_COMPLEX) were never charged to the
 * client's budget, so an anonymous client could send them without limit;
 * validating some of them costs the server a quarter to half a second of CPU
 * (graphql-js's overlapping-fields check on repeated fields). Each is now
 * charged the minimum (100 points) like any other operation.
 */
async function post(t: TestServer, body: unknown, headers: Record<string, string> = {}) {
  const response = await fetch(t.url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) });
  return { response, body: (await response.json()) as any };
}

describe(`refused requests spend the budget (${databaseKind})`, () => {
  let t: TestServer;
  beforeAll(async () => {
    t = await startTestServer({ rateLimitPoints: 500, rateLimitWindowSeconds: 60 });
  });
  afterAll(() => t?.stop());

  it('charges syntax errors, validation errors and over-limit operations the minimum, then answers 429', async () => {
    const deep = `{ viewer { ${'comments(first: 1) { edges { node { author { '.repeat(5)}id${' } } } }'.repeat(5)} } }`;
    const refused = [
      { query: '{ health { ok ' }, // syntax error
      { query: '{ noSuchField }' }, // validation error
      { query: deep }, // QUERY_TOO_COMPLEX (depth)
    ];
    // An automatic persisted query's first round trip is a normal step of that protocol: not charged.
    const apq = await post(t, { extensions: { persistedQuery: { version: 1, sha256Hash: 'a'.repeat(64) } } });
    expect(apq.body.errors[0].extensions.code).toBe('PERSISTED_QUERY_NOT_FOUND');
    const statuses: number[] = [];
    const remaining: (string | null)[] = [];
    for (const body of refused) {
      const res = await post(t, body);
      statuses.push(res.response.status);
      remaining.push(res.response.headers.get('x-ratelimit-remaining'));
    }
    expect(statuses).toEqual([400, 400, 400]);
    expect(remaining).toEqual(['400', '300', '200']);
    await post(t, { query: '{ nope }' });
    await post(t, { query: '{ nope }' });
    // 500 points spent on refused requests: the next operation, however cheap, is refused.
    const after = await post(t, { query: '{ health { ok } }' });
    expect(after.response.status).toBe(429);
    expect(after.body.errors[0].extensions.code).toBe('RATE_LIMITED');
    expect(Number(after.response.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    // A spent client's refused requests keep their own error; they charge nothing more.
    const spent = await post(t, { query: '{ nope }' });
    expect(spent.response.status).toBe(400);
    expect(spent.body.errors[0].extensions.code).toBe('GRAPHQL_VALIDATION_FAILED');
    expect(spent.response.headers.get('x-ratelimit-remaining')).toBe('0');
  });
});
