import type { GraphQLResolveInfo } from 'graphql';
import { Arg, Ctx, Extensions, FieldResolver, Info, Int, Query, Resolver, Root } from 'type-graphql';
import { type Connection, pageSize } from '../../generic/connection.js';
import type { GenericContext } from '../../generic/context.js';
import { soleSubfieldArguments } from '../../generic/lookahead.js';
import { ContentObjectConnection } from '../../content/content-object.connection.js';
import { contentTypesArg, targetKeyOf } from '../../content/content-target.js';
import { decodeTimeKey, timeKeyConnection } from '../../content/keyset.js';
import { connectionTypeOf, relationInterface } from '../../content/relations/relation.graphql.js';
import { Tag } from './tag.entity.js';
import { TaggedItem } from './tagged-item.entity.js';
import { firstItemsRead, registeredTypeIds, tagItemCounts, taggedItemPages, tagLookupName, tagsByName, tagsOfTargets, tagsWithFirstItems } from './tags.loaders.js';
import { tagPage } from './tags.query.js';
import { MAX_TAGS_PER_OBJECT } from './tags.validation.js';

const FIRST = 'How many to return: 0 to 100, default 20.';
const AFTER = 'Return the items after this cursor (an `endCursor` or edge `cursor` of a previous page).';

/** `tags`, `tag(name)` and the fields of `Tag`. */
@Resolver(() => Tag)
export class TagResolver {
  @Query(() => connectionTypeOf(Tag), { description: 'Tags, most used first, then by name. `prefix` keeps the names that start with it (compared like names: Unicode NFKC and full case folding).' })
  tags(
    @Arg('first', () => Int, { nullable: true, description: FIRST }) first: number | null,
    @Arg('after', () => String, { nullable: true, description: AFTER }) after: string | null,
    @Arg('prefix', () => String, { nullable: true, description: 'Keep tags whose name starts with this (compared by key: NFKC, full case folding).' }) prefix: string | null,
    @Ctx() ctx: GenericContext,
  ): Promise<Connection<Tag>> {
    return tagPage(ctx.loaders, pageSize(first), after, prefix);
  }

  @Query(() => Tag, { nullable: true, description: 'The tag with this name, compared by key (Unicode NFKC, full case folding, invisible characters and surrounding whitespace ignored: `İzmir` finds `i̇zmir`, `STRASSE` finds `Straße`); null when there is none.' })
  async tag(@Arg('name', () => String) name: string, @Ctx() ctx: GenericContext, @Info() info: GraphQLResolveInfo): Promise<Tag | null> {
    const lookup = tagLookupName(name);
    if (!lookup) return null;
    // `tag(name) { items(first) }`, the usual tag page: the tag and the first page of its items in one statement,
    // which primes the loader `items` reads (tagsWithFirstItems). Other selections load as the fields say.
    const firstPage = firstItemsPageOf(info);
    const withItems = firstPage === undefined ? undefined : tagsWithFirstItems(ctx.loaders, firstPage, itemTypeIds(ctx, null));
    if (withItems) {
      try {
        return await withItems.load(lookup);
      } catch {
        // The shared statement failed (a target's table, the deadline): read the tag alone, so that the page's
        // own statement fails, if it still does, where it belongs (`tag.items`), as it would without the shortcut.
      }
    }
    return tagsByName(ctx.loaders).load(lookup);
  }

  @FieldResolver(() => Int, { description: 'How many objects carry this tag.' })
  itemCount(@Root() tag: Tag, @Ctx() ctx: GenericContext): Promise<number> {
    return tagItemCounts(ctx.loaders).load(tag.id);
  }

  @FieldResolver(() => ContentObjectConnection, {
    description: 'Every object carrying this tag, across content types, most recently tagged first. `types` keeps only these GraphQL types (e.g. ["Article", "Video"]).',
  })
  async items(
    @Root() tag: Tag,
    @Arg('first', () => Int, { nullable: true, description: FIRST }) first: number | null,
    @Arg('after', () => String, { nullable: true, description: AFTER }) after: string | null,
    @Arg('types', () => [String], { nullable: true, description: 'GraphQL type names of the content types to keep; all when omitted.' }) types: string[] | null,
    @Ctx() ctx: GenericContext,
  ): Promise<Connection<object>> {
    const size = pageSize(first);
    const list = `tag:${tag.id}:items`;
    const key = decodeTimeKey(after, list);
    const typeIds = itemTypeIds(ctx, types);
    // A first page this request reads with its tag (tagsWithFirstItems) primes the loader once it is back:
    // wait for it, so that the same page is not read twice (the same tag may be selected both ways).
    if (!key) await firstItemsRead(ctx.loaders, size, typeIds);
    // Each row comes with its target, read in the page's own statement (taggedItemPages).
    const rows = await taggedItemPages(ctx.loaders, size, key, typeIds).load(tag.id);
    const connection = timeKeyConnection(
      rows.map((row) => ({ node: row.cg_target, at: row.cg_at, id: Number(row.id) })),
      size,
      list,
    );
    // Tagged items cascade with their targets, so a null target only comes from a
    // concurrent delete: drop the edge, keep pageInfo (endCursor still continues).
    return { edges: connection.edges.filter((edge): edge is { cursor: string; node: object } => edge.node !== null), pageInfo: connection.pageInfo };
  }
}

/** The ids of the content types `Tag.items(types)` keeps, in order: those of `types` that take part in tags, or all of them. */
function itemTypeIds(ctx: GenericContext, types: readonly string[] | null): number[] {
  const tagged = new Set(registeredTypeIds(ctx.loaders));
  const typeIds = types ? contentTypesArg(ctx, types, 'types').map((t) => ctx.registry.idOf(t.cls)).filter((id) => tagged.has(id)) : [...tagged];
  return typeIds.sort((a, b) => a - b);
}

/**
 * The page size of the `items` the selection under `tag(name)` asks for, when
 * it is a first page of every type (no `after`, no `types`) selected once;
 * undefined otherwise, or when `first` is out of range (`items` says so).
 */
function firstItemsPageOf(info: GraphQLResolveInfo): number | undefined {
  const args = soleSubfieldArguments(info, 'items');
  if (!args || args.after != null || args.types != null) return undefined;
  try {
    return pageSize(args.first as number | null | undefined);
  } catch {
    return undefined;
  }
}

/** `Taggable.tags` of every content object taking part in tags: one batched statement for all objects of a response level. */
@Resolver(() => relationInterface(TaggedItem)!)
export class TaggableResolver {
  @FieldResolver(() => [Tag], { description: `The tags of this object, ordered by their key (the name case-folded); at most ${MAX_TAGS_PER_OBJECT}.` })
  @Extensions({ maxItems: MAX_TAGS_PER_OBJECT })
  async tags(@Root() obj: object, @Ctx() ctx: GenericContext): Promise<Tag[]> {
    // The API never gives an object more (addTags refuses it); rows written past it by raw SQL are not served,
    // so that the operation's cost, which counts this list as MAX_TAGS_PER_OBJECT, bounds the answer.
    return (await tagsOfTargets(ctx.loaders).load(targetKeyOf(ctx, obj))).slice(0, MAX_TAGS_PER_OBJECT);
  }
}
