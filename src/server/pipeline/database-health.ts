import pg from 'pg';
import type { MikroORM } from '@mikro-orm/core';
import { rootEm } from '../orm.js';

export interface HealthState {
  ok: boolean;
  /** When the probe finished (ms since the epoch). */
  checkedAt: number;
  latencyMs: number;
  /** Why it failed. */
  error?: string;
}

/**
 * Whether the database answers: `select 1` on a connection of its own
 * (PostgreSQL: outside the pool, so a pool filled by stalled requests does
 * not hide a healthy server, and a stalled server cannot hang the probe
 * past `timeoutMs`). One probe at a time; a result younger than `maxAgeMs`
 * is reused, so /readyz and requests during an outage cost at most one probe
 * per half second. Recovers by itself: the next probe after the database
 * returns says so.
 */
export class DatabaseHealth {
  #last: HealthState | undefined;
  #inFlight: Promise<HealthState> | undefined;

  constructor(
    private readonly probe: (timeoutMs: number) => Promise<void>,
    readonly timeoutMs = 1500,
  ) {}

  get last(): HealthState | undefined {
    return this.#last;
  }

  /** True while the latest probe, at most `withinMs` old, failed. */
  knownDown(withinMs = 5000): boolean {
    return this.#last !== undefined && !this.#last.ok && Date.now() - this.#last.checkedAt < withinMs;
  }

  check(maxAgeMs = 500, timeoutMs = this.timeoutMs): Promise<HealthState> {
    if (this.#inFlight) return this.#inFlight;
    if (this.#last && Date.now() - this.#last.checkedAt < maxAgeMs) return Promise.resolve(this.#last);
    this.#inFlight ??= this.#run(timeoutMs).finally(() => (this.#inFlight = undefined));
    return this.#inFlight;
  }

  async #run(timeoutMs: number): Promise<HealthState> {
    const started = performance.now();
    let timer: NodeJS.Timeout | undefined;
    try {
      await Promise.race([
        this.probe(timeoutMs),
        new Promise<never>((_, reject) => {
          timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
        }),
      ]);
      this.#last = { ok: true, checkedAt: Date.now(), latencyMs: elapsed(started) };
    } catch (error) {
      this.#last = { ok: false, checkedAt: Date.now(), latencyMs: elapsed(started), error: error instanceof Error ? error.message : String(error) };
    } finally {
      clearTimeout(timer);
    }
    return this.#last;
  }
}

function elapsed(started: number): number {
  return Math.round((performance.now() - started) * 100) / 100;
}

/** The probe of the server's database: a fresh pg connection (PostgreSQL) or the embedded PGlite. */
export function databaseProbe(orm: MikroORM, databaseUrl: string | undefined): (timeoutMs: number) => Promise<void> {
  if (!databaseUrl) return async () => void (await rootEm(orm).getConnection().execute('select 1'));
  return postgresProbe(databaseUrl);
}

/** A probe of the PostgreSQL server at `databaseUrl`: a fresh connection (outside any pool) and `select 1`. */
export function postgresProbe(databaseUrl: string): (timeoutMs: number) => Promise<void> {
  return async (timeoutMs) => {
    const client = new pg.Client({ connectionString: databaseUrl, connectionTimeoutMillis: timeoutMs, statement_timeout: timeoutMs });
    client.on('error', () => undefined); // reported through the query below
    const destroy = () => (client as unknown as { connection: { stream: { destroy(): void } } }).connection.stream.destroy();
    const kill = setTimeout(destroy, timeoutMs);
    try {
      await client.connect();
      await client.query('select 1');
      client.end().catch(() => undefined);
    } catch (error) {
      destroy();
      throw error;
    } finally {
      clearTimeout(kill);
    }
  };
}
