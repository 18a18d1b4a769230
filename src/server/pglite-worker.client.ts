import { Worker } from 'node:worker_threads';
import type { PGliteQueryOptions, PGliteQueryResults } from 'kysely';
import type {
  PackedResult,
  PgliteNotificationMessage,
  PgliteReadyMessage,
  PgliteReply,
  PgliteRequest,
  PgliteWorkerData,
  PortableError,
} from './pglite-worker.protocol.js';
import { DEFAULT_PGLITE_SHARED_BUFFERS_MB } from './config.js';
import { type PgliteWasmModules, pgliteWasmModules } from './pglite-wasm.modules.js';

type Request = PgliteRequest extends infer R ? (R extends { id: number } ? Omit<R, 'id'> : never) : never;

/** The part of a PGlite transaction that kysely (and so MikroORM) uses. */
export interface PgliteWorkerTransaction {
  query<T>(sql: string, params?: unknown[], options?: PGliteQueryOptions): Promise<PGliteQueryResults<T>>;
  exec(sql: string): Promise<unknown>;
  rollback(): Promise<void>;
  readonly closed: boolean;
}

/**
 * PGlite on a worker thread (`pglite.worker.ts`), seen from the main thread
 * through the interface kysely's `PGliteDialect` needs (query, transaction,
 * close, ready). The WebAssembly PostgreSQL runs on the worker, so the main
 * thread keeps serving HTTP and executing GraphQL while a statement runs.
 *
 * The worker keeps the process alive only while a call is pending, as an
 * in-process PGlite would: an idle, unclosed database does not hold the
 * process open.
 */
export class PgliteWorkerClient {
  readonly #worker: Worker;
  readonly #pending = new Map<number, { resolve(value: unknown): void; reject(error: Error): void }>();
  readonly #listeners = new Map<string, Set<(payload: string) => void>>();
  #lastId = 0;
  #closed = false;
  #closing = false;
  #exited: Promise<void>;
  /** Kysely awaits this when `ready` is false; the client is handed out only once the worker is ready. */
  readonly waitReady = Promise.resolve();

