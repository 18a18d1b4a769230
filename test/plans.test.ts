import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { databaseKind, openTestDatabase, type OpenDatabase } from './helpers/database.js';
import { commentOn, contentTypeIds, type CoreTypeName, createObjects, createTags, type ObjectRef, tagObjects } from './fixtures/core.data.js';

/**
 * Generic keys are stored as text, content keys keep their types: every
 * lookup must still be an index scan, in both directions, for integer and
 * uuid keys (docs/performance.md shows the plans on a large table). The
 * statements are the shapes the loaders and the triggers run. Sequential
 * scans are switched off, so a cast that made an index unusable would show
 * up as a Seq Scan anyway.
 */
describe(`lookups by generic key use indexes in both directions (${databaseKind})`, () => {
  let t: OpenDatabase;
  let objects: Record<'int' | 'uuid', ObjectRef[]>;

  /** The plan of a statement, in one transaction with sequential scans off. */
  const plan = async (sql: string, params: unknown[] = []): Promise<string> => {
    return t.em().transactional(async (tx) => {
      await tx.execute('set local enable_seqscan = off');
      const rows = await tx.execute<{ 'QUERY PLAN': string }[]>(`explain ${sql}`, params as never[]);
      return rows.map((row) => row['QUERY PLAN']).join('\n');
    });
  };
  const expectIndexOn = (text: string, table: string) => {
    expect(text, text).not.toMatch(new RegExp(`Seq Scan on ${table}\\b`));
    expect(text, text).toMatch(new RegExp(`Index (Only )?Scan .*on ${table}\\b|Bitmap Index Scan on \\S+`));
  };

  beforeAll(async () => {
    t = await openTestDatabase('core');
    const cts = await contentTypeIds(t.sql);
    const make = (type: CoreTypeName) => createObjects(t.sql, cts, type, 20);
    objects = { int: await make('FixtureAnimal'), uuid: await make('FixtureFossil') };
    const [tag] = await createTags(t.sql, ['planned']);
    const [author] = await createObjects(t.sql, cts, 'User', 1);
    for (const list of Object.values(objects)) {
      await tagObjects(t.sql, list, [tag]);
      await commentOn(t.sql, list, author.id as number, 2);
    }
    await t.sql('analyze');
  });
  afterAll(() => t?.close());

  const cases = [
    ['integer keys', 'int', 'cg_fixture_animal', (o: ObjectRef) => String(o.id)],
    ['uuid keys', 'uuid', 'cg_fixture_fossil', (o: ObjectRef) => `'${o.id}'`],
  ] as const;

  for (const [name, kind, table, literal] of cases) {
    describe(name, () => {
      it('generic row → content object: the per-type batch load and the insert check use the primary key', async () => {
        const keys = objects[kind].slice(0, 3);
        expectIndexOn(await plan(`select * from "${table}" where "id" in (${keys.map(literal).join(', ')})`), table);
        // what cg_target_<table> runs for a batch of keys: the key texts cast on the value side
        const cast = kind === 'int' ? 'bigint' : 'uuid';
        expectIndexOn(
          await plan(`select 1 from "${table}" where "id" = any (array(select k::${cast} from unnest(?::text[]) k)) order by "id" for key share`, [`{${keys.map((k) => k.key).join(',')}}`]),
          table,
        );
      });

      it('content object → generic rows: reverse loads, counts, pages and delete cascades use the (content_type_id, object_id, …) indexes', async () => {
        const keys = objects[kind].slice(0, 3);
        const ct = keys[0].ct;
        const values = keys.map(() => '(?::int, ?::text)').join(', ');
        const params = keys.flatMap((k) => [k.ct, k.key]);
        expectIndexOn(
          await plan(`select t.* from (values ${values}) as k(ct, oid) join tagged_item ti on ti.content_type_id = k.ct and ti.object_id = k.oid join tag t on t.id = ti.tag_id`, params),
          'tagged_item',
        );
        expectIndexOn(await plan(`select k.ct, k.oid, count(g.*) from (values ${values}) as k(ct, oid) join comment g on g.content_type_id = k.ct and g.object_id = k.oid group by 1, 2`, params), 'comment');
        // what cg_content runs for a deleted batch
        expectIndexOn(await plan(`delete from comment where content_type_id = ? and object_id = any (?::text[])`, [ct, `{${keys.map((k) => k.key).join(',')}}`]), 'comment');
        expectIndexOn(await plan(`select 1 from tagged_item where content_type_id = ? and object_id = any (?::text[])`, [ct, `{${keys.map((k) => k.key).join(',')}}`]), 'tagged_item');
      });
    });
  }
  // The targets of several types in one statement (RequestLoaders.contentObject): test/page-plans.test.ts, on the
  // statement the server issues and with sequential scans allowed.
});
