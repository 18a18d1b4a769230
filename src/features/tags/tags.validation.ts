import { charLength, invalid, requireListSize, requireVisibleText } from '../../generic/validation.js';
import { tagKey } from './tag-key.js';

export { tagKey };

export const MAX_TAG_NAME_LENGTH = 50;
export const MAX_NAMES_PER_CALL = 50;
/**
 * Tags one object may carry (the most `setTags` can set). `Taggable.tags` is
 * an unpaged list: this bound is what lets the cost of an operation
 * (src/server/pipeline) count it as at most this many objects.
 */
export const MAX_TAGS_PER_OBJECT = 50;
const MAX_SLUG_LENGTH = 50;

/**
 * The display form of a tag name: Unicode NFC, trimmed, inner whitespace
 * collapsed to one space; 1–50 characters with a non-empty slug and no
 * invisible characters (`requireVisibleText`). Throws BAD_USER_INPUT naming
 * `argumentName`. Its identity is `tagKey` (NFKC + full case folding).
 */
export function normalizeTagName(raw: string, argumentName: string): string {
  requireVisibleText(raw, argumentName);
  const name = raw.normalize('NFC').trim().replace(/\s+/gu, ' ');
  const length = charLength(name);
  if (length < 1 || length > MAX_TAG_NAME_LENGTH) {
    throw invalid(argumentName, `must be a tag name of 1–${MAX_TAG_NAME_LENGTH} characters after trimming (got ${length}).`);
  }
  if (slugify(name) === '') {
    throw invalid(argumentName, `must contain at least one letter or digit (got ${JSON.stringify(name)}).`);
  }
  return name;
}

/**
 * Normalises a list of tag names (1–50 of them) and drops duplicates by
 * `tagKey`, keeping the first spelling. Errors name `names[i]`.
 */
export function normalizeTagNames(raw: readonly string[], argumentName: string): string[] {
  requireListSize(raw, argumentName, 1, MAX_NAMES_PER_CALL);
  const byKey = new Map<string, string>();
  raw.forEach((value, i) => {
    const name = normalizeTagName(value, `${argumentName}[${i}]`);
    const key = tagKey(name);
    if (!byKey.has(key)) byKey.set(key, name);
  });
  return [...byKey.values()];
}

/**
 * URL-safe slug: accents stripped, lower case, runs of anything but letters
 * and digits (any script) turned into one `-`, no leading/trailing `-`.
 */
export function slugify(name: string): string {
  const slug = name
    .normalize('NFKD')
    .replace(/\p{M}+/gu, '')
    .toLowerCase()
    .replace(/[^\p{L}\p{N}]+/gu, '-')
    .replace(/^-+|-+$/g, '');
  // NFKD can expand a character into several; the column leaves room for a "-NN" suffix.
  return Array.from(slug).slice(0, MAX_SLUG_LENGTH).join('').replace(/-+$/, '');
}
