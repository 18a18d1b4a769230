/**
 * Several processes, one scrape: the metrics of every worker of a
 * `node:cluster` primary, added up in the primary (docs/operations.md,
 * "Workers and one scrape"). Our own small IPC protocol rather than
 * prom-client's `AggregatorRegistry.clusterMetrics()`, which asks every
 * connected worker and fails the whole scrape after 5 s when one does not
 * answer (a worker still starting, or one that died mid-scrape); here only
 * workers that said they share are asked, a worker that exits is not waited
 * for, a slow one counts with what it had at the last scrape (and in
 * `cluster_metrics_workers_missing`), and the counters of a worker that died
 * stay in the sum, so the sums never go down when a worker is replaced.
 */
import cluster, { type Worker } from 'node:cluster';
import { Gauge, type MetricObjectWithValues, type MetricValue, type Registry } from 'prom-client';
import { aggregateMetrics, type CollectMetrics } from './metrics.endpoint.js';

type Snapshot = MetricObjectWithValues<MetricValue<string>>[];

const SHARED = 'contentgraph:metrics-shared'; // worker → primary: "ask me from now on"
const REQUEST = 'contentgraph:metrics-request'; // primary → worker: { id }
const RESPONSE = 'contentgraph:metrics-response'; // worker → primary: { id, metrics } or { id, error }
const SUM_REQUEST = 'contentgraph:cluster-metrics-request'; // worker → primary: { id } (a scrape of the shared port)
const SUM_RESPONSE = 'contentgraph:cluster-metrics-response'; // primary → worker: { id, text } or { id, error }

interface Message {
  type?: unknown;
  id?: unknown;
  metrics?: Snapshot;
  text?: string;
  error?: string;
}

/**
 * In a worker: answers the primary's requests with `registry`'s metrics, and
 * returns the collector for `/metrics` on the shared port, which asks the
 * primary for the sum of all workers (rejects after `timeoutMs`).
 */
export function shareMetricsWithPrimary(registry: Registry, timeoutMs = 10_000): CollectMetrics {
  const waiting = new Map<number, { resolve(text: string): void; reject(error: Error): void; timer: NodeJS.Timeout }>();
  let next = 0;
  process.on('message', (message: Message) => {
    if (message?.type === REQUEST) {
      registry.getMetricsAsJSON().then(
        (metrics) => sendToPrimary({ type: RESPONSE, id: message.id, metrics }),
        (error: unknown) => sendToPrimary({ type: RESPONSE, id: message.id, error: String((error as Error)?.message ?? error) }),
      );
    } else if (message?.type === SUM_RESPONSE && typeof message.id === 'number') {
      const entry = waiting.get(message.id);
      if (!entry) return;
      waiting.delete(message.id);
      clearTimeout(entry.timer);
      if (typeof message.text === 'string') entry.resolve(message.text);
      else entry.reject(new Error(`the primary could not collect the metrics: ${message.error ?? 'no answer'}`));
    }
  });
  sendToPrimary({ type: SHARED });
  return () =>
    new Promise<string>((resolve, reject) => {
      const id = next++;
      const timer = setTimeout(() => {
        waiting.delete(id);
        reject(new Error(`the primary did not send the metrics within ${timeoutMs} ms`));
      }, timeoutMs);
      waiting.set(id, { resolve, reject, timer });
      if (!sendToPrimary({ type: SUM_REQUEST, id })) {
        waiting.delete(id);
        clearTimeout(timer);
        reject(new Error('this worker has lost its primary'));
      }
    });
}

function sendToPrimary(message: Message): boolean {
  if (!process.connected || !process.send) return false;
  try {
    process.send(message);
    return true;
  } catch {
    return false;
  }
}

interface Scrape {
  waitingFor: Set<number>;
  responses: Map<number, Snapshot>;
  finish(): void;
}

/**
 * In the primary: collects and adds up the metrics of every worker that
 * shares them (counters and histograms summed; gauges per their aggregator),
 * plus the counters of workers that have exited, followed by `own` (the
 * primary's registry, whose names no worker may use). Also answers workers
 * that scrape the shared port. `close()` removes its listeners.
 */
export class ClusterMetricsCollector {
  readonly #sharing = new Set<number>();
  readonly #last = new Map<number, Snapshot>();
  readonly #scrapes = new Map<number, Scrape>();
  readonly #missing: Gauge | undefined;
  #retired: Promise<Snapshot> = Promise.resolve([]);
  #next = 0;

