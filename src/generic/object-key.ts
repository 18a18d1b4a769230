/**
 * Primary keys of content objects and how a generic foreign key stores them.
 *
 * A content type's primary key is an integer (smallint, integer, bigint) or a
 * uuid. Generic rows store it in one `object_id text` column, in a canonical
 * form: the decimal digits of an integer (`42`), the lowercase hyphenated
 * form of a uuid (`3f2c0d6e-…`). The database canonicalises on write (the
 * insert check returns the key as the content table prints it), so text
 * equality is key equality. Comparisons stay typed on the content side
 * (`id = any($1::uuid[])`), text on the generic side: both are index scans.
 */
export type KeyKind = 'integer' | 'uuid';

/** A primary key value as the ORM holds it: a number (integer keys) or a lowercase uuid string. */
export type ObjectKey = number | string;

/** Column types (lower case, without length) per key kind. */
export const KEY_COLUMN_TYPES: Record<KeyKind, readonly string[]> = {
  integer: ['smallint', 'int2', 'integer', 'int', 'int4', 'bigint', 'int8', 'serial', 'bigserial', 'smallserial'],
  uuid: ['uuid'],
};

/** The key kind of a column type (`varchar(36)` → undefined); undefined when a content type cannot have such a key. */
export function keyKindOf(columnType: string): KeyKind | undefined {
  const type = columnType.toLowerCase().replace(/\(.*\)$/, '').trim();
  return (Object.keys(KEY_COLUMN_TYPES) as KeyKind[]).find((kind) => KEY_COLUMN_TYPES[kind].includes(type));
}

/** The SQL type a canonical key text is cast to on the content side. */
export function keySqlType(kind: KeyKind): 'bigint' | 'uuid' {
  return kind === 'integer' ? 'bigint' : 'uuid';
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const POSITIVE_INTEGER = /^[1-9][0-9]{0,15}$/;

/**
 * A key given by a client (a global ID's key part, a ContentObjectRef field):
 * a positive safe integer (number or decimal text) for integer keys, a uuid
 * in hyphenated form (any case) for uuid keys. Null when it is neither.
 */
export function parseKey(kind: KeyKind, value: unknown): ObjectKey | null {
  if (kind === 'uuid') return typeof value === 'string' && UUID.test(value) ? value.toLowerCase() : null;
  if (typeof value === 'number') return Number.isSafeInteger(value) && value > 0 ? value : null;
  if (typeof value === 'string' && POSITIVE_INTEGER.test(value)) {
    const n = Number(value);
    return Number.isSafeInteger(n) ? n : null;
  }
  return null;
}

/**
 * A primary key as read from an entity, in the form the core works with: a
 * number for integer keys (the ORM may hand a bigint column out as a JS
 * `bigint` or as decimal text), a lowercase string for uuid keys.
 */
export function normalizeKey(kind: KeyKind, raw: unknown): ObjectKey {
  if (kind === 'uuid') return String(raw).toLowerCase();
  return typeof raw === 'number' ? raw : Number(raw);
}

/** The canonical text of a key, as `object_id` stores it. */
export function keyText(key: ObjectKey): string {
  return typeof key === 'number' ? String(key) : key.toLowerCase();
}

/**
 * The typed key of an `object_id` text; null when the text is no key of that
 * kind (only possible for rows written with the integrity triggers off).
 */
export function keyFromText(kind: KeyKind, text: string): ObjectKey | null {
  if (kind === 'uuid') return UUID.test(text) ? text.toLowerCase() : null;
  const n = INTEGER_TEXT.test(text) ? Number(text) : NaN;
  return Number.isSafeInteger(n) ? n : null;
}

// `{0,1}`, not `?`: the pattern goes into SQL text where `?` is the ORM's parameter placeholder.
const INTEGER_TEXT = /^-{0,1}[0-9]{1,16}$/;

/**
 * A POSIX regular expression (for PostgreSQL's `~*`: case-insensitive, as
 * `keyFromText` reads uuids) that the `object_id` texts
 * `keyFromText` reads as keys of this kind match (at most 16 digits: the
 * cast to bigint cannot fail), so SQL casts only those.
 */
export function keyTextSqlPattern(kind: KeyKind): string {
  return (kind === 'uuid' ? UUID : INTEGER_TEXT).source;
}

/** A description of the keys of a kind, for error messages. */
export function keyKindDescription(kind: KeyKind): string {
  return kind === 'integer' ? 'a positive integer' : 'a uuid such as "3f2c0d6e-9b1a-4c55-8e2f-0a1b2c3d4e5f"';
}
