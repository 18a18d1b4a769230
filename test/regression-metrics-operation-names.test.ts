// @own-process: the metrics are one per process, and the cap on operation names is the first server's
import fs from 'node:fs';
import { Kind, parse } from 'graphql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OTHER_OPERATION } from '../src/observability/metric-labels.js';
import { databaseKind } from './helpers/database.js';
import { observabilityConfig } from './helpers/log-capture.js';
import { parsePrometheusText } from './helpers/prometheus-text.js';
import { startTestServer, type TestServer } from './helpers/server.js';

/**
 * Found by the hostile review: operation names got labels first come, first
 * served, so one anonymous client sending METRICS_MAX_OPERATION_NAMES made-up
 * names (`query Junk1 { __typename }`, … 100 requests) took every label for
 * the life of the process, and the application's own operations (Feed,
 * TagPage, …) were counted as `__other` from then on. The operations of
 * client/operations/ now always have their label, outside the cap.
 */
const ownOperation = (() => {
  const source = fs.readFileSync('client/operations/feed.graphql', 'utf8');
  const operation = parse(source).definitions.find((definition) => definition.kind === Kind.OPERATION_DEFINITION);
  return operation!.name!.value;
})();

describe(`operation-name labels cannot be squatted (${databaseKind})`, () => {
  let t: TestServer;
  beforeAll(async () => {
    t = await startTestServer({ observability: observabilityConfig({ METRICS_MAX_OPERATION_NAMES: '3' }) });
  });
  afterAll(() => t?.stop());

  it("keeps the labels of client/operations' operations after made-up names fill the cap", async () => {
    for (let i = 0; i < 5; i++) expect((await t.gql(`query Squat${i} { __typename }`)).status).toBe(200);
    expect((await t.gql(`query ${ownOperation} { __typename }`)).status).toBe(200);
    const text = await (await fetch(t.url.replace(/\/graphql$/, '/metrics'))).text();
    const exposition = parsePrometheusText(text);
    const count = (name: string) => exposition.value('graphql_request_duration_seconds_count', { operation_name: name, operation_type: 'query' });
    expect(count(ownOperation)).toBe(1);
    expect(count(OTHER_OPERATION)).toBe(2); // Squat3 and Squat4: the cap still holds for made-up names
    const labelled = new Set([...text.matchAll(/operation_name="([^"]*)"/g)].map((match) => match[1]));
    expect([...labelled].filter((name) => name.startsWith('Squat'))).toHaveLength(3);
  });
});
