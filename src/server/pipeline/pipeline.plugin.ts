import type { ApolloServerPlugin } from '@apollo/server';
import { GraphQLError } from 'graphql';
import { RateLimitedError, UnauthenticatedError } from '../../generic/errors.js';
import type { AppConfig } from '../config.js';
import type { AppContext } from '../context.js';
import { OperationCostMemo } from './operation-cost.js';
import { budgetHeaders, type CostBudget, MIN_CHARGE } from './cost-budget.js';
import type { VerifiedTokens } from './verified-tokens.js';
import { currentRoute } from '../replica.route.js';

/**
 * The pipeline's steps between validation and execution: the operation's
 * cost (refused above the limits: QUERY_TOO_COMPLEX, no SQL issued), then
 * the client's budget (RATE_LIMITED), then a bearer token this process has
 * not seen authenticate recently is checked (one indexed lookup; a
 * malformed, unknown or revoked token is UNAUTHENTICATED, queries included:
 * a presented token is never silently ignored). Until it is verified, a
 * token's requests are charged to their address, so made-up tokens cannot
 * mint budgets (pipeline/verified-tokens.ts). The cost is kept on the context as
 * `ctx.cost`. Responses carry the budget headers (X-RateLimit-*), HTTP 503
 * for SERVICE_UNAVAILABLE and 504 for TIMEOUT (when no data came back), and with `statementCounts`
 * the cost in `extensions.cost` next to `extensions.sqlStatements`.
 *
 * A request refused before it was charged (a syntax or validation error,
 * QUERY_TOO_COMPLEX) is charged MIN_CHARGE when it is answered: parsing and
 * validating it was work too (validating some documents of a few KB takes a
 * quarter of a second), so refused requests cannot be sent without limit. A
 * client whose budget is spent keeps getting the refusal's own error, with
 * its X-RateLimit-* headers showing the spent budget.
 */
export function requestPipelinePlugin(config: AppConfig, budget: CostBudget | undefined, verifiedTokens: VerifiedTokens): ApolloServerPlugin<AppContext> {
  // One memo per schema (Apollo passes the schema it serves; it never changes while this server runs).
  let costs: OperationCostMemo | undefined;
  return {
    async requestDidStart() {
      return {
        async didResolveOperation({ schema, document, request, operation, contextValue }) {
          // Apollo Server executes subscriptions over HTTP as nothing but an uncoded
          // execution error (an INTERNAL_SERVER_ERROR and an error log line per request).
          if (operation?.operation === 'subscription') throw subscriptionOverHttp(Boolean(schema.getSubscriptionType()));
          // A mutation reads the primary from its first statement to its payload (read replicas: replica.route.ts).
          if (operation?.operation !== 'query') currentRoute()?.pin(operation?.operation ?? 'operation');
          if (costs?.schema !== schema) costs = new OperationCostMemo(schema, config.limits);
          contextValue.cost = costs.analyze(document, request);
          if (budget) contextValue.budget = await budget.charge(contextValue.clientKey, contextValue.cost.cost);
          const { tokenKey } = contextValue;
          if (contextValue.authorization?.trim() && !(tokenKey && verifiedTokens.has(tokenKey))) {
            try {
              await contextValue.auth.requireUser();
            } catch (error) {
              // A malformed header or an unknown or revoked token: refused before the operation runs, as HTTP 401.
              if (error instanceof UnauthenticatedError) throw new UnauthenticatedError(error.message, { http: { status: 401 } });
              throw error;
            }
            if (tokenKey) verifiedTokens.add(tokenKey);
          }
        },
        async didEncounterErrors({ errors, contextValue }) {
          // Not for RATE_LIMITED (refused by the budget itself) nor for an automatic persisted
          // query's first round trip (PERSISTED_QUERY_NOT_FOUND: a normal step of that protocol, nothing parsed).
          if (!budget || contextValue.budget || errors.some((error) => UNCHARGED_REFUSALS.has(error.extensions?.code as string))) return;
          try {
            contextValue.budget = await budget.charge(contextValue.clientKey, MIN_CHARGE);
          } catch (error) {
            // Spent: the refusal keeps its own error, with headers showing the spent budget.
            // A failing budget store must not turn the refusal into a server error: best effort.
            if (error instanceof RateLimitedError) {
              const { limit, remaining, used, reset } = error.extensions as Record<string, number>;
              contextValue.budget = { limit, remaining, used, reset };
            }
          }
        },
        async willSendResponse({ response, contextValue }) {
          // Answers are never cached by intermediaries (Apollo's cache-control plugin, which said the
          // same, is off: it wrapped every field resolver, src/server/apollo.ts).
          response.http.headers.set('cache-control', 'no-store');
          if (contextValue.budget) {
            for (const [name, value] of budgetHeaders(contextValue.budget)) response.http.headers.set(name, value);
          }
          if (response.body.kind !== 'single') return;
          const result = response.body.singleResult;
          // Without any data to show, the response is the error's: 503 or 504. With
          // partial data it stays 200, as GraphQL answers partial successes.
          const codes = new Set(result.errors?.map((error) => error.extensions?.code));
          if (result.data == null && (response.http.status ?? 200) < 400) {
            if (codes.has('SERVICE_UNAVAILABLE')) {
              response.http.status = 503;
              response.http.headers.set('retry-after', '5');
            } else if (codes.has('TIMEOUT')) {
              response.http.status = 504;
            }
          }
          if (config.statementCounts && contextValue.cost) {
            const { cost, depth, aliases, fields, maxCost } = contextValue.cost;
            result.extensions = { ...result.extensions, cost: { cost, depth, aliases, fields, maxCost } };
          }
        },
      };
    },
  };
}

const UNCHARGED_REFUSALS = new Set(['RATE_LIMITED', 'PERSISTED_QUERY_NOT_FOUND']);

/** BAD_REQUEST (HTTP 400) for a subscription sent over HTTP POST or GET. */
function subscriptionOverHttp(served: boolean): GraphQLError {
  const message = served
    ? 'Subscriptions are not served over HTTP: open a WebSocket to this URL (the graphql-ws protocol) and subscribe there.'
    : 'This API has no subscriptions; send queries and mutations.';
  return new GraphQLError(message, { extensions: { code: 'BAD_REQUEST', http: { status: 400 } } });
}
