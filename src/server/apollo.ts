import type http from 'node:http';
import { ApolloServer, type ApolloServerPlugin } from '@apollo/server';
import { ApolloServerPluginCacheControlDisabled } from '@apollo/server/plugin/disabled';
import { ApolloServerPluginDrainHttpServer } from '@apollo/server/plugin/drainHttpServer';
import {
  ApolloServerPluginLandingPageLocalDefault,
  ApolloServerPluginLandingPageProductionDefault,
} from '@apollo/server/plugin/landingPage/default';
import type { GraphQLFormattedError, GraphQLSchema } from 'graphql';
import type { AppConfig } from './config.js';
import type { AppContext } from './context.js';
import { currentStatementScope } from './statement-counter.js';
import { toGraphQLError } from './error-mapping.js';
import type { Observability } from '../observability/observability.js';
import type { CostBudget } from './pipeline/cost-budget.js';
import type { VerifiedTokens } from './pipeline/verified-tokens.js';
import { tooManyTokens } from './pipeline/operation-cost.js';
import { requestPipelinePlugin } from './pipeline/pipeline.plugin.js';
import { jitGateway } from './jit.executor.js';

/**
 * Apollo Server with the request pipeline (token limit at parse time, cost
 * and budget before execution), the landing page, error masking and
 * statement counts.
 */
export function createApollo(
  schema: GraphQLSchema,
  config: AppConfig,
  httpServer: http.Server,
  budget: CostBudget | undefined,
  verifiedTokens: VerifiedTokens,
  observability: Observability,
  /** Also run on stop, before the HTTP drain: closes the WebSocket connections and the LISTEN connection. */
  drainSubscriptions?: () => Promise<void>,
): ApolloServer<AppContext> {
  const plugins: ApolloServerPlugin<AppContext>[] = [
    // On stop: refuse new connections, wait for in-flight requests, then close what is left.
    ApolloServerPluginDrainHttpServer({ httpServer, stopGracePeriodMillis: drainGraceMs(config) }),
    requestPipelinePlugin(config, budget, verifiedTokens),
    // No cache hints: every answer is \`no-store\` (a read may follow any write). Apollo's default
    // cache-control plugin would still wrap every field resolver to collect hints (docs/performance.md).
    ApolloServerPluginCacheControlDisabled(),
    config.development
      ? ApolloServerPluginLandingPageLocalDefault({ embed: true, includeCookies: false })
      : ApolloServerPluginLandingPageProductionDefault({ footer: false }),
  ];
  if (drainSubscriptions) {
    // Apollo's documented pattern for graphql-ws: WebSockets are not the HTTP server's to drain.
    plugins.push({ async serverWillStart() { return { drainServer: drainSubscriptions }; } });
  }
  if (config.statementCounts) plugins.push(statementCountPlugin());
  plugins.push(observability.apolloPlugin()); // operation, errors, cost, user and phase spans for the request log and metrics
  return new ApolloServer<AppContext>({
    // Queries run compiled once repeated (src/server/jit.executor.ts); GRAPHQL_COMPILE_AFTER=0: graphql-js alone.
    ...(config.compileQueriesAfter > 0
      ? { gateway: jitGateway(schema, { compileAfter: config.compileQueriesAfter, onCompile: (event) => observability.metrics?.queryCompilations.inc({ event }) }) }
      : { schema }),
    plugins,
    introspection: config.introspection,
    // "Did you mean …?" in validation errors; the schema is public in schema.graphql, but
    // a production server need not help someone probing it (GRAPHQL_SUGGESTIONS).
    hideSchemaDetailsFromClientErrors: !config.suggestions,
    parseOptions: { maxTokens: config.limits.maxTokens },
    // One operation per request: a batch would multiply every limit above.
    allowBatchedHttpRequests: false,
    csrfPrevention: true,
    // The process handles SIGINT/SIGTERM itself (src/server/start.ts): Apollo's own
    // handlers would stop the server a second time and re-raise the signal.
    stopOnTerminationSignals: false,
    includeStacktraceInErrorResponses: false,
    formatError: (formatted, error) => formatError(formatted, error, config, observability),
    logger: observability.apolloLogger(),
  });
}

/** Of the shutdown time, what in-flight requests get; the database gets the rest (start.ts). */
export function drainGraceMs(config: AppConfig): number {
  return Math.floor((config.shutdownTimeoutMs * 2) / 3);
}

/** Adds `extensions.sqlStatements` (statements this request issued) to every response. */
function statementCountPlugin(): ApolloServerPlugin<AppContext> {
  return {
    async requestDidStart() {
      return {
        async willSendResponse({ response }) {
          const scope = currentStatementScope();
          if (scope && response.body.kind === 'single') {
            response.body.singleResult.extensions = {
              ...response.body.singleResult.extensions,
              sqlStatements: scope.count,
            };
          }
        },
      };
    },
  };
}

/**
 * Keeps errors that carry a code meant for clients; maps database errors we
 * understand (see error-mapping.ts); masks everything else as
 * INTERNAL_SERVER_ERROR without internals.
 */
export function formatError(formatted: GraphQLFormattedError, error: unknown, config: AppConfig, observability: Observability): GraphQLFormattedError {
  const code = formatted.extensions?.code;
  if (code === 'GRAPHQL_PARSE_FAILED' && /Document contains more th(?:an|at) \d+ tokens/.test(formatted.message)) {
    const refused = tooManyTokens(config.limits.maxTokens);
    const { http: _http, ...extensions } = refused.extensions;
    return { message: refused.message, extensions };
  }
  // Apollo answers some client mistakes (an automatic persisted query whose hash is not its query's) with an HTTP
  // 4xx status but no code; they are the client's error, not the server's: BAD_REQUEST, not logged.
  const status = (error as { extensions?: { http?: { status?: unknown } } } | undefined)?.extensions?.http?.status;
  if ((!code || code === 'INTERNAL_SERVER_ERROR') && typeof status === 'number' && status >= 400 && status < 500) {
    return { message: formatted.message, extensions: { code: 'BAD_REQUEST' } };
  }
  if (code && code !== 'INTERNAL_SERVER_ERROR') {
    const { stacktrace: _stack, ...extensions } = formatted.extensions ?? {};
    return { ...formatted, extensions };
  }
  const mapped = toGraphQLError(error);
  if (mapped) {
    // Status and headers of mapped errors are set by the pipeline plugin from their code.
    const { http: _http, ...extensions } = mapped.extensions;
    return { message: mapped.message, path: formatted.path, locations: formatted.locations, extensions };
  }
  observability.log.error({ err: (error as { originalError?: unknown })?.originalError ?? error, path: formatted.path }, 'unexpected error in a resolver');
  return {
    message: config.development ? `Internal server error: ${formatted.message}` : 'Internal server error',
    path: formatted.path,
    locations: formatted.locations,
    extensions: { code: 'INTERNAL_SERVER_ERROR' },
  };
}