  constructor(
    private readonly own: Registry | undefined,
    private readonly timeoutMs = 5_000,
  ) {
    this.#missing = own
      ? new Gauge({
          name: 'cluster_metrics_workers_missing',
          help: 'Workers whose metrics did not arrive in time for this scrape (their series are absent or stale).',
          registers: [own],
        })
      : undefined;
    cluster.on('message', this.#onMessage);
    cluster.on('exit', this.#onExit);
  }

  /** The exposition text of one scrape of the whole cluster. */
  async collect(): Promise<string> {
    const asked = [...this.#sharing].map((id) => cluster.workers?.[id]).filter((worker): worker is Worker => Boolean(worker?.isConnected()));
    const id = this.#next++;
    const scrape: Scrape = { waitingFor: new Set(), responses: new Map(), finish: () => undefined };
    const finished = new Promise<void>((resolve) => (scrape.finish = resolve));
    this.#scrapes.set(id, scrape);
    for (const worker of asked) {
      try {
        worker.send({ type: REQUEST, id });
        scrape.waitingFor.add(worker.id);
      } catch {
        // its channel closed meanwhile: it is exiting
      }
    }
    const timer = setTimeout(scrape.finish, this.timeoutMs);
    if (scrape.waitingFor.size === 0) scrape.finish();
    await finished;
    clearTimeout(timer);
    this.#scrapes.delete(id);
    for (const [workerId, snapshot] of scrape.responses) if (this.#sharing.has(workerId)) this.#last.set(workerId, snapshot);
    // A worker too slow for this scrape counts with what it had counted at the last one: sums never go down.
    const late = asked.filter((worker) => !scrape.responses.has(worker.id)).map((worker) => cumulative(this.#last.get(worker.id) ?? []));
    this.#missing?.set(late.length);
    const workers = await aggregateMetrics([await this.#retired, ...scrape.responses.values(), ...late]).metrics();
    return workers + (this.own ? await this.own.metrics() : '');
  }

  close(): void {
    cluster.off('message', this.#onMessage);
    cluster.off('exit', this.#onExit);
    for (const scrape of this.#scrapes.values()) scrape.finish();
  }

  readonly #onMessage = (worker: Worker, message: Message) => {
    if (message?.type === SHARED) {
      this.#sharing.add(worker.id);
    } else if (message?.type === RESPONSE && typeof message.id === 'number') {
      const scrape = this.#scrapes.get(message.id);
      if (!scrape?.waitingFor.delete(worker.id)) return;
      if (Array.isArray(message.metrics)) scrape.responses.set(worker.id, message.metrics);
      if (scrape.waitingFor.size === 0) scrape.finish();
    } else if (message?.type === SUM_REQUEST) {
      this.collect().then(
        (text) => send(worker, { type: SUM_RESPONSE, id: message.id, text }),
        (error: unknown) => send(worker, { type: SUM_RESPONSE, id: message.id, error: String((error as Error)?.message ?? error) }),
      );
    }
  };

  readonly #onExit = (worker: Worker) => {
    this.#sharing.delete(worker.id);
    for (const scrape of this.#scrapes.values()) {
      if (scrape.waitingFor.delete(worker.id) && scrape.waitingFor.size === 0) scrape.finish();
    }
    const last = this.#last.get(worker.id);
    this.#last.delete(worker.id);
    // What it counted (as of the last scrape) stays in the sums: they never go down.
    if (last) this.#retired = this.#retired.then((retired) => retire(retired, last));
  };
}

/** The series of `snapshot` that only grow and are summed: counters and histograms. */
function cumulative(snapshot: Snapshot): Snapshot {
  return snapshot.filter((metric) => (String(metric.type) === 'counter' || String(metric.type) === 'histogram') && (metric.aggregator ?? 'sum') === 'sum');
}

/** Adds the cumulative series of `snapshot` to `retired`. */
async function retire(retired: Snapshot, snapshot: Snapshot): Promise<Snapshot> {
  return (await aggregateMetrics([retired, cumulative(snapshot)]).getMetricsAsJSON()) as Snapshot;
}

function send(worker: Worker, message: Message): void {
  try {
    if (worker.isConnected()) worker.send(message);
  } catch {
    // gone meanwhile
  }
}
