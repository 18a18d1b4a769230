import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { AggregatorRegistry, type MetricObjectWithValues, type MetricValue, Registry } from 'prom-client';
import type { Logger } from 'pino';

/** Produces the exposition text of one scrape. */
export type CollectMetrics = () => Promise<string>;

/** Answers `GET /metrics` with `collect()`'s text; 405 for other methods, 500 (logged) if collecting fails. */
export async function serveMetrics(req: http.IncomingMessage, res: http.ServerResponse, collect: CollectMetrics, logger: Logger): Promise<void> {
  if (req.method !== 'GET' && req.method !== 'HEAD') {
    res.writeHead(405, { allow: 'GET, HEAD', 'content-type': 'text/plain' });
    res.end('Use GET /metrics.\n');
    return;
  }
  try {
    const text = await collect();
    res.writeHead(200, { 'content-type': Registry.PROMETHEUS_CONTENT_TYPE });
    res.end(req.method === 'HEAD' ? undefined : text);
  } catch (error) {
    logger.error({ err: error }, 'collecting metrics failed');
    res.writeHead(500, { 'content-type': 'text/plain' });
    res.end('Collecting metrics failed; see the server log.\n');
  }
}

export interface MetricsServer {
  /** `http://host:port/metrics` */
  url: string;
  close(): Promise<void>;
}

/**
 * `/metrics` on a port of its own (METRICS_PORT), so it can stay inside the
 * cluster network while the GraphQL port is public. Every other path is 404.
 */
export async function startMetricsServer(port: number, host: string, collect: CollectMetrics, logger: Logger): Promise<MetricsServer> {
  const server = http.createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    if (path !== '/metrics') {
      res.writeHead(404, { 'content-type': 'text/plain' });
      res.end('Not found. Metrics are at /metrics.\n');
      return;
    }
    void serveMetrics(req, res, collect, logger);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve());
  });
  const address = server.address() as AddressInfo;
  const shownHost = host === '0.0.0.0' || host === '::' ? 'localhost' : host.includes(':') ? `[${host}]` : host;
  return {
    url: `http://${shownHost}:${address.port}/metrics`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

/** The aggregation itself, on registries' JSON snapshots (what the workers send to the primary). */
export function aggregateMetrics(snapshots: MetricObjectWithValues<MetricValue<string>>[][]): Registry {
  return AggregatorRegistry.aggregate(snapshots);
}
