import type { Section } from '../lib/context.js';
import { BULK_DELETE_SQL, bulkInsertSql, integrityTriggers, prepareBulk } from '../lib/data.js';
import type { Sql } from '../lib/database.js';
import { rate, ratio, report } from '../lib/report.js';

/**
 * Bulk load of BENCH_TAGGED_ITEMS tagged items in one INSERT … SELECT, with
 * the generic-key integrity triggers of `tagged_item` disabled, then (after
 * deleting them and a VACUUM) enabled. The on/off ratio is the price of
 * database-enforced integrity on bulk writes (goal: ≥ 0.8). The second load
 * stays for the sections after this one.
 */
export const bulkLoad: Section = {
  name: 'bulk-load',
  title: 'bulk load of tagged items: integrity triggers on vs off',
  async run(ctx) {
    const items = ctx.knobs.taggedItems;
    report.load();
    const [off, on, triggers] = await ctx.sql(async (sql) => {
      await prepareBulk(sql, items);
      const insert = await bulkInsertSql(sql, items);
      const triggers = await integrityTriggers(sql, 'tagged_item');
      const timed = async (label: string) => {
        const started = performance.now();
        const [{ n }] = await sql.query<{ n: number }>(`with inserted as (${insert} returning 1) select count(*)::int as n from inserted`);
        const seconds = (performance.now() - started) / 1000;
        if (Number(n) !== items) throw new Error(`${label}: inserted ${n} rows, expected ${items}`);
        return seconds;
      };
      const toggle = (sql: Sql, action: 'disable' | 'enable') =>
        Promise.all(triggers.map((name) => sql.query(`alter table tagged_item ${action} trigger "${name}"`)));
      await toggle(sql, 'disable');
      let off: number;
      try {
        off = await timed('triggers off');
      } finally {
        await toggle(sql, 'enable');
      }
      await sql.query(BULK_DELETE_SQL);
      await sql.query('vacuum analyze tagged_item');
      const on = await timed('triggers on');
      await sql.query('analyze');
      return [off, on, triggers];
    });
    ctx.shared.bulkLoaded = true;
    report.table(
      [`${items.toLocaleString('en')} tagged items, one INSERT … SELECT`, 'seconds', 'rows/s'],
      [
        [`integrity triggers off (${triggers.join(', ') || 'none found'})`, off.toFixed(1), rate(items / off)],
        ['integrity triggers on', on.toFixed(1), rate(items / on)],
      ],
    );
    report.line(`rate on / rate off: ${ratio(off / on)}`);
    report.load();
  },
};
