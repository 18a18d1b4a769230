import type { Section } from '../lib/context.js';
import { BULK_TABLES, bulkDeleteStatements, bulkInsertSql, integrityTriggers, prepareBulk, recreateBulkObjects } from '../lib/data.js';
import type { Sql } from '../lib/database.js';
import { rate, ratio, report } from '../lib/report.js';

/**
 * Bulk load of BENCH_TAGGED_ITEMS tagged items in one INSERT … SELECT, with
 * the generic-key integrity triggers of `tagged_item` disabled, then (after
 * deleting them and a VACUUM) enabled. The on/off ratio is the price of
 * database-enforced integrity on bulk writes (goal: ≥ 0.8). In between, the
 * bulk objects are deleted with their tagged items, half of them by hand
 * with the content tables' integrity triggers disabled (tagged items, then
 * objects), the other half with the triggers on (objects only: the trigger
 * cascades), one statement per table each way; then they are re-created.
 * The second load stays for the sections after this one.
 */
export const bulkLoad: Section = {
  name: 'bulk-load',
  title: 'bulk load of tagged items: integrity triggers on vs off',
  async run(ctx) {
    const items = ctx.knobs.taggedItems;
    report.load();
    const [off, on, triggers, deletes] = await ctx.sql(async (sql) => {
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
      const toggle = async (sql: Sql, table: string, names: string[], action: 'disable' | 'enable') => {
        for (const name of names) await sql.query(`alter table "${table}" ${action} trigger "${name}"`);
      };
      await toggle(sql, 'tagged_item', triggers, 'disable');
      let off: number;
      try {
        off = await timed('triggers off');
      } finally {
        await toggle(sql, 'tagged_item', triggers, 'enable');
      }
      await sql.query('vacuum analyze tagged_item');

      // Deletes: each half of the bulk objects with its tagged items, by hand (triggers off) and by the triggers' cascade.
      const bulkItems = async () => Number((await sql.query<{ n: number }>(`select count(*)::int as n from tagged_item where tag_id in (select id from tag where name like 'bulk-%')`))[0].n);
      const deleteHalf = async (half: 0 | 1, byHand: boolean) => {
        const before = await bulkItems();
        let deleted = 0;
        const started = performance.now();
        for (const statement of await bulkDeleteStatements(sql, half, byHand)) {
          deleted += (await sql.query<{ n: number }>(`with gone as (${statement} returning 1) select count(*)::int as n from gone`))[0].n;
        }
        const seconds = (performance.now() - started) / 1000;
        const items = before - (await bulkItems());
        if (items <= 0) throw new Error(`deleting half ${half} removed no tagged items`);
        return { seconds, rows: byHand ? deleted : deleted + items, items };
      };
      const contentTriggers = new Map<string, string[]>();
      for (const table of BULK_TABLES) contentTriggers.set(table, await integrityTriggers(sql, table));
      for (const [table, names] of contentTriggers) await toggle(sql, table, names, 'disable');
      let deleteOff: { seconds: number; rows: number; items: number };
      try {
        deleteOff = await deleteHalf(0, true);
      } finally {
        for (const [table, names] of contentTriggers) await toggle(sql, table, names, 'enable');
      }
      const deleteOn = await deleteHalf(1, false);
      const left = await bulkItems();
      if (left !== 0) throw new Error(`${left} bulk tagged items left after deleting every bulk object`);
      await recreateBulkObjects(sql, items);
      await sql.query('vacuum analyze tagged_item');

      const on = await timed('triggers on');
      await sql.query('analyze');
      return [off, on, triggers, { off: deleteOff, on: deleteOn }];
    });
    ctx.shared.bulkLoaded = true;
    report.table(
      [`${items.toLocaleString('en')} tagged items, one INSERT … SELECT`, 'seconds', 'rows/s'],
      [
        [`integrity triggers off (${triggers.join(', ') || 'none found'})`, off.toFixed(1), rate(items / off)],
        ['integrity triggers on', on.toFixed(1), rate(items / on)],
      ],
    );
    report.line(`insert: rate on / rate off: ${ratio(off / on)}`);
    report.table(
      ['delete of half the bulk objects with their tagged items', 'seconds', 'rows/s (objects + items)'],
      [
        [`by hand, content triggers off (${deletes.off.items.toLocaleString('en')} items)`, deletes.off.seconds.toFixed(1), rate(deletes.off.rows / deletes.off.seconds)],
        [`objects only, the triggers cascade (${deletes.on.items.toLocaleString('en')} items)`, deletes.on.seconds.toFixed(1), rate(deletes.on.rows / deletes.on.seconds)],
      ],
    );
    report.line(`delete: rate on / rate off: ${ratio(deletes.on.rows / deletes.on.seconds / (deletes.off.rows / deletes.off.seconds))}`);
    report.load();
  },
};
