import type { Section } from '../lib/context.js';
import { type LoadResult, runLoad, type Target } from '../lib/load.js';
import { startFloor } from '../lib/processes.js';
import { ms, rate, ratio, report } from '../lib/report.js';
import { feed, objectPage, tagPage } from '../queries.js';

/** The reads compared with the floor (and, by `versus`, with another build). */
export const REQUESTS = [
  { name: 'feed (100 entries, actor, targets, tags)', graphql: () => feed(), floor: '/feed' },
  { name: 'tag page (100 items, commentCount)', graphql: () => tagPage('tag-1'), floor: '/tag?name=tag-1&first=100' },
  { name: 'object page (article, tags, 20 comments)', graphql: () => objectPage(1), floor: '/object?id=1&first=20' },
];

/**
 * contentgraph against the floor: the same answers from a minimal node:http
 * server with hand-written SQL on the same data (bench/floor/server.ts), one
 * after the other at the same concurrency. contentgraph/floor is the share of
 * the stack's floor that contentgraph reaches (goal: ≥ 0.5 for the feed).
 */
export const floor: Section = {
  name: 'floor',
  title: 'contentgraph / the floor (node:http + hand-written SQL, same data, same run)',
  async run(ctx) {
    const { knobs } = ctx;
    // Both servers warm: a fresh server's first seconds run cold code (V8 compiles the hot paths of graphql-js,
    // pg and the server as they repeat), which the floor's few hundred lines leave behind in a few requests.
    const measure = (target: Target, pids: number[]) =>
      runLoad(target, { clients: knobs.concurrency, seconds: knobs.seconds, warmupSeconds: knobs.warmupSeconds, pids });
    report.load();
    const ours: LoadResult[] = [];
    for (const request of REQUESTS) ours.push(await measure({ url: ctx.server().url, body: request.graphql() }, ctx.server().pids()));
    // PGlite is single-process: the floor opens the data directory once contentgraph has stopped.
    const floors = await ctx.exclusive(async () => {
      const server = await startFloor(ctx.db.serverEnv);
      try {
        const results: LoadResult[] = [];
        for (const request of REQUESTS) results.push(await measure({ url: server.url + request.floor }, server.pids()));
        return results;
      } finally {
        await server.stop();
      }
    });
    report.table(
      ['request', 'cg req/s', 'floor req/s', 'cg/floor', 'cg CPU ms/req', 'floor CPU ms/req', 'machine ms/req cg/floor', 'bytes cg/floor'],
      REQUESTS.map((request, i) => [
        request.name,
        rate(ours[i].throughput),
        rate(floors[i].throughput),
        ratio(ours[i].throughput / floors[i].throughput),
        ms(ours[i].processCpuPerRequest),
        ms(floors[i].processCpuPerRequest),
        `${ms(ours[i].machineCpuPerRequest)}/${ms(floors[i].machineCpuPerRequest)}`,
        `${ours[i].responseBytes}/${floors[i].responseBytes}`,
      ]),
    );
    report.line(`${knobs.concurrency} clients, ${knobs.seconds} s each after ${knobs.warmupSeconds} s unmeasured; CPU of the server process (all threads); machine CPU includes the database and the load generator`);
    report.load();
  },
};
