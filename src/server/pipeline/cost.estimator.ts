import {
  type GraphQLCompositeType,
  type GraphQLField,
  type GraphQLSchema,
  getNamedType,
  getNullableType,
  isCompositeType,
  isListType,
  isObjectType,
  isInterfaceType,
  isIntrospectionType,
  isInputObjectType,
  isAbstractType,
  isEnumType,
  type GraphQLObjectType,
  type GraphQLInterfaceType,
} from 'graphql';
import type { ComplexityEstimator } from 'graphql-query-complexity';
import { DEFAULT_PAGE_SIZE } from '../../generic/connection.js';

/** Size assumed for a list without `first`, a list argument or a declared `maxItems`. */
export const UNPAGED_LIST_SIZE = DEFAULT_PAGE_SIZE;
/** What a mutation field costs on top of the objects it returns: it writes. */
export const MUTATION_COST = 10;

/**
 * The cost model (GitHub's node limit, counting objects rather than pages):
 * a field returning an object costs 1 plus what is selected in it; a list of
 * objects multiplies that by its length:
 *
 * - a field with a `first` argument (a connection) by `first`, or the
 *   default page size when absent; the `edges` list inside is that page;
 * - a list with a list argument (`nodes(ids:)`) by the argument's length;
 * - introspection lists by their average length in this schema;
 * - a list declaring `extensions.maxItems` (an object's `tags`, which its
 *   resolver never lets grow past it) by that bound;
 * - any other list of objects by UNPAGED_LIST_SIZE.
 *
 * Scalars cost nothing (they come with their object); mutation fields cost
 * MUTATION_COST more. Nested lists multiply, so 100 activity entries × 20
 * tags × 100 items is 200,000 objects, however few SQL statements serve them.
 */
export function costEstimator(schema: GraphQLSchema): ComplexityEstimator {
  let estimator = estimators.get(schema);
  if (!estimator) {
    estimator = createEstimator(schema);
    estimators.set(schema, estimator);
  }
  return estimator;
}

const estimators = new WeakMap<GraphQLSchema, ComplexityEstimator>();

function createEstimator(schema: GraphQLSchema): ComplexityEstimator {
  const introspection = introspectionListSizes(schema);
  const mutationType = schema.getMutationType();
  return ({ type, field, args, childComplexity }) => {
    const base = type === mutationType ? MUTATION_COST : 0;
    if (!isCompositeType(getNamedType(field.type))) return base;
    return base + listLength(type, field, args, introspection) * (1 + childComplexity);
  };
}

function listLength(
  parent: GraphQLCompositeType,
  field: GraphQLField<unknown, unknown>,
  args: Record<string, unknown>,
  introspection: Map<string, number>,
): number {
  if (field.args.some((arg) => arg.name === 'first')) {
    return nonNegative(args.first) ?? DEFAULT_PAGE_SIZE;
  }
  if (!isListType(getNullableType(field.type))) return 1;
  if (isConnection(parent)) return 1; // `edges`: counted as the connection's page
  if (isIntrospectionType(parent)) return introspection.get(`${parent.name}.${field.name}`) ?? 1;
  const listArguments = Object.values(args).filter(Array.isArray);
  if (listArguments.length > 0) return Math.max(...listArguments.map((list) => list.length));
  // A list whose resolver guarantees a bound declares it (`@Extensions({ maxItems })`, e.g. an object's `tags`).
  const maxItems = field.extensions?.maxItems;
  if (typeof maxItems === 'number' && Number.isSafeInteger(maxItems) && maxItems >= 0) return maxItems;
  return UNPAGED_LIST_SIZE;
}

function nonNegative(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isFinite(value) ? Math.max(0, value) : undefined;
}

function isConnection(type: GraphQLCompositeType): boolean {
  if (!isObjectType(type) && !isInterfaceType(type)) return false;
  const fields = type.getFields();
  return 'edges' in fields && 'pageInfo' in fields;
}

/** Average lengths of the introspection lists of this schema (`__Type.fields`: fields per type, …). */
function introspectionListSizes(schema: GraphQLSchema): Map<string, number> {
  const types = Object.values(schema.getTypeMap());
  const average = (counts: number[]) => Math.max(1, Math.ceil(counts.reduce((a, b) => a + b, 0) / Math.max(1, counts.length)));
  const outputTypes = types.filter((type) => isObjectType(type) || isInterfaceType(type)) as (GraphQLObjectType | GraphQLInterfaceType)[];
  const outputFields = outputTypes.flatMap((type) => Object.values(type.getFields()));
  return new Map([
    ['__Schema.types', types.length],
    ['__Schema.directives', schema.getDirectives().length],
    ['__Type.fields', average(outputTypes.map((type) => Object.keys(type.getFields()).length))],
    ['__Type.inputFields', average(types.filter(isInputObjectType).map((type) => Object.keys(type.getFields()).length))],
    ['__Type.interfaces', average(outputTypes.map((type) => type.getInterfaces().length))],
    ['__Type.possibleTypes', average(types.filter(isAbstractType).map((type) => schema.getPossibleTypes(type).length))],
    ['__Type.enumValues', average(types.filter(isEnumType).map((type) => type.getValues().length))],
    ['__Field.args', average(outputFields.map((field) => field.args.length))],
    ['__Directive.args', average(schema.getDirectives().map((directive) => directive.args.length))],
  ]);
}
