import { GraphQLSchema, lexicographicSortSchema } from 'graphql';
import { GraphQLDateTime, GraphQLJSON } from 'graphql-scalars';
import { buildSchema, type NonEmptyArray } from 'type-graphql';
import type { ContentTypeRegistry } from '../generic/content-type.registry.js';
import { ContentTypeResolver } from '../generic/content-type.resolver.js';
import { NodeResolver } from '../generic/node.resolver.js';
import { ContentNodeResolver } from '../content/content-node.resolver.js';
import { defineContentObjectMembers } from '../content/content-object.union.js';
import { HealthResolver } from '../server/health.resolver.js';

/** Every resolver class of the API. Features add theirs here. */
export function appResolvers(): NonEmptyArray<Function> {
  return [NodeResolver, ContentTypeResolver, ContentNodeResolver, HealthResolver];
}

let built: Promise<GraphQLSchema> | undefined;

/** Builds the GraphQL schema once per process (type-graphql metadata is global). */
export function buildAppSchema(registry: ContentTypeRegistry): Promise<GraphQLSchema> {
  defineContentObjectMembers(registry);
  built ??= buildSchema({
    resolvers: appResolvers(),
    scalarsMap: [{ type: Date, scalar: GraphQLDateTime }],
    orphanedTypes: [],
    validate: false,
  }).then((schema) => lexicographicSortSchema(schema));
  return built;
}

export { GraphQLJSON };
