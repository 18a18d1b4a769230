import type { Configuration, ConnectionType, Dictionary, LoggingOptions, Transaction } from '@mikro-orm/core';
import type { PostgreSqlConnection } from '@mikro-orm/postgresql';
import { PreparedReadsConnection, PreparedReadsDriver } from './prepared-reads.js';
import { isDatabaseUnavailable } from './error-mapping.js';
import { DatabaseHealth, type HealthState, postgresProbe } from './pipeline/database-health.js';
import { currentRoute } from './replica.route.js';

/** What /readyz and the logs say about one replica. */
export interface ReplicaStatus {
  name: string;
  /** False while reads avoid it (a read found it unavailable, or its latest probe failed). */
  ok: boolean;
  latencyMs?: number;
  error?: string;
}

/** Told when a replica stops or starts taking reads (start.ts logs it). */
type ReplicaListener = (status: ReplicaStatus) => void;

/**
 * Whether one replica takes reads. A read that finds it unavailable (refused
 * or lost connection, server shutting down or starting up, a statement
 * cancelled by a conflict with recovery) takes it out at once; from then a
 * probe (a fresh connection and `select 1`, at most one per second, made
 * while reads or /readyz ask) brings it back when it answers.
 */
export class ReplicaState {
  #downAt: number | undefined;
  #reported = true;
  listener: ReplicaListener | undefined;
  /** Called for each read that ran again on the primary (metrics). */
  onFallback: (() => void) | undefined;

  constructor(
    readonly name: string,
    readonly health: DatabaseHealth,
  ) {}

  /** True when reads may go to it; while not, starts a probe (at most one per second). */
  usable(): boolean {
    const last = this.health.last;
    const down = this.#downAt !== undefined ? !(last?.ok && last.checkedAt > this.#downAt) : last !== undefined && !last.ok;
    if (!down) {
      this.#downAt = undefined;
      this.#report(true, last);
      return true;
    }
    if (last && !last.ok) this.#report(false, last, last.error);
    void this.health.check(1000).then((state) => {
      if (state.ok && (this.#downAt === undefined || state.checkedAt > this.#downAt)) this.#report(true, state);
    });
    return false;
  }

  /** A read found it unavailable: no reads until a probe says it answers again. */
  failed(error: unknown): void {
    this.#downAt = Date.now();
    this.#report(false, undefined, error instanceof Error ? error.message : String(error));
    void this.health.check(0);
  }

  /** For /readyz: probes (cached for half a second) and answers. */
  async status(): Promise<ReplicaStatus> {
    const state = await this.health.check();
    const ok = this.usable();
    return { name: this.name, ok, latencyMs: state.latencyMs, ...(state.error ? { error: state.error } : {}) };
  }

  #report(ok: boolean, state?: HealthState, error?: string): void {
    if (ok === this.#reported) return;
    this.#reported = ok;
    this.listener?.({ name: this.name, ok, ...(state ? { latencyMs: state.latencyMs } : {}), ...(error ? { error } : {}) });
  }
}

/** A statement a replica cancelled because replaying the primary's changes conflicted with it (hot standby). */
function isRecoveryConflict(error: unknown): boolean {
  const current = error as { code?: unknown; message?: unknown } | undefined;
  return (current?.code === '40001' || current?.code === '40P01') && /conflict with recovery/i.test(String(current?.message));
}

/**
 * A read replica's connection: a read it cannot answer because it is
 * unavailable (or cancelled for a recovery conflict) is taken out of
 * rotation and run again on the primary, once (reads outside a transaction
 * are safe to repeat), so a replica going down costs no client a failed
 * query.
 */
export class ReplicaConnection extends PreparedReadsConnection {
  /** The primary's connection, where failed reads go (set by the driver). */
  fallback: PostgreSqlConnection | undefined;
  readonly state: ReplicaState;

  readonly #options: Dictionary;

  constructor(config: Configuration, options: Dictionary, type: ConnectionType) {
    super(config, options, type);
    this.#options = { ...options };
    this.state = new ReplicaState(String(options.name), new DatabaseHealth(postgresProbe(String(options.clientUrl))));
  }

  /**
   * MikroORM's `close()` deletes a connection's options but its name; the
   * primary then reads them from the configuration again, a replica would
   * too and connect to the primary (`orm.reconnect()`, start.ts): restored.
   */
  override async connect(options?: { skipOnConnect?: boolean }): Promise<void> {
    Object.assign(this.options, this.#options);
    await super.connect(options);
  }

  override async execute<T = unknown>(
    query: any,
    params: readonly unknown[] | Dictionary<unknown> = [],
    method: 'all' | 'get' | 'run' = 'all',
    ctx?: Transaction,
    loggerContext?: LoggingOptions,
  ): Promise<T> {
    try {
      return (await super.execute(query, params, method, ctx, loggerContext)) as T;
    } catch (error) {
      if (ctx || !this.fallback || !(isDatabaseUnavailable(error) || isRecoveryConflict(error))) throw error;
      this.state.failed(error);
      this.state.onFallback?.();
      return (await this.fallback.execute(query, params, method, ctx, loggerContext)) as T;
    }
  }
}

/**
 * PostgreSQL with read replicas (MikroORM's `replicas` option) and the
 * routing rule of docs/deployment.md#read-replicas: a `read` connection is
 * a usable replica (at random) only inside a GraphQL request that is not
 * pinned to the primary (replica.route.ts); outside requests, in pinned
 * requests and when no replica is usable, the primary. `write` (and every
 * transaction, which MikroORM begins on `write`) is always the primary.
 */
export class RoutedPostgreSqlDriver extends PreparedReadsDriver {
  constructor(config: Configuration) {
    super(config);
    const replicas = this.createReplicas((conf) => new ReplicaConnection(this.config, conf, 'read')) as ReplicaConnection[];
    for (const replica of replicas) replica.fallback = this.connection as PostgreSqlConnection;
    (this as unknown as { replicas: ReplicaConnection[] }).replicas = replicas;
  }

  /** The replicas' connections, in DATABASE_REPLICA_URLS order. */
  get replicaConnections(): ReplicaConnection[] {
    return this.replicas as ReplicaConnection[];
  }

  override getConnection(type: ConnectionType = 'write'): PostgreSqlConnection {
    const primary = this.connection as PostgreSqlConnection;
    if (type === 'write' || this.replicas.length === 0) return primary;
    const route = currentRoute();
    if (!route || route.primary) return primary;
    const usable = this.replicaConnections.filter((replica) => replica.state.usable());
    if (usable.length === 0) return primary;
    return usable[Math.floor(Math.random() * usable.length)]!;
  }
}
