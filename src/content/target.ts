import { type EntityClass, LockMode } from '@mikro-orm/core';
import type { EntityManager } from '@mikro-orm/sql';
import type { ContentTypeRegistry, RegisteredContentType } from '../generic/content-type.registry.js';
import { NotFoundError } from '../generic/errors.js';
import { fromGlobalId } from '../generic/global-id.js';
import type { NodeTypes } from '../generic/node-types.js';
import { exactlyOne, invalid } from '../generic/validation.js';
import { type ContentObjectRef, refFieldName } from './content-object-ref.input.js';

export interface LoadOptions {
  /** Lock the row `FOR UPDATE` until the transaction ends (updates, deletes). */
  forUpdate?: boolean;
  /** Primary key property of the class (default `id`). */
  primaryKeyProperty?: string;
}

export interface ContentTarget {
  object: object;
  type: RegisteredContentType;
  id: number;
}

/**
 * Resolves a mutation's target content object, given either as a global ID
 * (`idArg`, e.g. `target`) or as a ContentObjectRef (`refArg`, e.g.
 * `targetRef`), and loads it with `em` (the mutation's transaction).
 * Throws BAD_USER_INPUT naming the argument for neither/both, a malformed ID,
 * an unknown type or an ID of something that is not a content object
 * (a Tag, a Comment…); NOT_FOUND when no such object exists.
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
  let id: number;
  let argumentName: string;
  if (given.kind === 'first') {
    argumentName = idArg;
    const decoded = fromGlobalId(given.value);
    if (!decoded) throw invalid(idArg, `is not a valid global ID (use the \`id\` of a content object, e.g. from \`node\` or a list).`);
    const found = registry.byTypeName(decoded.typeName);
    if (!found) {
      const what = nodeTypes.classOf(decoded.typeName) ? `a ${decoded.typeName}, which is not a content object` : `an unknown type "${decoded.typeName}"`;
      throw invalid(idArg, `is the ID of ${what}; give the ID of one of: ${typeNames(registry)}.`);
    }
    type = found;
    id = decoded.id;
  } else {
    const set = Object.entries(given.value).filter(([, value]) => value !== null && value !== undefined);
    if (set.length !== 1) throw invalid(refArg, `must set exactly one field, e.g. { article: 1 } (got ${set.length}).`);
    const [field, value] = set[0];
    argumentName = `${refArg}.${field}`;
    const found = registry.types().find((t) => refFieldName(t) === field);
    if (!found) throw invalid(refArg, `has no content type "${field}".`);
    if (!Number.isSafeInteger(value) || (value as number) < 1) throw invalid(argumentName, `must be a positive databaseId (got ${value}).`);
    type = found;
    id = value as number;
  }
  const object = await loadById(em, type.cls, type.primaryKeyProperty, id, options);
  if (!object) throw new NotFoundError(`\`${argumentName}\`: ${type.typeName} ${id} does not exist.`, { argumentName });
  return { object, type, id };
}

/**
 * Loads the object a global ID names, which must be of class `cls` (named
 * `typeName` in messages). BAD_USER_INPUT naming `argumentName` for a
 * malformed ID or an ID of another type; NOT_FOUND when it does not exist.
 */
export async function resolveNodeOfType<T extends object>(
  em: EntityManager,
  nodeTypes: NodeTypes,
  cls: EntityClass<T>,
  typeName: string,
  globalId: string,
  argumentName: string,
  options: LoadOptions = {},
): Promise<T> {
  const decoded = fromGlobalId(globalId);
  if (!decoded) throw invalid(argumentName, `is not a valid global ID (of type ${typeName}).`);
  if (decoded.typeName !== typeName || nodeTypes.classOf(decoded.typeName) !== cls) {
    const known = nodeTypes.classOf(decoded.typeName) ? `type ${decoded.typeName}` : `an unknown type "${decoded.typeName}"`;
    throw invalid(argumentName, `must be a global ID of type ${typeName}, not of ${known}.`);
  }
  const object = await loadById(em, cls, options.primaryKeyProperty ?? 'id', decoded.id, options);
  if (!object) throw new NotFoundError(`\`${argumentName}\`: ${typeName} ${decoded.id} does not exist.`, { argumentName });
  return object;
}

async function loadById<T extends object>(em: EntityManager, cls: EntityClass<T>, pk: string, id: number, options: LoadOptions): Promise<T | null> {
  const where = { [pk]: id } as never;
  if (options.forUpdate) return em.findOne(cls, where, { lockMode: LockMode.PESSIMISTIC_WRITE, refresh: true });
  return em.findOne(cls, where);
}

function typeNames(registry: ContentTypeRegistry): string {
  return registry.types().map((t) => t.typeName).join(', ');
}
