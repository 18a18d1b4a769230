import type { EntityManager } from '@mikro-orm/sql';

const RETRYABLE = new Set(['40001', '40P01']); // serialization_failure, deadlock_detected
const MAX_ATTEMPTS = 3;

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
      if (attempt >= MAX_ATTEMPTS || typeof code !== 'string' || !RETRYABLE.has(code)) throw error;
      await new Promise((resolve) => setTimeout(resolve, 10 * attempt + Math.random() * 20));
    }
  }
}
