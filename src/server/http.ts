import { requestHostRefusal } from './pipeline/allowed-hosts.js';
import http from 'node:http';
import { HeaderMap, type ApolloServer, type HTTPGraphQLResponse } from '@apollo/server';
import type { GraphQLError } from 'graphql';
import { ServiceUnavailableError, TimeoutError } from '../generic/errors.js';
import type { AppConfig } from './config.js';
import type { AppContext, RequestInfo } from './context.js';
import { identifyClient } from './pipeline/client-key.js';
import type { VerifiedTokens } from './pipeline/verified-tokens.js';
import { CorsPolicy } from './pipeline/cors.js';
import type { DatabaseHealth } from './pipeline/database-health.js';
import { RequestDeadline, runWithDeadline } from './pipeline/request-deadline.js';
import type { ReplicaStatus } from './replica.driver.js';
import { RequestRoute, runWithRoute } from './replica.route.js';
import type { Observability } from '../observability/observability.js';
import { noteHttpErrorCode } from '../observability/request.observation.js';
import { runCountingStatements } from './statement-counter.js';

const MAX_BODY_BYTES = 1024 * 1024;

class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly code = 'BAD_REQUEST',
  ) {
    super(message);
  }
}

export interface HttpFront {
  server: http.Server;
  /** Requests whose handling has not finished (answered or not: a request past its deadline may still run). */
  inFlight(): number;
  /** GraphQL requests (to /graphql) received since the server started: not probes, scrapes or other paths. */
  requestsStarted(): number;
  /** GraphQL requests whose handling has finished (started − finished are in flight). */
  requestsFinished(): number;
  /**
   * The server is stopping: every response not yet sent, and every one after,
   * says `Connection: close`, so no client sends another request on a
   * kept-alive connection the drain is about to end.
   */
  beginStop(): void;
}

export interface HttpServerOptions {
  getApollo: () => ApolloServer<AppContext>;
  createContext: (request: RequestInfo) => Promise<AppContext>;
  config: AppConfig;
  health: DatabaseHealth;
  observability: Observability;
  /** Tokens seen to authenticate: only they are budgeted apart from their address. */
  verifiedTokens: VerifiedTokens;
  /** The read replicas' state for /readyz (DATABASE_REPLICA_URLS); undefined without replicas. */
  replicas?: () => Promise<ReplicaStatus[]>;
}

/**
 * The HTTP front of the server: `/graphql` (Apollo Server, including the
 * Sandbox landing page on GET in development), `/healthz` (liveness: the
 * process serves) and `/readyz` (readiness: the database answers). Every
 * GraphQL request gets CORS handling, a client key for its budget and a
 * deadline: at the deadline it is answered TIMEOUT (HTTP 504), or
 * SERVICE_UNAVAILABLE (503) when the database server has stopped answering.
 * While the database server is known to be down, requests get 503 at once.
 */
