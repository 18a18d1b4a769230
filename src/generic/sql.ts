/** Small helpers for the hand-written SQL of the core and the features. */
import type { LoggingOptions } from '@mikro-orm/core';
import type { EntityManager } from '@mikro-orm/sql';

/** A double-quoted SQL identifier (table, column, trigger or function name). */
export function quoteIdentifier(identifier: string): string {
  return `"${identifier.replace(/"/g, '""')}"`;
}

/** `count` copies of a placeholder group, comma-separated: `placeholders(2, '(?, ?)')` → `(?, ?), (?, ?)`. */
export function placeholders(count: number, each = '?'): string {
  return Array.from({ length: count }, () => each).join(', ');
}

/**
 * Marks a read whose values may travel as bind values instead of being
 * written into the SQL text (the logging context of MikroORM's `execute`
 * carries it). On PostgreSQL the serving connections then send the statement
 * once per connection and execute it by name (src/server/prepared-reads.ts);
 * elsewhere (PGlite, a connection that does not know the mark) it is an
 * ordinary `execute`.
 */
export const PREPARED_READ: unique symbol = Symbol.for('contentgraph.preparedRead');

/** The rows of a read statement of the request's `read` connection (a replica when the request may use one), prepared where the database allows. */
export function readRows<T>(em: EntityManager, sql: string, params: readonly unknown[] = []): Promise<T[]> {
  return em.getConnection('read').execute<T[]>(sql, params, 'all', undefined, { [PREPARED_READ]: true } as LoggingOptions);
}
