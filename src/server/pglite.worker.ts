/**
 * The thread that runs the embedded database. PGlite executes PostgreSQL
 * (WebAssembly) synchronously on the thread that calls it; run on the main
 * thread, every statement stops the HTTP server, GraphQL execution and every
 * other request. Here it runs on a worker thread of its own and the main
 * thread talks to it through `pglite-worker.client.ts`: one message per
 * statement, rows parsed here and structured-cloned across.
 *
 * The protocol mirrors PGlite's own API one to one (query, exec, transaction
 * with query/exec/rollback inside it, close), so PGlite's own locking decides
 * what waits for what, exactly as on the main thread.
 *
 * This file is loaded by the worker without the main thread's TypeScript
 * loader (Node strips its types; `dist/` has it compiled): it must use only
 * erasable TypeScript and import nothing of ours at run time.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { PGlite, type Transaction } from '@electric-sql/pglite';
import postgresArray from 'postgres-array';
import type { PackedResult, PgliteNotificationMessage, PgliteReply, PgliteRequest, PgliteWorkerData, PortableError } from './pglite-worker.protocol.js';

/**
 * The type parsers MikroORM's PGlite connection installs
 * (`createPostgreSqlTypeParsers` in @mikro-orm/sql): dates, timestamps and
 * intervals stay text (MikroORM converts them), and so do their arrays.
 */
export const MIKRO_ORM_PARSERS: Record<number, (value: string) => unknown> = {
  1082: (value) => value, // date
  1114: (value) => value, // timestamp
  1184: (value) => value, // timestamptz
  1186: (value) => value, // interval
  1182: (value) => postgresArray.parse(value), // date[]
  1115: (value) => postgresArray.parse(value), // timestamp[]
  1185: (value) => postgresArray.parse(value), // timestamptz[]
  1187: (value) => postgresArray.parse(value), // interval[]
};

/**
 * Types whose parsed values JSON carries without loss: text-like strings,
 * booleans, int2/int4/oid, and the date types MikroORM keeps as text. int8
 * parses to a number or, beyond 2^53, a BigInt, which JSON.stringify refuses
 * (then the rows are cloned instead). Not: floats and numeric (NaN,
 * Infinity), json/jsonb (a number like 1e400 parses to Infinity), bytea,
 * arrays, the rest.
 */
const JSON_SAFE_TYPES = new Set([16, 19, 20, 21, 23, 25, 26, 1042, 1043, 1082, 1083, 1114, 1184, 1186, 1266, 2950]);

/** Packs a result (rows as arrays) for the trip to the main thread; see `PackedResult`. */
export function packResult({ rows, ...rest }: { rows: unknown[][]; fields: { name: string; dataTypeID: number }[] }): PackedResult {
  if (rows.length > 0 && rest.fields.every((field) => JSON_SAFE_TYPES.has(field.dataTypeID))) {
    try {
      return { ...rest, json: JSON.stringify(rows) };
    } catch {
      // a BigInt: clone the rows instead
    }
  }
  return { ...rest, rows };
}

/** An error as it crosses threads: structured clone would drop `code`, `constraint`, `detail`, … */
export function toPortableError(error: unknown): PortableError {
  if (!(error instanceof Error)) {
    // e.g. Emscripten's file system errors: { name: 'ErrnoError', errno: 54 }
    const { name, errno } = (error ?? {}) as { name?: unknown; errno?: unknown };
    const message = typeof name === 'string' ? `${name}${typeof errno === 'number' ? ` (errno ${errno})` : ''}` : String(error);
    return { name: typeof name === 'string' ? name : 'Error', message, properties: typeof errno === 'number' ? { errno } : {} };
  }
  const properties: Record<string, unknown> = {};
  for (const key of Object.getOwnPropertyNames(error)) {
    if (key === 'message' || key === 'stack') continue;
    const value = (error as unknown as Record<string, unknown>)[key];
    if (typeof value === 'function') continue;
    try {
      properties[key] = structuredClone(value);
    } catch {
      // not cloneable: left out
    }
  }
  return { name: error.name, message: error.message, stack: error.stack, properties };
}

