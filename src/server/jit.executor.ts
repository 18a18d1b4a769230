import type { GatewayExecutor, GatewayGraphQLRequestContext, GatewayInterface } from '@apollo/server-gateway-interface';
import {
  type DocumentNode,
  execute,
  type ExecutionResult,
  getNamedType,
  GraphQLError,
  type GraphQLSchema,
  isAbstractType,
  isEnumType,
  isSpecifiedScalarType,
  type OperationDefinitionNode,
  type FragmentDefinitionNode,
  type GraphQLNamedType,
  isInterfaceType,
  isObjectType,
  Kind,
  type SelectionSetNode,
  TypeInfo,
  typeFromAST,
  valueFromASTUntyped,
  visit,
  visitWithTypeInfo,
  BREAK,
} from 'graphql';
import { getVariableValues } from 'graphql/execution/values.js';
import { type CompiledQuery, compileQuery, isCompiledQuery } from 'graphql-jit';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';

/** Queries kept compiled at most (least recently used dropped first): a few hundred KB of generated code each at worst. */
export const MAX_COMPILED_QUERIES = 256;
/** Operations of one document compiled at most; the others run on graphql-js. */
export const MAX_COMPILED_PER_DOCUMENT = 8;
/**
 * Operations whose compiled code would cover more fields than this
 * (`compiledFieldsBound`) run on graphql-js: compiling takes about 0.1 ms
 * per field on this machine, on the event loop (the feed: 60, an object
 * page: 181).
 */
export const MAX_COMPILED_FIELDS = 300;

export type CompileEvent = 'compiled' | 'evicted' | 'refused';

export interface JitOptions {
  /** Compile a query on its Nth execution of the same parsed document (1: at once); 0: never compile. */
  compileAfter: number;
  /** Told when a query is compiled, evicted, or left to graphql-js for good (metrics, tests). */
  onCompile?: (event: CompileEvent) => void;
}

/** A run count, or: this operation stays on graphql-js. */
const NEVER = -1;

/**
 * Executes queries through graphql-jit (a compiled executor from the GraphQL
 * ecosystem, zalando-incubator/graphql-jit) once the same parsed document
 * has run `compileAfter` times, and everything else (mutations, the first
 * runs of a query, documents it should not or cannot compile) through
 * graphql-js. docs/stack.md says why and what is guarded; in short:
 *
 * - Parsing, validation, the cost limits and budgets run before this
 *   executor (Apollo Server and the pipeline plugin), and the compiled query
 *   calls the same resolvers, DataLoaders and SQL.
 * - Variables are coerced by graphql-js first, so a compiled query takes
 *   exactly the inputs graphql-js takes (graphql-jit does not know `@oneOf`).
 * - Errors come back as graphql-js `GraphQLError`s (graphql-jit's own lack
 *   `extensions` when the thrown error has none, which Apollo Server's error
 *   formatting does not survive).
 * - Not compiled: operations with a variable named as a key of
 *   `Object.prototype` (`$__proto__`, `$constructor`: graphql-jit keeps
 *   variables as plain object keys), operations whose compiled code would be large
 *   (MAX_COMPILED_FIELDS: a union nested in a union multiplies it, and
 *   compiling blocks the event loop), operations whose variables have default values of a type
 *   other than a built-in scalar or an enum (graphql-jit writes defaults into
 *   its code as JSON, so a custom scalar's default would reach resolvers
 *   unparsed), and operations that select an abstract type whose
 *   `resolveType` is asynchronous (graphql-jit does not await it; type-graphql
 *   makes every given `resolveType` async: src/content/content-object.union.ts
 *   makes the content types' synchronous).
 * - Apollo Server's document store hands back the same parsed document for
 *   the same text, which is what makes a repeated query recognisable; a
 *   document it evicts, or a client's one-off documents, are never compiled;
 *   at most MAX_COMPILED_QUERIES stay compiled, MAX_COMPILED_PER_DOCUMENT per
 *   document.
 */
