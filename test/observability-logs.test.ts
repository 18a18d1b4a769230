import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestUser } from './helpers/accounts.js';
import { databaseKind } from './helpers/database.js';
import { captureLogs, type CapturedLogs, observabilityConfig } from './helpers/log-capture.js';
import { startLoggedTestServer, startTestServer, type TestServer } from './helpers/server.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** Waits (bounded) for the log line the server writes once a response has ended. */
async function requestLine(logs: CapturedLogs, requestId: string, msg = 'request completed'): Promise<Record<string, any>> {
  for (let waited = 0; waited < 5000; waited += 10) {
    const line = logs.withMessage(msg).find((l) => l.requestId === requestId);
    if (line) return line;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  throw new Error(`no "${msg}" line for request ${requestId}; lines: ${logs.text()}`);
}

async function post(t: TestServer, body: unknown, headers: Record<string, string> = {}) {
  const response = await fetch(t.url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) });
  return { status: response.status, requestId: response.headers.get('x-request-id')!, body: (await response.json()) as any };
}

/** An HTTP/1.1 request written byte for byte (headers no client library would send). */
function rawPost(url: string, headerBytes: Buffer): Promise<{ status: number; headers: Record<string, string> }> {
  const { port, hostname } = new URL(url);
  const body = '{"query":"{ __typename }"}';
  return new Promise((resolve, reject) => {
    const socket = net.connect(Number(port), hostname, () => {
      socket.write(
        Buffer.concat([
          Buffer.from(`POST /graphql HTTP/1.1\r\nHost: ${hostname}\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\nConnection: close\r\n`),
          headerBytes,
          Buffer.from(`\r\n${body}`),
        ]),
      );
    });
    let received = '';
    socket.on('data', (chunk) => (received += chunk.toString('latin1')));
    socket.on('error', reject);
    socket.on('end', () => {
      const [head] = received.split('\r\n\r\n');
      const [statusLine, ...lines] = head.split('\r\n');
      const headers: Record<string, string> = {};
      for (const line of lines) {
        const at = line.indexOf(':');
        headers[line.slice(0, at).toLowerCase()] = line.slice(at + 1).trim();
      }
      resolve({ status: Number(statusLine.split(' ')[1]), headers });
    });
  });
}

