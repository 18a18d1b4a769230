import { Arg, Ctx, Int, Query, Resolver } from 'type-graphql';
import { type Connection, ConnectionType, pageSize } from '../generic/connection.js';
import type { GenericContext } from '../generic/context.js';
import type { ContentTypeRegistry, RegisteredContentType } from '../generic/content-type.registry.js';
import { contentListPage } from './content-list.query.js';

/** `Article` → `articles`, `Category` → `categories`, `Box` → `boxes`. */
export function listQueryName(typeName: string): string {
  const name = typeName[0].toLowerCase() + typeName.slice(1);
  if (/[^aeiou]y$/.test(name)) return `${name.slice(0, -1)}ies`;
  if (/(s|x|z|ch|sh)$/.test(name)) return `${name}es`;
  return `${name}s`;
}

const built = new Map<Function, Function>();

/**
 * One resolver class per registered content type, with its list query
 * (`articles(first, after, tagged)`, `books(…)`, …) returning
 * `<Type>Connection`. Classes are created once per process (type-graphql
 * metadata is global) and reused for every schema build.
 */
export function contentListResolvers(registry: ContentTypeRegistry): Function[] {
  return registry.types().map((type) => {
    let resolver = built.get(type.cls);
    if (!resolver) built.set(type.cls, (resolver = createListResolver(type)));
    return resolver;
  });
}

function createListResolver(type: RegisteredContentType): Function {
  const TypeConnection = ConnectionType<object>(type.typeName, () => type.cls, `A page of ${type.typeName} objects, newest first (Relay connection, keyset cursors).`);

  @Resolver()
  class ContentListResolver {
    @Query(() => TypeConnection, {
      name: listQueryName(type.typeName),
      description: `${type.typeName} objects, newest first. \`tagged\` keeps those that carry ALL the given tags (names compared like tag names: Unicode NFKC and full case folding).`,
    })
    list(
      @Arg('first', () => Int, { nullable: true, description: 'How many to return: 0 to 100, default 20.' }) first: number | null,
      @Arg('after', () => String, { nullable: true, description: 'Return the objects after this cursor (an `endCursor` or edge `cursor` of a previous page).' })
      after: string | null,
      @Arg('tagged', () => [String], { nullable: true, description: 'Tag names; only objects carrying every one of them.' }) tagged: string[] | null,
      @Ctx() ctx: GenericContext,
    ): Promise<Connection<object>> {
      return contentListPage(ctx, ctx.registry.get(type.cls), pageSize(first), after, tagged);
    }
  }
  Object.defineProperty(ContentListResolver, 'name', { value: `${type.typeName}ListResolver` });
  return ContentListResolver;
}
