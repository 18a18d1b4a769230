import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MikroORM } from '@mikro-orm/core';
import { createAppRegistry } from '../src/app/registry.js';
import { toGlobalId } from '../src/generic/global-id.js';
import { initOrm, rootEm } from '../src/server/orm.js';
import { createEmptyDatabase, databaseKind, type TestDatabase } from './helpers/database.js';

/**
 * The data that earlier versions stored, carried through this issue's
 * migrations: tags the new key makes equal, admins, text of deleted things,
 * values outside the declared ranges. Starts from the schema before them.
 */
describe(`migrating existing data (${databaseKind})`, () => {
  let db: TestDatabase;
  let orm: MikroORM;
  const sql = <T = Record<string, unknown>>(query: string, params: unknown[] = []) => rootEm(orm).getConnection().execute<T[]>(query, params as never[]);
  const ct: Record<string, number> = {};
  const ids: Record<string, number> = {};

  beforeAll(async () => {
    db = await createEmptyDatabase();
    orm = await initOrm(db.config, createAppRegistry());
    await orm.migrator.up({ to: 'Migration20261121131810_api_tokens' });
    for (const [app, model] of [['blog', 'article'], ['shop', 'product'], ['library', 'book'], ['accounts', 'user']]) {
      ct[model] = Number((await sql<{ id: number }>(`insert into content_type (app_label, model) values (?, ?) returning id`, [app, model]))[0].id);
    }
    const articles = await sql<{ id: number }>(`insert into article (title) values ('one'), ('two'), ('gone') returning id`);
    [ids.one, ids.two, ids.gone] = articles.map((a) => Number(a.id));
    const tags = await sql<{ id: number }>(
      `insert into tag (name, slug) values ('Straße', 's1'), ('STRASSE', 's2'), ('café', 'c1'), (?, 'c2'), ('Ｓtrasse', 's3'), ('other', 'o') returning id`,
      ['cafe\u0301'],
    );
    const item = (tag: number, article: number) => sql(`insert into tagged_item (tag_id, content_type_id, object_id) values (?, ?, ?)`, [tags[tag].id, ct.article, article]);
    await item(0, ids.one);
    await item(1, ids.one); // the same object: must not be duplicated
    await item(1, ids.two);
    await item(4, ids.two);
    await item(3, ids.two);

    const users = await sql<{ id: number }>(`insert into "user" (username, name, is_admin) values ('boss', 'Boss', true), ('pleb', 'Pleb', false) returning id`);
    [ids.boss, ids.pleb] = users.map((u) => Number(u.id));
    const [comment] = await sql<{ id: number }>(`insert into comment (content_type_id, object_id, author_id, body) values (?, ?, ?, 'still here') returning id`, [ct.article, ids.one, ids.pleb]);
    ids.comment = Number(comment.id);
    const entry = (verb: string, objectId: number, data: unknown) =>
      sql(`insert into activity_entry (actor_id, verb, content_type_id, object_id, object_repr, data) values (?, ?, ?, ?, 'repr', ?::jsonb)`, [ids.pleb, verb, ct.article, objectId, JSON.stringify(data)]);
    await entry('commented', ids.one, { comment: toGlobalId('Comment', ids.comment), excerpt: 'still here' });
    await entry('commented', ids.one, { comment: toGlobalId('Comment', 999), excerpt: 'OLD-deleted comment' });
    await entry('comment_edited', ids.one, { comment: toGlobalId('Comment', 999), changes: { body: { old: 'OLD-a', new: 'OLD-b' } } });
    await entry('comment_deleted', ids.one, { comment: toGlobalId('Comment', 999), excerpt: 'OLD-b' });
    await entry('updated', ids.gone, { changes: { title: { old: 'OLD-title', new: 'gone' } } });
    await entry('updated', ids.one, { changes: { title: { old: 'first', new: 'one' } } });
    await sql(`delete from article where id = ?`, [ids.gone]);

    await sql(`insert into product (name, sku, price_cents) values ('cheap', 'A', -100), ('fine', 'B', 250)`);
    await sql(`insert into book (title, author_name, published_year) values ('far', 'X', 2147483647), ('old', 'Y', 1605), ('neg', 'Z', -5)`);
    // Up to the last migration of that work only: later migrations (a demo type removed, say) must not change what this checks.
    await orm.migrator.up({ to: 'Migration20261130163148_value_ranges' });
  });
  afterAll(async () => {
    await orm?.close(true);
    await db?.drop();
  });

  it('merges the tags the new key makes equal, deterministically: the oldest keeps its name and slug and gets the tagged items', async () => {
    const rows = await sql<{ name: string; slug: string; n: number }>(
      `select t.name, t.slug, (select count(*)::int from tagged_item ti where ti.tag_id = t.id) as n from tag t order by t.id`,
    );
    expect(rows).toEqual([
      { name: 'Straße', slug: 's1', n: 2 },
      { name: 'café', slug: 'c1', n: 1 },
      { name: 'other', slug: 'o', n: 0 },
    ]);
    expect(await sql(`select 1 from tagged_item`)).toHaveLength(3);
  });

  it('turns admins into the admin role and everyone else into members', async () => {
    expect(await sql(`select username, role from "user" order by id`)).toEqual([
      { username: 'boss', role: 'admin' },
      { username: 'pleb', role: 'member' },
    ]);
  });

  it('redacts what earlier versions kept of deleted comments and objects, and nothing else', async () => {
    const rows = await sql<{ verb: string; object_id: number; data: unknown; redacted: boolean }>(
      `select verb, object_id, data, redacted_at is not null as redacted from activity_entry order by id`,
    );
    const gone = toGlobalId('Comment', 999);
    expect(rows.map((r) => ({ ...r, object_id: Number(r.object_id) }))).toEqual([
      { verb: 'commented', object_id: ids.one, data: { comment: toGlobalId('Comment', ids.comment), excerpt: 'still here' }, redacted: false },
      { verb: 'commented', object_id: ids.one, data: { comment: gone }, redacted: true },
      { verb: 'comment_edited', object_id: ids.one, data: { comment: gone }, redacted: true },
      { verb: 'comment_deleted', object_id: ids.one, data: { comment: gone }, redacted: true },
      { verb: 'updated', object_id: ids.gone, data: null, redacted: true },
      { verb: 'updated', object_id: ids.one, data: { changes: { title: { old: 'first', new: 'one' } } }, redacted: false },
    ]);
  });

  it('brings values inside the declared ranges before the database enforces them', async () => {
    expect(await sql(`select sku, price_cents from product order by sku`)).toEqual([
      { sku: 'A', price_cents: 0 },
      { sku: 'B', price_cents: 250 },
    ]);
    expect(await sql(`select title, published_year from book order by title`)).toEqual([
      { title: 'far', published_year: null },
      { title: 'neg', published_year: null },
      { title: 'old', published_year: 1605 },
    ]);
  });

  it('carries the same rows through the generic-key migration (text object ids, uuid keys): every object id becomes the text of its key, nothing else changes', async () => {
    const snapshot = () =>
      sql<{ t: string; n: number; ids: string }>(
        `select 'tagged_item' as t, count(*)::int as n, string_agg(object_id::text, ',' order by id) as ids from tagged_item
         union all select 'comment', count(*)::int, string_agg(object_id::text, ',' order by id) from comment
         union all select 'activity_entry', count(*)::int, string_agg(object_id::text || ':' || coalesce(data::text, ''), ',' order by id) from activity_entry`,
      );
    const before = await snapshot();
    await orm.migrator.up({ to: 'Migration20261130165750_uuid_keys_relations' });
    expect(await snapshot()).toEqual(before);
    const [{ types }] = await sql<{ types: string }>(
      `select string_agg(distinct data_type, ',') as types from information_schema.columns
        where table_schema = current_schema() and (table_name, column_name) in (('tagged_item', 'object_id'), ('comment', 'object_id'), ('activity_entry', 'object_id'), ('content_link', 'source_id'), ('content_link', 'target_id'))`,
    );
    expect(types).toBe('text');
    // The new check triggers accept the carried rows as they are and refuse a dangling id.
    await sql(`update comment set object_id = object_id, content_type_id = content_type_id where id = ?`, [ids.comment]);
    await expect(sql(`update comment set object_id = '999999' where id = ?`, [ids.comment])).rejects.toThrow(/does not exist/);
  });
});
