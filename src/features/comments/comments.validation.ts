import { charLength, invalid, requireStorableText } from '../../generic/validation.js';

export const MAX_COMMENT_LENGTH = 10_000;

/** A comment body: trimmed, 1–10,000 characters. BAD_USER_INPUT naming `argumentName`. */
export function normalizeCommentBody(raw: string, argumentName = 'body'): string {
  requireStorableText(raw, argumentName);
  const body = raw.trim();
  const length = charLength(body);
  if (length < 1 || length > MAX_COMMENT_LENGTH) {
    throw invalid(argumentName, `must be 1–${MAX_COMMENT_LENGTH} characters long after trimming (got ${length}).`);
  }
  return body;
}
