import { type DocumentNode, type GraphQLSchema, GraphQLError, getOperationAST, type OperationDefinitionNode } from 'graphql';
import { getComplexity } from 'graphql-query-complexity';
import { QueryTooComplexError } from '../../generic/errors.js';
import { costEstimator } from './cost.estimator.js';
import { measureShape } from './operation-shape.js';

/** What one operation may ask for (QUERY_MAX_* in the README's configuration table). */
export interface OperationLimits {
  /** Objects the response may contain at most, lists multiplied by their page size. */
  maxCost: number;
  /** Nesting of fields. */
  maxDepth: number;
  /** Aliased fields (fragments expanded). */
  maxAliases: number;
  /** Fields (fragments expanded), whatever their cost. */
  maxFields: number;
  /** Lexical tokens of the document; enforced by the parser (`parse(…, { maxTokens })`). */
  maxTokens: number;
}

/**
 * What an operation costs, measured before it runs. The server stores it on
 * the request context as `ctx.cost` (observability reads it there) and
 * reports it in development as `extensions.cost`.
 */
export interface OperationCost {
  /** Upper bound of the objects the response holds: every list counts as its full page (see cost.estimator.ts). */
  cost: number;
  /** Deepest field nesting. */
  depth: number;
  /** Aliased fields. */
  aliases: number;
  /** Fields selected, fragments expanded. */
  fields: number;
  /** The limit `cost` was checked against. */
  maxCost: number;
}

export interface OperationRequest {
  operationName?: string | null;
  variables?: Record<string, unknown> | null;
}

const ADVICE: Record<string, string> = {
  depth: 'Nest fewer fields: fetch deeper data with a second query (e.g. `node(id:)`) instead.',
  aliases: 'Use fewer aliases: page through one list with `first`/`after` instead of repeating a field.',
  fields: 'Select fewer fields, or split the operation into several smaller ones.',
  cost: 'Ask for smaller pages (`first`) or fewer nested lists; every list multiplies what is nested in it. Page through the rest with `after`.',
};

/**
 * Measures a parsed, validated operation and refuses it when it exceeds a
 * limit. Pure: it depends only on its arguments, so HTTP and WebSocket
 * (graphql-ws `onSubscribe`) requests share it. Throws QueryTooComplexError
 * (`extensions`: `limit`, `measured`, `maximum`); returns the measured cost
 * otherwise. Variables that do not fit the operation are left for execution
 * to report (cost 0 here: execution refuses them before any resolver runs).
 */
export function analyzeOperation(
  schema: GraphQLSchema,
  document: DocumentNode,
  request: OperationRequest,
  limits: OperationLimits,
): OperationCost {
  const operation = getOperationAST(document, request.operationName ?? undefined);
  if (!operation) return { cost: 0, depth: 0, aliases: 0, fields: 0, maxCost: limits.maxCost };
  const shape = measureShape(document, operation);
  refuseAbove('depth', shape.depth, limits.maxDepth);
  refuseAbove('aliases', shape.aliases, limits.maxAliases);
  refuseAbove('fields', shape.fields, limits.maxFields);
  let cost: number;
  try {
    cost = getComplexity({
      schema,
      query: document,
      operationName: operation.name?.value,
      variables: (request.variables ?? {}) as Record<string, unknown>,
      estimators: [costEstimator(schema)],
      // Selections visited, fragments expanded: bounded by the fields limit above.
      maxQueryNodes: 4 * limits.maxFields + 16,
    });
  } catch (error) {
    if (error instanceof GraphQLError && /variable/i.test(error.message)) cost = 0;
    else throw error;
  }
  refuseAbove('cost', cost, limits.maxCost);
  return { cost, ...shape, maxCost: limits.maxCost };
}

/** Variables longer than this (as JSON) are measured every time instead of being a key of the memo. */
const MEMO_MAX_VARIABLES_CHARS = 1024;
/** Kept measurements per operation (one per set of variables); the oldest go beyond it. */
const MEMO_MAX_PER_OPERATION = 32;

/**
 * `analyzeOperation` remembered per operation of a parsed document and per
 * variables: a client repeating an operation (the common case: an app sends
 * the same few documents, Apollo Server's document store hands back the same
 * parsed document for the same text) is measured once. The key is the
 * operation the request resolves to (the node itself, never its name: an
 * empty or unknown `operationName` resolves to none and is never kept), so a
 * kept measurement is what measuring again would return (the schema and
 * limits are fixed per instance). Refusals are not kept (each throws anew),
 * variables of more than 1 KB of JSON are not a key, and each operation keeps
 * at most 32 measurements, held weakly: a document Apollo evicts takes its
 * measurements with it. A kept measurement is frozen: every request shares it.
 */
export class OperationCostMemo {
  readonly #byOperation = new WeakMap<OperationDefinitionNode, Map<string, OperationCost>>();

  constructor(
    readonly schema: GraphQLSchema,
    private readonly limits: OperationLimits,
  ) {}

  analyze(document: DocumentNode, request: OperationRequest): OperationCost {
    const operation = getOperationAST(document, request.operationName ?? undefined);
    const variables = request.variables ? JSON.stringify(request.variables) : '';
    if (!operation || variables.length > MEMO_MAX_VARIABLES_CHARS) return analyzeOperation(this.schema, document, request, this.limits);
    let measured = this.#byOperation.get(operation);
    const kept = measured?.get(variables);
    if (kept) return kept;
    const cost = Object.freeze(analyzeOperation(this.schema, document, request, this.limits));
    if (!measured) this.#byOperation.set(operation, (measured = new Map()));
    if (measured.size >= MEMO_MAX_PER_OPERATION) measured.delete(measured.keys().next().value!);
    measured.set(variables, cost);
    return cost;
  }
}

function refuseAbove(limit: string, measured: number, maximum: number): void {
  if (measured <= maximum) return;
  const shown = Math.min(measured, Number.MAX_SAFE_INTEGER);
  throw new QueryTooComplexError(
    `The operation is too complex: its ${limit} is ${shown.toLocaleString('en-US')}, the limit is ${maximum.toLocaleString('en-US')}. ${ADVICE[limit]}`,
    { limit, measured: shown, maximum },
  );
}

/** The refusal of a document with more tokens than the parser accepts (graphql-js `maxTokens`). */
export function tooManyTokens(maximum: number): QueryTooComplexError {
  return new QueryTooComplexError(
    `The document is too large: it has more than ${maximum.toLocaleString('en-US')} tokens, the limit is ${maximum.toLocaleString('en-US')}. Send a smaller operation (fewer fields, aliases and fragments).`,
    { limit: 'tokens', measured: maximum + 1, maximum },
  );
}
