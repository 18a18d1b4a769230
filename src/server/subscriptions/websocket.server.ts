import type http from 'node:http';
import type { Duplex } from 'node:stream';
import { type DocumentNode, type ExecutionArgs, GraphQLError, type GraphQLSchema, getOperationAST, parse, validate } from 'graphql';
import { CloseCode, type Context } from 'graphql-ws';
import { type Extra, useServer } from 'graphql-ws/use/ws';
import { WebSocketServer, type WebSocket } from 'ws';
import { currentTokenRoles } from '../../accounts/api-token.service.js';
import type { User } from '../../accounts/user.entity.js';
import { AppError, UnauthenticatedError } from '../../generic/errors.js';
import { type EventContext, processEventHub, topicOf } from '../../generic/events.js';
import type { Observability } from '../../observability/observability.js';
import type { AppConfig } from '../config.js';
import { type AppContext, type AppServices, createContext } from '../context.js';
import { formatError } from '../apollo.js';
import { addressKey, bearerToken, clientAddress } from '../pipeline/client-key.js';
import { requestHostRefusal } from '../pipeline/allowed-hosts.js';
import { CorsPolicy } from '../pipeline/cors.js';
import type { CostBudget } from '../pipeline/cost-budget.js';
import { analyzeOperation, tooManyTokens } from '../pipeline/operation-cost.js';
import type { VerifiedTokens } from '../pipeline/verified-tokens.js';
import { rootEm } from '../orm.js';

/** What a subscription's resolvers see: a request's context plus the server's event topics. */
type SubscriptionContext = AppContext & EventContext;

/** What one connection knows after `connection_init`. */
interface ConnectionState {
  authorization: string | undefined;
  /** Whom its subscriptions' cost is charged to: the token (verified) or the address. */
  clientKey: string;
  tokenKey: string | undefined;
  /** Subscription ids that are running (counted in the gauge). */
  active: Set<string>;
}

/** A connection that authenticated with a token: what `SUBSCRIPTIONS_TOKEN_RECHECK_MS` checks again. */
interface Authenticated {
  tokenHash: string;
  /** The user's role when the connection authenticated: the subscriptions' results were shaped by it. */
  role: string;
}

type ConnectionContext = Context<Record<string, unknown> | undefined, Extra & { state?: ConnectionState; address?: string }>;

export interface SubscriptionServer {
  /** Open WebSocket connections now. */
  connections(): number;
  /** Active subscriptions of this server to inserts into `table` (activity_entry, comment). */
  subscribers(table: string): number;
  /** Open connections that authenticated with a token (what SUBSCRIPTIONS_TOKEN_RECHECK_MS checks again). */
  authenticated(): number;
  /** Closes every connection (1001 Going away) and stops accepting upgrades. */
  dispose(): Promise<void>;
}

export interface SubscriptionServerOptions {
  httpServer: http.Server;
  schema: GraphQLSchema;
  services: AppServices;
  budget: CostBudget | undefined;
  verifiedTokens: VerifiedTokens;
  observability: Observability;
  /** This server's topic prefix (EventContext.eventSource). */
  source: string;
}

/** A close reason fits in 123 bytes (RFC 6455); longer ones are cut. */
function closeReason(text: string): string {
  let reason = text;
  while (Buffer.byteLength(reason) > 123) reason = reason.slice(0, -2) + '…';
  return reason;
}

/**
 * GraphQL over WebSocket with the graphql-ws protocol (`graphql-transport-ws`,
 * what Apollo Client's GraphQLWsLink and Apollo Sandbox speak) on the HTTP
 * server's `/graphql`, for subscriptions only (queries and mutations go over
 * HTTP, where deadlines apply). Every limit of an HTTP request applies to a
 * `subscribe` message too, through the same code: the token limit at parse,
 * validation, then depth, aliases, fields and cost (QUERY_TOO_COMPLEX) and the
 * client's budget (RATE_LIMITED), charged once per subscription. On top:
 *
 * - the browser's `Origin`: a page whose origin is not in CORS_ORIGINS (nor
 *   this server's own) gets 403 before any WebSocket exists (`originRefusal`);
 * - connections per process and per client address: over the limit the
 *   upgrade is accepted and closed at once with 4429;
 * - `connection_init` within SUBSCRIPTIONS_INIT_TIMEOUT_MS (else 4408); its
 *   payload may carry the API token as `{ authorization: "Bearer …" }` or
 *   `{ token: "…" }` (or the upgrade request's Authorization header): a
 *   malformed payload closes with 4400, an unknown or revoked token with 4403;
 *   without one the connection is anonymous, as queries may be; the tokens
 *   of open connections are checked again every SUBSCRIPTIONS_TOKEN_RECHECK_MS
 *   (revoked, user deleted, role changed: 4403);
 * - subscriptions per connection (TOO_MANY_SUBSCRIPTIONS), message size (1009)
 *   and messages per 10 s (4429);
 * - graphql-ws's own checks: malformed JSON and unknown message types 4400,
 *   subscribe before the acknowledgement 4401, a duplicate id 4409, a second
 *   `connection_init` 4429;
 * - a WebSocket ping every SUBSCRIPTIONS_KEEPALIVE_MS (a client that does not
 *   answer is dropped) and graphql-ws ping/pong messages.
 *
 * On disconnect graphql-ws ends every subscription of the connection, which
 * removes its listeners from the hub; the per-event loaders belong to the
 * events, not to connections.
 */
