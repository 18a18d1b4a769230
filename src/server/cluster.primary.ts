import { Registry } from 'prom-client';
import { createAppRegistry } from '../app/registry.js';
import { seedDemoData } from '../app/demo-data.js';
import type { AppConfig } from './config.js';
import { holdSharedBudgets } from './cluster.budget.js';
import { type StopSummary, WorkerSupervisor } from './cluster.supervisor.js';
import { type PreparedDatabase, prepareDatabase } from './database.js';
import { createOrmOptions, initOrm } from './orm.js';
import { ClusterMetricsCollector } from '../observability/cluster.metrics.js';
import { createLogger, type Logger } from '../observability/logger.js';
import { type MetricsServer, startMetricsServer } from '../observability/metrics.endpoint.js';

/** What the primary gives its workers beyond their own SHUTDOWN_TIMEOUT_MS before it kills them. */
const STOP_MARGIN_MS = 1_000;

/**
 * The primary of WORKERS > 1 (PostgreSQL only): applies the migrations, syncs
 * the content types and loads demo data once (under the advisory lock, like
 * a single server), then forks the workers (cluster.worker.ts), which share
 * the port (node:cluster), and keeps them running (cluster.supervisor.ts).
 * It serves no request itself; it holds the cost budgets of all workers
 * (cluster.budget.ts) and adds up their metrics for one scrape (on
 * METRICS_PORT, or through any worker's /metrics).
 *
 * SIGTERM/SIGINT: each worker finishes its requests and closes the database
 * within SHUTDOWN_TIMEOUT_MS; the primary then prints a summary and exits 0
 * when all stopped cleanly, else 1 (a worker still running a second after
 * that is killed). A second signal 2 s after the first kills the workers.
 */
export async function runClusterPrimary(config: AppConfig, logger: Logger = createLogger(config.observability.log)): Promise<void> {
  const count = config.workers.count;
  let supervisor: WorkerSupervisor | undefined;
  let metricsServer: MetricsServer | undefined;
  let collector: ClusterMetricsCollector | undefined;
  let firstSignalAt = 0;

  const shutdown = async () => {
    const summary: StopSummary = supervisor ? await supervisor.stop(config.shutdownTimeoutMs + STOP_MARGIN_MS) : { clean: true, problems: [] };
    collector?.close();
    await metricsServer?.close();
    if (summary.clean) {
      logger.info(`Stopped cleanly.${supervisor ? ` All ${count} workers finished their requests and closed the database.` : ''}`);
      process.exit(0);
    }
    logger.error(`Stopped within SHUTDOWN_TIMEOUT_MS=${config.shutdownTimeoutMs}, abandoning: ${summary.problems.join('; ')}.`);
    process.exit(1);
  };
  const onSignal = (signal: string) => {
    if (firstSignalAt) {
      // Ctrl-C reaches every process of the group at once: ignore the echo.
      if (Date.now() - firstSignalAt < 2000) return;
      logger.error(`${signal} again: killing the workers without waiting.`);
      for (const pid of supervisor?.pids() ?? []) {
        try {
          process.kill(pid, 'SIGKILL');
        } catch {
          // already gone
        }
      }
      process.exit(1);
    }
    firstSignalAt = Date.now();
    if (!supervisor) {
      logger.info(`${signal} received while starting: stopping once the database is prepared…`);
      setTimeout(() => {
        logger.error(`Start-up did not finish within SHUTDOWN_TIMEOUT_MS=${config.shutdownTimeoutMs}; exiting, abandoning the start-up.`);
        process.exit(1);
      }, config.shutdownTimeoutMs).unref();
      return;
    }
    logger.info(`${signal} received: stopping ${count} workers (each finishes its requests and closes the database)…`);
    void shutdown();
  };
  process.on('SIGINT', () => onSignal('SIGINT'));
  process.on('SIGTERM', () => onSignal('SIGTERM'));

  logger.info(`Starting contentgraph (pid ${process.pid}, Node ${process.versions.node}) with ${count} worker processes…`);
  let prepared: PreparedDatabase;
  try {
    prepared = await prepareDatabaseOnce(config, count, logger);
  } catch (error) {
    logger.fatal(error instanceof Error ? error.message : String(error));
    process.exit(1);
  }
  if (prepared.migrations.length) logger.info(`Applied migrations: ${prepared.migrations.join(', ')}`);
  if (prepared.afterSync) logger.info('Loaded demo data into the empty database.');
  if (firstSignalAt) return shutdown();

  if (config.rateLimitPoints > 0) holdSharedBudgets();
  const registry = config.observability.metrics.enabled ? new Registry() : undefined;
  supervisor = new WorkerSupervisor(count, logger, registry);
  try {
    if (registry) {
      collector = new ClusterMetricsCollector(registry);
      const { port, host } = config.observability.metrics;
      const sum = collector;
      if (port !== undefined) metricsServer = await startMetricsServer(port, host, () => sum.collect(), logger);
    }
    const url = await supervisor.start();
    const metrics = metricsServer?.url ?? (registry ? url.replace(/\/graphql$/, '/metrics') : undefined);
    logger.info(
      { metrics, workerPids: supervisor.pids() },
      `contentgraph ready at ${url} on PostgreSQL (DATABASE_URL) with ${count} worker processes${
        config.development ? ' (open it in a browser for Apollo Sandbox)' : ''
      }`,
    );
  } catch (error) {
    if (firstSignalAt) return; // the shutdown under way reports and exits
    firstSignalAt = Date.now();
    logger.fatal(error instanceof Error ? error.message : String(error));
    await supervisor.stop(config.shutdownTimeoutMs + STOP_MARGIN_MS);
    collector?.close();
    await metricsServer?.close();
    process.exit(1);
  }
}

/**
 * Migrations, content-type sync and demo data, once for all workers, under
 * the advisory lock of database.ts (other instances may start at once).
 * Warns when the workers' connection pools may exceed what the server allows.
 */
async function prepareDatabaseOnce(config: AppConfig, count: number, logger: Logger): Promise<PreparedDatabase> {
  const registry = createAppRegistry();
  const orm = await initOrm(config, registry);
  try {
    const prepared = await prepareDatabase(orm, registry, config, {
      afterSync: config.seedDemoData ? (em) => seedDemoData(em, registry) : undefined,
    });
    const [row] = await orm.em
      .getConnection()
      .execute<{ max: string; reserved: string }[]>(
        `select current_setting('max_connections') as max, current_setting('superuser_reserved_connections') as reserved`,
      );
    const available = Number(row.max) - Number(row.reserved);
    const perWorker = ((createOrmOptions(config).pool as { max?: number } | undefined)?.max ?? 10) + 1; // its pool and its readiness probe
    if (count * perWorker > available) {
      logger.warn(
        `${count} workers may open up to ${count * perWorker} connections (${perWorker} each: pool and readiness probe) and this PostgreSQL server ` +
          `accepts ${available} (max_connections ${row.max}, ${row.reserved} reserved) for all its clients: lower WORKERS or raise max_connections.`,
      );
    }
    return prepared;
  } finally {
    await orm.close(true);
  }
}
