import { getMetadataStorage, Int } from 'type-graphql';
import { pageSize } from '../../generic/connection.js';
import type { GenericContext } from '../../generic/context.js';
import type { ContentTypeRegistry } from '../../generic/content-type.registry.js';
import { decoratorMetadata } from '../../generic/entity-metadata.js';
import { invariant } from '../../generic/invariant.js';
import { ContentObject } from '../content-object.union.js';
import { targetKeyOf } from '../content-target.js';
import { decodeTimeKey, timeKeyConnection } from '../keyset.js';
import { countsByPerTarget, countsPerTarget } from '../target-page.loader.js';
import { type DynamicOperation, dynamicResolver } from './dynamic-resolver.js';
import { connectionTypeOf, countByTypeOf, graphqlTypeName, relationInterface } from './relation.graphql.js';
import { endInfo, relationPages } from './relation.end.js';
import { relationMutations } from './relation.mutations.js';
import { type RelationDefinition, relationDefinition, type ResolvedEnd } from './relation.options.js';

const FIRST = 'How many to return: 0 to 100, default 20.';
const AFTER = 'Return the items after this cursor (an `endCursor` or edge `cursor` of a previous page).';

const built = new Map<Function, Function[]>();

/**
 * Every resolver the registered relations give the schema: on each
 * relation's interface, the reverse connection and count of each end and
 * the count-by field; on its entity, the field resolving each end's object
 * (batched through the content-object loader) and the actor; its derived
 * mutations; and the hand-written resolvers it lists. Built once per
 * relation per process.
 */
export function relationResolvers(registry: ContentTypeRegistry): Function[] {
  return registry.relations().flatMap((relation) => {
    const definition = relationDefinition(relation.entity);
    if (!definition) return [];
    let resolvers = built.get(relation.entity);
    if (!resolvers) built.set(relation.entity, (resolvers = buildResolvers(definition)));
    return resolvers;
  });
}

/** The Node entities a relation makes reachable by global ID: its entity (when it implements Node) and its `nodes`. */
export function relationNodeTypes(registry: ContentTypeRegistry): { typeName: string; cls: Function }[] {
  return registry.relations().flatMap((relation) => {
    const definition = relationDefinition(relation.entity);
    const classes = [relation.entity, ...(definition?.nodes?.() ?? [])];
    return classes.filter(implementsNode).map((cls) => ({ typeName: graphqlTypeName(cls), cls }));
  });
}

function implementsNode(cls: Function): boolean {
  const type = getMetadataStorage().objectTypes.find((t) => t.target === cls);
  return Boolean(type?.interfaceClasses?.some((iface) => iface.name === 'Node'));
}

function buildResolvers(definition: RelationDefinition): Function[] {
  const entity = definition.entity;
  const iface = relationInterface(entity);
  // Types that thunks return must exist before the schema is built: create them now.
  for (const cls of [entity, ...(definition.nodes?.() ?? [])]) if (getMetadataStorage().objectTypes.some((t) => t.target === cls)) connectionTypeOf(cls);
  if (definition.countBy) countByTypeOf(entity);
  const onInterface: DynamicOperation<GenericContext>[] = [];
  const onEntity: DynamicOperation<GenericContext>[] = [];
  const isObjectType = getMetadataStorage().objectTypes.some((t) => t.target === entity);
  for (const end of definition.resolvedEnds) {
    if (iface && end.connection) onInterface.push(connectionField(definition, end));
    if (iface && end.count) onInterface.push(countField(definition, end));
    const declared = end.targetField ?? 'target';
    const targetField = typeof declared === 'string' ? { name: declared, description: undefined } : declared;
    if (isObjectType && targetField) {
      onEntity.push({
        name: targetField.name,
        type: () => ContentObject,
        nullable: true,
        description: targetField.description ?? `The object this ${graphqlTypeName(entity)} is about; null once it no longer exists.`,
        resolve: (row, _args, ctx) => ctx.loaders.contentObject(row[end.contentType].id, row[end.objectId]),
      });
    }
  }
  if (iface && definition.countBy) onInterface.push(countByField(definition));
  const actor = definition.mutations?.actor;
  if (isObjectType && actor) {
    onEntity.push({
      name: actor,
      type: () => actorClass(entity, actor),
      description: 'Who added it.',
      resolve: async (row, _args, ctx) => (await ctx.loaders.entity(actorClass(entity, actor) as never).load(row[actor].id))!,
    });
  }
  const name = graphqlTypeNameOr(entity);
  const resolvers: Function[] = [];
  if (onInterface.length) resolvers.push(dynamicResolver(`${name}InterfaceResolver`, () => iface!, onInterface));
  if (onEntity.length) resolvers.push(dynamicResolver(`${name}FieldsResolver`, () => entity, onEntity));
  if (definition.mutations) resolvers.push(relationMutations(definition));
  return [...resolvers, ...(definition.resolvers?.() ?? [])];
}

