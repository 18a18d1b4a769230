import 'reflect-metadata';
import type http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { ApolloServer } from '@apollo/server';
import type { EntityClass, MikroORM } from '@mikro-orm/core';
import type { RateLimiterAbstract } from 'rate-limiter-flexible';
import { createAppRegistry } from '../app/registry.js';
import { createNodeTypes } from '../app/node-types.js';
import { buildAppSchema } from '../app/schema.js';
import { seedDemoData } from '../app/demo-data.js';
import type { ContentTypeRegistry } from '../generic/content-type.registry.js';
import { IdleMemoryRelease } from './idle-memory.js';
import type { AppConfig } from './config.js';
import { createApollo } from './apollo.js';
import { apolloGatewayPatchApplied } from './jit.executor.js';
import { type AppContext, type AppServices, createContext } from './context.js';
import { acquireDataDirLock, type DataDirLock } from './data-dir-lock.js';
import { prepareDatabase } from './database.js';
import { createHttpServer } from './http.js';
import { initOrm, postgresPoolOptions, rootEm } from './orm.js';
import { RoutedPostgreSqlDriver } from './replica.driver.js';
import { CostBudget } from './pipeline/cost-budget.js';
import { DatabaseHealth, databaseProbe } from './pipeline/database-health.js';
import { VerifiedTokens } from './pipeline/verified-tokens.js';
import { type StopReport, stopServer } from './shutdown.js';
import { createLogger, type Logger } from '../observability/logger.js';
import { processEventHub } from '../generic/events.js';
import { startEventListener } from './subscriptions/event.listener.js';
import { type SubscriptionServer, startSubscriptionServer } from './subscriptions/websocket.server.js';
import { Observability } from '../observability/observability.js';
import type { CollectMetrics } from '../observability/metrics.endpoint.js';

export interface RunningServer {
  url: string;
  services: AppServices;
  orm: MikroORM;
  registry: ContentTypeRegistry;
  apollo: ApolloServer<AppContext>;
  httpServer: http.Server;
  /** Its logger, metrics and tracer. */
  observability: Observability;
  /** What start-up did: migrations applied, demo data loaded. */
  startup: { migrations: string[]; seeded: boolean };
  /** Whether the database answers (/readyz). */
  health: DatabaseHealth;
  /** GraphQL over WebSocket on the same port (subscriptions). */
  subscriptions: SubscriptionServer;
  /** Gives memory back after IDLE_MEMORY_RELEASE_MS without a request; undefined when off. */
  memory: IdleMemoryRelease | undefined;
  /**
   * Stops accepting, finishes in-flight requests, closes the database, within
   * `config.shutdownTimeoutMs`: what did not finish by then is abandoned and
   * reported. The embedded database's lock is released either way. Idempotent.
   */
  stop(): Promise<StopReport>;
}

export interface StartOptions {
  /** The content-type registry; the application's (`createAppRegistry()`) when omitted. */
  registry?: ContentTypeRegistry;
  /** The ORM's entity classes; the application's when omitted. */
  entities?: EntityClass<any>[];
  /** Log through this logger instead of the configured output (tests read the lines). */
  logger?: Logger;
  /** Set in a worker process of WORKERS > 1 (cluster.worker.ts): what it shares with its primary. */
  cluster?: ClusterWorkerRole;
}

/**
 * A worker of a `node:cluster` primary (cluster.primary.ts), which has
 * prepared the database (migrations, content-type sync, demo data) before
 * forking: the worker only loads the content-type cache.
 */
export interface ClusterWorkerRole {
  /** The worker's number (cluster.worker.id), in its log lines. */
  id: number;
  /** `/metrics` on the shared port: the whole cluster's sum, from the primary; undefined with METRICS=false. */
  metrics: CollectMetrics | undefined;
  /** The cost budget's store, held by the primary for all workers. */
  budgetStore(points: number, windowSeconds: number): RateLimiterAbstract;
  /** Tells the primary that this worker serves. */
  ready(url: string): void;
  /** Tells the primary how this worker stopped; resolves once sent (or when it cannot be). */
  stopped(report: StopReport): Promise<void>;
}

/** Numbers the servers of this process: their subscription topics are kept apart (tests run several). */
let serverCount = 0;

/**
 * Starts contentgraph: locks the embedded data directory, initialises the
 * ORM (running the content-type checks: rejects with ContentTypeCheckError),
 * applies migrations, syncs content types and loads demo data into an empty
 * database (all three under one advisory lock), and serves GraphQL on
 * `config.port` (0 for any free port).
 */
