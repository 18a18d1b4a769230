import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import { databaseKind } from './helpers/database.js';
import { observabilityConfig } from './helpers/log-capture.js';
import { startTestServer } from './helpers/server.js';

/**
 * Found by the hostile review: with OTEL_EXPORTER_OTLP_ENDPOINT set and the
 * collector failing (answering 404, or not answering at all), SIGTERM ended in
 * `{"level":"fatal", … "msg":"stopping failed"}` and exit code 1: the final
 * flush of spans rejected, and that rejection replaced the stop's report.
 * A collector that accepts the connection and never answers held the stop for
 * the exporter's own 10 s timeout, past SHUTDOWN_TIMEOUT_MS's accounting.
 * Traces are best effort: the stop must be clean and must not wait on them.
 */
async function startCollector(answer: 'never' | 'not found after the stop began') {
  let stopBegan = false;
  const held: http.ServerResponse[] = [];
  let received = 0;
  const server = http.createServer((req, res) => {
    received++;
    req.resume();
    if (answer === 'never') return void held.push(res);
    const respond = () => res.writeHead(404).end('Not Found');
    if (stopBegan) respond();
    else held.push(res);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    received: () => received,
    stopBegins() {
      stopBegan = true;
      if (answer !== 'never') for (const res of held.splice(0)) res.writeHead(404).end('Not Found');
    },
    close() {
      for (const res of held.splice(0)) res.destroy();
      server.closeAllConnections();
      return new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

describe(`stopping with a failing OTLP collector (${databaseKind})`, () => {
  for (const answer of ['not found after the stop began', 'never'] as const) {
    it(`stops cleanly when the collector answers ${answer}`, async () => {
      const collector = await startCollector(answer);
      const t = await startTestServer({ observability: observabilityConfig({ OTEL_EXPORTER_OTLP_ENDPOINT: collector.url }) });
      try {
        // Spans are exported in batches every second: wait until one export is in flight.
        while (collector.received() === 0) {
          expect((await t.gql('{ health { ok } }')).status).toBe(200);
          await new Promise((resolve) => setTimeout(resolve, 200));
        }
        await t.gql('{ health { ok } }'); // and leave more spans to flush at the stop
        const stopping = t.server.stop();
        collector.stopBegins();
        await expect(stopping).resolves.toEqual({ clean: true, abandoned: [] });
      } finally {
        await collector.close();
        await t.db.drop();
      }
    }, 60_000);
  }
});
