import type { Dictionary, LoggingOptions, Transaction } from '@mikro-orm/core';
import { PostgreSqlConnection, PostgreSqlDriver } from '@mikro-orm/postgresql';
import type { Configuration } from '@mikro-orm/core';
import { CompiledQuery } from 'kysely';
import { PREPARED_READ } from '../generic/sql.js';

/**
 * The values a bind parameter takes as MikroORM would have written them into
 * the text: scalars only (an array, a Date or an object is formatted by
 * MikroORM's own rules, which bind values do not follow), and no text with
 * NUL, which PostgreSQL refuses either way but reports differently.
 */
function bindable(value: unknown): boolean {
  if (value === null || typeof value === 'boolean' || typeof value === 'bigint') return true;
  if (typeof value === 'number') return Number.isFinite(value);
  return typeof value === 'string' && !value.includes('\0');
}

/**
 * `?` placeholders as PostgreSQL's `$1 … $n`, when every `?` is one of
 * `params` and every value is bindable; otherwise undefined (the statement
 * then goes the usual way, values written into the text). The core's SQL
 * never has a `?` of its own: MikroORM would take it for a placeholder too
 * (`object-key.ts` writes `{0,1}` in its patterns for that reason).
 */
export function positionalSql(sql: string, params: readonly unknown[]): string | undefined {
  if (params.length === 0 || sql.includes('??') || !params.every(bindable)) return undefined;
  let n = 0;
  const text = sql.replace(/\?/g, () => `$${++n}`);
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
    const text = marked && !ctx && typeof query === 'string' && Array.isArray(params) ? positionalSql(query, params) : undefined;
    if (text === undefined) return (await super.execute(query, params, method, ctx, loggerContext)) as T;
    await this.ensureConnection();
    const values = params as unknown[];
    const formatted = this.getPlatform().formatQuery(query, values);
    return this.executeQuery(
      this.getSql(query, formatted, loggerContext),
      async () => this.transformRawResult<T>(await this.getClient().executeQuery(CompiledQuery.raw(text, values)), method),
      { query, params: values, formatted, ...loggerContext },
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