function graphqlTypeNameOr(cls: Function): string {
  return getMetadataStorage().objectTypes.find((t) => t.target === cls)?.name ?? cls.name;
}

/** The entity class a ManyToOne property points at, from the ORM's decorator metadata. */
function actorClass(entity: Function, property: string): Function {
  const target = (decoratorMetadata(entity).properties as Record<string, { entity?: () => Function } | undefined>)[property]?.entity?.();
  invariant(target, `${entity.name}.${property} must be a ManyToOne to the user entity`);
  return target;
}

function connectionField(definition: RelationDefinition, end: ResolvedEnd): DynamicOperation<GenericContext> {
  const connection = end.connection!;
  const filters = connection.filters ?? [];
  const fieldTypes = getMetadataStorage().fields.filter((f) => f.target === definition.entity);
  return {
    name: connection.field,
    type: () => connectionTypeOf(definition.entity),
    description: connection.description,
    args: [
      { name: 'first', type: () => Int, options: { nullable: true, description: FIRST } },
      { name: 'after', type: () => String, options: { nullable: true, description: AFTER } },
      ...filters.map((filter) => {
        const field = fieldTypes.find((f) => f.name === filter.property);
        invariant(field, `${definition.entity.name}.${filter.property} has no @Field to filter on`);
        return { name: filter.argument, type: field.getType as () => unknown, options: { nullable: true, description: filter.description } };
      }),
    ],
    resolve: async (obj, args, ctx) => {
      const info = endInfo(ctx, definition, end);
      const size = pageSize(args.first);
      const where: Record<string, unknown> = {};
      for (const filter of filters) {
        const value = args[filter.argument];
        if (value !== null && value !== undefined) where[info.column(filter.property)] = value;
      }
      const target = targetKeyOf(ctx, obj);
      // Cursors belong to one object's list of this field (see encodeCursor).
      const list = `${connection.field}:${target.contentTypeId}:${target.objectId}`;
      const loader = relationPages(ctx, definition.entity as never, end.key, size, decodeTimeKey(args.after, list), where);
      return timeKeyConnection(await loader.load(target), size, list);
    },
  };
}

function countField(definition: RelationDefinition, end: ResolvedEnd): DynamicOperation<GenericContext> {
  const count = typeof end.count === 'string' ? { field: end.count, description: undefined } : end.count!;
  return {
    name: count.field,
    type: () => Int,
    description: count.description,
    resolve: (obj, _args, ctx) => {
      const { fk } = endInfo(ctx, definition, end);
      return countsPerTarget(ctx.loaders, `relation.${end.key}.count`, fk.tableName, fk.contentTypeColumn, fk.objectIdColumn).load(targetKeyOf(ctx, obj));
    },
  };
}

function countByField(definition: RelationDefinition): DynamicOperation<GenericContext> {
  const countBy = definition.countBy!;
  const end = definition.resolvedEnds[0];
  return {
    name: countBy.field,
    type: () => [countByTypeOf(definition.entity)],
    description: countBy.description,
    // Bounded like a page: one row per distinct value could be as many as the object's rows, and the
    // operation's cost (src/server/pipeline) counts a list with `first` by it.
    args: [{ name: 'first', type: () => Int, options: { nullable: true, description: `How many ${countBy.property} values to return, the most frequent first: 0 to 100, default 20.` } }],
    resolve: async (obj, args, ctx) => {
      const first = pageSize(args.first);
      const { fk, column } = endInfo(ctx, definition, end);
      const loader = countsByPerTarget(ctx.loaders, `relation.${end.key}.countBy`, fk.tableName, fk.contentTypeColumn, fk.objectIdColumn, column(countBy.property));
      const counts = await loader.load(targetKeyOf(ctx, obj));
      return counts.slice(0, first).map(({ value, count }) => ({ [countBy.property]: value, count }));
    },
  };
}