export function createHttpServer(options: HttpServerOptions): HttpFront {
  const { config, health, observability } = options;
  const cors = new CorsPolicy(config.corsOrigins);
  // Only a database server can be unreachable; the embedded PGlite is at worst busy (504 TIMEOUT).
  const remoteDatabase = Boolean(config.databaseUrl);
  let inFlight = 0;
  let started = 0;
  let finished = 0;
  let stopping = false;
  const unanswered = new Set<http.ServerResponse>();
  const server = http.createServer((req, res) => {
    inFlight++;
    if (stopping) res.setHeader('connection', 'close');
    unanswered.add(res);
    res.once('close', () => unanswered.delete(res)); // after 'finish', or on its own when the client went away
    // Observability: request id, span, log line and metrics around the whole request.
    void observability.http
      .observe(req, res, () =>
        handle(req, res).catch((error: unknown) => {
          const status = error instanceof HttpError ? error.status : 500;
          const message = error instanceof HttpError ? error.message : 'Internal server error';
          const code = error instanceof HttpError ? error.code : 'INTERNAL_SERVER_ERROR';
          if (!(error instanceof HttpError)) observability.log.error({ err: error }, 'unexpected error answering a request');
          noteHttpErrorCode(code);
          if (!res.headersSent) {
            res.writeHead(status, { 'content-type': 'application/json' });
          }
          res.end(JSON.stringify({ errors: [{ message, extensions: { code } }] }));
        }),
      )
      .finally(() => inFlight--);
  });
  // A client that trickles its request in holds a socket, not the database: bound it anyway.
  server.headersTimeout = 15_000;
  server.requestTimeout = Math.max(30_000, config.requestTimeoutMs + 5_000);
  return {
    server,
    inFlight: () => inFlight,
    requestsStarted: () => started,
    requestsFinished: () => finished,
    beginStop() {
      stopping = true;
      for (const res of unanswered) if (!res.headersSent) res.setHeader('connection', 'close');
    },
  };

  async function handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://localhost');
    if (url.pathname === '/healthz') {
      res.writeHead(200, { 'content-type': 'application/json', 'cache-control': 'no-store' });
      res.end('{"ok":true}');
      return;
    }
    if (url.pathname === '/readyz') {
      // Readiness is the primary's: a replica that is down takes no reads (they go to the primary), so it is
      // listed, not a reason to take this instance out of the load balancer.
      const [state, replicas] = await Promise.all([health.check(), options.replicas?.()]);
      res.writeHead(state.ok ? 200 : 503, { 'content-type': 'application/json', 'cache-control': 'no-store' });
      res.end(
        JSON.stringify({
          ok: state.ok,
          database: config.databaseUrl ? 'postgresql' : 'pglite',
          latencyMs: state.latencyMs,
          ...(state.error ? { error: state.error } : {}),
          ...(replicas ? { replicas } : {}),
        }),
      );
      return;
    }
    if (observability.handleMetricsRequest(req, res, url.pathname)) return;
    // After the probes and /metrics (load balancers and orchestrators call them by address): everything else answers to ALLOWED_HOSTS only.
    const refusedHost = requestHostRefusal(config.allowedHosts, req);
    if (refusedHost) throw new HttpError(400, `Request refused: ${refusedHost}.`, 'BAD_REQUEST');
    if (url.pathname !== '/graphql' && url.pathname !== '/graphql/') {
      res.writeHead(404, { 'content-type': 'text/plain' });
      res.end('Not found. The GraphQL endpoint is /graphql.\n');
      return;
    }
    // Only GraphQL requests are activity for the idle memory release (idle-memory.ts): probes, scrapes and
    // other paths (a load balancer's health check on `/`, a 404 `/metrics` when METRICS_PORT serves it)
    // neither keep it waiting nor trigger it again.
    started++;
    try {
      await graphql(req, res, url);
    } finally {
      finished++;
    }
  }

  async function graphql(req: http.IncomingMessage, res: http.ServerResponse, url: URL): Promise<void> {
    if (req.method === 'OPTIONS' && req.headers['access-control-request-method']) {
      cors.preflight(req, res);
      return;
    }
    cors.decorate(req, res);
    const headers = new HeaderMap();
    for (const [key, value] of Object.entries(req.headers)) {
      if (value !== undefined) headers.set(key, Array.isArray(value) ? value.join(', ') : value);
    }
    const body = req.method === 'POST' ? await readJsonBody(req) : undefined;
    if (remoteDatabase && health.knownDown() && !(await health.check()).ok) {
      await send(res, errorResponse(503, new ServiceUnavailableError()));
      return;
    }
    const deadline = new RequestDeadline(config.requestTimeoutMs);
    const client = identifyClient(req, config.trustProxy, options.verifiedTokens);
    const request: RequestInfo = { authorization: headers.get('authorization'), clientKey: client.key, tokenKey: client.tokenKey, deadline };
    const execute = () =>
      options.getApollo().executeHTTPGraphQLRequest({
        httpGraphQLRequest: { method: req.method ?? 'GET', headers, search: url.search, body },
        context: () => options.createContext(request),
      });
    const counted = () => (config.statementCounts ? runCountingStatements(execute) : execute());
    // With read replicas, its reads go to one until it is pinned to the primary (replica.route.ts); without, no route to carry.
    const routed = config.replicas.length > 0 ? () => runWithRoute(new RequestRoute(), counted) : counted;
    const execution = runWithDeadline(deadline, routed);
    const response = await deadline.race(
      execution,
      () =>
        remoteDatabase && health.knownDown(config.requestTimeoutMs)
          ? errorResponse(503, new ServiceUnavailableError())
          : errorResponse(504, new TimeoutError(config.requestTimeoutMs)),
      // Halfway through, ask whether the database server still answers, so that
      // the deadline can tell a dead database (503) from a slow request (504).
      remoteDatabase ? () => void health.check(500, Math.min(health.timeoutMs, Math.max(50, deadline.remainingMs - 50))) : undefined,
    );
    // A request that found the database gone: look again now, so /readyz and the
    // next requests know (and see it come back) without waiting for the cache.
    if (remoteDatabase && response.status === 503) void health.check(0);
    await send(res, response);
  }
}

async function send(res: http.ServerResponse, response: HTTPGraphQLResponse): Promise<void> {
  for (const [key, value] of response.headers) res.setHeader(key, value);
  res.statusCode = response.status ?? 200;
  if (response.body.kind === 'complete') {
    res.end(response.body.string);
    return;
  }
  for await (const chunk of response.body.asyncIterator) res.write(chunk);
  res.end();
}

/** A complete GraphQL error response for one of the pipeline's errors (headers from its `http` extension). */
function errorResponse(status: number, error: GraphQLError): HTTPGraphQLResponse {
  const { http: head, ...extensions } = error.extensions as { http?: { headers?: Map<string, string> }; code?: unknown };
  noteHttpErrorCode(String(extensions.code)); // answered here, not by Apollo: the log line and the error metric still see it
  return {
    status,
    headers: new HeaderMap([['content-type', 'application/json; charset=utf-8'], ...(head?.headers ?? [])]),
    body: { kind: 'complete', string: JSON.stringify({ errors: [{ message: error.message, extensions }] }) },
  };
}

async function readJsonBody(req: http.IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY_BYTES) throw new HttpError(413, `Request body is larger than ${MAX_BODY_BYTES} bytes; send a smaller operation.`, 'PAYLOAD_TOO_LARGE');
    chunks.push(chunk as Buffer);
  }
  const text = Buffer.concat(chunks).toString('utf8');
  const type = req.headers['content-type'] ?? '';
  if (!type.includes('application/json')) return text;
  if (text.trim() === '') throw new HttpError(400, 'Request body is empty; send a JSON object with a `query`.');
  try {
    return JSON.parse(text);
  } catch {
    throw new HttpError(400, 'Request body is not valid JSON.');
  }
}
