import cluster, { type Worker } from 'node:cluster';
import { Counter, Gauge, type Registry } from 'prom-client';
import type { Logger } from '../observability/logger.js';
import { isWorkerMessage, WORKER_READY, WORKER_STOPPED } from './cluster.messages.js';

/** Marks the processes the primary forks (src/server.ts runs them as workers). */
export const WORKER_ENV = 'CONTENTGRAPH_WORKER';

/** A worker that lived this long before dying is replaced at once; a faster death counts as one more failure in a row. */
export const STABLE_AFTER_MS = 30_000;

/**
 * How long to wait before replacing a worker that died after `failures`
 * quick deaths in a row: none for the first, then 0.5 s doubling up to 30 s,
 * so a worker that crashes at start-up (a database gone, a bad deploy) costs
 * one start-up every 30 s, not a spinning CPU.
 */
export function restartDelayMs(failures: number): number {
  return failures <= 0 ? 0 : Math.min(30_000, 500 * 2 ** Math.min(failures - 1, 16));
}

interface Slot {
  worker: Worker | undefined;
  startedAt: number;
  ready: boolean;
  /** Quick deaths in a row of this slot's workers. */
  failures: number;
  restartTimer: NodeJS.Timeout | undefined;
  /** How its worker stopped during a shutdown, for the summary. */
  outcome?: string;
  clean?: boolean;
}

export interface StopSummary {
  clean: boolean;
  /** One line per worker that did not stop cleanly. */
  problems: string[];
}

/**
 * Keeps `count` worker processes serving: forks them, reports when all
 * serve, replaces one that dies (with a log line and restartDelayMs), and
 * stops them all on demand. A worker that dies before all of them first
 * served fails the start-up instead (the same cause would kill every
 * replacement: a port in use, a database refusing connections).
 */
export class WorkerSupervisor {
  readonly #slots: Slot[];
  #stopping = false;
  #started = false;
  #startup: { resolve(url: string): void; reject(error: Error): void } | undefined;
  #url = '';
  #allExited: (() => void) | undefined;
  readonly #restarts: Counter | undefined;