export function jitExecutor(schema: GraphQLSchema, options: JitOptions): GatewayExecutor {
  const runs = new WeakMap<OperationDefinitionNode, number>();
  /** Compiled queries by document, most recently used last. */
  const compiled = new Map<DocumentNode, Map<OperationDefinitionNode, CompiledQuery>>();
  const asyncAbstractTypes = new Set(
    Object.values(schema.getTypeMap())
      .filter(isAbstractType)
      .filter((type) => type.resolveType && Object.prototype.toString.call(type.resolveType) === '[object AsyncFunction]')
      .map((type) => type.name),
  );

  const never = (operation: OperationDefinitionNode) => {
    runs.set(operation, NEVER);
    options.onCompile?.('refused');
    return undefined;
  };

  const compiledFor = (document: DocumentNode, operation: OperationDefinitionNode, operationName: string | null): CompiledQuery | undefined => {
    const byOperation = compiled.get(document);
    const hit = byOperation?.get(operation);
    if (hit) {
      compiled.delete(document);
      compiled.set(document, byOperation!);
      return hit;
    }
    const seen = runs.get(operation) ?? 0;
    if (options.compileAfter === 0 || seen === NEVER) return undefined;
    if (seen + 1 < options.compileAfter) {
      runs.set(operation, seen + 1);
      return undefined;
    }
    if ((byOperation?.size ?? 0) >= MAX_COMPILED_PER_DOCUMENT) return never(operation);
    if (!compilable(schema, document, operation, asyncAbstractTypes)) return never(operation);
    const query = compileQuery(schema, document, operationName ?? undefined, { disablingCapturingStackErrors: true });
    if (!isCompiledQuery(query)) return never(operation);
    runs.delete(operation);
    // Take this document's queries out while room is made, so the eviction below never drops them.
    const queries = byOperation ?? new Map<OperationDefinitionNode, CompiledQuery>();
    compiled.delete(document);
    queries.set(operation, query);
    // Counted when compiling (rare), never kept: at most MAX_COMPILED_QUERIES entries to add up.
    let kept = queries.size;
    for (const other of compiled.values()) kept += other.size;
    for (const [oldest, dropped] of compiled) {
      if (kept <= MAX_COMPILED_QUERIES) break;
      compiled.delete(oldest);
      kept -= dropped.size;
      options.onCompile?.('evicted');
    }
    compiled.set(document, queries);
    options.onCompile?.('compiled');
    return query;
  };

  return async (requestContext) => {
    const { document, request } = requestContext;
    // No operation (an operationName the document lacks, or several operations and none named):
    // graphql-js reports it as Apollo Server's own path does.
    const operation = requestContext.operation as GatewayGraphQLRequestContext['operation'] | undefined;
    const contextValue = requestContext.context;
    const variableValues = request.variables ?? {};
    const operationName = request.operationName ?? null;
    const query = operation?.operation === 'query' ? compiledFor(document, operation, operationName) : undefined;
    if (!query) return (await execute({ schema, document, contextValue, variableValues, operationName })) as ExecutionResult;
    const coerced = getVariableValues(schema, operation!.variableDefinitions ?? [], variableValues, { maxErrors: 50 });
    if (coerced.errors) return { errors: coerced.errors };
    const result = (await query.query(undefined, contextValue, withDefaults(operation!, variableValues))) as ExecutionResult;
    return result.errors ? { ...result, errors: result.errors.map(asGraphQLError) } : result;
  };
}

/**
 * An upper bound of the fields graphql-jit generates code for: it compiles a
 * selection of an abstract type once per possible type, so a union inside a
 * union multiplies (a document of 23 fields nesting `ContentObject` twice
 * compiled in 90 ms, three times 600 ms, on the event loop). Counting stops
 * past `limit`.
 */
export function compiledFieldsBound(schema: GraphQLSchema, document: DocumentNode, operation: OperationDefinitionNode, limit: number): number {
  const fragments = new Map<string, FragmentDefinitionNode>();
  for (const definition of document.definitions) if (definition.kind === Kind.FRAGMENT_DEFINITION) fragments.set(definition.name.value, definition);
  let total = 0;
  const walk = (selections: SelectionSetNode | undefined, type: GraphQLNamedType | undefined, times: number): void => {
    if (!selections || !type) return;
    for (const selection of selections.selections) {
      if (total > limit) return;
      if (selection.kind === Kind.FIELD) {
        total += times;
        const fieldType = isObjectType(type) || isInterfaceType(type) ? type.getFields()[selection.name.value]?.type : undefined;
        const named = fieldType && getNamedType(fieldType);
        const copies = named && isAbstractType(named) ? Math.max(1, schema.getPossibleTypes(named).length) : 1;
        walk(selection.selectionSet, named, times * copies);
      } else if (selection.kind === Kind.INLINE_FRAGMENT) {
        walk(selection.selectionSet, selection.typeCondition ? schema.getType(selection.typeCondition.name.value) : type, times);
      } else {
        const fragment = fragments.get(selection.name.value);
        walk(fragment?.selectionSet, fragment && schema.getType(fragment.typeCondition.name.value), times);
      }
    }
  };
  const root = schema.getRootType(operation.operation);
  walk(operation.selectionSet, root ?? undefined, 1);
  return total;
}

