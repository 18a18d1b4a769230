import { type Connection, decodeCursor, encodeCursor, toConnection } from '../generic/connection.js';
import { BadUserInputError } from '../generic/errors.js';

/**
 * Keyset pagination on `(timestamp, id)`, the order of every growing list of
 * the read API (feeds, comments, tagged items, content lists).
 *
 * The timestamp travels in the cursor as UTC text with microseconds, as
 * PostgreSQL stores it: a JavaScript `Date` keeps milliseconds only, and a
 * truncated cursor would skip rows whose timestamps differ below the
 * millisecond (rows written by `now()` in SQL or by triggers).
 */
export interface TimeKey {
  /** `YYYY-MM-DDTHH:MM:SS.ffffffZ` (UTC, microseconds). */
  at: string;
  /** The row's primary key: a number, or a uuid string (lists of uuid-keyed content types). */
  id: number | string;
}

export type SortDirection = 'asc' | 'desc';

const TIMESTAMP = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z$/;

/** SQL expression rendering a timestamptz column as cursor text (UTC, microseconds). */
export function cursorTimestampSql(column: string): string {
  return `to_char(${column} at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')`;
}

export function encodeTimeKey(list: string, key: TimeKey): string {
  return encodeCursor(list, [key.at, key.id]);
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/**
 * Decodes an `after` cursor of the `(timestamp, id)` connection `list` (see
 * `encodeCursor`); null when absent; BAD_USER_INPUT when forged or of another
 * list. `idKind` says whether its rows have integer or uuid keys.
 */
export function decodeTimeKey(
  after: string | null | undefined,
  list: string,
  argumentName = 'after',
  idKind: 'integer' | 'uuid' = 'integer',
): TimeKey | null {
  const values = decodeCursor(after, list, 2, argumentName);
  if (!values) return null;
  const [at, id] = values;
  const validId = idKind === 'uuid' ? typeof id === 'string' && UUID.test(id) : typeof id === 'number' && Number.isSafeInteger(id);
  if (typeof at !== 'string' || !TIMESTAMP.test(at) || !validId) {
    throw new BadUserInputError(`\`${argumentName}\` is not a cursor returned by this connection.`, { argumentName });
  }
  return { at, id };
}

/**
 * The keyset condition "after this key" for `order by <time> <dir>, <id> <dir>`,
 * as SQL with `?` placeholders and its parameters. Row comparison, so
 * PostgreSQL uses a `(time, id)` index.
 */
export function afterTimeKeySql(timeColumn: string, idColumn: string, key: TimeKey, direction: SortDirection): { sql: string; params: unknown[] } {
  const op = direction === 'desc' ? '<' : '>';
  return { sql: `(${timeColumn}, ${idColumn}) ${op} (?::timestamptz, ?)`, params: [key.at, key.id] };
}

/** `order by` for a `(time, id)` keyset. */
export function timeKeyOrderSql(timeColumn: string, idColumn: string, direction: SortDirection): string {
  return `${timeColumn} ${direction}, ${idColumn} ${direction}`;
}

/** A connection of the list `list` from `first + 1` rows read in `(time, id)` order; each edge's cursor is its row's key. */
export function timeKeyConnection<T>(rows: readonly { node: T; at: string; id: number | string }[], first: number, list: string): Connection<T> {
  const connection = toConnection([...rows], first, (row) => encodeTimeKey(list, row));
  return { edges: connection.edges.map((edge) => ({ cursor: edge.cursor, node: edge.node.node })), pageInfo: connection.pageInfo };
}
