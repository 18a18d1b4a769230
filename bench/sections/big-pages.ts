import type { Section } from '../lib/context.js';
import { addHotObject, bulkInsertSql, POPULAR_TAG, prepareBulk, RARE_TAG } from '../lib/data.js';
import { type LoadResult, runLoad } from '../lib/load.js';
import { ms, ratio, report } from '../lib/report.js';
import { commentsPage, tagItemsPage } from '../queries.js';

/**
 * Keyset pages over big parents, at one connection: the first 50 items of
 * the popular tag (5 % of BENCH_TAGGED_ITEMS) against a rare tag (~0.1 %),
 * and the first 20 comments of an object with BENCH_HOT_COMMENTS comments
 * against an object with 2. A page that is an index range costs the same
 * whatever the parent's size (goal: p99 < 10 ms).
 */
export const bigPages: Section = {
  name: 'big-pages',
  title: 'pages of big parents: the popular tag, the most commented object',
  async run(ctx) {
    const { knobs } = ctx;
    const hot = await ctx.sql(async (sql) => {
      if (!ctx.shared.bulkLoaded) {
        await prepareBulk(sql, knobs.taggedItems);
        await sql.query(await bulkInsertSql(sql, knobs.taggedItems));
        ctx.shared.bulkLoaded = true;
      }
      return addHotObject(sql, knobs.hotComments);
    });
    report.load();
    const pages = [
      { name: `tag page, first 50 of ${POPULAR_TAG}`, body: tagItemsPage(POPULAR_TAG, 50) },
      { name: `tag page, first 50 of ${RARE_TAG}`, body: tagItemsPage(RARE_TAG, 50) },
      { name: `first 20 comments of an object with ${knobs.hotComments.toLocaleString('en')}`, body: commentsPage(hot, 20) },
      { name: 'first 20 comments of an object with 2', body: commentsPage(1, 20) },
    ];
    const results: LoadResult[] = [];
    for (const page of pages) results.push(await runLoad({ url: ctx.server().url, body: page.body }, { clients: 1, requests: knobs.requests }));
    report.table(
      ['at 1 connection', 'p50 ms', 'p99 ms', 'p50 vs small parent'],
      pages.map((page, i) => [page.name, ms(results[i].p50), ms(results[i].p99), i % 2 === 0 ? ratio(results[i].p50 / results[i + 1].p50) : '1 (baseline)']),
    );
    report.load();
  },
};
