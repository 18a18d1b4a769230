import type { Pool, PoolClient } from 'pg';
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';

const ACQUIRE_BUCKETS = [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5];

const byRegistry = new WeakMap<Registry, PoolMetrics>();

/**
 * Metrics of the PostgreSQL connection pools (MikroORM's `pg` pool, one per
 * ORM): connections idle and in use, the pool size, requests waiting for a
 * connection now, and how long getting one took. The gauges are read at
 * scrape time; the embedded PGlite has no pool and reports none of them.
 */
export class PoolMetrics {
  readonly #pools = new Set<Pool>();
  readonly acquireDuration: Histogram;
  readonly waits: Counter;

  static for(registry: Registry): PoolMetrics {
    let metrics = byRegistry.get(registry);
    if (!metrics) byRegistry.set(registry, (metrics = new PoolMetrics(registry)));
    return metrics;
  }

  private constructor(registry: Registry) {
    const pools = this.#pools;
    const registers = [registry];
    const sum = (read: (pool: Pool) => number) => [...pools].reduce((total, pool) => total + read(pool), 0);
    new Gauge({
      name: 'db_pool_connections',
      help: 'PostgreSQL pool connections, by state (idle, in_use).',
      labelNames: ['state'],
      registers,
      collect() {
        this.set({ state: 'idle' }, sum((pool) => pool.idleCount));
        this.set({ state: 'in_use' }, sum((pool) => pool.totalCount - pool.idleCount));
      },
    });
    new Gauge({
      name: 'db_pool_max_connections',
      help: 'Size limit of the PostgreSQL pool (sum over the process pools).',
      registers,
      collect() {
        this.set(sum((pool) => pool.options.max ?? 10));
      },
    });
    new Gauge({
      name: 'db_pool_waiting_requests',
      help: 'Requests for a PostgreSQL connection waiting now because the pool is exhausted.',
      registers,
      collect() {
        this.set(sum((pool) => pool.waitingCount));
      },
    });
    this.waits = new Counter({
      name: 'db_pool_waits_total',
      help: 'Connection requests that found the pool exhausted and had to wait.',
      registers,
    });
    this.acquireDuration = new Histogram({
      name: 'db_pool_acquire_duration_seconds',
      help: 'Time to get a PostgreSQL connection from the pool (a wait, or opening a connection).',
      buckets: ACQUIRE_BUCKETS,
      registers,
    });
  }

  /** Starts reporting `pool`; the returned function stops it (the pool is closing). */
  observe(pool: Pool): () => void {
    this.#pools.add(pool);
    const original = pool.connect;
    const metrics = this;
    // kysely (under MikroORM) asks for a connection with the promise form of connect().
    pool.connect = function (this: Pool, ...args: unknown[]) {
      if (args.length) return (original as (...a: unknown[]) => unknown).apply(this, args);
      const started = performance.now();
      // The requests queued ahead of this one take the idle connections and the ones the pool may
      // still open; when they use them all, this one waits for a connection to be released.
      if (this.waitingCount >= this.idleCount + (this.options.max ?? 10) - this.totalCount) metrics.waits.inc();
      return ((original as () => Promise<PoolClient>).call(this)).then((client) => {
        metrics.acquireDuration.observe((performance.now() - started) / 1000);
        return client;
      });
    } as Pool['connect'];
    return () => {
      this.#pools.delete(pool);
      pool.connect = original;
    };
  }
}
