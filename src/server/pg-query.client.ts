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
  /** Prepared statements of this connection: text → name (at most MAX_PREPARED_STATEMENTS). */
  readonly #prepared = new Map<string, string>();
  #lastName = 0;

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
    // Text with bind values (what a prepared read sends, src/server/prepared-reads.ts) runs as a named statement:
    // PostgreSQL parses and plans it once per connection.
    const name = typeof config === 'string' && Array.isArray(values) && values.length > 0 ? this.#nameOf(config) : undefined;
    const run = (statement: string | undefined): Promise<unknown> =>
      this.#run(statement ? { name: statement, text: config } : object ? { ...object } : config, values).catch((error: Error & { code?: string }): Promise<unknown> => {
        // A table under a prepared statement changed its columns (a migration while this server runs): PostgreSQL
        // refuses the old plan once; the statement is prepared again under a new name.
        if (!statement || error.code !== '0A000' || this.#prepared.get(config as string) !== statement) throw error;
        this.#prepared.delete(config as string);
        return run(this.#nameOf(config as string));
      });
    return run(name);
  }

  #nameOf(text: string): string | undefined {
    let name = this.#prepared.get(text);
    if (name === undefined && this.#prepared.size < MAX_PREPARED_STATEMENTS) this.#prepared.set(text, (name = `cg_${++this.#lastName}`));
    return name;
  }

  #run(given: unknown, values: unknown): Promise<unknown> {
    // pg writes the callback (and the values) onto a config object it is given: the caller's is copied (above).
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

/**
 * Named statements one connection keeps: the reads of a request are a few
 * dozen shapes, but a batch's VALUES list grows with its size; past this
 * many, a new text runs unnamed (parsed and planned each time, as before).
 */
export const MAX_PREPARED_STATEMENTS = 200;
