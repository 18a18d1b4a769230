import type { Section } from '../lib/context.js';
import { runLoad, type Target } from '../lib/load.js';
import { type BenchProcess, startContentgraph } from '../lib/processes.js';
import { ms, ratio, report } from '../lib/report.js';
import { REQUESTS } from './floor.js';

/** One-second slices, alternated between the two builds. */
const SLICES = 10;

/**
 * This build against another (BENCH_BASELINE_SERVER) in server CPU per
 * request: both started side by side on the same database with `WORKERS=1`,
 * warmed alike, then loaded in alternating one-second slices at
 * BENCH_CONCURRENCY clients, so the machine's drift (this shared machine's
 * CPU speed moves by a third between minutes) hits both builds alike. Two
 * runs of one build agree within about 2 %. PostgreSQL only: PGlite's data
 * directory takes one server at a time.
 */
export const versus: Section = {
  name: 'versus',
  title: 'this build against BENCH_BASELINE_SERVER: server CPU per request, side by side',
  async run(ctx) {
    const { knobs } = ctx;
    const warmupSeconds = Math.max(1, knobs.warmupSeconds);
    if (!knobs.baselineServer) return report.line('skipped: set BENCH_BASELINE_SERVER to another build’s dist/src/server.js');
    if (ctx.db.kind !== 'postgresql') return report.line('skipped: on PGlite one server at a time opens the data directory (run it with DATABASE_URL)');
    const started: BenchProcess[] = [];
    try {
      const baseline = await startContentgraph(ctx.db.serverEnv, { server: knobs.baselineServer, env: { WORKERS: '1' } });
      started.push(baseline);
      const current = await startContentgraph(ctx.db.serverEnv, { env: { WORKERS: '1' } });
      started.push(current);
      report.load();
      const rows: string[][] = [];
      for (const request of REQUESTS) {
        const targets: Target[] = started.map((server) => ({ url: server.url, body: request.graphql() }));
        for (const target of targets) await runLoad(target, { clients: knobs.concurrency, seconds: warmupSeconds });
        const totals = started.map(() => ({ cpu: 0, requests: 0 }));
        for (let slice = 0; slice < SLICES; slice++) {
          for (const [i, server] of started.entries()) {
            const result = await runLoad(targets[i], { clients: knobs.concurrency, seconds: 1, warmup: 0, pids: server.pids() });
            totals[i].cpu += result.processCpuPerRequest! * result.requests;
            totals[i].requests += result.requests;
          }
        }
        const [base, ours] = totals.map((total) => total.cpu / total.requests);
        rows.push([request.name, ms(base), ms(ours), ratio(ours / base), `${totals[0].requests}/${totals[1].requests}`]);
      }
      report.table(['request', 'baseline CPU ms/req', 'this build CPU ms/req', 'this/baseline', 'requests'], rows);
      report.line(`${knobs.concurrency} clients, ${SLICES} alternating 1 s slices per build after ${warmupSeconds} s of warm-up each; WORKERS=1`);
      report.load();
    } finally {
      for (const server of started) await server.stop();
    }
  },
};
