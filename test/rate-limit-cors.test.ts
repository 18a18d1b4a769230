import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { databaseKind } from './helpers/database.js';
import { startTestServer, type TestServer } from './helpers/server.js';
import { createTestUser } from './helpers/accounts.js';

const QUERY = '{ users(first: 100) { edges { node { id } } } }'; // costs 300

/** Waits for the budgets' window (2 s here) to end: every client's budget is whole again. */
function nextWindow(): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, 2100));
}

async function post(t: TestServer, headers: Record<string, string> = {}, query = QUERY) {
  const response = await fetch(t.url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify({ query }) });
  return { response, body: (await response.json()) as any };
}

describe(`cost budget per client (${databaseKind})`, () => {
  let t: TestServer;
  /** Bearer headers of real API tokens, each of a user of its own. */
  const bearer: Record<string, { authorization: string }> = {};
  beforeAll(async () => {
    t = await startTestServer({ rateLimitPoints: 1000, rateLimitWindowSeconds: 2 });
    for (const name of ['other', 'spender', 'concurrent']) bearer[name] = { authorization: `Bearer ${(await createTestUser(t, name)).token}` };
  });
  afterAll(() => t?.stop());

  it('charges each operation its cost, says so in GitHub-style headers, refuses with 429 + Retry-After when spent, and recovers', async () => {
    const headers = { 'x-forwarded-for': '203.0.113.1' }; // ignored: TRUST_PROXY is 0
    const first = await post(t, headers);
    expect(first.response.status).toBe(200);
    expect(first.response.headers.get('x-ratelimit-limit')).toBe('1000');
    expect(first.response.headers.get('x-ratelimit-used')).toBe('300');
    expect(first.response.headers.get('x-ratelimit-remaining')).toBe('700');
    const reset = Number(first.response.headers.get('x-ratelimit-reset'));
    expect(reset).toBeGreaterThanOrEqual(Math.floor(Date.now() / 1000));
    await post(t, headers);
    await post(t, headers);
    const refused = await post(t, headers);
    expect(refused.response.status).toBe(429);
    expect(Number(refused.response.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect(refused.response.headers.get('x-ratelimit-remaining')).toBe('100');
    expect(refused.body.data).toBeUndefined();
    expect(refused.body.errors[0].extensions).toMatchObject({ code: 'RATE_LIMITED', cost: 300, remaining: 100, limit: 1000 });
    expect(refused.body.errors[0].message).toMatch(/Retry after \d+ s/);
    // A cheaper operation still fits what is left: refused operations charge nothing,
    // and every operation is charged at least MIN_CHARGE (100).
    const cheap = await post(t, headers, '{ health { ok } }');
    expect(cheap.response.status).toBe(200);
    expect(cheap.response.headers.get('x-ratelimit-remaining')).toBe('0');
    expect((await post(t, headers, '{ __typename }')).response.status).toBe(429);
    // A token not verified yet is charged to its address (here spent): made-up tokens get no budget of their own.
    const madeUp = await post(t, { authorization: `Bearer cg_${'M'.repeat(43)}` });
    expect(madeUp.response.status).toBe(429);
    expect(madeUp.body.errors[0].extensions.code).toBe('RATE_LIMITED');
    await nextWindow();
    // A real token is checked on first use (charged to the address), then has a budget of its own, whatever address it comes from.
    expect((await post(t, { authorization: `Bearer cg_${'M'.repeat(43)}` }, '{ __typename }')).response.status).toBe(401);
    const checked = await post(t, bearer.other, '{ __typename }');
    expect(checked.response.status).toBe(200);
    expect(checked.response.headers.get('x-ratelimit-remaining')).toBe('800'); // the address's budget: 1000 - 100 (the refused token) - 100 (this check)
    const other = await post(t, bearer.other);
    expect(other.response.status).toBe(200);
    expect(other.response.headers.get('x-ratelimit-remaining')).toBe('700'); // the token's own budget: 1000 - 300
  });

  it('refuses an operation costing more than the whole budget with advice, charging nothing', async () => {
    await post(t, bearer.spender, '{ __typename }'); // verified: from now on charged to the token
    await nextWindow();
    const res = await post(t, bearer.spender, '{ users(first: 100) { edges { node { comments(first: 5) { edges { node { id } } } } } } }');
    expect(res.response.status).toBe(429);
    expect(res.body.errors[0].message).toContain('costs 1800 points, more than the whole budget of 1000 points');
    const after = await post(t, bearer.spender);
    expect(after.response.headers.get('x-ratelimit-remaining')).toBe('700');
  });

  it('shares one budget among concurrent requests of a client: no more are served than it pays for', async () => {
    const headers = bearer.concurrent;
    await post(t, headers, '{ __typename }'); // verified: from now on charged to the token
    await nextWindow();
    const results = await Promise.all(Array.from({ length: 20 }, () => post(t, headers)));
    expect(results.filter((r) => r.response.status === 200)).toHaveLength(3);
    expect(results.filter((r) => r.response.status === 429)).toHaveLength(17);
  });
});

describe(`client address behind proxies (${databaseKind})`, () => {
  let t: TestServer;
  beforeAll(async () => {
    t = await startTestServer({ rateLimitPoints: 500, rateLimitWindowSeconds: 60, trustProxy: 1 });
  });
  afterAll(() => t?.stop());

  it('with TRUST_PROXY=1 charges the address our proxy appended, not what the client wrote before it', async () => {
    const spoofed = (fake: string) => ({ 'x-forwarded-for': `${fake}, 198.51.100.7` });
    expect((await post(t, spoofed('1.1.1.1'))).response.status).toBe(200);
    // Same real client, a different made-up address in front: same budget (300 + 300 > 500).
    expect((await post(t, spoofed('2.2.2.2'))).response.status).toBe(429);
    expect((await post(t, { 'x-forwarded-for': '198.51.100.8' })).response.status).toBe(200);
    // Hostile header values fall back to the peer address instead of failing.
    for (const value of ['not-an-ip', '', ' , , ', 'x'.repeat(10_000), '::ffff:999.1.1.1']) {
      expect([200, 429]).toContain((await post(t, { 'x-forwarded-for': value }, '{ __typename }')).response.status);
    }
  });
});

describe(`CORS (${databaseKind})`, () => {
  let t: TestServer;
  beforeAll(async () => {
    t = await startTestServer({ corsOrigins: ['https://app.example'] });
  });
  afterAll(() => t?.stop());

  const preflight = (origin: string, method = 'POST', headers = 'content-type,authorization') =>
    fetch(t.url, { method: 'OPTIONS', headers: { origin, 'access-control-request-method': method, 'access-control-request-headers': headers } });

  it('answers the preflight of an allowed origin with what a browser needs for content-type and authorization', async () => {
    const response = await preflight('https://app.example');
    expect(response.status).toBe(204);
    expect(response.headers.get('access-control-allow-origin')).toBe('https://app.example');
    expect(response.headers.get('access-control-allow-methods')).toContain('POST');
    const allowed = response.headers.get('access-control-allow-headers')!.split(', ');
    expect(allowed).toEqual(expect.arrayContaining(['content-type', 'authorization']));
    expect(response.headers.get('vary')).toContain('Origin');
  });

  it('serves the actual request of an allowed origin with Access-Control-Allow-Origin and readable rate-limit headers', async () => {
    const { response, body } = await post(t, { origin: 'https://app.example' }, '{ health { ok } }');
    expect(response.status).toBe(200);
    expect(body.data.health.ok).toBe(true);
    expect(response.headers.get('access-control-allow-origin')).toBe('https://app.example');
    expect(response.headers.get('access-control-expose-headers')).toContain('x-ratelimit-remaining');
  });

  it('refuses the preflight of another origin and gives its actual requests no CORS headers', async () => {
    for (const origin of ['https://evil.example', 'https://app.example.evil.example', 'null', 'https://APP.example', 'https://app.example/']) {
      const response = await preflight(origin);
      expect(response.status, origin).toBe(403);
      expect(response.headers.get('access-control-allow-origin'), origin).toBeNull();
      expect(await response.text()).toContain('CORS preflight refused');
    }
    const { response } = await post(t, { origin: 'https://evil.example' }, '{ health { ok } }');
    expect(response.headers.get('access-control-allow-origin')).toBeNull();
  });

  it('keeps CSRF prevention for simple requests, whatever the origin', async () => {
    const response = await fetch(`${t.url}?query=${encodeURIComponent('{ health { ok } }')}`, { headers: { origin: 'https://evil.example' } });
    expect(response.status).toBe(400);
    expect(await response.text()).toContain('CSRF');
  });

  it('refuses a preflight for a method other than GET and POST', async () => {
    expect((await preflight('https://app.example', 'DELETE')).status).toBe(403);
  });

  it('allows any origin with CORS_ORIGINS=* (the development default)', async () => {
    const open = await startTestServer({ corsOrigins: '*' });
    try {
      const response = await fetch(open.url, {
        method: 'OPTIONS',
        headers: { origin: 'https://sandbox.embed.apollographql.com', 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type,traceparent' },
      });
      expect(response.status).toBe(204);
      expect(response.headers.get('access-control-allow-origin')).toBe('*');
      expect(response.headers.get('access-control-allow-headers')).toContain('traceparent');
    } finally {
      await open.stop();
    }
  });
});
