import { requireIdentifier, requireJsonObject } from '../../generic/validation.js';

export const MAX_LINK_DATA_BYTES = 4 * 1024;

/** A link kind: a lowercase identifier of at most 40 characters ("related", "sequel_of", …). */
export function validateLinkKind(kind: string, argumentName = 'kind'): string {
  return requireIdentifier(kind, argumentName, 40);
}

/** A link's data: a JSON object of at most 4 KiB, or null. */
export function validateLinkData(data: unknown, argumentName = 'data'): Record<string, unknown> | null {
  return requireJsonObject(data, argumentName, MAX_LINK_DATA_BYTES);
}