/**
 * The request's variables with the operation's defaults for those it does
 * not give, as graphql-js takes them: graphql-jit applies a default only to
 * a nullable variable, and reports a non-null one with a default as
 * missing. Defaults here are of built-in scalars and enums (`compilable`),
 * whose literal is their input value.
 */
function withDefaults(operation: OperationDefinitionNode, variables: Record<string, unknown>): Record<string, unknown> {
  let filled: Record<string, unknown> | undefined;
  for (const definition of operation.variableDefinitions ?? []) {
    const name = definition.variable.name.value;
    if (!definition.defaultValue || Object.hasOwn(variables, name)) continue;
    // (defineProperty: a variable may be named `__proto__`.)
    Object.defineProperty((filled ??= { ...variables }), name, { value: valueFromASTUntyped(definition.defaultValue), enumerable: true, writable: true, configurable: true });
  }
  return filled ?? variables;
}

/** Whether graphql-jit runs this operation as graphql-js would (see the rules above `jitExecutor`). */
function compilable(schema: GraphQLSchema, document: DocumentNode, operation: OperationDefinitionNode, asyncAbstractTypes: ReadonlySet<string>): boolean {
  if (compiledFieldsBound(schema, document, operation, MAX_COMPILED_FIELDS) > MAX_COMPILED_FIELDS) return false;
  for (const definition of operation.variableDefinitions ?? []) {
    // graphql-jit reads and writes variables as plain object keys: `$__proto__` lands on the prototype.
    if (definition.variable.name.value in Object.prototype) return false;
    if (!definition.defaultValue) continue;
    const type = typeFromAST(schema, definition.type as never);
    const named = type && getNamedType(type);
    if (!named || !(isSpecifiedScalarType(named) || isEnumType(named))) return false;
  }
  if (asyncAbstractTypes.size === 0) return true;
  let selectsAsync = false;
  const typeInfo = new TypeInfo(schema);
  // The operation and the fragments it may spread (a fragment on an async abstract type is caught by its fields' parent).
  const fragments = document.definitions.filter((definition) => definition.kind === 'FragmentDefinition');
  for (const root of [operation, ...fragments]) {
    visit(
      root,
      visitWithTypeInfo(typeInfo, {
        Field() {
          const type = typeInfo.getType();
          if (type && asyncAbstractTypes.has(getNamedType(type).name)) {
            selectsAsync = true;
            return BREAK;
          }
          return undefined;
        },
      }),
    );
    if (selectsAsync) return false;
  }
  return true;
}

/**
 * graphql-jit's error as graphql-js makes it: `extensions` always an object,
 * and an `originalError`: the thrown error, or for an error of the executor
 * itself (null in a non-null field) an `Error` with its message, as
 * graphql-js's `locatedError` gives.
 */
function asGraphQLError(error: GraphQLError): GraphQLError {
  const converted = new GraphQLError(error.message, {
    path: error.path,
    originalError: error.originalError ?? new Error(error.message),
    extensions: error.extensions ?? undefined,
  });
  if (error.locations) (converted as { locations?: unknown }).locations = error.locations;
  return converted;
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

/**
 * Whether the installed Apollo Server carries patches/@apollo+server+5.5.1.patch
 * (applied by patch-package after `npm install`; patches/README.md): its
 * gateway context without per-request accessors, so that no request is
 * promoted by V8's young-generation collector. False when the install ran
 * with `--ignore-scripts` or before `patches/` was there: everything works,
 * with a longer latency tail and a higher peak of memory (the server says so
 * at start-up).
 */
export function apolloGatewayPatchApplied(): boolean {
  try {
    // The package's entry point (its exports allow no deeper path), then the module next to it.
    const entry = createRequire(import.meta.url).resolve('@apollo/server');
    const file = path.join(path.dirname(entry), 'utils/makeGatewayGraphQLRequestContext.js');
    return fs.readFileSync(file, 'utf8').includes('class GatewayResponseHttp');
  } catch {
    return false;
  }
}
