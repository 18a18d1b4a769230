/**
 * What may reach a log line or a span from SQL text and error messages.
 *
 * MikroORM writes most values into the statement as bound parameters, but
 * not all (raw fragments, `IN (…)` lists, our own SQL helpers), and a
 * PostgreSQL error repeats the offending value in its message and `detail`
 * ("Key (name)=(…) already exists"). A comment body or a token hash must
 * never reach the logs through either path, so every string literal is
 * replaced before SQL or an error message is logged, and parameters are never
 * logged at all.
 */

const MAX_SQL_LENGTH = 2000;

/** Single-quoted (with '' escapes), E'…' (with backslash escapes) and dollar-quoted literals. */
const SQL_LITERAL = /[eE]'(?:[^'\\]|\\[\s\S]|'')*'|'(?:[^']|'')*'|\$([A-Za-z_][A-Za-z_0-9]*)?\$[\s\S]*?\$\1\$/g;

/**
 * The statement with every string literal replaced by `'…'` (numbers,
 * identifiers and placeholders kept), cut to 2,000 characters. An
 * unterminated literal hides the rest of the statement.
 */
export function redactSql(sql: string): string {
  let redacted = sql.replace(SQL_LITERAL, "'…'");
  const open = unterminatedQuote(redacted);
  if (open >= 0) redacted = `${redacted.slice(0, open)}'…`;
  return redacted.length > MAX_SQL_LENGTH ? `${redacted.slice(0, MAX_SQL_LENGTH)}…` : redacted;
}

function unterminatedQuote(sql: string): number {
  // After the replacement only the "'…'" markers hold quotes; any other quote opens a literal that never closed.
  let index = sql.indexOf("'");
  while (index >= 0) {
    if (sql.startsWith("'…'", index)) index = sql.indexOf("'", index + 3);
    else return index;
  }
  return -1;
}

/**
 * Error text (message or stack) with what may carry user data removed:
 * PostgreSQL's ` - detail:` / ` - hint:` lines, `=(…)` key values and every
 * quoted string ('…', "…", `…`).
 */
export function redactErrorText(text: string): string {
  return text
    .replace(/\n - (detail|hint): [^\n]*/g, '\n - $1: [redacted]')
    .replace(/=\((?:[^()]|\([^()]*\))*\)/g, '=(…)')
    .replace(SQL_LITERAL, "'…'")
    .replace(/"(?:[^"\\\n]|\\.)*"/g, '"…"')
    .replace(/`[^`\n]*`/g, '`…`');
}

/** Client text for a log line: printable ASCII only (no control characters, no bidi overrides or look-alikes). */
export function printable(text: string): string {
  return text.replace(/[^\x20-\x7e]/g, '?');
}

/** Fields of an error that are safe to log (pino's `err` serializer). */
export function serializeError(error: unknown): Record<string, unknown> {
  if (!(error instanceof Error)) return { message: redactErrorText(String(error)) };
  const code = (error as { code?: unknown }).code;
  const serialized: Record<string, unknown> = {
    type: error.name,
    message: redactErrorText(error.message),
  };
  if (typeof code === 'string' && code.length <= 40) serialized.code = code;
  if (error.stack) serialized.stack = redactErrorText(error.stack);
  const cause = (error as { originalError?: unknown; cause?: unknown }).originalError ?? error.cause;
  if (cause && cause !== error) serialized.cause = serializeError(cause);
  return serialized;
}
