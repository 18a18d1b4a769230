/** Small helpers for the hand-written SQL of the core and the features. */

/** A double-quoted SQL identifier (table, column, trigger or function name). */
export function quoteIdentifier(identifier: string): string {
  return `"${identifier.replace(/"/g, '""')}"`;
}

/** `count` copies of a placeholder group, comma-separated: `placeholders(2, '(?, ?)')` → `(?, ?), (?, ?)`. */
export function placeholders(count: number, each = '?'): string {
  return Array.from({ length: count }, () => each).join(', ');
}