export async function startServer(config: AppConfig, options: StartOptions = {}): Promise<RunningServer> {
  const observability = await Observability.start(config.observability, { logger: options.logger, clusterMetrics: options.cluster?.metrics });
  let lock: DataDirLock | undefined;
  let orm: MikroORM | undefined;
  let stopListener: (() => Promise<void>) | undefined;
  try {
    lock = config.databaseUrl ? undefined : acquireDataDirLock(config.dataDir);
    const registry = options.registry ?? createAppRegistry();
    orm = await initOrm(config, registry, { entities: options.entities, observability });
    // A cluster worker's primary prepared the database before forking it.
    const prepared = options.cluster
      ? await registry.reload(rootEm(orm).fork()).then(() => ({ migrations: [], afterSync: false }))
      : await prepareDatabase(orm, registry, config, {
          afterSync: config.seedDemoData ? (em) => seedDemoData(em, registry) : undefined,
        });
    const { migrations, afterSync: seeded } = prepared;
    // Serving connections are bounded by the request deadline; migrations above were not.
    if (config.databaseUrl) await orm.reconnect({ driverOptions: postgresPoolOptions(config) });
    await observability.observeDatabase(orm, Boolean(config.databaseUrl));
    const replicas = orm.driver instanceof RoutedPostgreSqlDriver ? orm.driver.replicaConnections : [];
    for (const replica of replicas) {
      const { state } = replica;
      state.onFallback = await observability.observeReplica(await replica.getNativeClient(), { name: state.name, available: () => state.usable() });
      replica.state.listener = (status) =>
        status.ok
          ? observability.log.info({ replica: status.name }, `Read replica ${status.name} answers again: reads go to it.`)
          : observability.log.warn({ replica: status.name, error: status.error }, `Read replica ${status.name} is unavailable: its reads go to the primary until it answers.`);
    }
    // A replica down at start-up is not fatal: reads go to the primary until it answers.
    await Promise.all(replicas.map((replica) => replica.state.status()));
    const services: AppServices = { config, orm, registry, nodeTypes: createNodeTypes(registry) };
    const schema = await buildAppSchema(registry);
    const health = new DatabaseHealth(databaseProbe(orm, config.databaseUrl));
    const { rateLimitPoints: points, rateLimitWindowSeconds: window } = config;
    const budget = points > 0 ? new CostBudget(points, window, options.cluster?.budgetStore(points, window)) : undefined;
    const verifiedTokens = new VerifiedTokens();
    let apollo: ApolloServer<AppContext> | undefined;
    const front = createHttpServer({
      getApollo: () => apollo!,
      createContext: async (request) => createContext(services, request),
      config,
      health,
      observability,
      verifiedTokens,
      replicas: replicas.length ? () => Promise.all(replicas.map((replica) => replica.state.status())) : undefined,
    });
    const httpServer = front.server;
    // Subscriptions: this process's LISTEN connection feeds the hub; graphql-ws serves them on /graphql.
    const source = `server${++serverCount}`;
    const listener = await startEventListener({
      orm,
      registry,
      hub: processEventHub,
      source,
      databaseUrl: config.databaseUrl,
      log: observability.log,
      metrics: observability.metrics,
    });
    stopListener = () => listener.close();
    const subscriptions = startSubscriptionServer({ httpServer, schema, services, budget, verifiedTokens, observability, source });
    apollo = createApollo(schema, config, httpServer, budget, verifiedTokens, observability, async () => {
      await subscriptions.dispose();
      await listener.close();
    });
    await apollo.start();
    await new Promise<void>((resolve, reject) => {
      httpServer.once('error', reject);
      httpServer.listen(config.port, config.host, () => resolve());
    });
    await observability.listen();
    const memory = IdleMemoryRelease.start({
      idleMs: config.idleMemoryReleaseMs,
      requestsStarted: front.requestsStarted,
      requestsFinished: front.requestsFinished,
      onRelease: ({ rssBeforeBytes, rssAfterBytes, durationMs }) => {
        const freed = Math.max(0, rssBeforeBytes - rssAfterBytes);
        observability.metrics?.memoryReleases.inc();
        observability.metrics?.memoryReleasedBytes.inc(freed);
        const mib = (bytes: number) => Math.round(bytes / 2 ** 20);
        observability.log.debug({ rssBeforeMiB: mib(rssBeforeBytes), rssAfterMiB: mib(rssAfterBytes), durationMs: Math.round(durationMs) }, 'idle: memory given back');
      },
    });
    if (config.compileQueriesAfter > 0 && !apolloGatewayPatchApplied()) {
      observability.log.warn(
        'Apollo Server is installed without patches/@apollo+server+5.5.1.patch (npm install runs patch-package; not with --ignore-scripts): every request will be promoted by the garbage collector, a longer latency tail and a higher memory peak (patches/README.md).',
      );
    }
    if (config.idleMemoryReleaseMs > 0 && !memory) {
      observability.log.warn('IDLE_MEMORY_RELEASE_MS is set but V8 refused its gc function: memory taken by bursts of requests is not given back when idle.');
    }
    const address = httpServer.address() as AddressInfo;
    const host = config.host === '0.0.0.0' || config.host === '::' ? 'localhost' : config.host;
    let stopping: Promise<StopReport> | undefined;
    const openOrm = orm;
    const heldLock = lock;
    return {
      url: `http://${host.includes(':') ? `[${host}]` : host}:${address.port}/graphql`,
      services,
      orm,
      registry,
      apollo,
      httpServer,
      observability,
      startup: { migrations, seeded },
      health,
      subscriptions,
      memory,
      stop: () => {
        memory?.stop();
        return (stopping ??= stopServer(config, apollo!, openOrm, front, heldLock).finally(() => observability.stop()));
      },
    };
  } catch (error) {
    await stopListener?.().catch(() => undefined);
    await orm?.close(true).catch(() => undefined);
    lock?.release();
    await observability.stop().catch(() => undefined);
    throw error;
  }
}

