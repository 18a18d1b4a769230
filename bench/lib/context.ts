import type { BenchDatabase, Sql } from './database.js';
import type { Knobs } from './knobs.js';
import type { BenchProcess } from './processes.js';

/** What a section gets from `bench/run.ts`. */
export interface BenchContext {
  knobs: Knobs;
  db: BenchDatabase;
  /** The contentgraph server under test (compiled, production mode, a process of its own). */
  server(): BenchProcess;
  /**
   * Runs `fn` while no server process has the database: stops the server
   * under test on PGlite (single-process) and starts it again after. On
   * PostgreSQL it just runs `fn`.
   */
  exclusive<T>(fn: () => Promise<T>): Promise<T>;
  /** SQL on the bench database (through `exclusive` on PGlite). */
  sql<T>(fn: (sql: Sql) => Promise<T>): Promise<T>;
  /** An API token for mutations (`Authorization: Bearer …`). */
  token: string;
  /** Facts sections leave for later ones (e.g. the bulk load's data for the page figures). */
  shared: { bulkLoaded?: boolean };
}

/**
 * One part of `npm run bench`: a file in bench/sections/ that prints one or
 * more figure sets. Add a section by writing its file and listing it in
 * `bench/sections/index.ts`; BENCH_SECTIONS=<name>,… selects sections.
 */
export interface Section {
  name: string;
  /** One line: what it measures. */
  title: string;
  run(ctx: BenchContext): Promise<void>;
}
