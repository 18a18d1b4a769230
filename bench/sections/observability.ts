import type { Section } from '../lib/context.js';
import { report } from '../lib/report.js';
import { observabilityBench } from '../observability.bench.js';

/**
 * What observability costs (issue 12): the overhead of metrics and one log
 * line per request, then of trace export, as ratios to a server with both
 * off, measured in this run. The measurement is `bench/observability.bench.ts`
 * (also `npm run bench:observability`, with more rounds): three production
 * servers of their own, each on its own database, so the server under test
 * and its data are not involved.
 */
export const observability: Section = {
  name: 'observability',
  title: 'observability overhead: metrics + logs, + traces, as ratios to both off',
  async run(ctx) {
    report.load();
    await observabilityBench({
      rounds: Number(process.env.BENCH_OBS_ROUNDS ?? 3),
      requests: Number(process.env.BENCH_OBS_REQUESTS ?? Math.min(ctx.knobs.requests, 150)),
      concurrency: Number(process.env.BENCH_OBS_CONCURRENCY ?? 8),
    });
  },
};
