import type { Section } from '../lib/context.js';
import { runLoad, send } from '../lib/load.js';
import { startContentgraph } from '../lib/processes.js';
import { ms, rate, report } from '../lib/report.js';
import { READ_PATHS } from '../queries.js';

/** SQL statements, latency at one connection and throughput under concurrency for the main read paths. */
export const readPaths: Section = {
  name: 'read-paths',
  title: 'read paths: SQL statements per request, latency at 1 connection, throughput',
  async run(ctx) {
    const { knobs } = ctx;
    // Statement counts come from a server started with STATEMENT_COUNTS=true;
    // the figures from the server under test, which runs without them, as in production.
    const statements = await ctx.exclusive(async () => {
      const counting = await startContentgraph(ctx.db.serverEnv, { env: { STATEMENT_COUNTS: 'true' } });
      try {
        const counts: Record<string, number> = {};
        for (const [name, body] of Object.entries(READ_PATHS)) counts[name] = JSON.parse(await send({ url: counting.url, body })).extensions.sqlStatements;
        return counts;
      } finally {
        await counting.stop();
      }
    });
    report.load();
    const rows: (string | number)[][] = [];
    for (const [name, body] of Object.entries(READ_PATHS)) {
      const target = { url: ctx.server().url, body };
      const serial = await runLoad(target, { clients: 1, requests: knobs.requests });
      const loaded = await runLoad(target, { clients: knobs.concurrency, seconds: knobs.seconds, pids: ctx.server().pids() });
      rows.push([name, statements[name], ms(serial.p50), ms(serial.p95), rate(loaded.throughput), ms(loaded.processCpuPerRequest)]);
    }
    report.table(['request', 'stmts', 'p50 ms', 'p95 ms', `req/s @${knobs.concurrency}`, 'server CPU ms/req'], rows);
    report.load();
  },
};
