import type { EntityManager } from '@mikro-orm/sql';
import { User } from '../../accounts/user.entity.js';
import { ContentType } from '../../generic/content-type.entity.js';
import type { ContentTypeRegistry } from '../../generic/content-type.registry.js';
import { invariant } from '../../generic/invariant.js';
import { truncate } from '../../generic/validation.js';
import { ActivityEntry } from './activity-entry.entity.js';

export const OBJECT_REPR_LENGTH = 200;
/** Longest string value kept in automatic `data` (old/new values of updates, excerpts). */
export const DATA_VALUE_LENGTH = 200;

export interface ActivityInput {
  /** The acting user (or its id); null for the system. */
  actor: User | number | null;
  /** A lowercase identifier: created, updated, deleted, tagged, … */
  verb: string;
  /** The content object the entry is about: an instance of a registered content type. */
  target: object;
  data?: Record<string, unknown> | null;
}

/**
 * Records an activity entry about `target` in `em`'s transaction and inserts
 * it at once (so that a `deleted` entry exists before its target is removed:
 * the insert trigger checks that the target exists). `object_repr` is the
 * registry's `repr` of the target, cut to 200 characters. Every mutation
 * calls this inside its own transaction: if the mutation fails, the entry is
 * rolled back with it.
 */
export async function recordActivity(em: EntityManager, registry: ContentTypeRegistry, input: ActivityInput): Promise<ActivityEntry> {
  const [entry] = await recordActivities(em, registry, [input]);
  return entry;
}

/** Like `recordActivity` for many entries, inserted by one flush. */
export async function recordActivities(em: EntityManager, registry: ContentTypeRegistry, inputs: ActivityInput[]): Promise<ActivityEntry[]> {
  const entries = inputs.map((input) => {
    const type = registry.get(input.target);
    const objectId = (input.target as Record<string, unknown>)[type.primaryKeyProperty];
    invariant(typeof objectId === 'number', `${type.typeName} has no primary key yet; flush it before recording activity about it`);
    const actor = input.actor === null ? null : em.getReference(User, typeof input.actor === 'number' ? input.actor : input.actor.id);
    return em.create(ActivityEntry, {
      actor,
      verb: input.verb,
      contentType: em.getReference(ContentType, registry.idOf(type.cls)),
      objectId,
      objectRepr: truncate(type.repr(input.target), OBJECT_REPR_LENGTH),
      data: input.data ?? null,
    });
  });
  if (entries.length) await em.flush();
  return entries;
}

/** A value as kept in automatic activity data: long strings cut, dates as ISO strings. */
export function activityValue(value: unknown): unknown {
  if (typeof value === 'string') return truncate(value, DATA_VALUE_LENGTH);
  if (value instanceof Date) return value.toISOString();
  return value ?? null;
}
