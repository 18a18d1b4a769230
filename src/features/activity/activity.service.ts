import type { EntityManager } from '@mikro-orm/sql';
import { User } from '../../accounts/user.entity.js';
import { ContentType } from '../../generic/content-type.entity.js';
import type { ContentTypeRegistry } from '../../generic/content-type.registry.js';
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

/** The relation activity entries belong to; a content type that leaves it out keeps no history. */
export const ACTIVITY_RELATION = 'activity';

/**
 * Records an activity entry about `target` in `em`'s transaction and inserts
 * it at once (so that a `deleted` entry exists before its target is removed:
 * the insert trigger checks that the target exists). `object_repr` is the
 * registry's `repr` of the target, cut to 200 characters. Every mutation
 * calls this inside its own transaction: if the mutation fails, the entry is
 * rolled back with it. Returns null (and records nothing) when the target's
 * type does not take part in `activity`.
 */
export async function recordActivity(em: EntityManager, registry: ContentTypeRegistry, input: ActivityInput): Promise<ActivityEntry | null> {
  const [entry] = await recordActivities(em, registry, [input]);
  return entry ?? null;
}

/** Like `recordActivity` for many entries, inserted by one flush; entries about types without activity are skipped. */
export async function recordActivities(em: EntityManager, registry: ContentTypeRegistry, inputs: ActivityInput[]): Promise<ActivityEntry[]> {
  const entries = inputs
    .filter((input) => registry.takesPart(registry.get(input.target), ACTIVITY_RELATION))
    .map((input) => {
      const { type, text } = registry.keyOf(input.target);
      const actor = input.actor === null ? null : em.getReference(User, typeof input.actor === 'number' ? input.actor : input.actor.id);
      return em.create(ActivityEntry, {
        actor,
        verb: input.verb,
        contentType: em.getReference(ContentType, registry.idOf(type.cls)),
        objectId: text,
        objectRepr: objectRepr(registry, input.target),
        data: input.data ?? null,
      });
    });
  if (entries.length) await em.flush();
  return entries;
}

/** The readable snapshot of an object, as `activity_entry.object_repr` keeps it. */
export function objectRepr(registry: ContentTypeRegistry, object: object): string {
  return truncate(registry.get(object).repr(object), OBJECT_REPR_LENGTH);
}

/** A value as kept in automatic activity data: long strings cut, dates as ISO strings. */
export function activityValue(value: unknown): unknown {
  if (typeof value === 'string') return truncate(value, DATA_VALUE_LENGTH);
  if (value instanceof Date) return value.toISOString();
  return value ?? null;
}
