import { UniqueConstraintViolationException } from '@mikro-orm/core';
import type { EntityManager } from '@mikro-orm/sql';
import type { User } from '../accounts/user.entity.js';
import type { ContentTypeRegistry, RegisteredContentType } from '../generic/content-type.registry.js';
import { activityValue, objectRepr, recordActivity } from '../features/activity/activity.service.js';
import { redactActivityAbout } from '../features/activity/activity.redaction.js';
import { charLength, invalid, requireStorableText } from '../generic/validation.js';
import type { WritableField } from './content-crud.input.js';
import type { ContentTarget } from './target.js';
import { OWNER_PROPERTY, ownerEntity } from './content-owner.js';
import { authorize, authorizeGlobal } from './permissions.policy.js';

/**
 * Create, update and delete of any content type, inside the caller's
 * transaction, each with its activity entry. Written once for every type:
 * the fields come from `writableFields` (content-crud.input.ts).
 */

type Values = Record<string, unknown>;

/**
 * Checks the values of a create/update input against the column metadata:
 * nullability, storable text, varchar length, and for numbers the range of
 * the column type and of a declared `@Range` (see `writableFields`).
 * `undefined` means "not given". BAD_USER_INPUT naming `input.<field>`.
 */
export function validateContentInput(fields: WritableField[], input: Values, argumentName = 'input'): Values {
  const values: Values = {};
  for (const field of fields) {
    const value = input[field.name];
    if (value === undefined) continue;
    const name = `${argumentName}.${field.name}`;
    if (value === null) {
      if (!field.nullable) throw invalid(name, 'cannot be null.');
    } else if (typeof value === 'string') {
      requireStorableText(value, name);
      if (field.required && value.trim() === '') throw invalid(name, 'must not be empty.');
      const length = charLength(value);
      if (field.maxLength !== undefined && length > field.maxLength) throw invalid(name, `must be at most ${field.maxLength} characters long (got ${length}).`);
    } else if (typeof value === 'number') {
      if (field.integer && !Number.isInteger(value)) throw invalid(name, `must be a whole number (got ${value}).`);
      if ((field.min !== undefined && value < field.min) || (field.max !== undefined && value > field.max)) {
        throw invalid(name, `must be between ${field.min ?? '-∞'} and ${field.max ?? '∞'} (got ${value}).`);
      }
    }
    values[field.name] = value;
  }
  return values;
}

/** Creates an object of `type` owned by `actor` (rule `object.create`); records `created`. */
export async function createContent(tx: EntityManager, registry: ContentTypeRegistry, actor: User, type: RegisteredContentType, values: Values): Promise<object> {
  authorizeGlobal(actor, 'object.create', type);
  const object = tx.create(type.cls, { ...values, [OWNER_PROPERTY]: tx.getReference(ownerEntity() as never, actor.id as never) } as never) as object;
  await flushUnique(tx, type, () => tx.flush());
  await recordActivity(tx, registry, { actor, verb: 'created', target: object });
  return object;
}

/**
 * Applies the given values to an object locked `FOR UPDATE` (its owner read
 * under that lock; rule `object.update`); records `updated` with the
 * changed fields' old and new values (long strings cut to 200 characters).
 * A call that changes nothing writes and records nothing.
 */
export async function updateContent(tx: EntityManager, registry: ContentTypeRegistry, actor: User, target: ContentTarget, values: Values): Promise<object> {
  await authorize(tx, actor, 'object.update', [target]);
  const object = target.object as Values;
  const changes: Record<string, { old: unknown; new: unknown }> = {};
  for (const [name, value] of Object.entries(values)) {
    const old = object[name] ?? null;
    if (old === value) continue;
    changes[name] = { old: activityValue(old), new: activityValue(value) };
    object[name] = value;
  }
  if (Object.keys(changes).length === 0) return target.object;
  await flushUnique(tx, target.type, () => tx.flush());
  await recordActivity(tx, registry, { actor, verb: 'updated', target: target.object, data: { changes } });
  return target.object;
}

/**
 * Deletes an object locked `FOR UPDATE` (rule `object.delete`, checked
 * against the owner read under that lock). The `deleted` activity entry is inserted first
 * (its insert trigger checks that the target exists) and outlives the object
 * with its `objectRepr`; the database triggers delete the object's tags,
 * comments and links with it. The text the object's earlier entries quote
 * (old and new values, comment excerpts, client data) is redacted. Returns
 * the repr.
 */
export async function deleteContent(tx: EntityManager, registry: ContentTypeRegistry, actor: User, target: ContentTarget): Promise<string> {
  await authorize(tx, actor, 'object.delete', [target]);
  const repr = objectRepr(registry, target.object);
  await redactActivityAbout(tx, registry.idOf(target.type.cls), target.objectId);
  await recordActivity(tx, registry, { actor, verb: 'deleted', target: target.object });
  tx.remove(target.object);
  await tx.flush();
  return repr;
}

/** Runs a flush, turning a unique violation into BAD_USER_INPUT naming the field. */
async function flushUnique(tx: EntityManager, type: RegisteredContentType, flush: () => Promise<void>): Promise<void> {
  try {
    await flush();
  } catch (error) {
    if (!(error instanceof UniqueConstraintViolationException)) throw error;
    const constraint = (error as { constraint?: string }).constraint;
    const meta = tx.getMetadata().get(type.cls);
    const unique = meta.uniques.find((u) => u.name === constraint);
    const fromProperty = Object.values(meta.properties).find((p) => p.unique === constraint);
    const property = unique ? [unique.properties].flat().join(', ') : fromProperty?.name;
    if (!property) throw error;
    throw invalid(`input.${property}`, `must be unique: another ${type.typeName} already has this value.`);
  }
}
