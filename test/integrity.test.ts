import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { diffIntegrity } from '../src/generic/integrity.inspect.js';
import { createStatements, generateIntegrity } from '../src/generic/integrity.sql.js';
import { findOrphans, removeOrphans } from '../src/generic/orphans.js';
import { checkMigrationsCurrent } from '../src/tools/migration-check.js';
import { databaseKind, onPostgres, openTestDatabase, type OpenDatabase } from './helpers/database.js';
import { Animal, Mineral, Vegetable, fixtureTableStatements } from './fixtures/contenttypes.entities.js';
import { bindWithoutDatabase, createFixtureRegistry } from './fixtures/contenttypes.registry.js';
import {
  attachEverything,
  CONTENT_TABLES,
  type ContentTable,
  contentTypeId,
  insertObject,
  insertTag,
  type Sql,
  sqlStateOf,
  surviving,
} from './fixtures/integrity.data.js';

const TABLES = Object.keys(CONTENT_TABLES) as ContentTable[];

describe(`integrity enforced by the database, with raw SQL (${databaseKind})`, () => {
  let t: OpenDatabase;
  let sql: Sql;
  let ct: Record<ContentTable, number>;
  let author: number;
  beforeAll(async () => {
    t = await openTestDatabase();
    sql = t.sql;
    ct = Object.fromEntries(await Promise.all(TABLES.map(async (table) => [table, await contentTypeId(sql, table)]))) as never;
    author = await insertObject(sql, 'user');
  });
  afterAll(() => t?.close());

  it('reports no drift on a migrated database: migrations are current', async () => {
    const drift = await diffIntegrity(t.em(), t.registry);
    expect(drift.changed).toEqual([]);
    expect(drift.removed).toEqual([]);
    expect(await checkMigrationsCurrent(t.orm, t.registry)).toEqual([]);
  });

  describe('insert and update of a generic row naming a missing object are rejected (23503)', () => {
    const inserts: [string, (c: number, id: number, tag: number) => [string, unknown[]]][] = [
      ['tagged_item', (c, id, tag) => ['insert into tagged_item (tag_id, content_type_id, object_id) values (?, ?, ?)', [tag, c, id]]],
      ['comment', (c, id) => ['insert into comment (content_type_id, object_id, author_id, body) values (?, ?, ?, ?)', [c, id, author, 'x']]],
      ['activity_entry', (c, id) => [`insert into activity_entry (verb, content_type_id, object_id, object_repr) values ('x', ?, ?, 'x')`, [c, id]]],
      [
        'content_link_source',
        (c, id) => [`insert into content_link (source_type_id, source_id, target_type_id, target_id, kind) values (?, ?, ?, ?, 'k')`, [c, id, ct.user, author]],
      ],
      [
        'content_link_target',
        (c, id) => [`insert into content_link (source_type_id, source_id, target_type_id, target_id, kind) values (?, ?, ?, ?, 'k')`, [ct.user, author, c, id]],
      ],
    ];

    for (const [relation, insert] of inserts) {
      it(`${relation}: a missing object of each content type, and a missing content_type_id`, async () => {
        const tag = await insertTag(sql);
        for (const table of TABLES) {
          const missing = (await insertObject(sql, table)) + 1_000_000;
          const error = await sqlStateOf(sql(...insert(ct[table], missing, tag)));
          expect(error.code).toBe('23503');
          expect(error.message).toContain(`violates generic foreign key "${relation}"`);
          expect(error.message).toMatch(new RegExp(`\\.${table} #${missing} does not exist`));
        }
        const error = await sqlStateOf(sql(...insert(987_654, 1, tag)));
        expect(error.code).toBe('23503');
        expect(error.message).toContain('content_type_id 987654 does not exist');
      });
    }

    it('an update that points an existing row at a missing object, on every generic column pair', async () => {
      const article = await insertObject(sql, 'article');
      const rows = await attachEverything(sql, { ct: ct.article, id: article }, { ct: ct.user, id: author }, author);
      const updates: [string, number][] = [
        ['update tagged_item set object_id = object_id + 1000000 where id = ?', rows.taggedItem],
        ['update comment set object_id = object_id + 1000000 where id = ?', rows.comment],
        ['update activity_entry set object_id = object_id + 1000000 where id = ?', rows.activity],
        ['update content_link set source_id = source_id + 1000000 where id = ?', rows.linkFrom],
        ['update content_link set target_id = target_id + 1000000 where id = ?', rows.linkTo],
        ['update comment set content_type_id = 987654 where id = ?', rows.comment],
      ];
      for (const [query, id] of updates) expect((await sqlStateOf(sql(query, [id]))).code).toBe('23503');
      // updates that keep the target pass, and so does a move to another existing object
      await sql(`update comment set body = 'edited' where id = ?`, [rows.comment]);
      await sql('update comment set content_type_id = ?, object_id = ? where id = ?', [ct.user, author, rows.comment]);
    });
  });

  describe('deleting a content object cascades tags, comments and links, and keeps activity', () => {
    for (const table of TABLES) {
      it(`deletes of ${table} (raw DELETE)`, async () => {
        const other = { ct: ct.article, id: await insertObject(sql, 'article') };
        const doomed = { ct: ct[table], id: await insertObject(sql, table) };
        const kept = { ct: ct[table], id: await insertObject(sql, table) };
        const rows = await attachEverything(sql, doomed, other, author);
        const keptRows = await attachEverything(sql, kept, other, author);
        await sql(`delete from "${table}" where id = ?`, [doomed.id]);
        expect(await surviving(sql, rows)).toEqual({ taggedItem: false, comment: false, activity: true, linkFrom: false, linkTo: false });
        expect(await surviving(sql, keptRows)).toEqual({ taggedItem: true, comment: true, activity: true, linkFrom: true, linkTo: true });
        const [entry] = await sql<{ object_id: number; object_repr: string }>('select object_id, object_repr from activity_entry where id = ?', [rows.activity]);
        expect({ objectId: Number(entry.object_id), repr: entry.object_repr }).toEqual({ objectId: doomed.id, repr: `repr of ${doomed.id}` });
      });
    }

    it('handles a DELETE of many rows in one statement', async () => {
      const other = { ct: ct.user, id: author };
      const ids = [await insertObject(sql, 'video'), await insertObject(sql, 'video'), await insertObject(sql, 'video')];
      const rows = [];
      for (const id of ids) rows.push(await attachEverything(sql, { ct: ct.video, id }, other, author));
      await sql(`delete from video where id in (${ids.join(', ')})`);
      for (const r of rows) {
        expect(await surviving(sql, r)).toEqual({ taggedItem: false, comment: false, activity: true, linkFrom: false, linkTo: false });
      }
    });
  });

  describe('TRUNCATE of a content-type table applies the same policies', () => {
    for (const table of ['article', 'book', 'video', 'product'] as const) {
      it(`TRUNCATE ${table}`, async () => {
        const other = { ct: ct.user, id: author };
        const rows = await attachEverything(sql, { ct: ct[table], id: await insertObject(sql, table) }, other, author);
        const otherType = table === 'book' ? 'video' : 'book';
        const survivor = await attachEverything(sql, { ct: ct[otherType], id: await insertObject(sql, otherType) }, other, author);
        await sql(`truncate "${table}"`);
        expect(await surviving(sql, rows)).toEqual({ taggedItem: false, comment: false, activity: true, linkFrom: false, linkTo: false });
        expect(await surviving(sql, survivor)).toEqual({ taggedItem: true, comment: true, activity: true, linkFrom: true, linkTo: true });
        const orphans = await sql<{ n: number }>(
          `select (select count(*) from tagged_item where content_type_id = ?)
                + (select count(*) from comment where content_type_id = ?)
                + (select count(*) from content_link where source_type_id = ? or target_type_id = ?) as n`,
          [ct[table], ct[table], ct[table], ct[table]],
        );
        expect(Number(orphans[0].n)).toBe(0);
      });
    }
  });

  it('refuses to change a primary key that generic rows point at, and allows it otherwise', async () => {
    const referenced = await insertObject(sql, 'book');
    await attachEverything(sql, { ct: ct.book, id: referenced }, { ct: ct.user, id: author }, author);
    const error = await sqlStateOf(sql('update book set id = id + 5000000 where id = ?', [referenced]));
    expect(error.code).toBe('23503');
    expect(error.message).toContain(`update of the primary key of "book" #${referenced} violates generic foreign key "tagged_item"`);
    const free = await insertObject(sql, 'book');
    await sql('update book set id = id + 5000000 where id = ?', [free]);
    expect(await sql('select 1 from book where id = ?', [free + 5_000_000])).toHaveLength(1);
  });

  it('a delete and an insert in sequence (one connection) leave no orphan', async () => {
    // the sequential equivalents of the two concurrent interleavings below
    const article = await insertObject(sql, 'article');
    const tag = await insertTag(sql);
    await sql('insert into tagged_item (tag_id, content_type_id, object_id) values (?, ?, ?)', [tag, ct.article, article]);
    await sql('delete from article where id = ?', [article]);
    expect(await sql('select 1 from tagged_item where content_type_id = ? and object_id = ?', [ct.article, article])).toEqual([]);
    const error = await sqlStateOf(sql('insert into tagged_item (tag_id, content_type_id, object_id) values (?, ?, ?)', [tag, ct.article, article]));
    expect(error.code).toBe('23503');
  });

  describe.skipIf(!onPostgres)('concurrent insert and delete on two connections (PostgreSQL)', () => {
    let a: pg.Client;
    let b: pg.Client;
    let observer: pg.Client;
    beforeAll(async () => {
      [a, b, observer] = [0, 1, 2].map(() => new pg.Client({ connectionString: t.db.config.databaseUrl }));
      await Promise.all([a.connect(), b.connect(), observer.connect()]);
    });
    afterAll(async () => {
      await Promise.all([a, b, observer].map((c) => c?.end()));
    });

    /** Resolves once `client`'s backend waits for a lock. */
    const waitsForLock = async (client: pg.Client) => {
      const pid = (client as unknown as { processID: number }).processID;
      for (let i = 0; i < 200; i++) {
        const { rows } = await observer.query('select wait_event_type from pg_stat_activity where pid = $1', [pid]);
        if (rows[0]?.wait_event_type === 'Lock') return;
        await new Promise((resolve) => setTimeout(resolve, 25));
      }
      throw new Error(`backend ${pid} never waited for a lock`);
    };

    it('insert first (FOR KEY SHARE held), delete blocks, then removes the new tagged item: no orphan', async () => {
      const article = await insertObject(sql, 'article');
      const tag = await insertTag(sql);
      await a.query('begin');
      await a.query('insert into tagged_item (tag_id, content_type_id, object_id) values ($1, $2, $3)', [tag, ct.article, article]);
      const deleting = b.query('delete from article where id = $1', [article]);
      await waitsForLock(b);
      await a.query('commit');
      await deleting;
      expect(await sql('select 1 from tagged_item where content_type_id = ? and object_id = ?', [ct.article, article])).toEqual([]);
      expect(await sql('select 1 from article where id = ?', [article])).toEqual([]);
    });

    it('delete first (uncommitted), insert blocks, then fails with 23503 once the delete commits', async () => {
      const article = await insertObject(sql, 'article');
      const tag = await insertTag(sql);
      await b.query('begin');
      await b.query('delete from article where id = $1', [article]);
      const inserting = a.query('insert into tagged_item (tag_id, content_type_id, object_id) values ($1, $2, $3)', [tag, ct.article, article]);
      const outcome = inserting.then(
        () => ({ code: 'none' }),
        (error: { code: string }) => ({ code: error.code }),
      );
      await waitsForLock(a);
      await b.query('commit');
      expect(await outcome).toEqual({ code: '23503' });
      expect(await sql('select 1 from tagged_item where content_type_id = ? and object_id = ?', [ct.article, article])).toEqual([]);
    });

    it('known limit: a REPEATABLE READ delete whose snapshot predates the insert misses it; the orphans report finds it', async () => {
      // Row triggers read with the transaction's snapshot; PostgreSQL's own
      // foreign keys use a special cross-check snapshot that PL/pgSQL cannot.
      // Deletes at READ COMMITTED (the default, used by contentgraph) are safe.
      const article = await insertObject(sql, 'article');
      const tag = await insertTag(sql);
      await b.query('begin isolation level repeatable read');
      await b.query('select 1 from tagged_item limit 1'); // takes the snapshot
      await a.query('begin');
      const [{ id: taggedItem }] = (
        await a.query('insert into tagged_item (tag_id, content_type_id, object_id) values ($1, $2, $3) returning id', [tag, ct.article, article])
      ).rows;
      const deleting = b.query('delete from article where id = $1', [article]);
      await waitsForLock(b);
      await a.query('commit');
      await deleting;
      await b.query('commit');
      const report = await findOrphans(t.em(), t.registry);
      expect(report.orphans.flatMap((g) => g.rowIds)).toContain(Number(taggedItem));
      await removeOrphans(t.em(), t.registry);
      expect(await sql('select 1 from tagged_item where id = ?', [taggedItem])).toEqual([]);
    });

    it('delete first, rolled back: the blocked insert then succeeds', async () => {
      const article = await insertObject(sql, 'article');
      const tag = await insertTag(sql);
      await b.query('begin');
      await b.query('delete from article where id = $1', [article]);
      const inserting = a.query('insert into tagged_item (tag_id, content_type_id, object_id) values ($1, $2, $3)', [tag, ct.article, article]);
      await waitsForLock(a);
      await b.query('rollback');
      await inserting;
      expect(await sql('select 1 from tagged_item where content_type_id = ? and object_id = ?', [ct.article, article])).toHaveLength(1);
    });
  });
});

