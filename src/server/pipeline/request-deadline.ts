import { AsyncLocalStorage } from 'node:async_hooks';
import type { EventSubscriber, TransactionEventArgs } from '@mikro-orm/core';
import { TimeoutError } from '../../generic/errors.js';

/**
 * The deadline of one request. Checked by time (not by a timer having
 * fired), so code resuming after a long synchronous stretch (an embedded
 * PGlite statement on the main thread) sees it has expired.
 */
export class RequestDeadline {
  readonly expiresAt: number;
  #committed = false;

  constructor(readonly timeoutMs: number) {
    this.expiresAt = Date.now() + timeoutMs;
  }

  get remainingMs(): number {
    return this.expiresAt - Date.now();
  }

  get expired(): boolean {
    return this.remainingMs <= 0;
  }

  /** True once a transaction of this request has sent COMMIT: its answer must then be the real one. */
  get committed(): boolean {
    return this.#committed;
  }

  /** Throws TIMEOUT once the deadline has passed. */
  assertOpen(): void {
    if (this.expired) throw new TimeoutError(this.timeoutMs);
  }

  /** Before COMMIT: refuses (so the transaction rolls back) when expired, else records that it commits. */
  beginCommit(): void {
    this.assertOpen();
    this.#committed = true;
  }

  /**
   * Settles with `work`'s result, or with `onExpire()` at the deadline unless
   * a transaction has begun to commit (then `work`'s own result, which
   * follows shortly: later statements are refused). `halfway` runs once at
   * half the deadline while `work` is still running (a readiness probe, so
   * the expiry can tell a dead database from a slow query).
   */
  race<T>(work: Promise<T>, onExpire: () => T | Promise<T>, halfway?: () => void): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      let settled = false;
      const half = halfway ? setTimeout(halfway, Math.max(0, this.remainingMs / 2)) : undefined;
      const timer = setTimeout(() => {
        if (settled || this.committed) return;
        settled = true;
        Promise.resolve().then(onExpire).then(resolve, reject);
      }, Math.max(0, this.remainingMs));
      const finish = (settle: () => void) => {
        clearTimeout(timer);
        clearTimeout(half);
        if (settled) return;
        settled = true;
        settle();
      };
      work.then(
        (value) => finish(() => resolve(value)),
        (error) => finish(() => reject(error)),
      );
    });
  }
}

const storage = new AsyncLocalStorage<RequestDeadline>();

/** Runs `fn` with `deadline` as the current request's deadline. */
export function runWithDeadline<T>(deadline: RequestDeadline, fn: () => T): T {
  return storage.run(deadline, fn);
}

export function currentDeadline(): RequestDeadline | undefined {
  return storage.getStore();
}

/** MikroORM `onQuery` hook: no statement of a request starts after its deadline. */
export function refuseStatementsPastDeadline(sql: string): string {
  storage.getStore()?.assertOpen();
  return sql;
}

/** The SQL connection's execute, which takes a logger context (the core Connection type omits it). */
interface SqlConnection {
  execute(sql: string, params: unknown[], method: 'run', ctx: unknown, loggerContext: { label: string }): Promise<unknown>;
}

/** Logger context of the bookkeeping statement below (not counted in `sqlStatements`). */
export const DEADLINE_LABEL = 'request-deadline';

/**
 * Bounds every transaction by its request's deadline: on PostgreSQL each
 * request transaction starts with `SET LOCAL statement_timeout` = the time
 * left (so the server cancels a statement that would outlive the request,
 * SQLSTATE 57014, and the transaction rolls back), and COMMIT is refused once
 * the deadline has passed. Transactions outside a request (migrations,
 * demo data, the CLI) are left alone.
 */
export class DeadlineSubscriber implements EventSubscriber {
  constructor(private readonly setsStatementTimeout: boolean) {}

  async afterTransactionStart(args: TransactionEventArgs): Promise<void> {
    if (!this.setsStatementTimeout || !args.transaction || 'savepointName' in args.transaction) return;
    const deadline = currentDeadline();
    if (!deadline) return;
    const timeout = Math.max(1, Math.floor(deadline.remainingMs));
    try {
      const connection = args.em.getConnection() as unknown as SqlConnection;
      await connection.execute(`set local statement_timeout = ${timeout}`, [], 'run', args.transaction, { label: DEADLINE_LABEL });
    } catch {
      // Never throw here: MikroORM would lose the open transaction. An expired
      // deadline or a dead connection fails the transaction's next statement.
    }
  }

  async beforeTransactionCommit(args: TransactionEventArgs): Promise<void> {
    if (args.transaction && 'savepointName' in args.transaction) return;
    currentDeadline()?.beginCommit();
  }
}
