import type { ApolloServerPlugin } from '@apollo/server';
import { AppError, UnauthenticatedError } from '../../generic/errors.js';
import type { AppConfig } from '../config.js';
import type { AppContext } from '../context.js';
import { analyzeOperation } from './operation-cost.js';
import { budgetHeaders, type CostBudget } from './cost-budget.js';
import type { VerifiedTokens } from './verified-tokens.js';

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
 */
export function requestPipelinePlugin(config: AppConfig, budget: CostBudget | undefined, verifiedTokens: VerifiedTokens): ApolloServerPlugin<AppContext> {
  return {
    async requestDidStart() {
      return {
        async didResolveOperation({ schema, document, request, contextValue, operation }) {
          if (operation?.operation === 'subscription') {
            // Apollo would run its root field once, as a query, without an event.
            throw new AppError('Subscriptions run over WebSocket (graphql-ws) on this same URL; send queries and mutations over HTTP.', 'BAD_REQUEST', {
              http: { status: 400 },
            });
          }
          contextValue.cost = analyzeOperation(schema, document, request, config.limits);
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
        async willSendResponse({ response, contextValue }) {
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