export function startSubscriptionServer(options: SubscriptionServerOptions): SubscriptionServer {
  const { httpServer, schema, services, budget, verifiedTokens, observability, source } = options;
  const config: AppConfig = services.config;
  const limits = config.subscriptions;
  const metrics = observability.metrics;
  const log = observability.log;
  const wss = new WebSocketServer({ noServer: true, maxPayload: limits.maxMessageBytes, perMessageDeflate: false });
  const cors = new CorsPolicy(config.corsOrigins);
  const authenticated = new Map<WebSocket, Authenticated>();
  /** The check running now: `dispose` waits for it, so its statement never runs after the ORM is closed. */
  let checking: Promise<void> | undefined;
  const recheck =
    limits.tokenRecheckMs > 0
      ? setInterval(() => {
          checking ??= recheckTokens().finally(() => (checking = undefined));
        }, limits.tokenRecheckMs)
      : undefined;
  recheck?.unref();

  /**
   * Tokens are checked at `connection_init`; a connection then stays open for
   * hours. So every SUBSCRIPTIONS_TOKEN_RECHECK_MS the tokens of the open
   * connections are checked again, all in one statement on the primary: a
   * connection whose token was revoked (`tokens:revoke`), whose user was
   * deleted, or whose user's role changed (its results were shaped by the old
   * role) is closed with 4403 and the reason; the client reconnects with a
   * valid token, or anonymously. A database that does not answer closes
   * nothing (the next check tries again).
   */
  async function recheckTokens(): Promise<void> {
    if (authenticated.size === 0) return;
    try {
      // The connections open now: one that authenticates while the statement runs may have seen a newer
      // role than its answer, and is judged by the next check, not by this one.
      const checked = [...authenticated];
      const hashes = [...new Set(checked.map(([, a]) => a.tokenHash))];
      const roles = await currentTokenRoles(rootEm(services.orm), hashes); // a statement on the connection: no fork needed
      for (const [socket, entry] of checked) {
        if (authenticated.get(socket) !== entry) continue; // closed meanwhile
        const { tokenHash, role } = entry;
        const now = roles.get(tokenHash);
        if (now === role) continue;
        authenticated.delete(socket);
        const reason = now === undefined ? 'The API token was revoked (or its user deleted).' : `Your role changed (${role} → ${now}): reconnect.`;
        socket.close(CloseCode.Forbidden, closeReason(reason)); // 4403
      }
    } catch (error) {
      log.warn({ err: error }, 'subscriptions: checking the tokens of open connections failed; they stay open until the next check');
    }
  }
  const perAddress = new Map<string, number>();
  let open = 0;

  const onUpgrade = (req: http.IncomingMessage, socket: Duplex, head: Buffer) => {
    const path = new URL(req.url ?? '/', 'http://localhost').pathname;
    if (path !== '/graphql' && path !== '/graphql/') {
      refuseUpgrade(socket, '404 Not Found', 'Not found. The GraphQL endpoint is /graphql.\n');
      return;
    }
    const refusedHost = requestHostRefusal(config.allowedHosts, req);
    if (refusedHost) {
      refuseUpgrade(socket, '400 Bad Request', `WebSocket refused: ${refusedHost}.\n`);
      return;
    }
    const refusal = originRefusal(req, cors);
    if (refusal) {
      refuseUpgrade(socket, '403 Forbidden', `WebSocket refused: ${refusal}.\n`);
      return;
    }
    socket.on('error', () => socket.destroy());
    const address = addressKey(clientAddress(req, config.trustProxy));
    wss.handleUpgrade(req, socket, head, (ws) => {
      const fromAddress = perAddress.get(address) ?? 0;
      if (open >= limits.maxConnections || fromAddress >= limits.maxConnectionsPerAddress) {
        const reason =
          open >= limits.maxConnections
            ? `Too many connections: this server takes ${limits.maxConnections}; try another or later.`
            : `Too many connections from your address (${limits.maxConnectionsPerAddress}); close some first.`;
        ws.on('error', () => undefined); // what it still sends until the close completes is of no interest
        ws.close(CloseCode.TooManyInitialisationRequests, closeReason(reason)); // 4429
        return;
      }
      open++;
      perAddress.set(address, fromAddress + 1);
      metrics?.wsConnections.inc();
      ws.once('close', () => {
        open--;
        const left = (perAddress.get(address) ?? 1) - 1;
        if (left <= 0) perAddress.delete(address);
        else perAddress.set(address, left);
        metrics?.wsConnections.dec();
      });
      guardSocket(ws, limits.maxMessagesPer10s, log);
      wss.emit('connection', ws, Object.assign(req, { contentgraphAddress: address }));
    });
  };
  httpServer.on('upgrade', onUpgrade);

  const refuse = (errors: readonly GraphQLError[]) => {
    metrics?.subscriptionMessages.inc({ outcome: 'error' });
    return errors;
  };

  const cleanup = useServer<Record<string, unknown> | undefined, { state?: ConnectionState; address?: string }>(
    {
      schema,
      isProd: !config.development,
      connectionInitWaitTimeout: limits.initTimeoutMs,
      onConnect: async (ctx: ConnectionContext) => {
        const socket = ctx.extra.socket;
        const params = ctx.connectionParams;
        const { authorization, problem } = readAuthorization(params, ctx.extra.request.headers.authorization);
        if (problem) {
          socket.close(CloseCode.BadRequest, closeReason(problem));
          return false;
        }
        const address = (ctx.extra.request as { contentgraphAddress?: string }).contentgraphAddress ?? 'unknown';
        const bearer = bearerToken(authorization);
        const tokenKey = bearer?.key;
        if (authorization) {
          const context = createContext(services, { authorization, clientKey: `ip:${address}` });
          let user: User;
          try {
            user = await context.auth.requireUser();
          } catch (error) {
            const message = error instanceof UnauthenticatedError ? error.message : 'The API token could not be checked; try again.';
            if (!(error instanceof UnauthenticatedError)) log.warn({ err: error }, 'subscriptions: checking a token in connection_init failed');
            socket.close(error instanceof UnauthenticatedError ? CloseCode.Forbidden : CloseCode.InternalServerError, closeReason(message));
            return false;
          }
          if (tokenKey) verifiedTokens.add(tokenKey);
          // Only a socket still open: one the client closed while its token was being checked has
          // emitted 'close' already, and would stay in the map (and in every check) for ever.
          if (bearer && socket.readyState === socket.OPEN) {
            authenticated.set(socket, { tokenHash: bearer.hash, role: user.role });
            socket.once('close', () => authenticated.delete(socket));
          }
        }
        ctx.extra.state = { authorization, clientKey: tokenKey ?? `ip:${address}`, tokenKey, active: new Set() };
        return true;
      },
      onSubscribe: async (ctx: ConnectionContext, id, payload): Promise<ExecutionArgs | readonly GraphQLError[]> => {
        const state = ctx.extra.state!;
        if (Object.keys(ctx.subscriptions).length > limits.maxPerConnection) {
          return refuse([
            new AppError(
              `Too many subscriptions on this connection: at most ${limits.maxPerConnection} at once. Complete one first, or open another connection.`,
              'TOO_MANY_SUBSCRIPTIONS',
              { maximum: limits.maxPerConnection },
            ),
          ]);
        }
        let document: DocumentNode;
        try {
          document = parse(payload.query, { maxTokens: config.limits.maxTokens });
        } catch (error) {
          if (error instanceof GraphQLError && /Document contains more th(?:an|at) \d+ tokens/.test(error.message)) {
            return refuse([tooManyTokens(config.limits.maxTokens)]);
          }
          const message = error instanceof GraphQLError ? error.message : 'The document could not be parsed.';
          return refuse([new AppError(message, 'GRAPHQL_PARSE_FAILED')]);
        }
        const invalid = validate(schema, document);
        if (invalid.length) {
          // Without GRAPHQL_SUGGESTIONS, no "Did you mean …?" (as Apollo does over HTTP).
          const text = (message: string) => (config.suggestions ? message : message.replace(/ ?Did you mean(.+?)\?$/, ''));
          return refuse(invalid.slice(0, 10).map((error) => new AppError(text(error.message), 'GRAPHQL_VALIDATION_FAILED')));
        }
        const operation = getOperationAST(document, payload.operationName ?? undefined);
        if (!operation) return refuse([new AppError('Name the operation to run (`operationName`): the document has several, or none.', 'BAD_REQUEST')]);
        if (operation.operation !== 'subscription') {
          return refuse([
            new AppError(`Only subscriptions run over WebSocket; send ${operation.operation === 'query' ? 'queries' : 'mutations'} over HTTP POST to /graphql.`, 'BAD_REQUEST'),
          ]);
        }
        const contextValue: SubscriptionContext = {
          ...createContext(services, { authorization: state.authorization, clientKey: state.clientKey, tokenKey: state.tokenKey }),
          eventSource: source,
        };
        try {
          contextValue.cost = analyzeOperation(schema, document, payload, config.limits);
          if (budget) contextValue.budget = await budget.charge(state.clientKey, contextValue.cost.cost);
        } catch (error) {
          if (error instanceof GraphQLError) return refuse([error]);
          throw error;
        }
        return { schema, document, operationName: payload.operationName, variableValues: payload.variables, contextValue };
      },
      onOperation: (ctx: ConnectionContext, id, _payload, _args, result) => {
        if (result && typeof result === 'object' && Symbol.asyncIterator in result) {
          ctx.extra.state!.active.add(id);
          metrics?.subscriptions.inc();
        }
      },
      onComplete: (ctx: ConnectionContext, id) => {
        if (ctx.extra.state?.active.delete(id)) metrics?.subscriptions.dec();
      },
      onNext: (_ctx, _id, _payload, _args, result) => {
        metrics?.subscriptionMessages.inc({ outcome: 'next' });
        if (!result.errors?.length) return;
        return {
          ...result,
          errors: result.errors.map((error) =>
            // An error of the request itself (variables that do not fit), not of a resolver: the client's to fix, as over HTTP.
            !error.path && !error.extensions?.code
              ? { message: error.message, locations: error.locations, extensions: { code: 'BAD_USER_INPUT' } }
              : formatError(error.toJSON(), error, config, observability),
          ),
        };
      },
      onError: (ctx: ConnectionContext, _id, _payload, errors) => {
        // A send to a client that dropped its connection failed (ECONNRESET, EPIPE, ECANCELED) and ended the subscription:
        // nothing is sent any more, so nothing to format; not a resolver's error to log (any client could fill the log with it).
        const socketError = (error: GraphQLError) => /^(E[A-Z]+|ERR_STREAM_[A-Z_]+)$/.test(String((error.originalError as { code?: unknown } | undefined)?.code));
        if (ctx.extra.socket.readyState !== ctx.extra.socket.OPEN && errors.every(socketError)) return errors;
        // `extensions.http` (status, headers) is for HTTP responses only.
        return errors.map((error) => {
          const { http: _http, ...extensions } = (error.extensions ?? {}) as Record<string, unknown>;
          return formatError({ ...error.toJSON(), extensions }, error, config, observability);
        });
      },
      onClose: (ctx: ConnectionContext) => {
        const state = ctx.extra.state;
        if (state) for (const _ of state.active) metrics?.subscriptions.dec();
        state?.active.clear();
      },
    },
    wss,
    limits.keepAliveMs > 0 ? limits.keepAliveMs : Infinity,
  );

  return {
    connections: () => open,
    subscribers: (table) => processEventHub.listenerCount(topicOf(source, table)),
    authenticated: () => authenticated.size,
    dispose: async () => {
      if (recheck) clearInterval(recheck);
      httpServer.off('upgrade', onUpgrade);
      await cleanup.dispose();
      await checking; // its statement finishes before the server goes on to close the ORM
    },
  };
}

