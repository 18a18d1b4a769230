import { GraphQLSchema, lexicographicSortSchema } from 'graphql';
import { GraphQLDateTime } from 'graphql-scalars';
import { buildSchema, type NonEmptyArray } from 'type-graphql';
import type { ContentTypeRegistry } from '../generic/content-type.registry.js';
import { ContentTypeResolver } from '../generic/content-type.resolver.js';
import { NodeResolver } from '../generic/node.resolver.js';
import { ContentNodeResolver } from '../content/content-node.resolver.js';
import { defineContentObjectMembers } from '../content/content-object.union.js';
import { contentListResolvers } from '../content/content-list.resolver.js';
import { TagResolver, TaggableResolver } from '../features/tags/tags.resolver.js';
import { CommentableResolver, CommentResolver } from '../features/comments/comments.resolver.js';
import { ActivityEntryResolver, HasActivityResolver } from '../features/activity/activity.resolver.js';
import { ContentLinkResolver, LinkableResolver } from '../features/links/links.resolver.js';
import { HealthResolver } from '../server/health.resolver.js';
import { defineContentObjectRefFields, markOneOfInputs } from '../content/content-object-ref.input.js';
import { ActivityMutations } from '../features/activity/activity.mutations.js';
import { TagMutations } from '../features/tags/tags.mutations.js';
import { CommentMutations } from '../features/comments/comments.mutations.js';
import { LinkMutations } from '../features/links/links.mutations.js';
import { contentCrudResolvers } from '../content/content-crud.resolver.js';
import { domainEntities } from '../domain/index.js';
import { ViewerResolver } from '../accounts/viewer.resolver.js';

/** Every resolver class of the API. Features add theirs here. */
export function appResolvers(): NonEmptyArray<Function> {
  return [
    NodeResolver,
    ContentTypeResolver,
    ContentNodeResolver,
    HealthResolver,
    // read API
    TagResolver,
    TaggableResolver,
    CommentResolver,
    CommentableResolver,
    ActivityEntryResolver,
    HasActivityResolver,
    ContentLinkResolver,
    LinkableResolver,
    // write API
    ViewerResolver,
    TagMutations,
    CommentMutations,
    ActivityMutations,
    LinkMutations,
  ];
}

let built: Promise<GraphQLSchema> | undefined;

/** Builds the GraphQL schema once per process (type-graphql metadata is global). */
export function buildAppSchema(registry: ContentTypeRegistry): Promise<GraphQLSchema> {
  defineContentObjectMembers(registry);
  defineContentObjectRefFields(registry);
  built ??= buildSchema({
    resolvers: [...appResolvers(), ...contentListResolvers(registry), ...contentCrudResolvers(registry, domainEntities)],
    scalarsMap: [{ type: Date, scalar: GraphQLDateTime }],
    orphanedTypes: [],
    validate: false,
  }).then((schema) => lexicographicSortSchema(markOneOfInputs(schema)));
  return built;
}

