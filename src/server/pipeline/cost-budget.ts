import { type RateLimiterAbstract, RateLimiterMemory, RateLimiterRes } from 'rate-limiter-flexible';
import { RateLimitedError } from '../../generic/errors.js';

export interface BudgetState {
  limit: number;
  remaining: number;
  used: number;
  /** Unix time (seconds) when the window ends and the budget is full again. */
  reset: number;
}

/**
 * What every operation is charged at least: the work of receiving, parsing,
 * validating and answering a request is about that of serving 100 objects,
 * so a flood of trivial operations (`{ __typename }`) spends the budget too.
 */
export const MIN_CHARGE = 100;

/**
 * Cost points per client per fixed window (rate-limiter-flexible's memory
 * store, per process; a cluster worker passes the store its primary holds for
 * all workers, src/server/cluster.budget.ts). Each operation is charged its cost (at least
 * MIN_CHARGE) before it runs; an operation the remaining budget cannot pay
 * is refused with RATE_LIMITED and charges nothing.
 */
export class CostBudget {
  readonly #limiter: RateLimiterAbstract;

  constructor(
    readonly points: number,
    readonly windowSeconds: number,
    limiter?: RateLimiterAbstract,
  ) {
    this.#limiter = limiter ?? new RateLimiterMemory({ points, duration: windowSeconds, keyPrefix: 'cost' });
  }

  /** Charges `cost` to `key`; throws RateLimitedError (with the headers) when the budget cannot pay it. */
  async charge(key: string, cost: number): Promise<BudgetState> {
    const points = Math.max(MIN_CHARGE, Math.ceil(cost));
    try {
      return this.#state(await this.#limiter.consume(key, points));
    } catch (rejected) {
      if (!(rejected instanceof RateLimiterRes)) throw rejected;
      const state = this.#state(await this.#limiter.reward(key, points));
      const retryAfter = Math.max(1, Math.ceil(rejected.msBeforeNext / 1000));
      const message =
        points > this.points
          ? `This operation costs ${points} points, more than the whole budget of ${this.points} points per ${this.windowSeconds} s; ask for less.`
          : `Rate limit exceeded: this operation costs ${points} points and ${state.remaining} of ${this.points} remain in this ${this.windowSeconds}-second window. Retry after ${retryAfter} s.`;
      throw new RateLimitedError(message, retryAfter, { cost: points, ...state }, new Map([...budgetHeaders(state), ['retry-after', String(retryAfter)]]));
    }
  }

  #state(res: RateLimiterRes): BudgetState {
    const used = Math.max(0, res.consumedPoints);
    return {
      limit: this.points,
      remaining: Math.max(0, this.points - used),
      used,
      reset: Math.ceil((Date.now() + Math.max(0, res.msBeforeNext)) / 1000),
    };
  }
}

/** GitHub's rate-limit headers. */
export function budgetHeaders(state: BudgetState): [string, string][] {
  return [
    ['x-ratelimit-limit', String(state.limit)],
    ['x-ratelimit-remaining', String(state.remaining)],
    ['x-ratelimit-used', String(state.used)],
    ['x-ratelimit-reset', String(state.reset)],
    ['x-ratelimit-resource', 'graphql'],
  ];
}
