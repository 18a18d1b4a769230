import { channel } from 'node:diagnostics_channel';
import type { EntityManager } from '@mikro-orm/sql';

const RETRYABLE: ReadonlyMap<string, TransactionRetryReason> = new Map([
  ['40001', 'serialization_failure'],
  ['40P01', 'deadlock_detected'],
]);
const MAX_ATTEMPTS = 3;

export type TransactionRetryReason = 'serialization_failure' | 'deadlock_detected';

/** What `inTransaction` publishes on `transactionRetryChannel` each time PostgreSQL aborts one of its attempts. */
export interface TransactionRetryMessage {
  reason: TransactionRetryReason;
  /** The attempt that was aborted (1, 2 or 3). */
  attempt: number;
  /** False when it was the last attempt: the error goes to the caller. */
  retried: boolean;
}

/**
 * A Node diagnostics channel (node:diagnostics_channel) on which
 * `inTransaction` reports every aborted attempt. The metrics subscribe to
 * it (`db_transaction_retries_total`): a deadlock costs the victim
 * PostgreSQL's deadlock_timeout (1 s by default) before its retry, so a
 * count that grows names a lock-order bug even when every call succeeds.
 */
export const transactionRetryChannel = channel('contentgraph:transaction-retry');

/**
 * Runs `work` in one database transaction on a fork of `em`: everything it
 * writes commits together or not at all. When PostgreSQL aborts the
 * transaction as a deadlock victim or a serialization failure, the whole
 * transaction is run again (at most 3 attempts), so `work` must only touch
 * the database through the `tx` it is given. Other errors propagate after
 * the rollback.
 */
export async function inTransaction<T>(em: EntityManager, work: (tx: EntityManager) => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await em.transactional((tx) => work(tx as EntityManager));
    } catch (error) {
      const code = (error as { code?: unknown }).code;
      const reason = typeof code === 'string' ? RETRYABLE.get(code) : undefined;
      if (reason === undefined) throw error;
      const retried = attempt < MAX_ATTEMPTS;
      if (transactionRetryChannel.hasSubscribers) transactionRetryChannel.publish({ reason, attempt, retried } satisfies TransactionRetryMessage);
      if (!retried) throw error;
      await new Promise((resolve) => setTimeout(resolve, 10 * attempt + Math.random() * 20));
    }
  }
}
