import { Index } from '@mikro-orm/decorators/legacy';
import { hasLeadingIndex } from '../../generic/content-type.checks.js';
import { decoratorMetadata } from '../../generic/entity-metadata.js';
import { declareRelation, type DeletePolicy } from '../../generic/generic-relation.js';

/** The reverse connection a relation end gives every participating type (e.g. `comments(first, after)`). */
export interface RelationConnectionOptions {
  /** Field name on the participating types, e.g. `comments`, `outgoingLinks`. */
  field: string;
  description?: string;
  /** A datetime property of the relation's entity: the keyset order with the primary key. Default `createdAt`. */
  orderBy?: string;
  /** Default `desc` (newest first). */
  direction?: 'asc' | 'desc';
  /** Equality filters: one optional argument per scalar property, e.g. `{ argument: 'kind', property: 'kind' }`. */
  filters?: { argument: string; property: string; description?: string }[];
}

/** One generic foreign key of a relation and what it gives the GraphQL schema. */
export interface RelationEndOptions {
  /** The generic foreign key's name: trigger and error names (`cg_gfk_<key>`). Default: the relation's name. */
  key?: string;
  /** The ManyToOne to ContentType. Default `contentType`. */
  contentType?: string;
  /** The `text` property holding the object's key. Default `objectId`. */
  objectId?: string;
  /** What happens to the rows when their object is deleted (by any path): `cascade`, `keep` or `restrict`. */
  onDelete: DeletePolicy;
  /** Field of the relation's entity that resolves this end's object (a `ContentObject`, batched). Default `target`; false for none. */
  targetField?: string | { name: string; description?: string } | false;
  /** A reverse connection on every participating type. */
  connection?: RelationConnectionOptions;
  /** A count field on every participating type, e.g. `commentCount`. */
  count?: string | { field: string; description?: string };
}

/** Add/remove mutations of a relation whose rows are one user's mark on an object (reactions, bookmarks, votes). */
export interface RelationMutationOptions {
  /** Mutation names, e.g. `addReaction`, `removeReaction`. */
  add: string;
  remove: string;
  /** ManyToOne property the caller is written to; it identifies the row with the target and `fields`. */
  actor: string;
  /** Scalar properties given as arguments (`emoji`); with the target and the actor they identify a row. */
  fields?: string[];
  /** Validates and normalises the field values (after the type checks); throw `invalid(argumentName, …)` for bad input. */
  validate?: (values: Record<string, unknown>) => Record<string, unknown>;
  /** Activity verbs recorded on the target when a row is added or removed (when the target takes part in `activity`). */
  verbs?: { add: string; remove: string };
}

/**
 * A generic relation declared on its entity with `@GenericRelation`: the
 * database side (generic foreign keys, delete policies, targets) and the
 * GraphQL side the core derives from it.
 */
export interface GenericRelationOptions extends Partial<RelationEndOptions> {
  /** Lower-case identifier that content types name in `relations`, e.g. `reactions`. */
  name: string;
  /** Only these content types may take part; all registered types when omitted. */
  targets?: () => Function[];
  /** Several generic foreign keys on one row (links: source and target); otherwise the end options above describe the one key. */
  ends?: RelationEndOptions[];
  /** The GraphQL interface every participating type implements (e.g. `Reactable`); no interface and no fields when omitted. */
  interface?: string | { name: string; description?: string };
  /** Counts per value of a property on every participating type, e.g. `reactionCounts: [ReactionCount!]!` by `emoji`. */
  countBy?: { field: string; property: string; typeName?: string; description?: string };
  /** Derived add/remove mutations. */
  mutations?: RelationMutationOptions;
  /** Hand-written resolvers that belong to the relation (added to the schema when it is registered). */
  resolvers?: () => Function[];
  /** Other entity classes reachable by global ID through `node(id)` (e.g. Tag). The relation's entity is one when it implements Node. */
  nodes?: () => Function[];
}

/** A relation end with its defaults filled in. */
export type ResolvedEnd = Required<Pick<RelationEndOptions, 'key' | 'contentType' | 'objectId' | 'onDelete'>> & RelationEndOptions;

export interface RelationDefinition extends GenericRelationOptions {
  entity: Function;
  resolvedEnds: ResolvedEnd[];
}

const definitions = new WeakMap<Function, RelationDefinition>();

/** The relation an entity declared with `@GenericRelation`; undefined for other classes. */
export function relationDefinition(cls: Function): RelationDefinition | undefined {
  return definitions.get(cls);
}

/**
 * Declares an entity as a generic relation. Write it first (above `@Entity`
 * and `@Index`): it adds the `(content_type_id, object_id, order…, id)` index a
 * key needs (`(content_type_id, object_id)` for a key without a connection)
 * unless one of the entity's indexes already starts with those columns.
 *
 *     @GenericRelation({ name: 'reactions', onDelete: 'cascade', interface: 'Reactable',
 *                        connection: { field: 'reactions' }, count: 'reactionCount' })
 *     @ObjectType('Reaction', { implements: [Node] })
 *     @Entity({ tableName: 'reaction' })
 *     export class Reaction { … }
 */
export function GenericRelation(options: GenericRelationOptions): ClassDecorator {
  return (target) => {
    const ends = (options.ends ?? [options as RelationEndOptions]).map(
      (end): ResolvedEnd => ({ ...end, key: end.key ?? options.name, contentType: end.contentType ?? 'contentType', objectId: end.objectId ?? 'objectId', onDelete: end.onDelete }),
    );
    const definition: RelationDefinition = { ...options, entity: target, resolvedEnds: ends };
    definitions.set(target, definition);
    declareRelation(target, {
      name: options.name,
      entity: target as never,
      targets: options.targets as never,
      keys: ends.map((end) => ({ name: end.key, contentTypeProperty: end.contentType, objectIdProperty: end.objectId, onDelete: end.onDelete })),
    });
    const meta = decoratorMetadata(target);
    for (const end of ends) {
      // A connection pages each object's rows in (order, primary key) order: its LATERAL … LIMIT page is a range
      // of this index only when the index continues with those columns (a unique (content type, object id, …)
      // constraint does not).
      const primary = Object.values(meta.properties as Record<string, { name: string; primary?: boolean }>).filter((p) => p.primary).map((p) => p.name);
      const order = end.connection ? [end.connection.orderBy ?? 'createdAt', ...primary] : [];
      const wanted = [end.contentType, end.objectId, ...order];
      if (hasLeadingIndex(meta, wanted)) continue;
      Index({ properties: wanted } as never)(target as never);
    }
  };
}
