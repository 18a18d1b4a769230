import crypto from 'node:crypto';
import type { Sql } from './database.js';

/**
 * The data the bench runs on, generated with SQL (the integrity triggers on).
 * Base set, for BENCH_OBJECTS = n objects per demo type (defaults: 10,000
 * objects in all): 50 users, 30 tags (`tag-1` … `tag-30`), 3 tagged items,
 * 2 comments and 5 activity entries per object, a link per book.
 */
const TYPES = [
  { table: 'article', model: 'article', label: 'title', insert: (p: string) => `(title, body, created_at) select '${p}Article ' || g, 'Body of article ' || g,` },
  { table: 'book', model: 'book', label: 'title', insert: (p: string) => `(title, author_name, created_at) select '${p}Book ' || g, 'Author ' || g,` },
  { table: 'video', model: 'video', label: 'title', insert: (p: string) => `(title, url, created_at) select '${p}Video ' || g, 'https://example.com/v/${p}' || g,` },
  { table: 'product', model: 'product', label: 'name', insert: (p: string) => `(name, sku, created_at) select '${p}Product ' || g, 'SKU-${p}' || g,` },
] as const;

export async function contentTypeId(sql: Sql, model: string): Promise<number> {
  const [row] = await sql.query<{ id: number }>(`select id from content_type where model = $1`, [model]);
  if (!row) throw new Error(`no content_type row for ${model}: did the server start (it syncs content types)?`);
  return Number(row.id);
}

/** Inserts `count` objects of every demo type, named `<prefix><Type> <n>`. */
async function insertObjects(sql: Sql, count: number, prefix = ''): Promise<void> {
  for (const type of TYPES) {
    await sql.query(`insert into "${type.table}" ${type.insert(prefix)} now() - g * interval '1 minute' from generate_series(1, ${count}) g`);
  }
}

export async function seedBase(sql: Sql, objects: number): Promise<void> {
  await sql.query(`insert into "user" (username, name) select 'user' || g, 'User ' || g from generate_series(1, 50) g`);
  await sql.query(`insert into tag (name, slug) select 'tag-' || g, 'tag-' || g from generate_series(1, 30) g`);
  await insertObjects(sql, objects);
  const tag1 = Number((await sql.query<{ id: number }>(`select id from tag where name = 'tag-1'`))[0].id);
  for (const type of TYPES) {
    const ct = await contentTypeId(sql, type.model);
    await sql.query(`insert into tagged_item (tag_id, content_type_id, object_id, created_at)
      select ${tag1} + (o.id * 7 + k) % 30, ${ct}, o.id, o.created_at from "${type.table}" o cross join generate_series(0, 2) k`);
    await sql.query(`insert into comment (content_type_id, object_id, author_id, body, created_at, updated_at)
      select ${ct}, o.id, (select min(id) from "user") + (o.id + k) % 50, 'Comment ' || k || ' on ' || o."${type.label}", o.created_at + k * interval '1 second', o.created_at
      from "${type.table}" o cross join generate_series(1, 2) k`);
    await sql.query(`insert into activity_entry (actor_id, verb, content_type_id, object_id, object_repr, created_at)
      select (select min(id) from "user") + (o.id + k) % 50, (array['created', 'tagged', 'commented', 'updated', 'viewed'])[k], ${ct}, o.id, o."${type.label}",
        o.created_at + k * interval '1 second'
      from "${type.table}" o cross join generate_series(1, 5) k`);
  }
  const [book, article] = [await contentTypeId(sql, 'book'), await contentTypeId(sql, 'article')];
  await sql.query(`insert into content_link (source_type_id, source_id, target_type_id, target_id, kind, created_at)
    select ${book}, o.id, ${article}, o.id, 'related', o.created_at from book o where exists (select 1 from article a where a.id = o.id)`);
  await sql.query('analyze');
}

/** What `counts` prints: the size of the data set. */
export async function counts(sql: Sql): Promise<string> {
  const rows = await sql.query<{ t: string; n: string }>(
    `select 'objects' as t, ((select count(*) from article) + (select count(*) from book) + (select count(*) from video) + (select count(*) from product))::text as n
     union all select 'tagged items', count(*)::text from tagged_item
     union all select 'comments', count(*)::text from comment
     union all select 'activity entries', count(*)::text from activity_entry`,
  );
  return rows.map((r) => `${Number(r.n).toLocaleString('en')} ${r.t}`).join(', ');
}

// ---------------------------------------------------------------- bulk load

export const POPULAR_TAG = 'bulk-popular';
export const RARE_TAG = 'bulk-0001';
const ITEMS_PER_OBJECT = 20;
const BULK_TAGS = 1000;

/**
 * Objects and tags for a bulk load of `items` tagged items: `items / 20`
 * objects (spread over the demo types) and 1,000 tags. Every object carries
 * the popular tag (so it has 5 % of the items, like the popular tag of the
 * issue) and 19 of the 999 others (~1,000 items each).
 */
