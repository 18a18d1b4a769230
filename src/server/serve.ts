import cluster from 'node:cluster';
import type { AppConfig } from './config.js';
import { WORKER_ENV } from './cluster.supervisor.js';
import { createLogger } from '../observability/logger.js';

/**
 * What `npm start` and `npm run start:prod` run: one server process
 * (WORKERS=1, always on the embedded PGlite), or a primary that forks
 * WORKERS worker processes sharing the port (docs/deployment.md). The
 * workers run this same entry point and land in runClusterWorker.
 */
export async function serve(config: AppConfig): Promise<void> {
  // Each role loads only its own modules: the primary of a cluster serves no request and never loads the
  // GraphQL server (schema, Apollo, the executors), which keeps it small (docs/deployment.md).
  if (cluster.isWorker && process.env[WORKER_ENV] === '1') return (await import('./cluster.worker.js')).runClusterWorker(config);
  const logger = createLogger(config.observability.log);
  for (const note of config.workers.notes) logger.warn(note);
  if (config.workers.count > 1 && cluster.isWorker) {
    // Another process manager's cluster (PM2 cluster mode): it already runs several of us.
    logger.warn(`WORKERS=${config.workers.count} ignored: this process is a worker of another cluster manager; it serves alone.`);
  } else if (config.workers.count > 1) {
    return (await import('./cluster.primary.js')).runClusterPrimary(config, logger);
  }
  return (await import('./start.js')).runServerProcess(config, { logger });
}