  private constructor(worker: Worker) {
    this.#worker = worker;
    this.#exited = new Promise((resolve) => worker.once('exit', () => resolve()));
    worker.on('message', (message: PgliteReply | PgliteNotificationMessage) => {
      if ('notification' in message) this.#notify(message.notification.channel, message.notification.payload);
      else this.#settle(message);
    });
    worker.on('error', (error) => this.#fail(error));
    worker.on('exit', (code) => this.#fail(new Error(`The embedded database thread stopped (exit code ${code}).`)));
    worker.unref();
  }

  /**
   * Starts the worker and opens (or creates) the cluster in `dataDir`; rejects with PGlite's error.
   * `sharedBuffersMb`: PostgreSQL's buffer pool (PGlite zeroes it at every opening, about 4 ms per MB).
   */
  static async start(dataDir: string, { sharedBuffersMb = DEFAULT_PGLITE_SHARED_BUFFERS_MB }: { sharedBuffersMb?: number } = {}): Promise<PgliteWorkerClient> {
    // Compiled: dist/src/server/pglite.worker.js. From TypeScript (tsx,
    // vitest): the .ts file, which Node 24 loads by stripping its types.
    const file = import.meta.url.endsWith('.ts') ? './pglite.worker.ts' : './pglite.worker.js';
    let modules: PgliteWasmModules;
    try {
      modules = await pgliteWasmModules();
    } catch (error) {
      throw new Error(`Could not open the embedded database in ${dataDir}: PGlite's WebAssembly did not compile: ${(error as Error).message}`, { cause: error });
    }
    const worker = new Worker(new URL(file, import.meta.url), {
      workerData: { dataDir, sharedBuffersMb, ...modules } satisfies PgliteWorkerData,
      // The worker needs no loader of the main thread (tsx, vitest) and starts faster without one.
      execArgv: [],
    });
    let onExit!: (code: number) => void;
    const ready = await new Promise<PgliteReadyMessage>((resolve, reject) => {
      onExit = (code) => reject(new Error(`The embedded database thread exited during start-up (exit code ${code}).`));
      worker.once('message', resolve);
      worker.once('error', reject);
      worker.once('exit', onExit);
    }).finally(() => worker.off('exit', onExit));
    if (!ready.ready) {
      await worker.terminate();
      const error = fromPortableError(ready.error);
      error.message = `Could not open the embedded database in ${dataDir}: ${error.message}`;
      throw error;
    }
    return new PgliteWorkerClient(worker);
  }

  get ready(): boolean {
    return !this.#closed;
  }

  get closed(): boolean {
    return this.#closed;
  }

  query<T>(sql: string, params?: unknown[], options?: PGliteQueryOptions): Promise<PGliteQueryResults<T>> {
    return this.#query(sql, params, options);
  }

  async #query<T>(sql: string, params: unknown[] | undefined, options: PGliteQueryOptions | undefined, tx?: number): Promise<PGliteQueryResults<T>> {
    const packed = (await this.#call({ op: 'query', sql, params, options: portableOptions(options), tx })) as PackedResult;
    return unpackResult(packed, options?.rowMode ?? 'object') as PGliteQueryResults<T>;
  }

  /** Runs a script of several statements (PGlite's `exec`). */
  exec(sql: string): Promise<unknown> {
    return this.#call({ op: 'exec', sql });
  }

  /**
   * PGlite's exclusive transaction: BEGIN, `callback`, then COMMIT, or
   * ROLLBACK when the callback throws (rethrowing its error). Other
   * statements wait, as with PGlite itself.
   */
  async transaction<T>(callback: (tx: PgliteWorkerTransaction) => Promise<T>): Promise<T> {
    const { tx: id } = (await this.#call({ op: 'begin' })) as { tx: number };
    let rolledBack = false;
    const tx: PgliteWorkerTransaction = {
      query: <R>(sql: string, params?: unknown[], options?: PGliteQueryOptions) => this.#query<R>(sql, params, options, id),
      exec: (sql: string) => this.#call({ op: 'exec', sql, tx: id }),
      rollback: async () => {
        await this.#call({ op: 'rollback', tx: id });
        rolledBack = true;
      },
      get closed() {
        return rolledBack;
      },
    };
    let result: T;
    try {
      result = await callback(tx);
    } catch (error) {
      await this.#call({ op: 'end', tx: id, commit: false }).catch(() => undefined);
      throw error;
    }
    await this.#call({ op: 'end', tx: id, commit: true });
    return result;
  }

  /**
   * LISTENs on `channel` (PGlite's `listen`, in the worker): `callback` gets
   * the payload of every NOTIFY on it, delivered when the notifying
   * transaction commits. Resolves once listening; the returned function
   * removes the callback. The thread does not stay referenced for it.
   */
  async listen(channel: string, callback: (payload: string) => void): Promise<() => void> {
    let callbacks = this.#listeners.get(channel);
    if (!callbacks) {
      this.#listeners.set(channel, (callbacks = new Set()));
      await this.#call({ op: 'listen', channel });
    }
    callbacks.add(callback);
    return () => callbacks.delete(callback);
  }

  #notify(channel: string, payload: string): void {
    for (const callback of this.#listeners.get(channel) ?? []) callback(payload);
  }

  /** Rolls back open transactions, waits for statements in flight, closes PGlite and ends the thread. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closing = true; // stays referenced until the thread has exited
    await this.#call({ op: 'close' });
    this.#closed = true;
    await this.#exited;
  }

  #call(request: Request): Promise<unknown> {
    if (this.#closed) return Promise.reject(new Error('PGlite is closed'));
    const id = ++this.#lastId;
    return new Promise((resolve, reject) => {
      this.#pending.set(id, { resolve, reject });
      if (this.#pending.size === 1) this.#worker.ref();
      this.#worker.postMessage({ ...request, id });
    });
  }

  #settle(reply: PgliteReply): void {
    const pending = this.#pending.get(reply.id);
    if (!pending) return;
    this.#pending.delete(reply.id);
    if (this.#pending.size === 0 && !this.#closing) this.#worker.unref();
    if (reply.ok) pending.resolve(reply.result);
    else pending.reject(fromPortableError(reply.error));
  }

  #fail(error: Error): void {
    this.#closed = true;
    for (const pending of this.#pending.values()) pending.reject(error);
    this.#pending.clear();
  }
}

function portableOptions(options: PGliteQueryOptions | undefined) {
  if (!options) return undefined;
  if (options.blob || options.onNotice || options.parsers || options.serializers) {
    throw new Error('PGlite on a worker thread: blob, onNotice, parsers and serializers cannot cross threads.');
  }
  return { rowMode: options.rowMode, paramTypes: options.paramTypes };
}

/** PGlite's result from a `PackedResult`: rows parsed back, as objects keyed by column name unless arrays were asked for. */
function unpackResult({ json, rows: cloned, ...rest }: PackedResult, rowMode: 'array' | 'object') {
  const arrays = (json === undefined ? (cloned ?? []) : JSON.parse(json)) as unknown[][];
  const { fields } = rest;
  let rows: unknown[] = arrays;
  if (rowMode === 'object') {
    rows = new Array(arrays.length);
    for (let r = 0; r < arrays.length; r++) {
      const values = arrays[r];
      const row: Record<string, unknown> = {};
      for (let i = 0; i < fields.length; i++) row[fields[i].name] = values[i]; // a repeated name: the last wins, as in PGlite
      rows[r] = row;
    }
  }
  return { ...rest, rows };
}

/** The worker's error, re-created on this thread with its properties (`code`, `constraint`, `detail`, …). */
function fromPortableError(portable: PortableError): Error {
  const error = new Error(portable.message);
  Object.assign(error, portable.properties);
  error.name = portable.name;
  return error;
}
