import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { ApolloServer, HeaderMap } from '@apollo/server';
import { Registry } from 'prom-client';
import { afterAll, describe, expect, it } from 'vitest';
import { redactErrorText, redactSql, serializeError } from '../src/observability/log-redaction.js';
import { HttpObserver } from '../src/observability/http.observer.js';
import { observabilityPlugin } from '../src/observability/graphql.plugin.js';
import { OperationNameLabels, sqlCommand } from '../src/observability/metric-labels.js';
import { aggregateMetrics } from '../src/observability/metrics.endpoint.js';
import { ServerMetrics, type RequestRecord } from '../src/observability/metrics.js';
import { loadObservabilityConfig } from '../src/observability/observability.config.js';
import { acceptRequestId } from '../src/observability/request-id.js';
import { spawnTsx } from './fixtures/processes.js';
import { captureLogs, observabilityConfig } from './helpers/log-capture.js';
import { parsePrometheusText } from './helpers/prometheus-text.js';

describe('redaction', () => {
  it('replaces every kind of SQL string literal and keeps the rest of the statement', () => {
    expect(redactSql(`insert into comment (body, n) values ('it''s secret', 42) returning "id"`)).toBe(
      `insert into comment (body, n) values ('…', 42) returning "id"`,
    );
    expect(redactSql(`select E'a\\'b secret', $$dollar secret$$, $tag$x $$ secret$tag$, ?::bigint`)).toBe(`select '…', '…', '…', ?::bigint`);
    expect(redactSql(`select * from t where a = 'unterminated secret`)).toBe(`select * from t where a = '…`);
    expect(redactSql(`select $1, $2 from t`)).toBe(`select $1, $2 from t`);
    expect(redactSql(`select '${'x'.repeat(5000)}', ${'1, '.repeat(1000)}1`).length).toBeLessThanOrEqual(2001);
  });

  it('removes values from database error messages and stacks', () => {
    const error = new Error(`duplicate key value violates unique constraint "tag_name_unique"\n - detail: Key (lower(name))=(secret tag) already exists.`);
    const serialized = serializeError(Object.assign(error, { code: '23505', detail: 'Key (name)=(secret tag)', params: ['secret'] }));
    expect(JSON.stringify(serialized)).not.toContain('secret');
    expect(serialized).toMatchObject({ type: 'Error', code: '23505' });
    expect(redactErrorText(`invalid input syntax for type integer: "secret"`)).toBe('invalid input syntax for type integer: "…"');
    expect(serializeError('plain secret string')).toEqual({ message: 'plain secret string' });
  });
});

describe('request ids', () => {
  it('keeps a client id of up to 128 URL-safe characters and replaces anything else', () => {
    expect(acceptRequestId('4bf92f3577b34da6a3ce929d0e0e4736')).toBe('4bf92f3577b34da6a3ce929d0e0e4736');
    expect(acceptRequestId('Root=1-67891233-abcdef012345678912345678')).toBe('Root=1-67891233-abcdef012345678912345678');
    expect(acceptRequestId('x'.repeat(128))).toBe('x'.repeat(128));
    for (const hostile of ['x'.repeat(129), '', 'a b', 'a\nb', 'abc\u202e', 'ａｂｃ', '"quoted"', '<script>', 'a;b', ['one', 'two'], undefined]) {
      expect(acceptRequestId(hostile as string), JSON.stringify(hostile)).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[0-9a-f]{4}-[0-9a-f]{12}$/);
    }
  });
});

describe('labels', () => {
  it('admits operation names up to the cap, first come first served, and never a reserved or huge one', () => {
    const labels = new OperationNameLabels(2);
    expect(labels.label('Feed', true)).toBe('Feed');
    expect(labels.label('Feed', false)).toBe('__invalid');
    expect(labels.label(null, true)).toBe('__anonymous');
    expect(labels.label('__schema', true)).toBe('__other');
    expect(labels.label('A'.repeat(65), true)).toBe('__other');
    expect(labels.label('Second', true)).toBe('Second');
    expect(labels.label('Third', true)).toBe('__other');
    expect(labels.label('Feed', true)).toBe('Feed');
    expect(labels.size).toBe(2);
  });

  it('reduces SQL to its command', () => {
    expect(sqlCommand('  /* c */ SELECT 1')).toBe('select');
    expect(sqlCommand('with x as (select 1) select * from x')).toBe('with');
    expect(sqlCommand('vacuum')).toBe('other');
  });
});

