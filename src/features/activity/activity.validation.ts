import { invalid, requireIdentifier, requireJsonObject } from '../../generic/validation.js';

export const MAX_DATA_BYTES = 8 * 1024;

/**
 * Verbs the server records itself. A client may not record them through
 * `recordActivity`, so the stream's `created`/`deleted`/… entries are
 * always true.
 */
export const AUTOMATIC_VERBS = new Set([
  'created',
  'updated',
  'deleted',
  'tagged',
  'untagged',
  'retagged',
  'commented',
  'comment_edited',
  'comment_deleted',
  'linked',
  'link_updated',
  'unlinked',
]);

/** A client-supplied verb: a lowercase identifier ≤ 40 characters, not one of the automatic verbs (nor of `serverVerbs`). */
export function validateClientVerb(verb: string, argumentName = 'verb', serverVerbs: readonly string[] = []): string {
  requireIdentifier(verb, argumentName, 40);
  if (AUTOMATIC_VERBS.has(verb) || serverVerbs.includes(verb)) {
    throw invalid(argumentName, `"${verb}" is recorded by the server itself; choose another verb (e.g. "viewed", "shared", "reviewed").`);
  }
  return verb;
}

/** Client-supplied activity data: a JSON object of at most 8 KiB, or null. */
export function validateActivityData(data: unknown, argumentName = 'data'): Record<string, unknown> | null {
  return requireJsonObject(data, argumentName, MAX_DATA_BYTES);
}