describe(`request log (${databaseKind})`, () => {
  let t: TestServer;
  let logs: CapturedLogs;
  beforeAll(async () => {
    ({ t, logs } = await startLoggedTestServer());
  });
  afterAll(() => t?.stop());

  it('echoes a valid x-request-id and logs one JSON line with it, the operation, status, duration and statements', async () => {
    const res = await post(t, { query: 'query HealthForLog { health { ok } }' }, { 'x-request-id': 'req-2024.abc_DEF:1' });
    expect(res.requestId).toBe('req-2024.abc_DEF:1');
    const line = await requestLine(logs, 'req-2024.abc_DEF:1');
    expect(line).toMatchObject({
      level: 'info',
      method: 'POST',
      path: '/graphql',
      status: 200,
      operationName: 'HealthForLog',
      operationType: 'query',
      statements: res.body.extensions.sqlStatements,
    });
    expect(line.durationMs).toBeTypeOf('number');
    expect(line.time).toMatch(/^\d{4}-\d\d-\d\dT/);
    expect(line).not.toHaveProperty('errorCodes');
    expect(line).not.toHaveProperty('userId');
    expect(logs.withMessage('request completed').filter((l) => l.requestId === 'req-2024.abc_DEF:1')).toHaveLength(1);
  });

  it('makes a request id when the client sends none, and on every kind of response', async () => {
    const res = await post(t, { query: '{ __typename }' });
    expect(res.requestId).toMatch(UUID);
    expect((await requestLine(logs, res.requestId)).operationName).toBeNull();
    const notFound = await fetch(t.url.replace('/graphql', '/nowhere'));
    expect(notFound.status).toBe(404);
    const id = notFound.headers.get('x-request-id')!;
    expect(id).toMatch(UUID);
    expect(await requestLine(logs, id)).toMatchObject({ status: 404, path: '/nowhere' });
    const malformed = await fetch(t.url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{nope' });
    const malformedId = malformed.headers.get('x-request-id')!;
    expect(await requestLine(logs, malformedId)).toMatchObject({ status: 400, errorCodes: ['BAD_REQUEST'] });
  });

  it.each([
    ['longer than 128 characters', Buffer.from(`X-Request-Id: ${'a'.repeat(129)}\r\n`)],
    ['with a space', Buffer.from('X-Request-Id: abc def\r\n')],
    ['with quotes and angle brackets', Buffer.from('X-Request-Id: "><img src=x>\r\n')],
    ['with Unicode (bidi override, accents)', Buffer.from('X-Request-Id: abc\u202eü\r\n', 'utf8')],
    ['sent twice', Buffer.from('X-Request-Id: one\r\nX-Request-Id: two\r\n')],
    ['empty', Buffer.from('X-Request-Id: \r\n')],
  ])('replaces a hostile x-request-id (%s) with a new one and never logs it', async (_, header) => {
    const before = logs.text().length;
    const res = await rawPost(t.url, header);
    expect(res.status).toBe(200);
    expect(res.headers['x-request-id']).toMatch(UUID);
    await requestLine(logs, res.headers['x-request-id']);
    const written = logs.text().slice(before);
    expect(written).not.toContain('aaaaaaaaaa');
    expect(written).not.toContain('abc def');
    expect(written).not.toContain('img');
    expect(written).not.toMatch(/"one|two"/);
  });

  it('logs the caller as userId (never the token) and the error codes of a failed operation', async () => {
    const user = await createTestUser(t, 'logged-user');
    const ok = await post(t, { query: 'mutation TagIt { addTags(targetRef: { user: 1 }, names: ["logged"]) { changed } }' }, { authorization: `Bearer ${user.token}` });
    expect(ok.body.errors).toBeUndefined();
    expect(await requestLine(logs, ok.requestId)).toMatchObject({ operationName: 'TagIt', operationType: 'mutation', userId: user.id });
    const bad = await post(t, { query: 'query TooMany { users(first: 1000) { edges { cursor } } }' });
    expect(bad.body.errors[0].extensions.code).toBe('BAD_USER_INPUT');
    expect(await requestLine(logs, bad.requestId)).toMatchObject({ status: 200, operationName: 'TooMany', errorCodes: ['BAD_USER_INPUT'] });
    const unauthenticated = await post(t, { query: 'mutation NoToken { addTags(targetRef: { user: 1 }, names: ["x"]) { changed } }' }, { authorization: 'Bearer cg_not-a-real-token' });
    expect(await requestLine(logs, unauthenticated.requestId)).toMatchObject({ errorCodes: ['UNAUTHENTICATED'] });
    expect(logs.text()).not.toContain(user.token);
    expect(logs.text()).not.toContain('cg_not-a-real-token');
  });

  it('keeps concurrent requests apart: each line has its own id, operation and statement count', async () => {
    const queries = ['query OneStatement { health { ok } }', 'query NoStatement { __typename }', 'query TwoStatements { health { ok } tags(first: 1) { edges { cursor } } }'];
    const results = await Promise.all(
      Array.from({ length: 30 }, (_, i) => post(t, { query: queries[i % 3] }, { 'x-request-id': `concurrent-${i}` })),
    );
    for (const [i, res] of results.entries()) {
      expect(res.requestId).toBe(`concurrent-${i}`);
      const line = await requestLine(logs, `concurrent-${i}`);
      expect(line.operationName).toBe(['OneStatement', 'NoStatement', 'TwoStatements'][i % 3]);
      expect(line.statements).toBe(res.body.extensions.sqlStatements);
    }
    expect(new Set(results.map((res) => res.body.extensions.sqlStatements)).size).toBe(3);
  });

  it("logs a client's operationName as printable ASCII, at most 100 characters", async () => {
    const res = await post(t, { query: '{ __typename }', operationName: `\u202eevil\nline\u0000${'x'.repeat(500)}` });
    const line = await requestLine(logs, res.requestId);
    expect(line.operationName).toBe(`?evil?line?${'x'.repeat(89)}`);
    expect(line.errorCodes).toEqual(['OPERATION_RESOLUTION_FAILURE']);
  });

  it('names the operation of a document that does not validate in the log line', async () => {
    const res = await post(t, { query: 'query Broken { noSuchField }' });
    const line = await requestLine(logs, res.requestId);
    expect(line).toMatchObject({ status: 400, operationName: 'Broken', errorCodes: ['GRAPHQL_VALIDATION_FAILED'] });
    expect(line).not.toHaveProperty('operationType');
  });

  it('logs no slow-operation warning when the threshold is off', () => {
    expect(logs.withMessage('slow operation')).toEqual([]);
  });
});

describe(`slow operations (${databaseKind})`, () => {
  let t: TestServer;
  let logs: CapturedLogs;
  beforeAll(async () => {
    // 0 ms: every operation is past the threshold, so the test asserts the line, never a timing.
    const observability = observabilityConfig({ LOG_LEVEL: 'warn', SLOW_OPERATION_MS: '0' });
    logs = captureLogs(observability.log);
    t = await startTestServer({ observability, statementCounts: false }, { logger: logs.logger });
  });
  afterAll(() => t?.stop());

  it('logs a warning with name, duration, statements, cost and phases past the threshold (statements counted without STATEMENT_COUNTS)', async () => {
    const res = await post(t, { query: 'query SlowOne { health { ok } contentTypes { model } }' });
    expect(res.body.extensions?.sqlStatements).toBeUndefined();
    const line = await requestLine(logs, res.requestId, 'slow operation');
    expect(line).toMatchObject({ level: 'warn', operationName: 'SlowOne', operationType: 'query', thresholdMs: 0, statements: 1 });
    expect(line.durationMs).toBeTypeOf('number');
    expect(Object.keys(line.phases)).toEqual(expect.arrayContaining(['executeMs']));
    // At warn level the per-request info line is not written.
    expect(logs.withMessage('request completed')).toEqual([]);
  });
});
