import { AsyncLocalStorage } from 'node:async_hooks';
import { DefaultLogger, type LogContext, type LoggerOptions } from '@mikro-orm/core';
import { DEADLINE_LABEL } from './pipeline/request-deadline.js';

/**
 * Counts the SQL statements issued within an async scope (one GraphQL
 * request). Works for every query path (ORM, query builder, raw SQL, loaders)
 * because it hooks the ORM logger, which sees every statement.
 */
export interface StatementScope {
  count: number;
}

const storage = new AsyncLocalStorage<StatementScope>();

/** Runs `fn` in a new scope; the statements it issues are counted in `currentStatementScope()`. */
export function runCountingStatements<T>(fn: () => T): T {
  return storage.run({ count: 0 }, fn);
}

export function currentStatementScope(): StatementScope | undefined {
  return storage.getStore();
}

/** MikroORM logger that counts statements per scope and prints only when debugging. */
export class CountingLogger extends DefaultLogger {
  constructor(options: LoggerOptions) {
    super(options);
  }

  override logQuery(context: LogContext): void {
    const scope = storage.getStore();
    // The deadline's `SET LOCAL statement_timeout` is bookkeeping of the server, not of the query.
    if (scope && context.query && context.label !== DEADLINE_LABEL) scope.count++;
    if (this.isEnabled('query', context)) super.logQuery(context as LogContext & { query: string });
  }
}
