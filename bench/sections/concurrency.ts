import type { Section } from '../lib/context.js';
import { type LoadResult, runLoad } from '../lib/load.js';
import { type BenchProcess, startContentgraph } from '../lib/processes.js';
import { ms, rate, ratio, report } from '../lib/report.js';
import { addComment, ADD_COMMENT_BODY, feed } from '../queries.js';

/**
 * Contention: the feed at BENCH_CONCURRENCY clients against its p50 at one
 * connection in the same run, then BENCH_WRITERS clients adding comments. On
 * PGlite this is where a database executing on the server's event loop
 * showed (goal: feed p99 < 1 s at 16 clients). With BENCH_BASELINE_SERVER,
 * that build is measured the same way on the same data. Every read is
 * measured before any write (the writers' activity entries would head the
 * feed), and what the writers wrote is deleted at the end.
 */
export const concurrency: Section = {
  name: 'concurrency',
  title: 'the feed under concurrent clients, and concurrent writers',
  async run(ctx) {
    const { knobs } = ctx;
    const builds: { name: string; server?: string }[] = [{ name: `this build (${ctx.db.kind})` }];
    if (knobs.baselineServer) builds.push({ name: `baseline ${knobs.baselineServer}`, server: knobs.baselineServer });
    /** Runs `fn` on each build's server (the baseline's started on the same database meanwhile). */
    const onEach = async (fn: (server: BenchProcess) => Promise<LoadResult[]>) => {
      const results: LoadResult[][] = [];
      for (const build of builds) {
        if (!build.server) {
          results.push(await fn(ctx.server()));
          continue;
        }
        results.push(
          await ctx.exclusive(async () => {
            const server = await startContentgraph(ctx.db.serverEnv, { server: build.server });
            try {
              return await fn(server);
            } finally {
              await server.stop();
            }
          }),
        );
      }
      return results;
    };
    report.load();
    const reads = await onEach(async (server) => {
      const target = { url: server.url, body: feed() };
      return [
        await runLoad(target, { clients: 1, requests: knobs.requests }),
        await runLoad(target, { clients: knobs.concurrency, seconds: knobs.seconds * 2, pids: server.pids() }),
      ];
    });
    const writesStarted = new Date(Date.now() - 1000).toISOString();
    const writes = await onEach(async (server) => [
      await runLoad(
        { url: server.url, body: addComment(2), headers: { authorization: `Bearer ${ctx.token}` } },
        { clients: knobs.writers, seconds: knobs.seconds, pids: server.pids() },
      ),
    ]);
    const n = knobs.concurrency;
    report.table(
      ['feed (100 entries)', 'p50 ms @1', `p50 ms @${n}`, `p99 ms @${n}`, `p99@${n} / p50@1`, 'req/s', 'server CPU ms/req'],
      builds.map((build, i) => {
        const [serial, loaded] = reads[i];
        return [build.name, ms(serial.p50), ms(loaded.p50), ms(loaded.p99), ratio(loaded.p99 / serial.p50), rate(loaded.throughput), ms(loaded.processCpuPerRequest)];
      }),
    );
    report.table(
      [`addComment, ${knobs.writers} writers`, 'p50 ms', 'p95 ms', 'p99 ms', 'req/s', 'server CPU ms/req'],
      builds.map((build, i) => {
        const [w] = writes[i];
        return [build.name, ms(w.p50), ms(w.p95), ms(w.p99), rate(w.throughput), ms(w.processCpuPerRequest)];
      }),
    );
    report.load();
    await ctx.sql(async (sql) => {
      await sql.query(`delete from comment where body = $1`, [ADD_COMMENT_BODY]);
      await sql.query(`delete from activity_entry where created_at >= $1`, [writesStarted]);
    });
  },
};