/**
 * The server process (`npm start`, `npm run start:prod`): starts, logs where
 * it listens, and on SIGINT/SIGTERM stops accepting, finishes in-flight
 * requests, closes the database and exits 0; what does not finish within
 * SHUTDOWN_TIMEOUT_MS is abandoned, listed, and the exit code is 1. A signal
 * during start-up stops the server as soon as it has started (or exits 1
 * after SHUTDOWN_TIMEOUT_MS if start-up hangs, e.g. on an unreachable
 * database). When start-up fails (a content-type check, the data directory
 * lock, the database) it prints the message and exits 1. As a cluster
 * worker (`options.cluster`) it tells its primary when it serves and how it
 * stopped instead of logging the ready line.
 */
export async function runServerProcess(config: AppConfig, options: StartOptions = {}): Promise<void> {
  const logger = options.logger ?? createLogger(config.observability.log);
  const worker = options.cluster ? `Worker ${options.cluster.id}` : undefined;
  let server: RunningServer | undefined;
  let firstSignalAt = 0;
  const stop = (running: RunningServer) =>
    running.stop().then(
      async (report) => {
        if (report.clean) logger.info(worker ? `${worker} stopped cleanly.` : 'Stopped cleanly.');
        else logger.error(`${worker ? `${worker} stopped` : 'Stopped'} within SHUTDOWN_TIMEOUT_MS=${config.shutdownTimeoutMs}, abandoning: ${report.abandoned.join('; ')}.`);
        await options.cluster?.stopped(report);
        process.exit(report.clean ? 0 : 1);
      },
      (error) => {
        logger.fatal({ err: error }, 'stopping failed');
        process.exit(1);
      },
    );
  const onSignal = (signal: string) => {
    // Ctrl-C reaches npm and this process alike: the same press can arrive
    // twice. Only a signal a while after the first forces an exit.
    if (firstSignalAt) {
      if (Date.now() - firstSignalAt < 2000) return;
      logger.error(`${signal} again: exiting without waiting for the database to close.`);
      process.exit(1);
    }
    firstSignalAt = Date.now();
    if (!server) {
      logger.info(`${signal} received while starting: stopping once started…`);
      setTimeout(() => {
        logger.error(`Start-up did not finish within SHUTDOWN_TIMEOUT_MS=${config.shutdownTimeoutMs}; exiting, abandoning the start-up.`);
        process.exit(1);
      }, config.shutdownTimeoutMs).unref();
      return;
    }
    logger.info(`${signal} received: finishing in-flight requests, then closing the database…`);
    void stop(server);
  };
  process.on('SIGINT', () => onSignal('SIGINT'));
  process.on('SIGTERM', () => onSignal('SIGTERM'));
  logger.info(worker ? `${worker} starting (pid ${process.pid})…` : `Starting contentgraph (pid ${process.pid}, Node ${process.versions.node})…`);
  try {
    server = await startServer(config, { ...options, logger });
  } catch (error) {
    logger.fatal(error instanceof Error ? error.message : String(error));
    process.exit(1);
  }
  const db = config.databaseUrl ? 'PostgreSQL (DATABASE_URL)' : `embedded PGlite in ${config.dataDir}`;
  if (server.startup.migrations.length) logger.info(`Applied migrations: ${server.startup.migrations.join(', ')}`);
  if (server.startup.seeded) logger.info('Loaded demo data into the empty database.');
  if (firstSignalAt) {
    void stop(server);
    return;
  }
  if (options.cluster) {
    logger.info(`${worker} serving (pid ${process.pid}).`);
    options.cluster.ready(server.url);
    return;
  }
  const metricsUrl = server.observability.metricsUrl ?? (server.observability.metrics ? server.url.replace(/\/graphql$/, '/metrics') : undefined);
  logger.info(
    { metrics: metricsUrl },
    `contentgraph ready at ${server.url} on ${db}${config.development ? ' (open it in a browser for Apollo Sandbox)' : ''}`,
  );
}
