import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { databaseKind } from './helpers/database.js';
import { observabilityConfig } from './helpers/log-capture.js';
import { startTestServer, type TestServer } from './helpers/server.js';

interface ReceivedSpan {
  traceId: string;
  spanId: string;
  parentSpanId: string;
  name: string;
  kind: number;
  attributes: Record<string, unknown>;
  status: { code?: number };
  service: unknown;
}

/** OTLP/JSON ids are hex; accept base64 too, as some encoders send it. */
const hex = (id: string | undefined) => (!id ? '' : /^[0-9a-f]+$/i.test(id) ? id.toLowerCase() : Buffer.from(id, 'base64').toString('hex'));

const attributeValue = (value: Record<string, unknown>) =>
  value.stringValue ?? (value.intValue !== undefined ? Number(value.intValue) : undefined) ?? value.boolValue ?? value.doubleValue;

/** A stand-in OpenTelemetry collector: an OTLP/HTTP receiver (JSON encoding) on a free port, keeping every span. */
async function startOtlpReceiver() {
  const spans: ReceivedSpan[] = [];
  const requests: { path: string; contentType: string | undefined }[] = [];
  const server = http.createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    requests.push({ path: req.url ?? '', contentType: req.headers['content-type'] });
    const body = JSON.parse(Buffer.concat(chunks).toString('utf8'));
    for (const resourceSpans of body.resourceSpans ?? []) {
      const service = resourceSpans.resource?.attributes?.find((a: { key: string }) => a.key === 'service.name')?.value?.stringValue;
      for (const scopeSpans of resourceSpans.scopeSpans ?? []) {
        for (const span of scopeSpans.spans ?? []) {
          spans.push({
            traceId: hex(span.traceId),
            spanId: hex(span.spanId),
            parentSpanId: hex(span.parentSpanId),
            name: span.name,
            kind: span.kind,
            attributes: Object.fromEntries((span.attributes ?? []).map((a: { key: string; value: Record<string, unknown> }) => [a.key, attributeValue(a.value)])),
            status: span.status ?? {},
            service,
          });
        }
      }
    }
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end('{}');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    spans,
    requests,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

const SPAN_KIND_SERVER = 2;
const SPAN_KIND_CLIENT = 3;

describe(`traces (${databaseKind})`, () => {
  let receiver: Awaited<ReturnType<typeof startOtlpReceiver>>;
  let t: TestServer;
  beforeAll(async () => {
    receiver = await startOtlpReceiver();
    t = await startTestServer({ observability: observabilityConfig({ OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url, OTEL_SERVICE_NAME: 'contentgraph-test' }) });
  });
  afterAll(async () => {
    await t?.stop();
    await receiver?.close();
  });

  it("exports one request's spans: HTTP request → parse, validate, execute → each SQL statement, under the caller's traceparent", async () => {
    const traceId = '4bf92f3577b34da6a3ce929d0e0e4736';
    const callerSpanId = '00f067aa0ba902b7';
    const res = await t.gql('query Traced { health { ok } tag(name: "SECRET-tag-literal") { name } }', undefined, {
      headers: { traceparent: `00-${traceId}-${callerSpanId}-01` },
    });
    expect(res.errors).toBeUndefined();
    await t.server.observability.tracing!.forceFlush();
    expect(receiver.requests[0]).toEqual({ path: '/v1/traces', contentType: 'application/json' });

    const spans = receiver.spans.filter((span) => span.traceId === traceId);
    const [request] = spans.filter((span) => span.parentSpanId === callerSpanId);
    expect(request).toMatchObject({
      name: 'POST /graphql',
      kind: SPAN_KIND_SERVER,
      service: 'contentgraph-test',
      attributes: { 'http.request.method': 'POST', 'http.route': '/graphql', 'http.response.status_code': 200, 'graphql.operation.name': 'Traced', 'graphql.operation.type': 'query' },
    });
    const phases = spans.filter((span) => span.parentSpanId === request.spanId);
    expect(phases.map((span) => span.name).sort()).toEqual(['graphql.execute', 'graphql.parse', 'graphql.validate']);
    const execute = phases.find((span) => span.name === 'graphql.execute')!;
    expect(execute.attributes).toMatchObject({ 'graphql.operation.name': 'Traced', 'graphql.operation.type': 'query' });
    const statements = spans.filter((span) => span.parentSpanId === execute.spanId);
    expect(statements).toHaveLength(res.extensions!.sqlStatements!);
    for (const statement of statements) {
      expect(statement).toMatchObject({ name: 'SELECT', kind: SPAN_KIND_CLIENT, attributes: { 'db.system.name': 'postgresql', 'db.operation.name': 'select' } });
      expect(statement.attributes['db.query.text']).toMatch(/^select /);
      expect(statement.attributes['db.query.text']).not.toContain('SECRET');
    }
    // One request, its spans and nothing else in its trace.
    expect(spans).toHaveLength(1 + 3 + statements.length);
  });

  it('starts a new trace without a traceparent (or with a malformed one), and marks failed phases', async () => {
    const res = await t.gql('query Failing { noSuchField }', undefined, { headers: { traceparent: 'garbage', 'x-request-id': 'traced-failure' } });
    expect(res.status).toBe(400);
    await t.server.observability.tracing!.forceFlush();
    const request = receiver.spans.find((span) => span.attributes['contentgraph.request_id'] === 'traced-failure')!;
    expect(request.parentSpanId).toBe('');
    expect(request.attributes['http.response.status_code']).toBe(400);
    const validate = receiver.spans.find((span) => span.parentSpanId === request.spanId && span.name === 'graphql.validate')!;
    expect(validate.status.code).toBe(2); // STATUS_CODE_ERROR
    expect(receiver.spans.some((span) => span.parentSpanId === request.spanId && span.name === 'graphql.execute')).toBe(false);
  });
});

describe('without an OTLP endpoint', () => {
  it('has no tracer: no SDK, no spans', async () => {
    const t = await startTestServer();
    try {
      expect(t.server.observability.tracing).toBeUndefined();
      expect((await t.gql('{ health { ok } }')).data.health.ok).toBe(true);
    } finally {
      await t.stop();
    }
  });
});
