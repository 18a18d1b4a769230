import { Field, getMetadataStorage, ID, ObjectType } from 'type-graphql';
import type { EntityManager } from '@mikro-orm/sql';
import type { MutationContext } from '../../accounts/authentication.js';
import { decoratorMetadata } from '../../generic/entity-metadata.js';
import { toGlobalId } from '../../generic/global-id.js';
import { invariant } from '../../generic/invariant.js';
import { placeholders, quoteIdentifier as q } from '../../generic/sql.js';
import { inTransaction } from '../../generic/transaction.js';
import { charLength, invalid, requireStorableText } from '../../generic/validation.js';
import { recordActivity } from '../../features/activity/activity.service.js';
import { authorize } from '../permissions.policy.js';
import { ContentObjectRef } from '../content-object-ref.input.js';
import { ContentObject } from '../content-object.union.js';
import { resolveContentTarget } from '../target.js';
import { type DynamicOperation, dynamicResolver } from './dynamic-resolver.js';
import { graphqlTypeName, namedClass } from './relation.graphql.js';
import type { RelationDefinition } from './relation.options.js';
import { endInfo } from './relation.end.js';

const TARGET_DOC = 'The target is given as `target` (a global ID) or as `targetRef` (e.g. `{ article: 1 }`), exactly one of them.';

/**
 * The derived `add…`/`remove…` mutations of a relation whose rows are one
 * user's mark on an object (`mutations` in `@GenericRelation`): a row is
 * identified by its target, the caller (`actor`) and the `fields`. Adding is
 * idempotent (`INSERT … ON CONFLICT DO NOTHING` on the entity's unique
 * constraint over those columns), removing deletes the caller's matching
 * row; each runs in one transaction that also records the activity verb (when
 * declared and the target takes part in `activity`). A call that changes
 * nothing records nothing.
 */
export function relationMutations(definition: RelationDefinition): Function {
  const mutations = definition.mutations!;
  invariant(definition.resolvedEnds.length === 1, `${definition.entity.name}: derived mutations need a relation with one generic foreign key`);
  const end = definition.resolvedEnds[0];
  requireIdentityConstraint(definition, [end.contentType, end.objectId, mutations.actor, ...(mutations.fields ?? [])]);
  const entityName = graphqlTypeName(definition.entity);
  const rowField = entityName[0].toLowerCase() + entityName.slice(1);
  const payload = payloadType(definition, entityName, rowField);
  const fields = (mutations.fields ?? []).map((name) => {
    const field = getMetadataStorage().fields.find((f) => f.target === definition.entity && f.name === name);
    invariant(field, `${definition.entity.name}.${name} has no @Field`);
    return field;
  });
  const args = [
    { name: 'target', type: () => ID, options: { nullable: true } },
    { name: 'targetRef', type: () => ContentObjectRef, options: { nullable: true } },
    ...fields.map((f) => ({ name: f.name, type: f.getType as () => unknown, options: { description: f.description } })),
  ];

  /** Authenticates, validates the fields, then runs `change` on the resolved target in one transaction. */
  const run = async (
    args: Record<string, any>,
    ctx: MutationContext,
    change: (tx: EntityManager, identity: Record<string, unknown>) => Promise<{ row: object | null; changed: boolean; id: number }>,
    verb: string | undefined,
    action: 'add' | 'remove',
  ) => {
    const actor = await ctx.auth.requireUser();
    const values = validateFields(definition.entity, mutations.fields ?? [], args, mutations.validate);
    return inTransaction(ctx.em, async (tx) => {
      const target = await resolveContentTarget(tx, ctx.registry, ctx.nodeTypes, { id: args.target, ref: args.targetRef }, ['target', 'targetRef'], {
        relation: definition.name,
      });
      // Rule `<relation>.add` / `.remove` of the target's type; a derived remove only ever removes the caller's own row.
      await authorize(tx, actor, `${definition.name}.${action}`, [target], action === 'remove' ? { authors: [actor.id] } : {});
      const { fk, column } = endInfo({ registry: ctx.registry, em: tx }, definition, end);
      const identity: Record<string, unknown> = {
        [fk.contentTypeColumn]: ctx.registry.idOf(target.type.cls),
        [fk.objectIdColumn]: target.objectId,
        [column(mutations.actor)]: actor.id,
        ...Object.fromEntries(Object.entries(values).map(([name, value]) => [column(name), value])),
      };
      const result = await change(tx, identity);
      if (result.changed && verb) {
        await recordActivity(tx, ctx.registry, { actor, verb, target: target.object, data: { [rowField]: toGlobalId(entityName, result.id), ...values } });
      }
      return { target: target.object, [rowField]: result.row, changed: result.changed };
    });
  };

  const operations: DynamicOperation<MutationContext>[] = [
    {
      name: mutations.add,
      type: () => payload,
      description: `Adds the caller's ${entityName} to a content object; idempotent. ${TARGET_DOC} Needs an API token.`,
      args,
      resolve: (_root, args, ctx) =>
        run(
          args,
          ctx,
          async (tx, identity) => {
            const { fk, primaryKeyProperty } = endInfo({ registry: ctx.registry, em: tx }, definition, end);
            const columns = Object.keys(identity);
            const inserted = await tx.execute<{ id: number }[]>(
              `insert into ${q(fk.tableName)} (${columns.map(q).join(', ')}) values (${placeholders(columns.length)}) on conflict do nothing returning ${q(fk.primaryKeyColumn)} as id`,
              Object.values(identity),
            );
            const where = columns.map((c) => `${q(c)} = ?`).join(' and ');
            const [existing] = await tx.execute<{ id: number }[]>(`select ${q(fk.primaryKeyColumn)} as id from ${q(fk.tableName)} where ${where}`, Object.values(identity));
            invariant(existing, `${entityName}: the row just added is not there`);
            const row = await tx.findOneOrFail(definition.entity as never, { [primaryKeyProperty]: existing.id } as never);
            return { row: row as object, changed: inserted.length > 0, id: Number(existing.id) };
          },
          mutations.verbs?.add,
          'add',
        ),
    },
    {
      name: mutations.remove,
      type: () => payload,
      description: `Removes the caller's ${entityName} from a content object; idempotent. ${TARGET_DOC} Needs an API token.`,
      args,
      resolve: (_root, args, ctx) =>
        run(
          args,
          ctx,
          async (tx, identity) => {
            const { fk } = endInfo({ registry: ctx.registry, em: tx }, definition, end);
            const where = Object.keys(identity)
              .map((c) => `${q(c)} = ?`)
              .join(' and ');
            const deleted = await tx.execute<{ id: number }[]>(`delete from ${q(fk.tableName)} where ${where} returning ${q(fk.primaryKeyColumn)} as id`, Object.values(identity));
            return { row: null, changed: deleted.length > 0, id: Number(deleted[0]?.id ?? 0) };
          },
          mutations.verbs?.remove,
          'remove',
        ),
    },
  ];
  return dynamicResolver(`${entityName}Mutations`, 'mutation', operations);
}

