import { AsyncLocalStorage } from 'node:async_hooks';

/**
 * Counts the SQL statements issued within an async scope (one GraphQL
 * request). Works for every query path (ORM, query builder, raw SQL, loaders)
 * because the ORM logger (src/observability/sql.logger.ts), which sees every
 * statement, increments it.
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