describe(`delete policies are declared per relation, not hard-coded (${databaseKind})`, () => {
  let t: OpenDatabase;
  let sql: Sql;
  let ct: { animal: number; vegetable: number; mineral: number };
  const install = async (registry: ReturnType<typeof createFixtureRegistry>) => {
    for (const object of generateIntegrity(registry)) for (const statement of createStatements(object)) await sql(statement);
  };
  const insert = async (table: string, c: number, id: number) =>
    Number((await sql<{ id: number }>(`insert into ${table} (content_type_id, object_id) values (?, ?) returning id`, [c, id]))[0].id);
  const newObject = async (table: string) => Number((await sql<{ id: number }>(`insert into ${table} (name) values ('x') returning id`))[0].id);
  const exists = async (table: string, id: number) => (await sql(`select 1 from ${table} where id = ?`, [id])).length === 1;

  beforeAll(async () => {
    t = await openTestDatabase();
    sql = t.sql;
    for (const statement of fixtureTableStatements) await sql(statement);
    const registry = createFixtureRegistry();
    await bindWithoutDatabase(registry);
    await registry.sync(t.em());
    await install(registry);
    ct = { animal: registry.idOf(Animal), vegetable: registry.idOf(Vegetable), mineral: registry.idOf(Mineral) };
  });
  afterAll(() => t?.close());

  it('restrict: a delete or TRUNCATE is refused while rows point at the object', async () => {
    const animal = await newObject('fixture_animal');
    const hold = await insert('fixture_hold', ct.animal, animal);
    const label = await insert('fixture_label', ct.animal, animal);
    const journal = await insert('fixture_journal', ct.animal, animal);
    const error = await sqlStateOf(sql('delete from fixture_animal where id = ?', [animal]));
    expect(error.code).toBe('23503');
    expect(error.message).toContain('delete from table "fixture_animal" violates generic foreign key "fixture_hold"');
    expect(await exists('fixture_label', label)).toBe(true); // the refused delete cascaded nothing
    const truncate = await sqlStateOf(sql('truncate fixture_animal'));
    expect(truncate.code).toBe('23503');
    expect(truncate.message).toContain('truncate of table "fixture_animal" violates generic foreign key "fixture_hold"');
    await sql('delete from fixture_hold where id = ?', [hold]);
    await sql('delete from fixture_animal where id = ?', [animal]);
    expect(await exists('fixture_label', label)).toBe(false); // cascade
    expect(await exists('fixture_journal', journal)).toBe(true); // keep
  });

  it('targets: a relation rejects a registered type outside its targets, and that type gets no policy for it', async () => {
    const mineral = await newObject('fixture_mineral');
    const error = await sqlStateOf(insert('fixture_hold', ct.mineral, mineral));
    expect(error.code).toBe('23503');
    expect(error.message).toContain('fixtures.mineral cannot be a target of fixture_hold');
    const label = await insert('fixture_label', ct.mineral, mineral);
    await sql('delete from fixture_mineral where id = ?', [mineral]);
    expect(await exists('fixture_label', label)).toBe(false);
  });

  it('changing the declared policy and regenerating the SQL changes the behaviour', async () => {
    const cascading = createFixtureRegistry({ hold: 'cascade' });
    await bindWithoutDatabase(cascading);
    await cascading.reload(t.em());
    const before = await diffIntegrity(t.em(), cascading);
    expect(before.changed.map((o) => o.functionName).sort()).toEqual([
      'cg_delete_fixture_animal',
      'cg_delete_fixture_vegetable',
      'cg_truncate_fixture_animal',
      'cg_truncate_fixture_vegetable',
    ]);
    await install(cascading);
    const vegetable = await newObject('fixture_vegetable');
    const hold = await insert('fixture_hold', ct.vegetable, vegetable);
    await sql('delete from fixture_vegetable where id = ?', [vegetable]);
    expect(await exists('fixture_hold', hold)).toBe(false);
  });
});
