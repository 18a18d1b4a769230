// @own-process: counts the operation-name labels of the metrics, which are one per process (other files' operations would take some)
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ANONYMOUS_OPERATION, INVALID_OPERATION, OTHER_OPERATION } from '../src/observability/metric-labels.js';
import { databaseKind, onPostgres } from './helpers/database.js';
import { observabilityConfig } from './helpers/log-capture.js';
import { type Exposition, parsePrometheusText } from './helpers/prometheus-text.js';
import { startTestServer, type TestServer } from './helpers/server.js';

const SPECIAL_OPERATIONS = [ANONYMOUS_OPERATION, INVALID_OPERATION, OTHER_OPERATION];

async function scrape(url: string): Promise<Exposition> {
  const response = await fetch(url);
  expect(response.status).toBe(200);
  expect(response.headers.get('content-type')).toBe('text/plain; version=0.0.4; charset=utf-8');
  return parsePrometheusText(await response.text());
}

describe(`metrics (${databaseKind})`, () => {
  let t: TestServer;
  let metricsUrl: string;
  beforeAll(async () => {
    t = await startTestServer({ observability: observabilityConfig({ METRICS_MAX_OPERATION_NAMES: '100' }) });
    metricsUrl = t.url.replace(/\/graphql$/, '/metrics');
  });
  afterAll(() => t?.stop());

  it('serves /metrics as Prometheus text with every documented family', async () => {
    await t.gql('{ health { ok } }');
    const exposition = await scrape(metricsUrl);
    for (const [name, type] of Object.entries({
      http_requests_total: 'counter',
      http_requests_in_flight: 'gauge',
      graphql_request_duration_seconds: 'histogram',
      graphql_errors_total: 'counter',
      graphql_request_sql_statements: 'histogram',
      graphql_operation_cost: 'histogram',
      db_statement_duration_seconds: 'histogram',
      db_transaction_retries_total: 'counter',
      process_cpu_user_seconds_total: 'counter',
      process_resident_memory_bytes: 'gauge',
      nodejs_eventloop_lag_seconds: 'gauge',
      nodejs_eventloop_lag_p99_seconds: 'gauge',
    })) {
      expect(exposition.types.get(name), name).toBe(type);
    }
    // The embedded database has no pool; PostgreSQL's is reported.
    expect(exposition.types.has('db_pool_connections')).toBe(onPostgres);
  });

  it('moves its counters with requests, statements and errors', async () => {
    const before = await scrape(metricsUrl);
    const ok = await t.gql('query MetricsOk { health { ok } }');
    await t.gql('query MetricsOk { health { ok } }');
    const statements = ok.extensions!.sqlStatements!;
    expect(statements).toBeGreaterThan(0);
    const bad = await t.gql('query MetricsBad { users(first: 1000) { edges { cursor } } }');
    expect(bad.errors?.[0].extensions?.code).toBe('BAD_USER_INPUT');
    const unparsable = await t.gql('{ health(');
    expect(unparsable.status).toBe(400);
    const after = await scrape(metricsUrl);
    const delta = (name: string, labels: Record<string, string>) => after.value(name, labels) - before.value(name, labels);

    const okLabels = { operation_name: 'MetricsOk', operation_type: 'query' };
    expect(delta('graphql_request_duration_seconds_count', okLabels)).toBe(2);
    expect(delta('graphql_request_sql_statements_sum', okLabels)).toBe(2 * statements);
    expect(delta('graphql_request_sql_statements_bucket', { ...okLabels, le: '+Inf' })).toBe(2);
    expect(delta('graphql_errors_total', { code: 'BAD_USER_INPUT', operation_name: 'MetricsBad' })).toBe(1);
    expect(delta('graphql_errors_total', { code: 'GRAPHQL_PARSE_FAILED', operation_name: INVALID_OPERATION })).toBe(1);
    expect(delta('graphql_errors_total', { code: 'BAD_USER_INPUT', operation_name: 'MetricsOk' })).toBe(0);
    expect(delta('http_requests_total', { method: 'POST', route: '/graphql', status: '200' })).toBe(3);
    expect(delta('http_requests_total', { method: 'POST', route: '/graphql', status: '400' })).toBe(1);
    expect(delta('db_statement_duration_seconds_count', { command: 'select', outcome: 'ok' })).toBeGreaterThanOrEqual(2 * statements);
    // The scrape counts itself on the next scrape only, once it has ended.
    expect(after.value('http_requests_total', { method: 'GET', route: '/metrics', status: '200' })).toBeGreaterThan(0);
  });

  it('bounds the operation-name label against hostile names: thousands, huge, Unicode, reserved, unknown', async () => {
    const names = Array.from({ length: 150 }, (_, i) => `Hostile${i}_${'x'.repeat(i % 7)}`);
    const bodies: unknown[] = [
      ...names.map((name) => ({ query: `query ${name} { __typename }` })),
      { query: `query ${'L'.repeat(10_000)} { __typename }` },
      { query: 'query __anonymous { __typename }' },
      { query: 'query __other { __typename }' },
      { query: 'query Ünïcödé { __typename }' },
      { query: '{ __typename }', operationName: `\u202e${'名'.repeat(5000)}` },
      ...Array.from({ length: 30 }, (_, i) => ({ query: `query Invalid${i} { noSuchField }` })),
    ];
    const invalidBefore = (await scrape(metricsUrl)).value('graphql_request_duration_seconds_count', {
      operation_name: INVALID_OPERATION,
      operation_type: 'unknown',
    });
    for (let i = 0; i < bodies.length; i += 16) {
      await Promise.all(
        bodies.slice(i, i + 16).map((body) => fetch(t.url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) })),
      );
    }
    const exposition = await scrape(metricsUrl);
    const labels = new Set(exposition.find('graphql_request_duration_seconds_count').map((s) => s.labels.operation_name));
    const named = [...labels].filter((label) => !SPECIAL_OPERATIONS.includes(label));
    expect(named.length).toBe(100);
    for (const label of labels) expect(label).toMatch(/^[A-Za-z_][A-Za-z0-9_]{0,63}$/);
    expect(named.some((label) => label.startsWith('Invalid'))).toBe(false);
    expect(exposition.value('graphql_request_duration_seconds_count', { operation_name: OTHER_OPERATION, operation_type: 'query' })).toBeGreaterThanOrEqual(
      names.length - 100 + 3,
    );
    // The Unicode name (does not parse), the unknown operationName and the 30 documents that do not validate.
    expect(exposition.value('graphql_request_duration_seconds_count', { operation_name: INVALID_OPERATION, operation_type: 'unknown' }) - invalidBefore).toBe(32);
    // Every series stays bounded whatever clients send: the whole exposition is small.
    expect(exposition.samples.length).toBeLessThan(6000);
  });

  it.runIf(onPostgres)('reports the PostgreSQL pool: connections, size, waits and acquire times', async () => {
    const before = await scrape(metricsUrl);
    // 12 statements that each hold a connection for a moment, on a pool of 10: at least two must wait.
    await Promise.all(Array.from({ length: 12 }, () => t.sql('select pg_sleep(0.2)')));
    const after = await scrape(metricsUrl);
    expect(after.value('db_pool_max_connections')).toBeGreaterThanOrEqual(10);
    expect(after.value('db_pool_connections', { state: 'idle' }) + after.value('db_pool_connections', { state: 'in_use' })).toBeGreaterThan(0);
    expect(after.value('db_pool_waiting_requests')).toBe(0);
    expect(after.value('db_pool_waits_total') - before.value('db_pool_waits_total')).toBeGreaterThanOrEqual(2);
    expect(after.value('db_pool_acquire_duration_seconds_count') - before.value('db_pool_acquire_duration_seconds_count')).toBeGreaterThanOrEqual(12);
  });
});

describe('the metrics endpoint', () => {
  it('moves to a port of its own with METRICS_PORT (and leaves the GraphQL port)', async () => {
    const t = await startTestServer({ observability: observabilityConfig({ METRICS_PORT: '0', METRICS_HOST: '127.0.0.1' }) });
    try {
      const own = t.server.observability.metricsUrl!;
      expect(own).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/metrics$/);
      expect(new URL(own).port).not.toBe(new URL(t.url).port);
      await scrape(own);
      expect((await fetch(t.url.replace(/\/graphql$/, '/metrics'))).status).toBe(404);
      expect((await fetch(own.replace(/\/metrics$/, '/graphql'))).status).toBe(404);
      expect((await fetch(own, { method: 'POST' })).status).toBe(405);
    } finally {
      await t.stop();
    }
  });

  it('is absent with METRICS=false', async () => {
    const t = await startTestServer({ observability: observabilityConfig({ METRICS: 'false' }) });
    try {
      expect((await fetch(t.url.replace(/\/graphql$/, '/metrics'))).status).toBe(404);
      expect(t.server.observability.metrics).toBeUndefined();
    } finally {
      await t.stop();
    }
  });
});