describe('configuration', () => {
  it('has defaults per NODE_ENV', () => {
    expect(loadObservabilityConfig({})).toMatchObject({ log: { level: 'info', pretty: true, sql: false }, slowOperationMs: 1000, metrics: { enabled: true, port: undefined } });
    expect(loadObservabilityConfig({ NODE_ENV: 'production' }).log).toEqual({ level: 'info', pretty: false, sql: false });
    expect(loadObservabilityConfig({ NODE_ENV: 'production', DEBUG_SQL: 'true' }).log).toEqual({ level: 'debug', pretty: false, sql: true });
    expect(loadObservabilityConfig({ NODE_ENV: 'test' }).log.level).toBe('warn');
    expect(loadObservabilityConfig({ SLOW_OPERATION_MS: 'off' }).slowOperationMs).toBeUndefined();
    expect(loadObservabilityConfig({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318/' }).tracing).toMatchObject({
      endpoint: 'http://collector:4318/v1/traces',
      serviceName: 'contentgraph',
      sampler: { parentBased: true, ratio: 1 },
    });
    expect(loadObservabilityConfig({ OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'http://c:4318/custom', OTEL_EXPORTER_OTLP_ENDPOINT: 'http://x' }).tracing.endpoint).toBe(
      'http://c:4318/custom',
    );
    expect(loadObservabilityConfig({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://c:4318', OTEL_SDK_DISABLED: 'true' }).tracing.endpoint).toBeUndefined();
    expect(loadObservabilityConfig({ OTEL_TRACES_SAMPLER: 'traceidratio', OTEL_TRACES_SAMPLER_ARG: '0.25' }).tracing.sampler).toEqual({ parentBased: false, ratio: 0.25 });
  });

  it.each([
    ['LOG_LEVEL', 'verbose'],
    ['LOG_FORMAT', 'xml'],
    ['SLOW_OPERATION_MS', '-1'],
    ['SLOW_OPERATION_MS', '1e3'],
    ['METRICS', 'yes'],
    ['METRICS_PORT', '70000'],
    ['METRICS_PORT', '80 '],
    ['METRICS_MAX_OPERATION_NAMES', '99999999'],
    ['OTEL_EXPORTER_OTLP_ENDPOINT', 'not a url'],
    ['OTEL_EXPORTER_OTLP_ENDPOINT', 'file:///etc/passwd'],
    ['OTEL_EXPORTER_OTLP_PROTOCOL', 'grpc'],
    ['OTEL_TRACES_SAMPLER', 'sometimes'],
    ['OTEL_TRACES_SAMPLER_ARG', '2'],
  ])('refuses %s=%j with a message naming the variable', (name, value) => {
    expect(() => loadObservabilityConfig({ OTEL_EXPORTER_OTLP_ENDPOINT: name === 'OTEL_EXPORTER_OTLP_PROTOCOL' ? 'http://c:4318' : undefined, [name]: value })).toThrow(
      new RegExp(`^${name} must be`),
    );
  });

  it('refuses a bad value in a server process at start-up, exit 1, message on stderr', async () => {
    const server = spawnTsx('src/server.ts', [], { LOG_LEVEL: 'loud', PORT: '0', DATA_DIR: '/nonexistent-never-used' });
    expect(await server.exited).toBe(1);
    expect(server.stderr()).toContain('LOG_LEVEL must be one of fatal, error, warn, info, debug, trace, silent (got "loud")');
  });
});

describe('the cost of an operation (ctx.cost, set by the cost limit)', () => {
  const servers: { close(): void }[] = [];
  afterAll(() => servers.forEach((server) => server.close()));

  it('reaches the request log line and graphql_operation_cost', async () => {
    const metrics = new ServerMetrics(new Registry(), { maxOperationNames: 10, defaultMetrics: false });
    const logs = captureLogs(observabilityConfig({ LOG_LEVEL: 'info' }).log);
    const observer = new HttpObserver({ logger: logs.logger, metrics, tracing: undefined, slowOperationMs: 0 });
    const apollo = new ApolloServer<{ cost: { cost: number; depth: number } }>({
      typeDefs: 'type Query { answer: Int }',
      resolvers: { Query: { answer: () => 42 } },
      plugins: [observabilityPlugin()],
    });
    await apollo.start();
    const server = http.createServer((req, res) =>
      observer.observe(req, res, async () => {
        const chunks: Buffer[] = [];
        for await (const chunk of req) chunks.push(chunk as Buffer);
        const headers = new HeaderMap([['content-type', 'application/json']]);
        const response = await apollo.executeHTTPGraphQLRequest({
          httpGraphQLRequest: { method: 'POST', headers, search: '', body: JSON.parse(Buffer.concat(chunks).toString()) },
          context: async () => ({ cost: { cost: 37, depth: 2 } }),
        });
        res.statusCode = response.status ?? 200;
        res.end(response.body.kind === 'complete' ? response.body.string : '');
      }),
    );
    servers.push(server);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const response = await fetch(`http://127.0.0.1:${(server.address() as AddressInfo).port}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query: 'query Costly { answer }' }),
    });
    expect(await response.json()).toEqual({ data: { answer: 42 } });
    for (let waited = 0; waited < 5000 && !logs.withMessage('slow operation').length; waited += 10) await new Promise((r) => setTimeout(r, 10));
    expect(logs.withMessage('request completed')[0]).toMatchObject({ operationName: 'Costly', cost: { cost: 37, depth: 2 } });
    expect(logs.withMessage('slow operation')[0]).toMatchObject({ operationName: 'Costly', cost: { cost: 37, depth: 2 }, statements: 0 });
    const exposition = parsePrometheusText(await metrics.registry.metrics());
    expect(exposition.value('graphql_operation_cost_sum', { operation_name: 'Costly', operation_type: 'query' })).toBe(37);
    expect(exposition.value('graphql_operation_cost_count', { operation_name: 'Costly', operation_type: 'query' })).toBe(1);
    await apollo.stop();
  });
});

describe('several processes, one scrape', () => {
  const feed: RequestRecord = {
    method: 'POST',
    path: '/graphql',
    status: 200,
    durationSeconds: 0.02,
    graphql: { operationName: 'Feed', operationType: 'query', resolved: true, statements: 7, cost: 12, errorCodes: ['NOT_FOUND'] },
  };

  it('adds up the metrics of two registries (what the primary does with its workers)', async () => {
    const workers = [1, 2].map(() => new ServerMetrics(new Registry(), { maxOperationNames: 10 }));
    workers[0].recordRequest(feed);
    workers[1].recordRequest(feed);
    workers[1].recordRequest(feed);
    workers[1].recordStatement('select 1', 0.001, false);
    const aggregated = aggregateMetrics(await Promise.all(workers.map((worker) => worker.registry.getMetricsAsJSON())));
    const exposition = parsePrometheusText(await aggregated.metrics());
    const labels = { operation_name: 'Feed', operation_type: 'query' };
    expect(exposition.value('graphql_request_duration_seconds_count', labels)).toBe(3);
    expect(exposition.value('graphql_request_sql_statements_sum', labels)).toBe(21);
    expect(exposition.value('graphql_operation_cost_sum', labels)).toBe(36);
    expect(exposition.value('graphql_errors_total', { code: 'NOT_FOUND', operation_name: 'Feed' })).toBe(3);
    expect(exposition.value('http_requests_total', { method: 'POST', route: '/graphql', status: '200' })).toBe(3);
    expect(exposition.value('db_statement_duration_seconds_count', { command: 'select', outcome: 'ok' })).toBe(1);
    expect(exposition.types.get('nodejs_eventloop_lag_seconds')).toBe('gauge');
  });

  it('serves the sum of the workers of a node:cluster primary on one /metrics', async () => {
    const primary = spawnTsx('test/fixtures/cluster-metrics.ts', ['4'], {});
    try {
      await primary.waitFor(/cluster metrics at (\S+)/);
      const url = /cluster metrics at (\S+)/.exec(primary.stdout())![1];
      const exposition = parsePrometheusText(await (await fetch(url)).text());
      expect(exposition.value('graphql_request_duration_seconds_count', { operation_name: 'Feed', operation_type: 'query' })).toBe(8);
      expect(exposition.value('graphql_errors_total', { code: 'BAD_USER_INPUT', operation_name: 'Feed' })).toBe(8);
      expect(exposition.value('process_cpu_user_seconds_total')).toBeGreaterThan(0);
    } finally {
      primary.child.kill('SIGTERM');
      await primary.exited;
    }
  });
});
