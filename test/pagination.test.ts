import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { databaseKind } from './helpers/database.js';
import {
  commentOn,
  contentTypeIds,
  CORE_TYPES,
  createObjects,
  createTags,
  insertRows,
  type ObjectRef,
  recordActivity,
  TAGGABLE_TYPES,
  tagObjects,
} from './fixtures/core.data.js';
import { startTestServer, type TestServer } from './helpers/server.js';

interface Page<K> {
  ids: K[];
  endCursor: string | null | undefined;
  hasNextPage: boolean;
}

/**
 * Pages forwards to the end, calling `between()` after every page (which
 * inserts rows), and returns the ids seen in order.
 */
async function pageToTheEnd<K>(fetchPage: (after: string | null | undefined) => Promise<Page<K>>, between: () => Promise<void>): Promise<K[]> {
  const seen: K[] = [];
  let after: string | null | undefined = null;
  for (let pages = 0; pages < 100; pages++) {
    const page = await fetchPage(after);
    seen.push(...page.ids);
    if (!page.hasNextPage) return seen;
    expect(page.endCursor).toBeTruthy();
    after = page.endCursor;
    await between();
  }
  throw new Error('did not reach the end in 100 pages');
}

/** Timestamps with ties (three rows share one) and sub-millisecond steps, as text PostgreSQL parses exactly. */
const FEED = `query($verb: String, $first: Int, $after: String) {
  activity(verb: $verb, first: $first, after: $after) { edges { node { databaseId } } pageInfo { hasNextPage endCursor } }
}`;
const TAG_ITEMS = `query($name: String!, $first: Int, $after: String) {
  tag(name: $name) { items(first: $first, after: $after) { edges { node { __typename ... on ContentNode { databaseId } } } pageInfo { hasNextPage endCursor } } }
}`;
const ANIMALS = `query($first: Int, $after: String) { fixtureAnimals(first: $first, after: $after) { edges { node { databaseId } } pageInfo { hasNextPage endCursor } } }`;
const COMMENTS = `query($id: ID!, $first: Int, $after: String) {
  node(id: $id) { ... on Commentable { comments(first: $first, after: $after) { edges { node { databaseId } } pageInfo { hasNextPage endCursor } } } }
}`;

const tricky = (i: number) => `2025-03-01 10:${String(Math.floor(i / 3) % 60).padStart(2, '0')}:00.${String(100_000 + (i % 2) * 7).padStart(6, '0')}+00`;

describe(`keyset pagination while rows are inserted (${databaseKind})`, () => {
  let t: TestServer;
  let cts: Awaited<ReturnType<typeof contentTypeIds>>;
  let objects: ObjectRef[];
  let actor: ObjectRef;

  beforeAll(async () => {
    t = await startTestServer({}, { app: 'core' });
    cts = await contentTypeIds(t.sql);
    objects = [];
    for (const type of CORE_TYPES) objects.push(...(await createObjects(t.sql, cts, type, 8)));
    actor = objects.find((o) => o.type === 'User')!;
  });
  afterAll(() => t?.stop());

  it('pages the feed to the end with no duplicates or gaps (ties and microseconds included)', async () => {
    await recordActivity(t.sql, objects, actor.id as number, 'paged', tricky);
    const expected = (await t.sql<{ id: number }>(`select id from activity_entry where verb = 'paged' order by created_at desc, id desc`)).map((r) => Number(r.id));
    expect(expected.length).toBe(40);
    const seen = await pageToTheEnd(
      async (after) => {
        const res = await t.gql(FEED, { verb: 'paged', first: 7, after });
        expect(res.errors).toBeUndefined();
        const c = res.data.activity;
        return { ids: c.edges.map((e: any) => e.node.databaseId), ...c.pageInfo };
      },
      // Newer entries arrive between pages; keyset cursors are not shifted by them (OFFSET would repeat rows).
      async () => void (await recordActivity(t.sql, objects.slice(0, 2), actor.id as number, 'paged')),
    );
    expect(seen).toEqual(expected);
  });

  it('pages a tag across content types to the end with no duplicates or gaps', async () => {
    const [tagId] = await createTags(t.sql, ['paging']);
    await tagObjects(t.sql, objects.filter((o) => TAGGABLE_TYPES.includes(o.type)), [tagId], tricky);
    const expected = (
      await t.sql<{ ct: number; oid: string }>(`select content_type_id as ct, object_id as oid from tagged_item where tag_id = ? order by created_at desc, id desc`, [tagId])
    ).map((r) => `${Number(r.ct)}:${r.oid}`);
    const extra = await createObjects(t.sql, cts, 'FixtureFossil', 10, 'Late fossil');
    let next = 0;
    const seen = await pageToTheEnd(
      async (after) => {
        const res = await t.gql(TAG_ITEMS, { name: 'PAGING', first: 6, after });
        expect(res.errors).toBeUndefined();
        const c = res.data.tag.items;
        return { ids: c.edges.map((e: any) => `${cts[e.node.__typename as keyof typeof cts]}:${e.node.databaseId}`), ...c.pageInfo };
      },
      async () => void (await tagObjects(t.sql, [extra[next++]], [tagId])),
    );
    expect(seen).toEqual(expected);
  });

  it('pages a content list to the end with no duplicates or gaps', async () => {
    await insertRows(
      t.sql,
      'cg_fixture_animal',
      Array.from({ length: 23 }, (_, i) => ({ name: `Listed ${i}`, created_at: tricky(i) })),
    );
    const expected = (await t.sql<{ id: number }>('select id from cg_fixture_animal order by created_at desc, id desc')).map((r) => Number(r.id));
    const seen = await pageToTheEnd(
      async (after) => {
        const res = await t.gql(ANIMALS, { first: 5, after });
        expect(res.errors).toBeUndefined();
        return { ids: res.data.fixtureAnimals.edges.map((e: any) => e.node.databaseId), ...res.data.fixtureAnimals.pageInfo };
      },
      async () => void (await insertRows(t.sql, 'cg_fixture_animal', [{ name: 'Inserted meanwhile' }])),
    );
    expect(seen).toEqual(expected);
  });

  it('pages the comments of an object oldest first; comments added meanwhile come at the end, once', async () => {
    const target = objects.find((o) => o.type === 'FixtureFossil')!;
    await commentOn(t.sql, [target], actor.id as number, 12, (i) => new Date(Date.UTC(2025, 4, 1, 0, Math.floor(i / 2))));
    const before = (await t.sql<{ id: number }>('select id from comment where object_id = ? and content_type_id = ? order by created_at, id', [target.key, target.ct])).map((r) =>
      Number(r.id),
    );
    const added: number[] = [];
    const seen = await pageToTheEnd(
      async (after) => {
        const res = await t.gql(COMMENTS, { id: target.gid, first: 5, after });
        expect(res.errors).toBeUndefined();
        const c = res.data.node.comments;
        return { ids: c.edges.map((e: any) => e.node.databaseId), ...c.pageInfo };
      },
      async () => {
        if (added.length < 3) added.push(...(await commentOn(t.sql, [target], actor.id as number, 1)));
      },
    );
    expect(new Set(seen).size).toBe(seen.length);
    expect(seen).toEqual([...before, ...added]);
  });
});
