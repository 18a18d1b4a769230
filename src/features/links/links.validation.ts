import { requireIdentifier } from '../../generic/validation.js';

/** A link kind: a lowercase identifier of at most 40 characters ("related", "sequel_of", …). */
export function validateLinkKind(kind: string, argumentName = 'kind'): string {
  return requireIdentifier(kind, argumentName, 40);
}
