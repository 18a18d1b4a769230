import pg from 'pg';

/**
 * pg's `Client`, whose promise form `query(text, values)` (the one kysely,
 * and so MikroORM, calls) runs through pg's callback form instead.
 *
 * Same statements, same results, same errors: the difference is only in the
 * garbage collector. pg's promise form builds its `Query` without a callback
 * and assigns one afterwards; measured on Node 24 (V8 13.6), the rows, the
 * `Query` and everything the awaiting request holds then survive the young
 * generation's collections and are promoted to the old one, about a third
 * of all that a read allocates (`--trace-gc-nvp`: 1.4–2.0 MB promoted per
 * 5 MB scavenged for a loop of 50-row selects, against 0 with the callback
 * form, which hands the callback to the constructor). Promoted garbage makes
 * every scavenge slower (the copying is its cost) and the old space grow
 * until a full collection: the server's latency tail and its peak memory
 * (docs/performance.md, *Garbage the collector promotes*).
 * `test/pg-query.client.test.ts` checks the behaviour is pg's own.
 */
export class CallbackQueryClient extends pg.Client {
  // Only the promise form is rewritten: text or a config object, without a callback. Everything else (a
  // callback, a config carrying one, a submittable such as a cursor, null) goes to pg as given.
  override query(...args: unknown[]): any {
    const [config, values, callback] = args;
    const object = typeof config === 'object' && config !== null ? (config as { submit?: unknown; callback?: unknown }) : undefined;
    const promiseForm =
      (typeof config === 'string' || (object !== undefined && object.submit === undefined && object.callback === undefined)) &&
      typeof values !== 'function' &&
      callback === undefined;
    if (!promiseForm) return (super.query as (...a: unknown[]) => unknown)(...args);
    // pg writes the callback (and the values) onto a config object it is given: a copy keeps the caller's reusable.
    const given = object ? { ...object } : config;
    const Promise_ = (this as unknown as { _Promise?: PromiseConstructor })._Promise ?? Promise;
    return new Promise_((resolve, reject) => {
      (super.query as (...a: unknown[]) => unknown)(given, values, (error: Error | null, result: unknown) => (error ? reject(error) : resolve(result)));
    }).catch((error: Error) => {
      // As pg's promise form does: a stack that leads back to the caller, not to the socket's read.
      Error.captureStackTrace(error);
      throw error;
    });
  }
}
