import type { ApolloServerPlugin, BaseContext } from '@apollo/server';
import { type DocumentNode, Kind } from 'graphql';
import { printable } from './log-redaction.js';
import { currentObservation, type GraphQLObservation, type OperationCost, type RequestObservation } from './request.observation.js';
import type { Span } from './tracing.js';

/** What the plugin reads from a request's context when it is there. */
interface ObservedContext extends BaseContext {
  /** The analysed cost of the operation (set by the cost limit). */
  cost?: OperationCost;
  /** The caller, once authenticated (never the token). */
  auth?: { userId?: number };
}

const MAX_CLIENT_NAME = 100;

/**
 * Fills the request's observation from Apollo Server's request pipeline:
 * operation name and type, the final `extensions.code` of every error, the
 * cost and the caller; times the parse, validate and execute phases and
 * makes a span for each when tracing is on. Does nothing for a request that
 * is not observed (no HTTP observation around it).
 */
export function observabilityPlugin(): ApolloServerPlugin<ObservedContext> {
  return {
    async requestDidStart({ request }) {
      const observation = currentObservation();
      if (!observation) return;
      const clientName = typeof request.operationName === 'string' ? printable(request.operationName.slice(0, MAX_CLIENT_NAME)) : null;
      const graphql: GraphQLObservation = {
        operationName: clientName,
        operationType: undefined,
        resolved: false,
        errorCodes: [],
        cost: undefined,
        userId: undefined,
        phases: {},
      };
      observation.graphql = graphql;
      return {
        async parsingDidStart() {
          const phase = startPhase(observation, 'graphql.parse');
          return async (error) => {
            graphql.phases.parseMs = phase.end(error ? 'the document did not parse' : undefined);
          };
        },
        async validationDidStart({ document }) {
          graphql.operationName ??= soleOperationName(document);
          const phase = startPhase(observation, 'graphql.validate');
          return async (errors) => {
            graphql.phases.validateMs = phase.end(errors?.length ? 'the document did not validate' : undefined);
          };
        },
        async didResolveOperation({ operationName, operation }) {
          // Also called when `operationName` names no operation of the document (then undefined).
          if (!operation) return;
          graphql.resolved = true;
          graphql.operationName = operationName;
          graphql.operationType = operation.operation;
          observation.span?.setAttributes({
            'graphql.operation.type': operation.operation,
            ...(operationName ? { 'graphql.operation.name': operationName } : {}),
          });
        },
        async executionDidStart() {
          const phase = startPhase(observation, 'graphql.execute', {
            'graphql.operation.type': graphql.operationType ?? 'unknown',
            ...(graphql.operationName ? { 'graphql.operation.name': graphql.operationName } : {}),
          });
          observation.phaseSpan = phase.span;
          return {
            async executionDidEnd(error) {
              observation.phaseSpan = undefined;
              graphql.phases.executeMs = phase.end(error ? 'execution failed' : undefined);
            },
          };
        },
        async willSendResponse({ response, contextValue }) {
          const errors = response.body.kind === 'single' ? response.body.singleResult.errors : undefined;
          graphql.errorCodes = errors?.map((error) => error.extensions?.code) ?? [];
          graphql.cost = numericFields(contextValue.cost);
          graphql.userId = contextValue.auth?.userId;
        },
      };
    },
  };
}

/** The numbers of the cost analysis (cost, depth, aliases, …), nothing else: it goes to the log line as it is. */
function numericFields(cost: OperationCost | undefined): OperationCost | undefined {
  if (!cost || typeof cost !== 'object') return undefined;
  const numbers = Object.entries(cost).filter(([, value]) => typeof value === 'number' && Number.isFinite(value));
  return numbers.length ? Object.fromEntries(numbers.slice(0, 10)) : undefined;
}

/** For the log line of a document that fails validation: the name of its one operation, if it has one. */
function soleOperationName(document: DocumentNode): string | null {
  const operations = document.definitions.filter((definition) => definition.kind === Kind.OPERATION_DEFINITION);
  return operations.length === 1 ? (operations[0].name?.value.slice(0, MAX_CLIENT_NAME) ?? null) : null;
}

/** Times one phase and, with tracing on, makes its span under the request's. */
function startPhase(observation: RequestObservation, name: string, attributes?: Record<string, string>) {
  const started = performance.now();
  const span: Span | undefined =
    observation.tracing && observation.span ? observation.tracing.startSpan(name, observation.span, attributes) : undefined;
  return {
    span,
    end(failure: string | undefined): number {
      if (span) {
        if (failure) observation.tracing!.fail(span, failure);
        span.end();
      }
      return Math.round((performance.now() - started) * 100) / 100;
    },
  };
}
