import { randomBytes } from 'node:crypto';
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
 *
 * Second, text that comes with bind values (only the prepared reads send
 * any: MikroORM writes values into the text) runs as a named statement,
 * parsed once per connection (src/server/prepared-reads.ts;
 * `test/prepared-reads.test.ts`).
 */
export class CallbackQueryClient extends pg.Client {
  /** Prepared statements of this connection: text → name (at most MAX_PREPARED_STATEMENTS). */
  readonly #prepared = new Map<string, string>();
  /** Names unique to this client: several processes' statements can meet on one server connection behind a pooler. */
  readonly #prefix = `cg_${randomBytes(4).toString('hex')}_`;
  #lastName = 0;
  /** False: text with bind values runs unnamed (`DATABASE_PREPARED_STATEMENTS=false`, for a pooler that cannot keep them). */
  readonly #naming: boolean;

  constructor(config?: string | (pg.ClientConfig & { preparedStatements?: boolean })) {
    super(config);
    this.#naming = typeof config !== 'object' || config.preparedStatements !== false;
  }

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
    if (typeof config !== 'string' || !Array.isArray(values) || values.length === 0 || values.length > MAX_PREPARED_VALUES || !this.#naming) {
      // pg writes the callback (and the values) onto a config object it is given: a copy keeps the caller's reusable.
      return this.#run(object ? { ...object } : config, values);
    }
    // Text with bind values (what a prepared read sends, src/server/prepared-reads.ts) runs as a named statement:
    // PostgreSQL parses it once per connection (and may keep its plan).
    const name = this.#nameOf(config);
    if (name === undefined) return this.#run(config, values);
    return this.#run({ name, text: config }, values).catch(async (error: Error & { code?: string; routine?: string }) => {
      // Once, prepared again under a new name: when a table under the statement changed its columns (a migration
      // while this server runs: PostgreSQL refuses the old plan), or when the server no longer has it (DISCARD ALL).
      const stale = error.code === '0A000' && error.routine === 'RevalidateCachedQuery';
      const gone = error.code === '26000';
      if (!stale && !gone) throw error;
      this.#forget(config, name);
      if (stale) await this.#run(`deallocate "${name}"`, undefined).catch(() => undefined);
      const again = this.#nameOf(config);
      return this.#run(again ? { name: again, text: config } : config, values);
    });
  }

  #nameOf(text: string): string | undefined {
    let name = this.#prepared.get(text);
    if (name === undefined && this.#prepared.size < MAX_PREPARED_STATEMENTS) this.#prepared.set(text, (name = `${this.#prefix}${++this.#lastName}`));
    return name;
  }

  /** Drops a name from this client's map and from pg's own record of what the connection has parsed. */
  #forget(text: string, name: string): void {
    this.#prepared.delete(text);
    const parsed = (this as unknown as { connection?: { parsedStatements?: Record<string, string> } }).connection?.parsedStatements;
    if (parsed) delete parsed[name];
  }

  #run(given: unknown, values: unknown): Promise<unknown> {
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
 * Each costs the server memory for its plan (about 100 KB for a tag page).
 */
export const MAX_PREPARED_STATEMENTS = 100;

/** A statement with more bind values than this (a big batch, whose text changes with its size) runs unnamed. */
export const MAX_PREPARED_VALUES = 32;
