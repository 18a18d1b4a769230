import { type EntityClass, LockMode } from '@mikro-orm/core';
import type { EntityManager } from '@mikro-orm/sql';
import type { ContentTypeRegistry, RegisteredContentType } from '../generic/content-type.registry.js';
import { NotFoundError } from '../generic/errors.js';
import type { NodeTypes } from '../generic/node-types.js';
import { keyFromText, keyKindDescription, keyText, type ObjectKey, parseKey } from '../generic/object-key.js';
import { quoteIdentifier as q } from '../generic/sql.js';
import { exactlyOne, invalid } from '../generic/validation.js';
import { type ContentObjectRef, refFieldName } from './content-object-ref.input.js';
import { contentTargetArg } from './content-target.js';

/**
 * A row lock a mutation holds on what it acts on until its transaction ends:
 * - `update` (`FOR UPDATE`): it updates or deletes the row;
 * - `no key update` (`FOR NO KEY UPDATE`): it changes rows that point at the
 *   object (its tags). That still runs such changes of one object one after
 *   the other and keeps the object (and its owner) from being updated or
 *   deleted meanwhile, but it does not block the `FOR KEY SHARE` locks that
 *   other transactions take of the object (a generic key's check, a merge
 *   reading the objects it retags): holding `FOR UPDATE` there made addTags
 *   and mergeTags wait for each other (deadlock_detected after 1 s).
 */
export type RowLock = 'update' | 'no key update';

export interface LoadOptions {
  /** Lock the row until the transaction ends (see RowLock). */
  lock?: RowLock;
  /**
   * The relation the mutation will give the target a row of: BAD_USER_INPUT
   * naming the type and the relation when the type does not take part in it
   * (checked before anything is read).
   */
  relation?: string;
}

export interface ContentTarget {
  object: object;
  type: RegisteredContentType;
  /** The primary key (number or uuid string). */
  id: ObjectKey;
  /** Its canonical text, as `object_id` holds it. */
  objectId: string;
  /** Locked (`FOR UPDATE` or `FOR NO KEY UPDATE`) in this transaction: its owner is current and cannot change (the permission policy reads it no more). */
  ownerLocked?: boolean;
}

/**
 * Resolves a mutation's target content object, given either as a global ID
 * (`idArg`, e.g. `target`) or as a ContentObjectRef (`refArg`, e.g.
 * `targetRef`), and loads it with `em` (the mutation's transaction).
 * Throws BAD_USER_INPUT naming the argument for neither/both, a malformed ID,
 * an unknown type, an ID of something that is not a content object (a Tag,
 * a Comment…) or a type that does not take part in `options.relation`;
 * NOT_FOUND when no such object exists.
 */
export async function resolveContentTarget(
  em: EntityManager,
  registry: ContentTypeRegistry,
  nodeTypes: NodeTypes,
  args: { id?: string | null; ref?: ContentObjectRef | null },
  [idArg, refArg]: [string, string],
  options: LoadOptions = {},
): Promise<ContentTarget> {
  const given = exactlyOne(args.id, args.ref, [idArg, refArg]);
  let type: RegisteredContentType;
  let id: ObjectKey;
  let argumentName: string;
  if (given.kind === 'first') {
    argumentName = idArg;
    ({ type, key: id } = contentTargetArg({ registry, nodeTypes }, given.value, idArg));
  } else {
    const set = Object.entries(given.value).filter(([, value]) => value !== null && value !== undefined);
    if (set.length !== 1) throw invalid(refArg, `must set exactly one field, e.g. { article: 1 } (got ${set.length}).`);
    const [field, value] = set[0];
    argumentName = `${refArg}.${field}`;
    const found = registry.types().find((t) => refFieldName(t) === field);
    if (!found) throw invalid(refArg, `has no content type "${field}".`);
    const key = parseKey(found.keyKind, value);
    if (key === null) throw invalid(argumentName, `must be the databaseId of a ${found.typeName}: ${keyKindDescription(found.keyKind)} (got ${JSON.stringify(value)}).`);
    type = found;
    id = key;
  }
  if (options.relation && !registry.takesPart(type, options.relation)) {
    throw invalid(argumentName, `is a ${type.typeName}, and ${type.typeName} objects do not take part in \`${options.relation}\` (its registration leaves that relation out).`);
  }
  const object = options.lock === 'no key update' ? await loadForNoKeyUpdate(em, type, id) : await loadById(em, type.cls, type.primaryKeyProperty, id, options);
  if (!object) throw new NotFoundError(`\`${argumentName}\`: ${type.typeName} ${id} does not exist.`, { argumentName });
  return { object, type, id, objectId: keyText(id), ownerLocked: options.lock !== undefined };
}

/**
 * Loads the object a global ID names, which must be of class `cls`.
 * BAD_USER_INPUT naming `argumentName` for a malformed ID or an ID of
 * another type; NOT_FOUND when it does not exist.
 */
export async function resolveNodeOfType<T extends object>(
  em: EntityManager,
  nodeTypes: NodeTypes,
  cls: EntityClass<T>,
  globalId: string,
  argumentName: string,
  options: { lock?: 'update' } = {},
): Promise<T> {
  const id = nodeTypes.idArg(cls, globalId, argumentName);
  const object = await loadById(em, cls, nodeTypes.primaryKeyPropertyOf(cls), id, options);
  if (!object) throw new NotFoundError(`\`${argumentName}\`: ${nodeTypes.typeNameOf(cls)} ${id} does not exist.`, { argumentName });
  return object;
}

/**
 * The content object a generic foreign key `(content_type_id, object_id)`
 * names, loaded with `em` (e.g. a mutation's transaction); null when it does
 * not exist or its content type is not registered.
 */
export async function loadContentObject(em: EntityManager, registry: ContentTypeRegistry, contentTypeId: number, objectId: string): Promise<object | null> {
  const type = registry.byId(contentTypeId);
  const key = type && keyFromText(type.keyKind, objectId);
  return type && key !== null && key !== undefined ? loadById(em, type.cls, type.primaryKeyProperty, key, {}) : null;
}

async function loadById<T extends object>(em: EntityManager, cls: EntityClass<T>, pk: string, id: ObjectKey, options: LoadOptions): Promise<T | null> {
  const where = { [pk]: id } as never;
  if (options.lock === 'update') return em.findOne(cls, where, { lockMode: LockMode.PESSIMISTIC_WRITE, refresh: true });
  return em.findOne(cls, where);
}

/**
 * Locks a content object's row `FOR NO KEY UPDATE`, then loads it (current:
 * `refresh`). Two statements: MikroORM's lock modes stop at `FOR SHARE` and
 * `FOR UPDATE`, and the entity is read through the ORM so that whatever its
 * class declares (formulas, custom types) is loaded as on every other path.
 */
async function loadForNoKeyUpdate(em: EntityManager, type: RegisteredContentType, id: ObjectKey): Promise<object | null> {
  // The key as its own type (a number, or uuid text), not as text: a quoted '3000000000' would be cast to an int4
  // column and fail out of range (a 500), where the number compares as int8 and finds nothing (NOT_FOUND).
  const locked = await em.execute<unknown[]>(`select 1 from ${q(type.tableName)} where ${q(type.primaryKeyColumn)} = ? for no key update`, [id]);
  if (locked.length === 0) return null;
  return em.findOne(type.cls, { [type.primaryKeyProperty]: id } as never, { refresh: true });
}
