import { AsyncLocalStorage } from 'node:async_hooks';
import type { EventSubscriber } from '@mikro-orm/core';

/**
 * Where one GraphQL request's reads go (docs/deployment.md#read-replicas):
 * a read replica until the request is pinned to the primary, then the
 * primary for the rest of the request. A request is pinned when its
 * operation is not a query (mutations: their reads before the transaction,
 * the transaction, and the payload the client reads after the commit all
 * see the primary, so a client always sees its own write) and when it
 * starts a transaction. Reads outside any request (start-up, migrations,
 * the content-type sync, the CLI) always use the primary.
 */
export class RequestRoute {
  #pinnedBy: string | undefined;

  /** True once the request reads from the primary only. */
  get primary(): boolean {
    return this.#pinnedBy !== undefined;
  }

  /** Why it was pinned (`mutation`, `transaction`), undefined while it may read replicas. */
  get pinnedBy(): string | undefined {
    return this.#pinnedBy;
  }

  /** From now on, the primary only. */
  pin(reason: string): void {
    this.#pinnedBy ??= reason;
  }
}

const storage = new AsyncLocalStorage<RequestRoute>();

/** Runs `fn` (a whole request: resolvers, loaders, the payload) with `route` as its route. */
export function runWithRoute<T>(route: RequestRoute, fn: () => T): T {
  return storage.run(route, fn);
}

/** The current request's route; undefined outside a request. */
export function currentRoute(): RequestRoute | undefined {
  return storage.getStore();
}

/**
 * MikroORM subscriber: a request that starts a transaction (a write) reads
 * the primary from then on, whatever its operation type.
 */
export class PinOnTransactionSubscriber implements EventSubscriber {
  async afterTransactionStart(): Promise<void> {
    currentRoute()?.pin('transaction');
  }
}
