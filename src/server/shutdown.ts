import { withTimeout } from './with-timeout.js';
import type { ApolloServer } from '@apollo/server';
import type { MikroORM } from '@mikro-orm/core';
import { drainGraceMs } from './apollo.js';
import type { AppConfig } from './config.js';
import type { AppContext } from './context.js';
import type { DataDirLock } from './data-dir-lock.js';
import type { HttpFront } from './http.js';

export interface StopReport {
  /** True when every request finished and the database closed in time. */
  clean: boolean;
  /** What was left behind, for the log. */
  abandoned: string[];
}

/**
 * The bounded shutdown behind RunningServer.stop(): stop accepting and wait
 * for in-flight requests (two thirds of SHUTDOWN_TIMEOUT_MS, Apollo's drain),
 * then close the database in what is left (at least 1 s). Whatever has not
 * finished by then is abandoned and listed; the embedded database's lock is
 * released either way.
 */
export async function stopServer(
  config: AppConfig,
  apollo: ApolloServer<AppContext>,
  orm: MikroORM,
  front: Pick<HttpFront, 'inFlight' | 'beginStop'>,
  lock: DataDirLock | undefined,
): Promise<StopReport> {
  const abandoned: string[] = [];
  const started = Date.now();
  try {
    front.beginStop();
    // Drains: stops accepting, waits up to drainGraceMs for in-flight requests, closes the rest.
    await apollo.stop();
    if (front.inFlight() > 0) abandoned.push(`${front.inFlight()} request(s) still running after ${drainGraceMs(config)} ms (their connections were closed)`);
    const remaining = Math.max(1000, config.shutdownTimeoutMs - (Date.now() - started));
    const closed = await withTimeout(orm.close(), remaining);
    if (!closed) abandoned.push(`database connections still busy after ${remaining} ms (${await poolSummary(orm)})`);
  } finally {
    lock?.release();
  }
  return { clean: abandoned.length === 0, abandoned };
}

async function poolSummary(orm: MikroORM): Promise<string> {
  try {
    const pool = (await (orm.em.getConnection() as unknown as { getNativeClient(): Promise<unknown> }).getNativeClient()) as {
      totalCount?: number;
      idleCount?: number;
      waitingCount?: number;
    };
    if (typeof pool?.totalCount !== 'number') return 'embedded database busy';
    return `${pool.totalCount - (pool.idleCount ?? 0)} in use, ${pool.waitingCount ?? 0} waiting`;
  } catch {
    return 'pool state unknown';
  }
}
