/**
 * The per-client cost budget (pipeline/cost-budget.ts) with WORKERS > 1: one
 * budget per client for the whole machine, not one per worker, so that the
 * default WORKERS (the number of cores) does not multiply what a client may
 * spend. rate-limiter-flexible's cluster store: the primary holds the
 * counters (its memory store), each worker asks it over the cluster IPC
 * channel (one round trip of two small messages per request, about 50 µs). Should the primary
 * not answer within a second, a worker charges a budget of its own instead
 * (the library's insurance limiter), so requests never wait on it longer.
 */
import {
  RateLimiterCluster,
  RateLimiterClusterMaster,
  RateLimiterMemory,
  type RateLimiterAbstract,
  RLWrapperTimeouts,
} from 'rate-limiter-flexible';

const KEY_PREFIX = 'cost';

/** In the primary, before forking: the store of every worker's budgets. */
export function holdSharedBudgets(): void {
  new RateLimiterClusterMaster();
}

/** In a worker: the store shared through the primary, falling back to this process's own after `timeoutMs`. */
export function sharedBudgetStore(points: number, windowSeconds: number, timeoutMs = 1_000): RateLimiterAbstract {
  return new RLWrapperTimeouts({
    limiter: new RateLimiterCluster({ points, duration: windowSeconds, keyPrefix: KEY_PREFIX, timeoutMs: 5 * timeoutMs }),
    timeoutMs,
    insuranceLimiter: new RateLimiterMemory({ points, duration: windowSeconds, keyPrefix: KEY_PREFIX }),
  });
}
