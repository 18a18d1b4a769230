import { BadUserInputError } from './errors.js';

/**
 * Input validation shared by the write paths. Every function names the
 * offending argument in its BAD_USER_INPUT message (`argumentName` is also
 * put in `extensions.argumentName`), so a client can point at the field.
 */

/** Length in characters (code points), as PostgreSQL's varchar counts them. */
export function charLength(value: string): number {
  let n = 0;
  for (const _ of value) n++;
  return n;
}

/** Cuts a string to `max` characters (code points), adding "…" when it was longer. */
export function truncate(value: string, max: number): string {
  if (charLength(value) <= max) return value;
  return Array.from(value).slice(0, max - 1).join('') + '…';
}

export function invalid(argumentName: string, message: string): BadUserInputError {
  return new BadUserInputError(`\`${argumentName}\` ${message}`, { argumentName });
}

// NUL and other C0/C1 controls (tab, newline and carriage return are fine), and lone UTF-16 surrogates:
// PostgreSQL cannot store them in text or jsonb, so they are refused as input rather than failing in the database.
const UNSTORABLE = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F]|[\uD800-\uDFFF]/u;

/** A string PostgreSQL can store: no control characters but tab/newline, no lone surrogates. */
export function requireStorableText(value: string, argumentName: string): string {
  if (UNSTORABLE.test(value)) throw invalid(argumentName, 'contains control characters or invalid Unicode.');
  return value;
}

const IDENTIFIER = /^[a-z][a-z0-9_]*$/;

/** A lowercase identifier (`[a-z][a-z0-9_]*`) of at most `max` characters: verbs, link kinds. */
export function requireIdentifier(value: string, argumentName: string, max = 40): string {
  if (value.length === 0 || value.length > max || !IDENTIFIER.test(value)) {
    throw invalid(
      argumentName,
      `must be a lowercase identifier of 1–${max} characters: a letter, then letters, digits or underscores (got ${JSON.stringify(truncate(value, 60))}).`,
    );
  }
  return value;
}

/** At most `max` items in a list argument. */
export function requireListSize<T>(values: readonly T[], argumentName: string, min: number, max: number): readonly T[] {
  if (values.length < min || values.length > max) {
    throw invalid(argumentName, `must hold ${min === max ? min : `${min}–${max}`} items (got ${values.length}).`);
  }
  return values;
}

/**
 * A JSON object (not an array or a scalar) whose JSON text is at most
 * `maxBytes` bytes of UTF-8. `null`/`undefined` pass as `null`.
 */
export function requireJsonObject(value: unknown, argumentName: string, maxBytes: number): Record<string, unknown> | null {
  if (value === null || value === undefined) return null;
  if (typeof value !== 'object' || Array.isArray(value)) {
    throw invalid(argumentName, `must be a JSON object such as {"key": "value"} (got ${Array.isArray(value) ? 'an array' : typeof value}).`);
  }
  let json: string;
  try {
    json = JSON.stringify(value);
  } catch {
    throw invalid(argumentName, 'is nested too deeply.');
  }
  const bytes = Buffer.byteLength(json, 'utf8');
  if (bytes > maxBytes) {
    throw invalid(argumentName, `must be at most ${maxBytes} bytes of JSON (got ${bytes}).`);
  }
  // jsonb stores neither NUL characters nor lone surrogates, in keys or values.
  if (!storableJson(value)) throw invalid(argumentName, 'contains a NUL character or invalid Unicode.');
  return value as Record<string, unknown>;
}

const UNSTORABLE_IN_JSONB = /\u0000|[\uD800-\uDFFF]/u;

function storableJson(value: unknown): boolean {
  if (typeof value === 'string') return !UNSTORABLE_IN_JSONB.test(value);
  if (Array.isArray(value)) return value.every(storableJson);
  if (value && typeof value === 'object') {
    return Object.entries(value).every(([key, item]) => !UNSTORABLE_IN_JSONB.test(key) && storableJson(item));
  }
  return true;
}

/** Exactly one of two alternative arguments, e.g. `target` (a global ID) or `targetRef`. */
export function exactlyOne<A, B>(
  a: A | null | undefined,
  b: B | null | undefined,
  names: [string, string],
): { kind: 'first'; value: A } | { kind: 'second'; value: B } {
  const hasA = a !== null && a !== undefined;
  const hasB = b !== null && b !== undefined;
  if (hasA === hasB) {
    throw new BadUserInputError(
      hasA
        ? `Give either \`${names[0]}\` or \`${names[1]}\`, not both.`
        : `Give \`${names[0]}\` (a global ID) or \`${names[1]}\` (e.g. { article: 1 }).`,
      { argumentName: names[0] },
    );
  }
  return hasA ? { kind: 'first', value: a as A } : { kind: 'second', value: b as B };
}

/**
 * Characters refused in names people read (tag names, display names):
 * controls (tab and newline too), format characters (zero-width space and
 * joiners, bidi marks, embeddings, overrides and isolates, soft hyphen, BOM,
 * tag characters), surrogates, private-use and unassigned code points, and
 * the other default-ignorable (invisible) code points such as the Hangul
 * fillers. Variation selectors stay allowed (emoji presentation).
 */
const INVISIBLE = /[\p{Cc}\p{Cf}\p{Cs}\p{Co}\p{Cn}]|(?!\p{Variation_Selector})\p{Default_Ignorable_Code_Point}/u;

/** BAD_USER_INPUT naming `argumentName` when `value` contains an invisible, control or unassigned character. */
export function requireVisibleText(value: string, argumentName: string): string {
  const match = INVISIBLE.exec(value);
  if (match) {
    const cp = match[0].codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0');
    const at = charLength(value.slice(0, match.index)) + 1;
    throw invalid(argumentName, `contains an invisible, control or unassigned character (U+${cp} at character ${at}); use visible text only.`);
  }
  return value;
}
