/**
 * Bearer tokens this process has seen authenticate, by their client key
 * (`token:<hash>`, see client-key.ts), remembered for `ttlMs` and at most
 * `max` of them (least recently verified dropped first). Only a token in
 * here is a client with a budget of its own: a token not (or no longer) in
 * here is charged to the request's address and checked before its operation
 * runs, so made-up tokens cannot mint fresh budgets, and a revoked token
 * loses its budget within `ttlMs`.
 */
export class VerifiedTokens {
  readonly #expiries = new Map<string, number>();

  constructor(
    readonly max = 10_000,
    readonly ttlMs = 5 * 60_000,
  ) {}

  has(key: string): boolean {
    const expiry = this.#expiries.get(key);
    if (expiry === undefined) return false;
    if (expiry > Date.now()) return true;
    this.#expiries.delete(key);
    return false;
  }

  add(key: string): void {
    this.#expiries.delete(key); // re-inserted last: the map's order is the eviction order
    this.#expiries.set(key, Date.now() + this.ttlMs);
    if (this.#expiries.size > this.max) this.#expiries.delete(this.#expiries.keys().next().value!);
  }

  get size(): number {
    return this.#expiries.size;
  }
}
