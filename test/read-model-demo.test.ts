import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FEED_QUERY, OBJECT_PAGE_QUERY, TAG_PAGE_QUERY } from '../bench/queries.js';
import { databaseKind } from './helpers/database.js';
import { compareContentObjects, compareEveryEntity } from './helpers/read-model.js';
import { startTestServer, type TestServer } from './helpers/server.js';

/** The read path's read-only objects against the ORM's on the demo application, and the bench's queries against the database. */
describe(`read-only objects of the read path: the demo application (${databaseKind})`, () => {
  let demo: TestServer;
  beforeAll(async () => {
    demo = await startTestServer({ seedDemoData: true });
  });
  afterAll(() => demo?.stop());

  it('map every entity as the ORM does', async () => {
    expect(await compareEveryEntity(demo)).toBeGreaterThanOrEqual(demo.server.orm.getMetadata().getAll().size / 2);
  });

  it('read the targets of every content type in one joined batch (types sharing columns) as the ORM does', async () => {
    // every type with demo data (a type added without any is left out, not a failure)
    expect(await compareContentObjects(demo)).toBeGreaterThanOrEqual(2);
  });

  it('answer the bench queries with what the database holds, per the registry (feed actors and targets, a tag page, an object page)', async () => {
    const registry = demo.server.registry;
    const feed = await demo.gql(FEED_QUERY);
    expect(feed.errors).toBeUndefined();
    const entries = await demo.sql<{ content_type_id: number; object_id: string; actor_name: string | null; verb: string }>(
      `select e.content_type_id, e.object_id, e.verb, u.name as actor_name from activity_entry e left join "user" u on u.id = e.actor_id order by e.created_at desc, e.id desc limit 100`,
    );
    expect(feed.data.activity.edges).toHaveLength(entries.length);
    expect(entries.length).toBeGreaterThan(0);
    feed.data.activity.edges.forEach(({ node }: any, i: number) => {
      const entry = entries[i];
      expect(node.verb).toBe(entry.verb);
      expect(node.actor?.name ?? null).toBe(entry.actor_name);
      const type = registry.byId(entry.content_type_id);
      if (node.target) expect(node.target.__typename).toBe(type?.typeName);
    });
    const [tag] = await demo.sql<{ name: string }>(`select name from tag order by id limit 1`);
    const tagPage = await demo.gql(TAG_PAGE_QUERY, { name: tag.name, first: 100 });
    expect(tagPage.errors).toBeUndefined();
    const items = await demo.sql<{ content_type_id: number }>(
      `select content_type_id from tagged_item where tag_id = (select id from tag where name = ?) order by created_at desc, id desc limit 100`,
      [tag.name],
    );
    expect(tagPage.data.tag.items.edges.map((e: any) => e.node.__typename)).toEqual(items.map((i) => registry.byId(i.content_type_id)?.typeName));
    // The bench's object page is an Article's (bench/queries.ts); checked while the demo has that type.
    const articles = registry.byTypeName('Article');
    const [article] = articles ? await demo.sql<{ id: number }>(`select id from "${articles.tableName}" order by id limit 1`) : [];
    if (article) {
      const page = await demo.gql(OBJECT_PAGE_QUERY, { id: Buffer.from(`Article:${article.id}`).toString('base64url'), first: 20 });
      expect(page.errors).toBeUndefined();
      const comments = await demo.sql<{ body: string; name: string }>(
        `select c.body, u.name from comment c join "user" u on u.id = c.author_id where c.content_type_id = ? and c.object_id = ? order by c.created_at, c.id limit 20`,
        [registry.idOf(articles!.cls), String(article.id)],
      );
      expect(page.data.node.comments.edges.map((e: any) => [e.node.body, e.node.author.name])).toEqual(comments.map((c) => [c.body, c.name]));
    }
  });
});
