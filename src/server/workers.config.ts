import os from 'node:os';

/** How many processes serve the port (`WORKERS`), and what the operator should be told about it. */
export interface WorkersConfig {
  /** Worker processes to run; 1 means no cluster (the server process serves the port itself). */
  count: number;
  /** Why `count` differs from what WORKERS asked (logged as a warning at start-up). */
  notes: string[];
}

/** The most workers per core: beyond the cores they add memory and connections, not throughput. */
export const MAX_WORKERS_PER_CORE = 4;

/**
 * Reads `WORKERS`. Default: the number of cores (`os.availableParallelism()`)
 * on PostgreSQL, 1 on the embedded PGlite, which is single-process (its
 * data-directory lock): asking it for more serves from one process and says
 * why. Not a whole number of at least 1 (`0`, `-1`, `1e9`, `abc`, `2.5`): an
 * error naming the variable. More than MAX_WORKERS_PER_CORE per core: capped,
 * with a note.
 */
export function loadWorkersConfig(env: NodeJS.ProcessEnv, databaseUrl: string | undefined, cores = os.availableParallelism()): WorkersConfig {
  const raw = env.WORKERS?.trim();
  if (raw === undefined || raw === '') return { count: databaseUrl ? cores : 1, notes: [] };
  const shown = raw.length > 40 ? `${raw.slice(0, 40)}…` : raw;
  if (!/^[0-9]+$/.test(raw) || Number(raw) < 1) {
    throw new Error(
      `WORKERS must be a whole number of processes, at least 1 (got "${shown}"); leave it unset for the default ` +
        `(the ${cores} cores of this machine on PostgreSQL, 1 on the embedded database).`,
    );
  }
  const asked = Number(raw);
  if (!databaseUrl) {
    return {
      count: 1,
      notes:
        asked > 1
          ? [
              `WORKERS=${shown} ignored: the embedded PGlite database is single-process (one process may open DATA_DIR), so one process serves. ` +
                'Set DATABASE_URL=postgres://… to serve from several worker processes.',
            ]
          : [],
    };
  }
  const max = MAX_WORKERS_PER_CORE * cores;
  if (asked > max) {
    return {
      count: max,
      notes: [
        `WORKERS=${shown} is more than ${MAX_WORKERS_PER_CORE} per core on this machine (${cores} cores): starting ${max}. ` +
          'Workers beyond the cores add memory and database connections, not throughput.',
      ],
    };
  }
  return { count: asked, notes: [] };
}
