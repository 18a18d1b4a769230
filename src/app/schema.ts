import { GraphQLSchema, lexicographicSortSchema } from 'graphql';
import { GraphQLDateTime } from 'graphql-scalars';
import { buildSchema, type NonEmptyArray } from 'type-graphql';
import type { ContentTypeRegistry } from '../generic/content-type.registry.js';
import { processEventHub } from '../generic/events.js';
import { ContentTypeResolver } from '../generic/content-type.resolver.js';
import { NodeResolver } from '../generic/node.resolver.js';
import { ContentNodeResolver } from '../content/content-node.resolver.js';
import { defineContentObjectMembers, resolveContentTypesSynchronously } from '../content/content-object.union.js';
import { contentListResolvers } from '../content/content-list.resolver.js';
import { defineContentObjectRefFields, markOneOfInputs } from '../content/content-object-ref.input.js';
import { contentCrudResolvers } from '../content/content-crud.resolver.js';
import { relationResolvers } from '../content/relations/relation.resolvers.js';
import { HealthResolver } from '../server/health.resolver.js';
import { ViewerResolver } from '../accounts/viewer.resolver.js';

/**
 * Every resolver of the API: the core's, the ones the registry derives (each
 * relation's interfaces, fields and mutations plus its own resolvers, each
 * content type's list query and CRUD mutations), the server's and the accounts'.
 */
export function appResolvers(registry: ContentTypeRegistry): NonEmptyArray<Function> {
  return [
    NodeResolver,
    ContentTypeResolver,
    ContentNodeResolver,
    HealthResolver,
    ViewerResolver,
    ...relationResolvers(registry),
    ...contentListResolvers(registry),
    ...contentCrudResolvers(registry),
  ];
}

let built: { shape: string; schema: Promise<GraphQLSchema> } | undefined;

/**
 * What the schema of a registry is made of: its content types, each with the
 * relations it takes part in, by name, in any order (the schema is sorted).
 */
function shapeOf(registry: ContentTypeRegistry): string {
  return registry
    .types()
    .map((t) => `${t.typeName}(${registry.relationsOf(t).map((r) => r.name).sort().join(' ')})`)
    .sort()
    .join(', ');
}

/**
 * Builds the GraphQL schema once per process (type-graphql metadata is global).
 * A process serves one registry: asked for the schema of another one (other
 * content types or relations), it throws rather than answer with the first.
 */
export function buildAppSchema(registry: ContentTypeRegistry): Promise<GraphQLSchema> {
  const shape = shapeOf(registry);
  if (built && built.shape !== shape) {
    throw new Error(`buildAppSchema: this process built its schema for another registry (${built.shape}), not for ${shape}; one process serves one registry (type-graphql's metadata is global)`);
  }
  defineContentObjectMembers(registry);
  defineContentObjectRefFields(registry);
  if (!built) {
    const schema = buildSchema({
      resolvers: appResolvers(registry),
      scalarsMap: [{ type: Date, scalar: GraphQLDateTime }],
      orphanedTypes: [],
      // Subscriptions' topics: fed by each server's LISTEN connection (src/server/subscriptions).
      pubSub: processEventHub,
      validate: false,
    }).then((schema) => resolveContentTypesSynchronously(lexicographicSortSchema(markOneOfInputs(schema)), registry));
    built = { shape, schema };
  }
  return built.schema;
}