/**
 * Derived mutations are idempotent through a unique constraint over the
 * columns that identify a row (target, actor, fields): refuse to start
 * without one, rather than let concurrent adds write duplicates.
 */
function requireIdentityConstraint(definition: RelationDefinition, properties: string[]): void {
  const covered = decoratorMetadata(definition.entity).uniques.some((unique) => {
    const columns = [unique.properties ?? []].flat() as string[];
    return columns.length === properties.length && properties.every((p) => columns.includes(p));
  });
  if (!covered) {
    throw new Error(
      `generic relation "${definition.name}" declares mutations, so ${definition.entity.name} needs a unique constraint over exactly ` +
        `(${properties.join(', ')}): add @Unique({ properties: [${properties.map((p) => `'${p}'`).join(', ')}] }).`,
    );
  }
}

/** `<Type>Payload { target: ContentObject!, <type>: <Type>, changed: Boolean! }`. */
function payloadType(definition: RelationDefinition, entityName: string, rowField: string): Function {
  const payload = namedClass(`${entityName}Payload`);
  Field(() => ContentObject, { description: 'The content object.' })(payload.prototype, 'target');
  Field(() => definition.entity, { nullable: true, description: `The caller's ${entityName} (null after a remove).` })(payload.prototype, rowField);
  Field(() => Boolean, { description: 'Whether this call changed anything.' })(payload.prototype, 'changed');
  ObjectType(`${entityName}Payload`, { description: `The result of adding or removing a ${entityName}.` })(payload);
  return payload;
}

/**
 * The field arguments of a derived mutation: strings must be storable,
 * non-blank and fit their column; then the relation's own `validate`.
 * BAD_USER_INPUT naming the argument.
 */
function validateFields(
  entity: Function,
  names: string[],
  args: Record<string, unknown>,
  validate: ((values: Record<string, unknown>) => Record<string, unknown>) | undefined,
): Record<string, unknown> {
  const values: Record<string, unknown> = {};
  for (const name of names) {
    const value = args[name];
    if (typeof value === 'string') {
      requireStorableText(value, name);
      if (value.trim() === '') throw invalid(name, 'must not be empty.');
      const max = columnLength(entity, name);
      if (max !== undefined && charLength(value) > max) throw invalid(name, `must be at most ${max} characters long (got ${charLength(value)}).`);
    }
    values[name] = value;
  }
  return validate ? validate(values) : values;
}

function columnLength(entity: Function, property: string): number | undefined {
  const length = (decoratorMetadata(entity).properties as Record<string, { length?: unknown } | undefined>)[property]?.length;
  return typeof length === 'number' ? length : undefined;
}