export async function prepareBulk(sql: Sql, items: number): Promise<void> {
  await sql.query(`insert into tag (name, slug) values ('${POPULAR_TAG}', '${POPULAR_TAG}')`);
  await sql.query(`insert into tag (name, slug) select 'bulk-' || lpad(g::text, 4, '0'), 'bulk-' || lpad(g::text, 4, '0') from generate_series(1, ${BULK_TAGS - 1}) g`);
  await insertObjects(sql, Math.ceil(items / ITEMS_PER_OBJECT / TYPES.length), 'Bulk ');
  await sql.query('analyze');
}

/** The statement the bulk load times: `items` tagged items on the bulk objects, in one INSERT … SELECT. */
export async function bulkInsertSql(sql: Sql, items: number): Promise<string> {
  const popular = Number((await sql.query<{ id: number }>(`select id from tag where name = $1`, [POPULAR_TAG]))[0].id);
  const sources: string[] = [];
  for (const type of TYPES) {
    const ct = await contentTypeId(sql, type.model);
    sources.push(`select ${ct} as ct, id, created_at from "${type.table}" where "${type.label}" like 'Bulk %'`);
  }
  // The other bulk tags were inserted right after the popular one: ids popular+1 … popular+999.
  return `insert into tagged_item (tag_id, content_type_id, object_id, created_at)
    select case when k = 0 then ${popular} else ${popular} + 1 + (o.id * 7 + k) % ${BULK_TAGS - 1} end, o.ct, o.id, o.created_at + k * interval '1 second'
    from (${sources.join(' union all ')}) o cross join generate_series(0, ${ITEMS_PER_OBJECT - 1}) k
    limit ${items}`;
}

/** Re-creates the bulk objects (after `bulkDeleteStatements` removed them), not the tags. */
export async function recreateBulkObjects(sql: Sql, items: number): Promise<void> {
  await insertObjects(sql, Math.ceil(items / ITEMS_PER_OBJECT / TYPES.length), 'Bulk ');
  await sql.query('analyze');
}

/** The tables of the bulk objects (the content tables whose delete triggers cascade to the tagged items). */
export const BULK_TABLES = TYPES.map((type) => type.table);

/**
 * Deletes half of the bulk objects (`half`: ids of that parity) with their
 * tagged items: with `byHand`, the tagged items first, then the objects (what
 * an application does without the integrity triggers, with the statement
 * the cascade runs: `object_id = any (…)` on the target index); else only
 * the objects (the triggers' cascade deletes the tagged items). Returns the statements,
 * one per table; both ways delete the same rows.
 */
export async function bulkDeleteStatements(sql: Sql, half: 0 | 1, byHand: boolean): Promise<string[]> {
  const statements: string[] = [];
  for (const type of TYPES) {
    const objects = `from "${type.table}" where "${type.label}" like 'Bulk %' and id % 2 = ${half}`;
    if (byHand) {
      const ct = await contentTypeId(sql, type.model);
      statements.push(`delete from tagged_item where content_type_id = ${ct} and object_id = any (array(select id::text ${objects}))`);
    }
    statements.push(`delete ${objects}`);
  }
  return statements;
}

/** The generic-key integrity triggers of `tagged_item` (generated, named `cg_…`). */
export async function integrityTriggers(sql: Sql, table: string): Promise<string[]> {
  const rows = await sql.query<{ tgname: string }>(
    `select tgname from pg_trigger where tgrelid = $1::regclass and not tgisinternal and tgname like 'cg\\_%' order by tgname`,
    [table],
  );
  return rows.map((r) => r.tgname);
}

/** Adds `count` comments to a new article ("Hot article"); returns its id. */
export async function addHotObject(sql: Sql, count: number): Promise<number> {
  const [row] = await sql.query<{ id: number }>(`insert into article (title, body) values ('Hot article', 'Much discussed') returning id`);
  const id = Number(row.id);
  const ct = await contentTypeId(sql, 'article');
  await sql.query(`insert into comment (content_type_id, object_id, author_id, body, created_at, updated_at)
    select ${ct}, ${id}, (select min(id) from "user") + g % 50, 'Hot comment ' || g, now() - interval '1 day' + g * interval '1 second', now()
    from generate_series(1, ${count}) g`);
  await sql.query('analyze');
  return id;
}

/** An API token of the first user, for the mutations the bench sends (stored hashed, as the server does). */
export async function createToken(sql: Sql): Promise<string> {
  const token = 'cg_' + crypto.randomBytes(32).toString('base64url');
  const hash = crypto.createHash('sha256').update(token).digest('hex');
  await sql.query(`insert into api_token (user_id, name, token_hash, prefix) select min(id), 'bench', $1, $2 from "user"`, [hash, token.slice(0, 11)]);
  return token;
}
