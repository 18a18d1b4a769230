import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { databaseKind } from './helpers/database.js';
import {
  CONTENT_TYPE_NAMES,
  commentOn,
  contentTypeIds,
  createObjects,
  createTags,
  link,
  type ObjectRef,
  recordActivity,
  tagObjects,
} from './helpers/read-data.js';
import { startTestServer, type TestServer } from './helpers/server.js';

/**
 * The statements a request issues depend on the content types and relations
 * it selects, never on how many rows it returns (docs/performance.md). Each
 * query runs with first: 10 and first: 100 over data spanning every content
 * type; the counts come from `extensions.sqlStatements` (the server counts
 * every statement the request's ORM connection issues).
 */
const TYPES = CONTENT_TYPE_NAMES.length;
/** The documented constant of docs/performance.md: statements besides the one-per-content-type loads. */
const CONSTANT = 3;

const FEED = `query($first: Int) {
  activity(first: $first) {
    edges { node { target { __typename ... on Taggable { tags { name } } ... on Article { title } } actor { name } } }
  }
}`;

const TAG_ITEMS = `query($first: Int) {
  tag(name: "everywhere") {
    items(first: $first) { edges { node { __typename ... on Commentable { commentCount } } } }
  }
}`;

const LIST_WITH_RELATIONS = `query($first: Int) {
  articles(first: $first) {
    edges { node {
      title tags { name } commentCount
      comments(first: 2) { edges { node { body author { name } } } }
      activity(first: 2) { edges { node { verb } } }
      outgoingLinks(first: 2) { edges { node { kind target { __typename ... on Video { title } } } } }
    } }
  }
}`;

describe(`SQL statements per request do not grow with the page size (${databaseKind})`, () => {
  let t: TestServer;
  const measured: Record<string, Record<number, number>> = {};

  async function statements(name: string, query: string, first: number, check: (data: any) => void): Promise<number> {
    const res = await t.gql(query, { first });
    expect(res.errors).toBeUndefined();
    check(res.data);
    expect(res.extensions?.sqlStatements).toBeTypeOf('number');
    (measured[name] ??= {})[first] = res.extensions!.sqlStatements!;
    return res.extensions!.sqlStatements!;
  }

  beforeAll(async () => {
    t = await startTestServer();
    const cts = await contentTypeIds(t.sql);
    const byType: ObjectRef[][] = [];
    for (const type of CONTENT_TYPE_NAMES) byType.push(await createObjects(t.sql, cts, type, 30, `${type} for counting`));
    // Round-robin across the types, so every page of the feed and of the tag spans all of them.
    const mixed = byType[0].flatMap((_, i) => byType.map((objects) => objects[i]));
    const [everywhere, even, odd] = await createTags(t.sql, ['everywhere', 'even', 'odd']);
    await tagObjects(t.sql, mixed, [everywhere], (i) => new Date(Date.UTC(2025, 0, 1, 0, i)));
    await tagObjects(t.sql, mixed.filter((_, i) => i % 2 === 0), [even]);
    await tagObjects(t.sql, mixed.filter((_, i) => i % 2 === 1), [odd]);
    const users = byType[CONTENT_TYPE_NAMES.indexOf('User')];
    await commentOn(t.sql, mixed, users[0].id, 2);
    await commentOn(t.sql, mixed, users[1].id, 1);
    const articles = byType[CONTENT_TYPE_NAMES.indexOf('Article')];
    const videos = byType[CONTENT_TYPE_NAMES.indexOf('Video')];
    for (let i = 0; i < articles.length; i++) await link(t.sql, articles[i], videos[i]);
    await recordActivity(t.sql, mixed, null, 'created', (i) => new Date(Date.UTC(2025, 1, 1, 0, i)));
    // Actors: 10 different users, in turn.
    await t.sql(`update activity_entry set actor_id = (select id from "user" order by id offset (activity_entry.id % 10) limit 1)`);
  });
  afterAll(() => {
    console.info(`[${databaseKind}] statements per request (first: 10 / first: 100):`, JSON.stringify(measured));
    return t?.stop();
  });

  it('feed with union targets, their tags and actors: same count for 10 and 100 entries, ≤ types + constant', async () => {
    const check = (n: number) => (data: any) => {
      expect(data.activity.edges).toHaveLength(n);
      expect(new Set(data.activity.edges.map((e: any) => e.node.target.__typename)).size).toBe(TYPES);
      expect(data.activity.edges.every((e: any) => e.node.target.tags.length === 2 && e.node.actor.name)).toBe(true);
    };
    const ten = await statements('feed', FEED, 10, check(10));
    const hundred = await statements('feed', FEED, 100, check(100));
    expect(hundred).toBe(ten);
    expect(ten).toBeLessThanOrEqual(TYPES + CONSTANT);
  });

  it('tag items across types with comment counts: same count for 10 and 100 items, ≤ types + constant', async () => {
    const check = (n: number) => (data: any) => {
      expect(data.tag.items.edges).toHaveLength(n);
      expect(new Set(data.tag.items.edges.map((e: any) => e.node.__typename)).size).toBe(TYPES);
      expect(data.tag.items.edges.every((e: any) => e.node.commentCount === 3)).toBe(true);
    };
    const ten = await statements('tagItems', TAG_ITEMS, 10, check(10));
    const hundred = await statements('tagItems', TAG_ITEMS, 100, check(100));
    expect(hundred).toBe(ten);
    expect(ten).toBeLessThanOrEqual(TYPES + CONSTANT);
  });

  it('a list with tags, comment counts and the first comments, activity and links of each object: same count for 10 and 30', async () => {
    const check = (n: number) => (data: any) => {
      expect(data.articles.edges).toHaveLength(n);
      for (const { node } of data.articles.edges) {
        expect(node.comments.edges).toHaveLength(2);
        expect(node.activity.edges).toHaveLength(1);
        expect(node.outgoingLinks.edges[0].node.target.__typename).toBe('Video');
      }
    };
    const ten = await statements('articleList', LIST_WITH_RELATIONS, 10, check(10));
    const all = await statements('articleList', LIST_WITH_RELATIONS, 100, check(30));
    expect(all).toBe(ten);
    // list, tags, comment counts, comments, activity, links, then authors (User) and link targets (Video): one each.
    expect(ten).toBe(8);
  });
});
