import type { GatewayExecutor, GatewayGraphQLRequestContext, GatewayInterface } from '@apollo/server-gateway-interface';
import { type DocumentNode, execute, type ExecutionResult, type GraphQLSchema } from 'graphql';
import { getVariableValues } from 'graphql/execution/values.js';
import { type CompiledQuery, compileQuery, isCompiledQuery } from 'graphql-jit';

/** Queries kept compiled at most (least recently used dropped first): a few hundred KB of generated code each at worst. */
export const MAX_COMPILED_QUERIES = 256;

export interface JitOptions {
  /** Compile a query on its Nth execution of the same parsed document (1: at once); 0: never compile. */
  compileAfter: number;
  /** Told when a query is compiled or evicted (metrics, tests). */
  onCompile?: (event: 'compiled' | 'evicted' | 'refused') => void;
}

/**
 * Executes queries through graphql-jit (a compiled executor from the GraphQL
 * ecosystem, zalando-incubator/graphql-jit) once the same parsed document
 * has run `compileAfter` times, and everything else (mutations, the first
 * runs of a query, documents it cannot compile) through graphql-js.
 *
 * Why: on the feed, graphql-js's generic execution (a promise bookkeeping
 * per object with an async field, argument coercion per field, result
 * objects without a prototype, which `JSON.stringify` takes the slow path
 * for) is about 12 % of the server's CPU; the compiled query builds plain
 * objects and resolves in straight-line code (docs/performance.md).
 *
 * What stays as before: parsing, validation, the cost limits and budgets
 * (Apollo Server and the pipeline plugin run before this executor); every
 * resolver, DataLoader and SQL statement (the compiled query calls the same
 * resolvers). Variables are coerced by graphql-js first, so a query takes
 * exactly the inputs graphql-js takes (graphql-jit does not know `@oneOf`):
 * a refusal is graphql-js's error. Apollo Server's document store hands back
 * the same parsed document for the same text, which is what makes a
 * repeated query recognisable; a document it evicts, or a hostile client's
 * one-off documents, never get compiled, and at most MAX_COMPILED_QUERIES
 * stay compiled.
 */
export function jitExecutor(schema: GraphQLSchema, options: JitOptions): GatewayExecutor {
  const runs = new WeakMap<DocumentNode, Map<string, number>>();
  const compiled = new Map<DocumentNode, Map<string, CompiledQuery>>();
  let compiledCount = 0;

  const compiledFor = (document: DocumentNode, operationName: string | null): CompiledQuery | undefined => {
    const key = operationName ?? '';
    const byName = compiled.get(document);
    const hit = byName?.get(key);
    if (hit) {
      // Most recently used last.
      compiled.delete(document);
      compiled.set(document, byName!);
      return hit;
    }
    if (options.compileAfter === 0) return undefined;
    let counts = runs.get(document);
    if (!counts) runs.set(document, (counts = new Map()));
    const seen = (counts.get(key) ?? 0) + 1;
    counts.set(key, seen);
    if (seen < options.compileAfter) return undefined;
    counts.delete(key);
    const query = compileQuery(schema, document, operationName ?? undefined, { disablingCapturingStackErrors: true });
    if (!isCompiledQuery(query)) {
      options.onCompile?.('refused');
      return undefined;
    }
    while (compiledCount >= MAX_COMPILED_QUERIES) {
      const [oldest, queries] = compiled.entries().next().value!;
      compiled.delete(oldest);
      compiledCount -= queries.size;
      options.onCompile?.('evicted');
    }
    const queries = byName ?? new Map<string, CompiledQuery>();
    queries.set(key, query);
    compiled.delete(document);
    compiled.set(document, queries);
    compiledCount++;
    options.onCompile?.('compiled');
    return query;
  };

  return async (requestContext) => {
    const { document, request } = requestContext;
    const operation = requestContext.operation as GatewayGraphQLRequestContext['operation'] | undefined;
    const contextValue = requestContext.context;
    const variableValues = request.variables ?? {};
    const operationName = request.operationName ?? null;
    // No operation (an operationName the document lacks, or several operations and none named):
    // graphql-js reports it as Apollo Server's own path does.
    const query = operation?.operation === 'query' ? compiledFor(document, operationName) : undefined;
    if (!query) return (await execute({ schema, document, contextValue, variableValues, operationName })) as ExecutionResult;
    const coerced = getVariableValues(schema, operation!.variableDefinitions ?? [], variableValues, { maxErrors: 50 });
    if (coerced.errors) return { errors: coerced.errors };
    return (await query.query(undefined, contextValue, variableValues)) as ExecutionResult;
  };
}

/**
 * The executor above handed to Apollo Server through its gateway interface
 * (@apollo/server-gateway-interface), the one place Apollo Server 5 takes
 * another executor: the schema never changes, so `load` answers once.
 */
export function jitGateway(schema: GraphQLSchema, options: JitOptions): GatewayInterface {
  return {
    onSchemaLoadOrUpdate(callback) {
      callback({ apiSchema: schema, coreSupergraphSdl: '' });
      return () => {};
    },
    async load() {
      return { executor: jitExecutor(schema, options) };
    },
    async stop() {},
  };
}