/**
 * The token a `connection_init` payload presents: `{ authorization: "Bearer …" }`
 * (the header's form), `{ token: "…" }`, or, when the payload has neither, the
 * upgrade request's Authorization header. A payload that is present but not
 * of that shape is a problem (4400), never silently ignored.
 */
export function readAuthorization(params: unknown, header: string | undefined): { authorization?: string; problem?: string } {
  if (params === undefined || params === null) return { authorization: header?.trim() || undefined };
  const { authorization, Authorization, token } = params as { authorization?: unknown; Authorization?: unknown; token?: unknown };
  const given = authorization ?? Authorization;
  if (given !== undefined && given !== null && typeof given !== 'string') return { problem: 'connection_init: `authorization` must be a string ("Bearer <token>").' };
  if (token !== undefined && token !== null && typeof token !== 'string') return { problem: 'connection_init: `token` must be a string.' };
  if (typeof given === 'string' && typeof token === 'string') return { problem: 'connection_init: give `authorization` or `token`, not both.' };
  if (typeof given === 'string' && given.length > 1024) return { problem: 'connection_init: `authorization` is too long.' };
  if (typeof token === 'string' && token.length > 1024) return { problem: 'connection_init: `token` is too long.' };
  if (typeof given === 'string' && given.trim()) return { authorization: given.trim() };
  if (typeof token === 'string' && token.trim()) return { authorization: `Bearer ${token.trim()}` };
  if (typeof given === 'string' || typeof token === 'string') return { problem: 'connection_init: the token is empty.' };
  return { authorization: header?.trim() || undefined };
}