interface OpenTransaction {
  tx: Transaction;
  /** Ends the transaction's callback: true commits, false rolls back. */
  finish(commit: boolean): void;
  /** Settles when PGlite has committed or rolled back (rejects when COMMIT failed). */
  done: Promise<void>;
}

/** Thrown out of a transaction callback to make PGlite roll back. */
const ROLLBACK = Symbol('rollback');

async function serve(): Promise<void> {
  const port = parentPort;
  if (!port) throw new Error('pglite.worker.ts runs as a worker thread (see pglite-worker.client.ts)');
  const { dataDir, sharedBuffersMb, pgliteWasmModule, initdbWasmModule } = workerData as PgliteWorkerData;
  let db: PGlite;
  try {
    const startParams = [...PGlite.defaultStartParams, '-c', `shared_buffers=${sharedBuffersMb}MB`];
    db = await PGlite.create({ dataDir, parsers: MIKRO_ORM_PARSERS, pgliteWasmModule, initdbWasmModule, startParams });
  } catch (error) {
    port.postMessage({ ready: false, error: toPortableError(error) });
    return;
  }
  const open = new Map<number, OpenTransaction>();
  const listening = new Set<string>();
  const inFlight = new Set<Promise<unknown>>();
  let lastTx = 0;

  const transaction = (id: number): OpenTransaction => {
    const entry = open.get(id);
    if (!entry) throw new Error(`Transaction ${id} is closed`);
    return entry;
  };

  const begin = () =>
    new Promise<{ tx: number }>((resolve, reject) => {
      const id = ++lastTx;
      let finish!: (commit: boolean) => void;
      const ended = new Promise<boolean>((resolveEnd) => (finish = resolveEnd));
      const run = db.transaction(async (tx) => {
        open.set(id, { tx, finish, done });
        resolve({ tx: id });
        if (!(await ended)) throw ROLLBACK;
      });
      const done = run.then(
        () => undefined,
        (error) => {
          if (error !== ROLLBACK) throw error;
        },
      );
      // BEGIN itself failed: the callback never ran.
      done.catch((error) => {
        if (!open.has(id)) reject(error);
      });
    });

  const end = async (id: number, commit: boolean) => {
    const entry = transaction(id);
    entry.finish(commit);
    try {
      await entry.done;
    } finally {
      open.delete(id);
    }
  };

  const close = async () => {
    for (const entry of open.values()) entry.finish(false);
    await Promise.allSettled([...inFlight, ...[...open.values()].map((entry) => entry.done)]);
    await db.close();
  };

  const run = (request: PgliteRequest): Promise<unknown> => {
    switch (request.op) {
      case 'query':
        return (request.tx === undefined ? db : transaction(request.tx).tx)
          .query<unknown[]>(request.sql, request.params, { ...request.options, rowMode: 'array' })
          .then(packResult);
      case 'exec':
        return (request.tx === undefined ? db : transaction(request.tx).tx).exec(request.sql);
      case 'begin':
        return begin();
      case 'rollback':
        return transaction(request.tx).tx.rollback();
      case 'end':
        return end(request.tx, request.commit);
      case 'listen':
        if (listening.has(request.channel)) return Promise.resolve();
        listening.add(request.channel);
        return db
          .listen(request.channel, (payload) => port.postMessage({ notification: { channel: request.channel, payload } } satisfies PgliteNotificationMessage))
          .then(() => undefined);
      case 'close':
        return close();
    }
  };

  port.on('message', (request: PgliteRequest) => {
    const operation = (async () => run(request))();
    if (request.op !== 'close') {
      inFlight.add(operation);
      void operation.finally(() => inFlight.delete(operation)).catch(() => undefined);
    }
    operation.then(
      (result) => {
        const reply: PgliteReply = { id: request.id, ok: true, result: result ?? null };
        port.postMessage(reply);
        if (request.op === 'close') port.close();
      },
      (error) => {
        const reply: PgliteReply = { id: request.id, ok: false, error: toPortableError(error) };
        port.postMessage(reply);
      },
    );
  });
  port.postMessage({ ready: true });
}

if (parentPort) await serve();
