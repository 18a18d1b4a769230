import { Counter, Gauge, type Registry } from 'prom-client';

/** What the replica metrics read from one read replica (src/server/replica.driver.ts). */
export interface ObservedReplica {
  name: string;
  /** True while it takes reads. */
  available(): boolean;
}

const byRegistry = new WeakMap<Registry, ReplicaMetrics>();

/**
 * Metrics of the read replicas (`DATABASE_REPLICA_URLS`): whether each takes
 * reads now (`db_replica_available`, read at scrape time; summed over the
 * workers of a cluster: the number of workers that use it), and the reads
 * that found it unavailable and ran again on the primary
 * (`db_replica_fallbacks_total`). One set per registry, like the pool metrics.
 */
export class ReplicaMetrics {
  readonly #replicas = new Set<ObservedReplica>();
  readonly fallbacks: Counter<'replica'>;

  static for(registry: Registry): ReplicaMetrics {
    let metrics = byRegistry.get(registry);
    if (!metrics) byRegistry.set(registry, (metrics = new ReplicaMetrics(registry)));
    return metrics;
  }

  private constructor(registry: Registry) {
    const replicas = this.#replicas;
    new Gauge({
      name: 'db_replica_available',
      help: 'Whether a read replica takes reads now (1) or its reads go to the primary (0).',
      labelNames: ['replica'],
      registers: [registry],
      collect() {
        this.reset();
        for (const replica of replicas) this.set({ replica: replica.name }, replica.available() ? 1 : 0);
      },
    });
    this.fallbacks = new Counter({
      name: 'db_replica_fallbacks_total',
      help: 'Reads a read replica could not answer (unavailable, or a conflict with recovery) that ran again on the primary.',
      labelNames: ['replica'],
      registers: [registry],
    });
  }

  /** Starts reporting `replica`; the returned function stops it (the server is stopping). */
  observe(replica: ObservedReplica): () => void {
    this.#replicas.add(replica);
    this.fallbacks.inc({ replica: replica.name }, 0);
    return () => void this.#replicas.delete(replica);
  }
}
