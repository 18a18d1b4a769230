import { Int } from 'type-graphql';
import { ConnectionType, pageSize } from '../generic/connection.js';
import type { GenericContext } from '../generic/context.js';
import type { ContentTypeRegistry, RegisteredContentType } from '../generic/content-type.registry.js';
import { contentListPage } from './content-list.query.js';
import { dynamicResolver } from './relations/dynamic-resolver.js';

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
 * `<Type>Connection`; `tagged` only for types that take part in tags.
 * Classes are created once per process (type-graphql metadata is global)
 * and reused for every schema build.
 */
export function contentListResolvers(registry: ContentTypeRegistry): Function[] {
  return registry.types().map((type) => {
    let resolver = built.get(type.cls);
    if (!resolver) built.set(type.cls, (resolver = createListResolver(type, Boolean(registry.relationNamed('tags')) && registry.takesPart(type, 'tags'))));
    return resolver;
  });
}

function createListResolver(type: RegisteredContentType, taggable: boolean): Function {
  const TypeConnection = ConnectionType<object>(type.typeName, () => type.cls, `A page of ${type.typeName} objects, newest first (Relay connection, keyset cursors).`);
  return dynamicResolver<GenericContext>(`${type.typeName}ListResolver`, 'query', [
    {
      name: listQueryName(type.typeName),
      type: () => TypeConnection,
      description: `${type.typeName} objects, newest first.${taggable ? ' `tagged` keeps those that carry ALL the given tags (names compared like tag names: Unicode NFKC and full case folding).' : ''}`,
      args: [
        { name: 'first', type: () => Int, options: { nullable: true, description: 'How many to return: 0 to 100, default 20.' } },
        {
          name: 'after',
          type: () => String,
          options: { nullable: true, description: 'Return the objects after this cursor (an `endCursor` or edge `cursor` of a previous page).' },
        },
        ...(taggable
          ? [{ name: 'tagged', type: () => [String], options: { nullable: true, description: 'Tag names; only objects carrying every one of them.' } }]
          : []),
      ],
      resolve: (_root, args, ctx) => contentListPage(ctx, ctx.registry.get(type.cls), pageSize(args.first), args.after, args.tagged),
    },
  ]);
}
