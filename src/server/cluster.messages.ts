/** What a worker tells its primary over the cluster IPC channel (cluster.worker.ts → cluster.primary.ts). */
export const WORKER_READY = 'contentgraph:worker-ready';
export const WORKER_STOPPED = 'contentgraph:worker-stopped';

export type WorkerMessage =
  /** It serves (after its first `listen`), at `url`. */
  | { type: typeof WORKER_READY; url: string }
  /** It stopped on a signal; what it abandoned, if anything. */
  | { type: typeof WORKER_STOPPED; clean: boolean; abandoned: string[] };

export function isWorkerMessage(message: unknown): message is WorkerMessage {
  const type = (message as { type?: unknown } | null)?.type;
  return type === WORKER_READY || type === WORKER_STOPPED;
}
