import type { Section } from '../lib/context.js';
import { type LoadResult, runLoad } from '../lib/load.js';
import { type BenchProcess, startContentgraph } from '../lib/processes.js';
import { ms, rate, ratio, report } from '../lib/report.js';
import { addComment, feed } from '../queries.js';

interface Figures {
  serial: LoadResult;
  readers: LoadResult;
  writers: LoadResult;
}

/**
 * Contention: the feed at BENCH_CONCURRENCY clients against its p50 at one
 * connection in the same run, and BENCH_WRITERS clients adding comments. On
 * PGlite this is where a database executing on the server's event loop
 * showed (goal: feed p99 < 1 s at 16 clients). With BENCH_BASELINE_SERVER,
 * that build is measured the same way on the same data.
 */
export const concurrency: Section = {
  name: 'concurrency',
  title: 'the feed under concurrent clients, and concurrent writers',
  async run(ctx) {
    const { knobs } = ctx;
    const measure = async (server: BenchProcess): Promise<Figures> => {
      const read = { url: server.url, body: feed() };
      const write = { url: server.url, body: addComment(2), headers: { authorization: `Bearer ${ctx.token}` } };
      return {
        serial: await runLoad(read, { clients: 1, requests: knobs.requests }),
        readers: await runLoad(read, { clients: knobs.concurrency, seconds: knobs.seconds * 2, pids: server.pids() }),
        writers: await runLoad(write, { clients: knobs.writers, seconds: knobs.seconds, pids: server.pids() }),
      };
    };
    report.load();
    const results: [string, Figures][] = [[`this build (${ctx.db.kind})`, await measure(ctx.server())]];
    if (knobs.baselineServer) {
      const baseline = await ctx.exclusive(async () => {
        const server = await startContentgraph(ctx.db.serverEnv, { server: knobs.baselineServer });
        try {
          return await measure(server);
        } finally {
          await server.stop();
        }
      });
      results.push([`baseline ${knobs.baselineServer}`, baseline]);
    }
    const n = knobs.concurrency;
    report.table(
      ['feed (100 entries)', 'p50 ms @1', `p50 ms @${n}`, `p99 ms @${n}`, `p99@${n} / p50@1`, 'req/s', 'server CPU ms/req'],
      results.map(([name, f]) => [name, ms(f.serial.p50), ms(f.readers.p50), ms(f.readers.p99), ratio(f.readers.p99 / f.serial.p50), rate(f.readers.throughput), ms(f.readers.processCpuPerRequest)]),
    );
    report.table(
      [`addComment, ${knobs.writers} writers`, 'p50 ms', 'p95 ms', 'p99 ms', 'req/s', 'server CPU ms/req'],
      results.map(([name, f]) => [name, ms(f.writers.p50), ms(f.writers.p95), ms(f.writers.p99), rate(f.writers.throughput), ms(f.writers.processCpuPerRequest)]),
    );
    report.load();
  },
};