/**
 * Sits in front of graphql-ws on one socket: a message beyond `max` per 10
 * seconds closes the connection (4429) and is not handed on; a protocol error
 * of `ws` (a message over SUBSCRIPTIONS_MAX_MESSAGE_BYTES, a bad frame, which
 * `ws` answers by closing the socket itself, 1009 or 1002) is logged at
 * debug level instead of reaching graphql-ws, which would print it with
 * console.error for every hostile client.
 */
function guardSocket(ws: WebSocket, max: number, log: Observability['log']): void {
  let windowStart = Date.now();
  let count = 0;
  const emit = ws.emit.bind(ws);
  ws.emit = ((event: string | symbol, ...args: unknown[]): boolean => {
    if (event === 'error') {
      log.debug({ err: args[0] }, 'subscriptions: WebSocket protocol error; the connection is closed');
      return true;
    }
    if (event === 'message') {
      const now = Date.now();
      if (now - windowStart >= 10_000) {
        windowStart = now;
        count = 0;
      }
      if (++count > max) {
        if (ws.readyState === ws.OPEN) ws.close(CloseCode.TooManyInitialisationRequests, closeReason(`Too many messages: at most ${max} per 10 s.`));
        return true;
      }
    }
    return emit(event, ...args);
  }) as typeof ws.emit;
}

