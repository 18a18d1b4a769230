/**
 * Messages between the main thread (`pglite-worker.client.ts`) and the thread
 * that runs PGlite (`pglite.worker.ts`). Types only: the worker file imports
 * this with `import type`, so it stays loadable by Node's type stripping.
 */

/** What the worker is started with (`workerData`). */
export interface PgliteWorkerData {
  /** The cluster directory (`<DATA_DIR>/pgdata`). */
  dataDir: string;
  /** PostgreSQL's `shared_buffers` in megabytes (`PGLITE_SHARED_BUFFERS_MB`; opening costs about 4 ms per MB). */
  sharedBuffersMb: number;
  /** PGlite's PostgreSQL and initdb, compiled once per process (`pglite-wasm.modules.ts`): `WebAssembly.Module`s. */
  pgliteWasmModule: object;
  initdbWasmModule: object;
}

/** The query options that can cross threads (no callbacks, no custom parsers). */
export interface PortableQueryOptions {
  rowMode?: 'array' | 'object';
  paramTypes?: number[];
}

export type PgliteRequest =
  | { id: number; op: 'query'; sql: string; params?: unknown[]; options?: PortableQueryOptions; tx?: number }
  | { id: number; op: 'exec'; sql: string; tx?: number }
  /** Opens a transaction (PGlite's exclusive `transaction()`); replies `{ tx }` once BEGIN ran. */
  | { id: number; op: 'begin' }
  /** `tx.rollback()` inside the transaction's callback. */
  | { id: number; op: 'rollback'; tx: number }
  /** Ends the callback of transaction `tx`: COMMIT (unless rolled back) or ROLLBACK. */
  | { id: number; op: 'end'; tx: number; commit: boolean }
  /** LISTENs on `channel` (once per channel): each notification comes as a `PgliteNotificationMessage`. */
  | { id: number; op: 'listen'; channel: string }
  /** Rolls back open transactions, waits for the statements in flight, closes PGlite. */
  | { id: number; op: 'close' };

/** A NOTIFY the worker's PGlite delivered on a channel it LISTENs on (after the notifying transaction committed). */
export interface PgliteNotificationMessage {
  notification: { channel: string; payload: string };
}

/** An error as it crosses threads: its own properties (`code`, `constraint`, `detail`, …) kept. */
export interface PortableError {
  name: string;
  message: string;
  stack?: string;
  properties: Record<string, unknown>;
}

export type PgliteReply = { id: number; ok: true; result: unknown } | { id: number; ok: false; error: PortableError };

/**
 * A query's result as it crosses threads: rows as arrays (the column names
 * travel once, in `fields`), as JSON text when every column's type parses to
 * JSON-safe values (the cheapest to clone and to parse back), otherwise as
 * structured-cloneable arrays. `pglite-worker.client.ts` rebuilds PGlite's result.
 */
export interface PackedResult {
  fields: { name: string; dataTypeID: number }[];
  /** And the rest of PGlite's result (`affectedRows`, `command`, …) as it is. */
  [property: string]: unknown;
  /** Rows as arrays, when not sent as `json`. */
  rows?: unknown[][];
  /** `JSON.stringify` of the rows as arrays. */
  json?: string;
}

/** The worker's first message: PGlite is open (or could not be opened). */
export type PgliteReadyMessage = { ready: true } | { ready: false; error: PortableError };
