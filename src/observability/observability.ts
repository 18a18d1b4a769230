import type http from 'node:http';
import type { MikroORM } from '@mikro-orm/core';
import type { ApolloServerPlugin, BaseContext } from '@apollo/server';
import type { Pool } from 'pg';
import { PoolMetrics } from './db-pool.metrics.js';
import { type ObservedReplica, ReplicaMetrics } from './db-replica.metrics.js';
import { observabilityPlugin } from './graphql.plugin.js';
import { HttpObserver } from './http.observer.js';
import { createLogger, type Logger } from './logger.js';
import { getProcessMetrics, type ServerMetrics } from './metrics.js';
import { type CollectMetrics, type MetricsServer, serveMetrics, startMetricsServer } from './metrics.endpoint.js';
import type { ObservabilityConfig } from './observability.config.js';
import { redactErrorText } from './log-redaction.js';
import { SqlLogger } from './sql.logger.js';
import { currentObservation } from './request.observation.js';
import { startTracing, type Tracing } from './tracing.js';

/**
 * The operator's view of one server: its logger, its metrics, its tracer and
 * the hooks the server calls (docs/operations.md, "Where it hooks in").
 */
export class Observability {
  readonly http: HttpObserver;
  #metricsServer: MetricsServer | undefined;
  #stopPool: (() => void) | undefined;

  private constructor(
    readonly config: ObservabilityConfig,
    readonly logger: Logger,
    readonly metrics: ServerMetrics | undefined,
    readonly tracing: Tracing | undefined,
    /** In a cluster worker: the whole cluster's metrics, from the primary (no METRICS_PORT listener here). */
    private readonly clusterMetrics: CollectMetrics | undefined,
  ) {
    this.http = new HttpObserver({ logger, metrics, tracing, slowOperationMs: config.slowOperationMs });
  }

  /**
   * Sets up logging, metrics and (with an OTLP endpoint) tracing; `logger`
   * replaces the configured one (tests). `clusterMetrics`: this process is a
   * cluster worker; `/metrics` on the GraphQL port answers with what it
   * returns (the sum of all workers) and METRICS_PORT is the primary's.
   */
  static async start(config: ObservabilityConfig, options: { logger?: Logger; clusterMetrics?: CollectMetrics } = {}): Promise<Observability> {
    const logger = options.logger ?? createLogger(config.log);
    const metrics = config.metrics.enabled ? getProcessMetrics({ maxOperationNames: config.metrics.maxOperationNames }) : undefined;
    const tracing = await startTracing(config.tracing, logger);
    return new Observability(config, logger, metrics, tracing, options.clusterMetrics);
  }

  /** The logger of the request this code runs for (with its `requestId`), else the server's. */
  get log(): Logger {
    return currentObservation()?.log ?? this.logger;
  }

  /** MikroORM's logger for this server (statement counts, SQL metrics and spans, debug lines). */
  sqlLogger(): SqlLogger {
    return new SqlLogger(this.logger, { logStatements: this.config.log.sql, metrics: this.metrics });
  }

  /** Apollo Server's own messages, through the server's logger with quoted values removed. */
  apolloLogger(): { debug(message: unknown): void; info(message: unknown): void; warn(message: unknown): void; error(message: unknown): void } {
    const text = (message: unknown) => redactErrorText(String(message));
    const log = this.logger.child({ component: 'apollo' });
    return {
      debug: (message) => log.debug(text(message)),
      info: (message) => log.info(text(message)),
      warn: (message) => log.warn(text(message)),
      error: (message) => log.error(text(message)),
    };
  }

  apolloPlugin<TContext extends BaseContext>(): ApolloServerPlugin<TContext> {
    return observabilityPlugin() as ApolloServerPlugin<TContext>;
  }

  /** Reports the PostgreSQL pool of `orm` (nothing for the embedded database, which has none). */
  async observeDatabase(orm: MikroORM, postgres: boolean): Promise<void> {
    if (!this.metrics || !postgres) return;
    const pool = (await orm.em.getConnection().getNativeClient()) as Pool;
    this.#stopPool = PoolMetrics.for(this.metrics.registry).observe(pool);
  }

  /**
   * Reports a read replica: its pool joins the pool metrics (which sum over
   * the pools), its availability and fallbacks get metrics of their own
   * (db-replica.metrics.ts). Returns what counts one read that ran again on
   * the primary.
   */
  async observeReplica(pool: unknown, replica: ObservedReplica): Promise<() => void> {
    if (!this.metrics) return () => undefined;
    const stopPool = PoolMetrics.for(this.metrics.registry).observe(pool as Pool);
    const metrics = ReplicaMetrics.for(this.metrics.registry);
    const stopReplica = metrics.observe(replica);
    const previous = this.#stopPool;
    this.#stopPool = () => {
      previous?.();
      stopPool();
      stopReplica();
    };
    return () => metrics.fallbacks.inc({ replica: replica.name });
  }

  /**
   * Answers `/metrics` on the GraphQL port, unless metrics are off or have a
   * port of their own (then `/metrics` there is a 404 like any unknown path).
   * True when it answered.
   */
  handleMetricsRequest(req: http.IncomingMessage, res: http.ServerResponse, path: string): boolean {
    if (path !== '/metrics' || !this.metrics || this.config.metrics.port !== undefined) return false;
    const registry = this.metrics.registry;
    void serveMetrics(req, res, this.clusterMetrics ?? (() => registry.metrics()), this.logger);
    return true;
  }

  /** Starts the metrics listener when METRICS_PORT is set (not in a cluster worker: the primary listens); returns its URL. */
  async listen(): Promise<string | undefined> {
    const { port, host } = this.config.metrics;
    if (!this.metrics || port === undefined || this.clusterMetrics) return undefined;
    const registry = this.metrics.registry;
    this.#metricsServer = await startMetricsServer(port, host, () => registry.metrics(), this.logger);
    return this.#metricsServer.url;
  }

  get metricsUrl(): string | undefined {
    return this.#metricsServer?.url;
  }

  /** Stops the metrics listener, the pool metrics, and flushes and stops tracing. */
  async stop(): Promise<void> {
    this.#stopPool?.();
    await this.#metricsServer?.close();
    await this.tracing?.shutdown();
  }
}

/** MikroORM's logger outside a server (CLI, migrations): the configured log output, no metrics. */
export function standaloneSqlLogger(config: ObservabilityConfig): SqlLogger {
  return new SqlLogger(createLogger(config.log), { logStatements: config.log.sql, metrics: undefined });
}
