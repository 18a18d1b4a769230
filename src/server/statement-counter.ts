import { AsyncLocalStorage } from 'node:async_hooks';
import { DefaultLogger, type LogContext, type LoggerOptions } from '@mikro-orm/core';

/**
 * Counts the SQL statements issued within an async scope (one GraphQL
 * request). Works for every query path (ORM, query builder, raw SQL, loaders)
 * because it hooks the ORM logger, which sees every statement.
 */
export interface StatementScope {
  count: number;
  statements: string[];
  /** Keep the SQL text of each statement (tests, development). */
  keepText: boolean;
}

const storage = new AsyncLocalStorage<StatementScope>();

export function runCountingStatements<T>(fn: () => T, keepText = false): { scope: StatementScope; result: T } {
  const scope: StatementScope = { count: 0, statements: [], keepText };
  const result = storage.run(scope, fn);
  return { scope, result };
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
    if (scope && context.query) {
      scope.count++;
      if (scope.keepText) scope.statements.push(context.query);
    }
    if (this.isEnabled('query', context)) super.logQuery(context as LogContext & { query: string });
  }
}
