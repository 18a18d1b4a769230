import { ManyToOne } from '@mikro-orm/decorators/legacy';
import { decoratorMetadata } from '../generic/entity-metadata.js';
import { invariant } from '../generic/invariant.js';

/**
 * The owner of every content object, recorded by the core: a nullable
 * `owner_id` column on each content type's own table, a foreign key to the
 * user table with `ON DELETE SET NULL`, indexed. Why a column and not a core
 * table keyed by `(content_type_id, object_id)`: the owner is then read with
 * the object itself (lists, loaders and the mutation's `FOR UPDATE` read
 * carry it at no extra statement), it goes with the object on any delete
 * (raw SQL included) without a trigger, and the row lock a mutation takes on
 * the object also covers its owner. See docs/permissions.md.
 *
 * `@ContentObjectType` adds the property (`owner`, a ManyToOne) to every
 * content type; the user entity names itself the owner entity with
 * `@OwnerEntity()`, so the core points at it without importing it (the user
 * entity is a content type too). Clients never set it: it is no input field,
 * the create mutation writes the caller.
 */

/** The property name every content type gets; an entity must not declare its own. */
export const OWNER_PROPERTY = 'owner';

let ownerClass: Function | undefined;
const declared = new WeakSet<Function>();

/** Marks the class every content object's owner points at (the application's user entity). */
export function OwnerEntity(): ClassDecorator {
  return (target) => {
    ownerClass = target;
  };
}

/** The owner entity class; throws when no class was marked with `@OwnerEntity()`. */
export function ownerEntity(): Function {
  invariant(ownerClass, 'no owner entity: mark the user entity with @OwnerEntity() and list it among the entities');
  return ownerClass;
}

/** Adds the `owner` ManyToOne to a content type's entity (idempotent). */
export function declareOwnerColumn(cls: Function): void {
  if (declared.has(cls)) return;
  const properties = decoratorMetadata(cls).properties as Record<string, unknown>;
  invariant(!properties[OWNER_PROPERTY], `${cls.name} declares a property "${OWNER_PROPERTY}"; the core adds it to every content type (rename yours)`);
  ManyToOne(() => ownerEntity() as never, { nullable: true, deleteRule: 'set null', index: true } as never)(cls.prototype, OWNER_PROPERTY);
  declared.add(cls);
}

/** The owner's id of a loaded content object; null when it belongs to nobody. */
export function ownerIdOf(object: object): number | null {
  const owner = (object as Record<string, unknown>)[OWNER_PROPERTY] as { id?: unknown } | null | undefined;
  return owner && owner.id !== undefined && owner.id !== null ? Number(owner.id) : null;
}

/** The owner column of a content type's table (from the discovered metadata; `owner_id` unless a naming strategy says otherwise). */
export function ownerColumn(em: { getMetadata(): { get(cls: Function): { properties: Record<string, { fieldNames?: string[] } | undefined> } } }, cls: Function): string {
  return em.getMetadata().get(cls).properties[OWNER_PROPERTY]?.fieldNames?.[0] ?? 'owner_id';
}
