import type { Dictionary, LoggingOptions, Transaction } from '@mikro-orm/core';
import { PostgreSqlConnection, PostgreSqlDriver } from '@mikro-orm/postgresql';
import type { Configuration } from '@mikro-orm/core';
import { CompiledQuery } from 'kysely';
import { PREPARED_READ } from '../generic/sql.js';

const INT4 = 2 ** 31;
const INT8 = 2n ** 63n;

/**
 * A bind value's placeholder, typed as PostgreSQL types the literal MikroORM
 * would have written into the text: an integer is `int4` when it fits, else
 * `int8`, else `numeric`; another number `numeric`; a boolean `boolean`; text
 * and null stay untyped, as a quoted literal and NULL are. Untyped, a number
 * would take the type of what it is compared with, and an id beyond an
 * `int4` key's range would fail the statement instead of matching nothing.
 * Undefined for what binds differently from its literal: lists, dates,
 * objects (MikroORM formats them by its own rules), non-finite numbers, text
 * with NUL (refused either way, but reported differently).
 */
function placeholderFor(value: unknown, n: number): string | undefined {
  if (value === null || (typeof value === 'string' && !value.includes('\0'))) return `$${n}`;
  if (typeof value === 'boolean') return `$${n}::boolean`;
  if (typeof value === 'number' && !Number.isFinite(value)) return undefined;
  if (typeof value === 'number' && !Number.isInteger(value)) return `$${n}::numeric`;
  // A safe integer always fits int8; only a bigint may need numeric.
  if (typeof value === 'number') return `$${n}::${value >= -INT4 && value < INT4 ? 'int4' : 'int8'}`;
  if (typeof value !== 'bigint') return undefined;
  return `$${n}::${value >= -INT4 && value < INT4 ? 'int4' : value >= -INT8 && value < INT8 ? 'int8' : 'numeric'}`;
}

/**
 * `?` placeholders as PostgreSQL's `$1 … $n` (typed as their literals would
 * be, `placeholderFor`), when every `?` is one of `params` and every value
 * binds as its literal would; otherwise undefined (the statement then goes
 * the usual way, values written into the text). The core's SQL never has a
 * `?` of its own: MikroORM would take it for a placeholder too
 * (`object-key.ts` writes `{0,1}` in its patterns for that reason).
 */
export function positionalSql(sql: string, params: readonly unknown[]): string | undefined {
  if (params.length === 0 || sql.includes('??')) return undefined;
  const marks: string[] = [];
  for (let i = 0; i < params.length; i++) {
    const mark = placeholderFor(params[i], i + 1);
    if (mark === undefined) return undefined;
    marks.push(mark);
  }
  let n = 0;
  const text = sql.replace(/\?/g, () => marks[n++] ?? '?');
  return n === params.length ? text : undefined;
}

/**
 * PostgreSQL's connection, where a read marked `PREPARED_READ` (`readRows`)
 * goes with bind values instead of values written into its text. The pool's
 * client (`CallbackQueryClient`) then prepares it once per connection and
 * executes it by name, so PostgreSQL parses and plans it once instead of on
 * every request (docs/performance.md, *Prepared reads*). Everything else is
 * MikroORM's `execute`: the same logging, statement counts, error
 * conversion, and replica fallback (`ReplicaConnection` extends this class).
 * Only reads outside a transaction take this way.
 */
export class PreparedReadsConnection extends PostgreSqlConnection {
  override async execute<T = unknown>(
    query: any,
    params: readonly unknown[] | Dictionary<unknown> = [],
    method: 'all' | 'get' | 'run' = 'all',
    ctx?: Transaction,
    loggerContext?: LoggingOptions,
  ): Promise<T> {
    const marked = (loggerContext as { [PREPARED_READ]?: boolean } | undefined)?.[PREPARED_READ] === true;
    let text = marked && !ctx && typeof query === 'string' && Array.isArray(params) ? positionalSql(query, params) : undefined;
    if (text === undefined) return (await super.execute(query, params, method, ctx, loggerContext)) as T;
    await this.ensureConnection();
    const values = params as unknown[];
    // MikroORM's `onQuery` hook, as for every statement (the request deadline refuses statements past it).
    const sql = this.config.get('onQuery')(query, values);
    if (sql !== query) text = positionalSql(sql, values);
    if (text === undefined) return (await super.execute(sql, params, method, ctx, loggerContext)) as T;
    const formatted = this.getPlatform().formatQuery(sql, values);
    return this.executeQuery(
      this.getSql(sql, formatted, loggerContext),
      async () => this.transformRawResult<T>(await this.getClient().executeQuery(CompiledQuery.raw(text, values)), method),
      { query: sql, params: values, formatted, ...loggerContext },
    );
  }
}

/** MikroORM's PostgreSQL driver on `PreparedReadsConnection`. */
export class PreparedReadsDriver extends PostgreSqlDriver {
  constructor(config: Configuration) {
    super(config);
    // PostgreSqlDriver names its connection class in its constructor; the connection is not open yet.
    (this as unknown as { connection: PostgreSqlConnection }).connection = new PreparedReadsConnection(this.config);
  }
}
