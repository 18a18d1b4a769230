import type { Section } from '../lib/context.js';
import { runLoad } from '../lib/load.js';
import { mib, ratio, report } from '../lib/report.js';
import { feed, objectPage, tagPage } from '../queries.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Resident memory of the production server process: idle (right after it
 * started) and after serving the bench's reads (goal: ≤ 200 MiB per process).
 */
export const memory: Section = {
  name: 'memory',
  title: 'memory of the production process (RSS)',
  async run(ctx) {
    const { knobs } = ctx;
    const server = ctx.server();
    let served = 0;
    for (const body of [feed(), tagPage('tag-1'), objectPage(1)]) {
      served += (await runLoad({ url: server.url, body }, { clients: knobs.concurrency, seconds: knobs.seconds })).requests;
    }
    const after = server.rss();
    // V8 gives memory back once a process has been idle for a while (its memory reducer): read again after 10 and 30 s.
    await sleep(10_000);
    const after10 = server.rss();
    await sleep(20_000);
    const after30 = server.rss();
    report.load();
    report.table(
      ['process', 'idle RSS', 'RSS right after the bench', 'after 10 s idle', 'after 30 s idle', 'right after / idle'],
      after.map((rss, i) => [
        i === 0 ? `server (pid ${server.pid})` : `child ${i}`,
        mib(server.idleRss[i] ?? 0),
        mib(rss),
        mib(after10[i] ?? 0),
        mib(after30[i] ?? 0),
        ratio(rss / (server.idleRss[i] ?? rss)),
      ]),
    );
    report.line(`this server process served the sections since its last start, then ${served} more mixed reads at ${knobs.concurrency} clients`);
  },
};
