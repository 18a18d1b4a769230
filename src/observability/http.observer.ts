import type http from 'node:http';
import type { Logger } from 'pino';
import { printable } from './log-redaction.js';
import { routeLabel } from './metric-labels.js';
import type { ServerMetrics } from './metrics.js';
import { acceptRequestId, REQUEST_ID_HEADER } from './request-id.js';
import { runObserved, type RequestObservation } from './request.observation.js';
import type { Tracing } from './tracing.js';

export interface HttpObserverOptions {
  logger: Logger;
  metrics: ServerMetrics | undefined;
  tracing: Tracing | undefined;
  /** Operations at least this slow log a `slow operation` warning; undefined: never. */
  slowOperationMs: number | undefined;
}

/** Probes and scrapes: their lines are `debug`, not `info`, so they do not drown the request log. */
const QUIET_ROUTES = new Set(['/healthz', '/readyz', '/metrics']);

/**
 * Wraps each HTTP request: gives it a request id (the client's valid
 * `x-request-id` or a new one, echoed in the response), a server span when
 * tracing is on, and when the response ends (or the client goes away) one
 * log line, the request metrics and, past the threshold, a slow-operation
 * warning.
 */
export class HttpObserver {
  constructor(private readonly options: HttpObserverOptions) {}

  observe<T>(req: http.IncomingMessage, res: http.ServerResponse, handle: () => Promise<T>): Promise<T> {
    const { logger, metrics, tracing } = this.options;
    const requestId = acceptRequestId(req.headers[REQUEST_ID_HEADER]);
    res.setHeader(REQUEST_ID_HEADER, requestId);
    const path = pathOf(req.url);
    const observation: RequestObservation = {
      requestId,
      log: logger.child({ requestId }),
      startedAt: performance.now(),
      statements: 0,
      graphql: undefined,
      httpErrorCodes: [],
      tracing,
      span: tracing?.startRequestSpan(`${req.method ?? 'GET'} ${routeLabel(path)}`, req.headers, {
        'http.request.method': req.method ?? 'GET',
        'url.path': path,
        'http.route': routeLabel(path),
        'contentgraph.request_id': requestId,
      }),
      phaseSpan: undefined,
    };
    metrics?.httpInFlight.inc();
    // Read now: once the response closes, a destroyed socket (e.g. after a 413) is gone from the request.
    const remoteAddress = req.socket?.remoteAddress;
    res.once('close', () => {
      // Observing must never take the process down: an error here is logged, not thrown from an event handler.
      try {
        this.finish(observation, req, res, path, remoteAddress);
      } catch (error) {
        logger.error({ err: error }, 'observing a finished request failed');
      }
    });
    return runObserved(observation, handle);
  }

  private finish(observation: RequestObservation, req: http.IncomingMessage, res: http.ServerResponse, path: string, remoteAddress: string | undefined): void {
    const { metrics, slowOperationMs } = this.options;
    const durationMs = performance.now() - observation.startedAt;
    const status = res.statusCode;
    const aborted = !res.writableFinished;
    const graphql = observation.graphql;
    const errorCodes = [...observation.httpErrorCodes, ...(graphql?.errorCodes ?? [])];
    if (metrics) {
      metrics.httpInFlight.dec();
      metrics.recordRequest({
        method: req.method,
        path,
        status,
        durationSeconds: durationMs / 1000,
        graphql:
          graphql || observation.httpErrorCodes.length
            ? {
                operationName: graphql?.operationName ?? null,
                operationType: graphql?.operationType,
                resolved: graphql?.resolved ?? false,
                statements: observation.statements,
                cost: typeof graphql?.cost?.cost === 'number' ? graphql.cost.cost : undefined,
                errorCodes,
              }
            : undefined,
      });
    }
    const span = observation.span;
    if (span) {
      span.setAttribute('http.response.status_code', status);
      if (status >= 500 || aborted) observation.tracing!.fail(span, aborted ? 'client closed the connection' : `HTTP ${status}`);
      span.end();
    }
    const fields: Record<string, unknown> = {
      method: req.method,
      path,
      status,
      durationMs: Math.round(durationMs * 100) / 100,
      statements: observation.statements,
    };
    if (graphql) {
      fields.operationName = graphql.operationName;
      fields.operationType = graphql.operationType;
      if (graphql.userId !== undefined) fields.userId = graphql.userId;
      if (graphql.cost) fields.cost = graphql.cost;
    }
    if (errorCodes.length) fields.errorCodes = errorCodes;
    if (aborted) fields.aborted = true;
    if (span) fields.traceId = span.spanContext().traceId;
    fields.remoteAddress = remoteAddress;
    const log = observation.log;
    if (status >= 500) log.error(fields, 'request failed');
    else if (QUIET_ROUTES.has(routeLabel(path))) log.debug(fields, 'request completed');
    else log.info(fields, 'request completed');
    if (graphql && slowOperationMs !== undefined && durationMs >= slowOperationMs) {
      log.warn(
        {
          operationName: graphql.operationName,
          operationType: graphql.operationType,
          durationMs: fields.durationMs,
          statements: observation.statements,
          cost: graphql.cost,
          phases: graphql.phases,
          thresholdMs: slowOperationMs,
        },
        'slow operation',
      );
    }
  }
}

/**
 * The path without the query string (a GET request's query string holds the
 * operation and its variables), printable ASCII, at most 200 characters.
 */
function pathOf(url: string | undefined): string {
  const raw = url ?? '/';
  const end = raw.indexOf('?');
  const path = printable(end >= 0 ? raw.slice(0, end) : raw);
  return path.length > 200 ? `${path.slice(0, 200)}...` : path;
}