  constructor(
    readonly count: number,
    private readonly logger: Logger,
    registry: Registry | undefined,
  ) {
    this.#slots = Array.from({ length: count }, () => ({ worker: undefined, startedAt: 0, ready: false, failures: 0, restartTimer: undefined }));
    if (registry) {
      const slots = this.#slots;
      new Gauge({
        name: 'cluster_workers',
        help: 'Worker processes alive, by state: starting (forked, not serving yet) or serving.',
        labelNames: ['state'],
        registers: [registry],
        collect() {
          this.set({ state: 'starting' }, slots.filter((slot) => slot.worker && !slot.ready).length);
          this.set({ state: 'serving' }, slots.filter((slot) => slot.worker && slot.ready).length);
        },
      });
      new Gauge({ name: 'cluster_workers_desired', help: 'Worker processes the primary keeps running (WORKERS).', registers: [registry] }).set(count);
      this.#restarts = new Counter({
        name: 'cluster_worker_restarts_total',
        help: 'Workers replaced after they exited unexpectedly (a crash, a kill, an exit without a shutdown).',
        registers: [registry],
      });
    }
    cluster.on('message', this.#onMessage);
    cluster.on('exit', this.#onExit);
  }

  /** Forks every worker; resolves with the URL they serve once all serve; rejects when one exits first. */
  start(): Promise<string> {
    return new Promise<string>((resolve, reject) => {
      this.#startup = { resolve, reject };
      this.#slots.forEach((slot) => this.#fork(slot));
    });
  }

  /** Process ids of the workers alive now. */
  pids(): number[] {
    return this.#slots.flatMap((slot) => (slot.worker?.process.pid ? [slot.worker.process.pid] : []));
  }

  /**
   * Sends SIGTERM to every worker (each finishes its requests and closes the
   * database within SHUTDOWN_TIMEOUT_MS) and waits for all to exit; those
   * still running after `timeoutMs` are killed (SIGKILL). Never restarts.
   */
  async stop(timeoutMs: number): Promise<StopSummary> {
    this.#stopping = true;
    this.#startup?.reject(new Error('stopped while starting'));
    this.#startup = undefined;
    for (const slot of this.#slots) {
      clearTimeout(slot.restartTimer);
      slot.worker?.process.kill('SIGTERM');
    }
    if (this.#slots.some((slot) => slot.worker)) {
      const exited = new Promise<void>((resolve) => (this.#allExited = resolve));
      let timer: NodeJS.Timeout | undefined;
      const late = new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(true), timeoutMs)));
      if (await Promise.race([exited.then(() => false), late])) {
        for (const slot of this.#slots) {
          if (!slot.worker) continue;
          slot.outcome = `worker ${slot.worker.id} (pid ${slot.worker.process.pid}) still running after ${timeoutMs} ms: killed`;
          slot.clean = false;
          slot.worker.process.kill('SIGKILL');
        }
        await exited;
      }
      clearTimeout(timer);
    }
    cluster.off('message', this.#onMessage);
    cluster.off('exit', this.#onExit);
    const problems = this.#slots.filter((slot) => slot.clean === false).map((slot) => slot.outcome ?? 'a worker did not stop cleanly');
    return { clean: problems.length === 0, problems };
  }

  #fork(slot: Slot): void {
    slot.restartTimer = undefined;
    slot.ready = false;
    slot.clean = undefined;
    slot.outcome = undefined;
    slot.startedAt = Date.now();
    slot.worker = cluster.fork({ [WORKER_ENV]: '1' });
  }

  #slotOf(worker: Worker): Slot | undefined {
    return this.#slots.find((slot) => slot.worker === worker);
  }

  readonly #onMessage = (worker: Worker, message: unknown) => {
    const slot = this.#slotOf(worker);
    if (!slot || !isWorkerMessage(message)) return;
    if (message.type === WORKER_READY) {
      slot.ready = true;
      this.#url ||= message.url;
      if (!this.#started && this.#slots.every((each) => each.ready)) {
        this.#started = true;
        this.#startup?.resolve(this.#url);
        this.#startup = undefined;
      }
    } else if (message.type === WORKER_STOPPED) {
      slot.clean = message.clean;
      if (!message.clean) slot.outcome = `worker ${worker.id} (pid ${worker.process.pid}) abandoned: ${message.abandoned.join('; ')}`;
    }
  };

  readonly #onExit = (worker: Worker, code: number | null, signal: string | null) => {
    const slot = this.#slotOf(worker);
    if (!slot) return;
    const how = signal ? `killed by ${signal}` : `exit code ${code}`;
    const wasReady = slot.ready;
    slot.worker = undefined;
    slot.ready = false;
    if (this.#stopping) {
      // Stopped before it served (a signal while it loaded) is clean too: it had nothing to finish.
      slot.clean ??= code === 0 || (!wasReady && (signal === 'SIGTERM' || signal === 'SIGINT'));
      if (!slot.clean) slot.outcome ??= `worker ${worker.id} (pid ${worker.process.pid}) ended with ${how}`;
      if (this.#slots.every((each) => !each.worker)) this.#allExited?.();
      return;
    }
    if (!this.#started) {
      this.#startup?.reject(new Error(`Worker ${worker.id} (pid ${worker.process.pid}) ended with ${how} before serving; its messages above say why.`));
      this.#startup = undefined;
      return;
    }
    if (Date.now() - slot.startedAt >= STABLE_AFTER_MS) slot.failures = 0;
    const delay = restartDelayMs(slot.failures);
    slot.failures++;
    this.#restarts?.inc();
    this.logger.error(
      { worker: worker.id, workerPid: worker.process.pid, exitCode: code, signal, restartInMs: delay },
      `Worker ${worker.id} (pid ${worker.process.pid}) ended unexpectedly (${how}); starting a replacement ${
        delay === 0 ? 'now' : `in ${delay / 1000} s (${slot.failures} quick exits in a row)`
      }.`,
    );
    slot.restartTimer = setTimeout(() => this.#fork(slot), delay);
  };
}
