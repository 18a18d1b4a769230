import type { Section } from '../lib/context.js';
import { type LoadResult, runLoad } from '../lib/load.js';
import { childPids } from '../lib/machine.js';
import { startContentgraph } from '../lib/processes.js';
import { ms, rate, ratio, report } from '../lib/report.js';
import { feed } from '../queries.js';

/**
 * Throughput of the feed with 1 and with BENCH_WORKERS worker processes
 * (issue 11: `WORKERS=N` serves one port from N processes). Runs when the
 * server started with WORKERS=N has child processes; otherwise says so.
 */
export const workers: Section = {
  name: 'workers',
  title: 'worker processes: the feed with 1 and with N workers (WORKERS)',
  async run(ctx) {
    const { knobs } = ctx;
    if (ctx.db.kind === 'pglite') {
      report.line('skipped: PGlite is single-process (run with DATABASE_URL=postgres://… to measure workers)');
      return;
    }
    if (knobs.workers < 2) {
      report.line(`skipped: BENCH_WORKERS=${knobs.workers} (set it to 2 or more)`);
      return;
    }
    const results: { count: number; processes: number; load: LoadResult }[] = [];
    for (const count of [1, knobs.workers]) {
      const server = await startContentgraph(ctx.db.serverEnv, { env: { WORKERS: String(count) } });
      try {
        if (count > 1 && childPids(server.pid).length < count) {
          report.line(`skipped: this server does not support WORKERS (started with WORKERS=${count}, it runs ${childPids(server.pid).length} worker processes)`);
          return;
        }
        report.load();
        results.push({ count, processes: server.pids().length, load: await runLoad({ url: server.url, body: feed() }, { clients: knobs.concurrency, seconds: knobs.seconds, pids: server.pids() }) });
      } finally {
        await server.stop();
      }
    }
    report.table(
      ['feed (100 entries)', 'processes', 'req/s', 'p99 ms', 'CPU ms/req (all processes)', 'req/s vs 1 worker'],
      results.map((r) => [`WORKERS=${r.count}`, r.processes, rate(r.load.throughput), ms(r.load.p99), ms(r.load.processCpuPerRequest), ratio(r.load.throughput / results[0].load.throughput)]),
    );
    report.load();
  },
};
