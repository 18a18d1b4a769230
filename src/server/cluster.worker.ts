import cluster from 'node:cluster';
import type { AppConfig } from './config.js';
import { sharedBudgetStore } from './cluster.budget.js';
import { type WorkerMessage, WORKER_READY, WORKER_STOPPED } from './cluster.messages.js';
import { runServerProcess } from './start.js';
import { shareMetricsWithPrimary } from '../observability/cluster.metrics.js';
import { createLogger } from '../observability/logger.js';
import { getProcessMetrics } from '../observability/metrics.js';

/**
 * A worker process of WORKERS > 1 (forked by cluster.primary.ts): the server
 * of `npm start` on the port the primary shares, without the database
 * preparation (done by the primary), with its metrics and cost budgets
 * shared through the primary. Its log lines carry `worker` (its number) and
 * its `pid`; it stops gracefully on SIGTERM/SIGINT (the primary forwards
 * them) and exits at once if its primary disappears.
 */
export async function runClusterWorker(config: AppConfig): Promise<void> {
  const id = cluster.worker!.id;
  const logger = createLogger(config.observability.log).child({ worker: id });
  const metrics = config.observability.metrics.enabled
    ? shareMetricsWithPrimary(getProcessMetrics({ maxOperationNames: config.observability.metrics.maxOperationNames }).registry)
    : undefined;
  await runServerProcess(config, {
    logger,
    cluster: {
      id,
      metrics,
      budgetStore: sharedBudgetStore,
      ready: (url) => send({ type: WORKER_READY, url }),
      stopped: (report) =>
        new Promise<void>((resolve) => {
          // Exit once the primary has the report, or after a moment if it cannot take it.
          const timer = setTimeout(resolve, 1000);
          const done = () => {
            clearTimeout(timer);
            resolve();
          };
          if (!send({ type: WORKER_STOPPED, clean: report.clean, abandoned: report.abandoned }, done)) done();
        }),
    },
  });
}

function send(message: WorkerMessage, callback?: () => void): boolean {
  if (!process.connected || !process.send) return false;
  try {
    process.send(message, undefined, {}, () => callback?.());
    return true;
  } catch {
    return false;
  }
}
