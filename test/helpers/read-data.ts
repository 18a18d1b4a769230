import { toGlobalId } from '../../src/generic/global-id.js';

/**
 * Explicit data factories for the read-API tests: raw SQL inserts (the write
 * API is tested elsewhere), each returning the new rows' ids. Every insert of
 * a generic row passes the integrity triggers like any other write.
 */
export type Sql = <T = Record<string, unknown>>(query: string, params?: unknown[]) => Promise<T[]>;

export const CONTENT_TYPE_NAMES = ['Article', 'Book', 'Product', 'User', 'Video'] as const;
export type ContentTypeName = (typeof CONTENT_TYPE_NAMES)[number];

const TABLE: Record<ContentTypeName, string> = { Article: 'article', Book: 'book', Product: 'product', User: 'user', Video: 'video' };
const KEY: Record<string, ContentTypeName> = {
  'blog.article': 'Article',
  'library.book': 'Book',
  'shop.product': 'Product',
  'accounts.user': 'User',
  'media.video': 'Video',
};

export interface ObjectRef {
  type: ContentTypeName;
  id: number;
  /** The global ID the API gives this object. */
  gid: string;
  /** content_type.id */
  ct: number;
  repr: string;
}

/** Inserts rows into a table in one statement; returns their ids in order. */
export async function insertRows(sql: Sql, table: string, rows: Record<string, unknown>[]): Promise<number[]> {
  if (rows.length === 0) return [];
  const columns = Object.keys(rows[0]);
  const values = rows.map(() => `(${columns.map(() => '?').join(', ')})`).join(', ');
  const result = await sql<{ id: number }>(
    `insert into "${table}" (${columns.map((c) => `"${c}"`).join(', ')}) values ${values} returning id`,
    rows.flatMap((row) => columns.map((c) => row[c])),
  );
  return result.map((r) => Number(r.id));
}

/** `content_type.id` by GraphQL type name. */
export async function contentTypeIds(sql: Sql): Promise<Record<ContentTypeName, number>> {
  const rows = await sql<{ id: number; app_label: string; model: string }>('select id, app_label, model from content_type');
  const ids = {} as Record<ContentTypeName, number>;
  for (const row of rows) {
    const name = KEY[`${row.app_label}.${row.model}`];
    if (name) ids[name] = Number(row.id);
  }
  return ids;
}

let serial = 0;

/** Creates `count` objects of a content type (titles/names `<prefix> <n>`), created at `at(i)` when given. */
export async function createObjects(
  sql: Sql,
  cts: Record<ContentTypeName, number>,
  type: ContentTypeName,
  count: number,
  prefix: string = type,
  at?: (i: number) => Date | string,
): Promise<ObjectRef[]> {
  const rows: Record<string, unknown>[] = Array.from({ length: count }, (_, i) => {
    const n = ++serial;
    const label = `${prefix} ${i + 1}`;
    const base: Record<ContentTypeName, Record<string, unknown>> = {
      Article: { title: label, body: `Body of ${label}` },
      Book: { title: label, author_name: 'Some Author' },
      Product: { name: label, sku: `SKU-${process.pid}-${n}` },
      User: { username: `user_${n}`, name: label },
      Video: { title: label, url: `https://example.com/v/${n}` },
    };
    return { ...base[type], ...(at ? { created_at: at(i) } : {}) };
  });
  const ids = await insertRows(sql, TABLE[type], rows);
  return ids.map((id, i) => ({
    type,
    id,
    gid: toGlobalId(type, id),
    ct: cts[type],
    repr: String(rows[i].title ?? rows[i].name),
  }));
}

/** Creates tags by name; returns their ids. */
export async function createTags(sql: Sql, names: string[]): Promise<number[]> {
  return insertRows(
    sql,
    'tag',
    names.map((name) => ({ name, slug: name.toLowerCase().replace(/[^a-z0-9]+/g, '-') })),
  );
}

/** Tags each object with each tag id, tagged at `at(i)` (i counts the rows) when given. */
export async function tagObjects(sql: Sql, objects: ObjectRef[], tagIds: number[], at?: (i: number) => Date | string): Promise<number[]> {
  let i = 0;
  const rows = objects.flatMap((o) =>
    tagIds.map((tagId) => ({ tag_id: tagId, content_type_id: o.ct, object_id: o.id, ...(at ? { created_at: at(i++) } : {}) })),
  );
  return insertRows(sql, 'tagged_item', rows);
}

/** Comments on objects: `perObject` each, by `authorId`. */
export async function commentOn(sql: Sql, objects: ObjectRef[], authorId: number, perObject = 1, at?: (i: number) => Date | string): Promise<number[]> {
  let i = 0;
  const rows = objects.flatMap((o) =>
    Array.from({ length: perObject }, (_, k) => ({
      content_type_id: o.ct,
      object_id: o.id,
      author_id: authorId,
      body: `Comment ${k + 1} on ${o.repr}`,
      ...(at ? { created_at: at(i++) } : {}),
    })),
  );
  return insertRows(sql, 'comment', rows);
}

/** Activity entries on objects (one per object, in order), by `actorId`, created at `at(i)` when given. */
export async function recordActivity(sql: Sql, objects: ObjectRef[], actorId: number | null, verb: string, at?: (i: number) => Date | string): Promise<number[]> {
  return insertRows(
    sql,
    'activity_entry',
    objects.map((o, i) => ({
      actor_id: actorId,
      verb,
      content_type_id: o.ct,
      object_id: o.id,
      object_repr: o.repr,
      ...(at ? { created_at: at(i) } : {}),
    })),
  );
}

/** A link of `kind` from `source` to `target`. */
export async function link(sql: Sql, source: ObjectRef, target: ObjectRef, kind = 'related'): Promise<number> {
  const [id] = await insertRows(sql, 'content_link', [
    { source_type_id: source.ct, source_id: source.id, target_type_id: target.ct, target_id: target.id, kind },
  ]);
  return id;
}

/** Timestamps are Dates or PostgreSQL timestamptz text (for microseconds, which a Date cannot hold). */
/** A clock for explicit timestamps: `minutes(i)` is i minutes after a fixed start. */
export function clock(start = Date.UTC(2025, 0, 1)): (i: number) => Date {
  return (i) => new Date(start + i * 60_000);
}