/**
 * Answers an upgrade request that gets no WebSocket, then closes the socket.
 * An upgraded socket has no HTTP server listeners any more: without an
 * 'error' listener a client that resets the connection before the answer is
 * written crashes the process (ECONNRESET), and `end()` alone leaves the
 * socket half-open for as long as the client keeps its side open (a file
 * descriptor per refused request); so, as ws does, destroy it once written.
 */
function refuseUpgrade(socket: Duplex, status: string, body: string): void {
  socket.on('error', () => socket.destroy());
  if (!socket.writable) {
    socket.destroy();
    return;
  }
  socket.once('finish', () => socket.destroy());
  const bytes = Buffer.from(body, 'utf8');
  socket.end(
    Buffer.concat([
      Buffer.from(`HTTP/1.1 ${status}\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: ${bytes.length}\r\nConnection: close\r\n\r\n`, 'latin1'),
      bytes,
    ]),
  );
}

/**
 * Why a WebSocket upgrade from a browser page is refused, or undefined when
 * it is not. Browsers send `Origin` with every WebSocket handshake and, unlike
 * HTTP requests, apply no CORS to WebSockets: the server must check. Allowed:
 * no `Origin` (not a browser: servers, CLIs, tests), an origin of
 * `CORS_ORIGINS` (or any with `*`), and the server's own origin (the page
 * was served by this host: `Origin`'s host equals the `Host` header).
 */
function originRefusal(req: http.IncomingMessage, cors: CorsPolicy): string | undefined {
  const origin = req.headers.origin;
  if (origin === undefined || cors.allows(origin)) return undefined;
  let host: string | undefined;
  try {
    host = new URL(origin).host;
  } catch {
    // "null" (sandboxed frames, file: pages) or garbage: not this host
  }
  if (host && req.headers.host && host.toLowerCase() === req.headers.host.toLowerCase()) return undefined;
  return `origin ${JSON.stringify(origin.slice(0, 200))} is not in CORS_ORIGINS`;
}
