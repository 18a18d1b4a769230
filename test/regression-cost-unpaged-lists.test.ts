import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestUser, type TestUser } from './helpers/accounts.js';
import { databaseKind } from './helpers/database.js';
import { startTestServer, type TestServer } from './helpers/server.js';

/**
 * Found by the hostile review: the cost is meant to bound the objects a
 * response can hold before it runs, but an object's `tags` (an unpaged list)
 * was costed at 20 while nothing bounded it: any member could give an object
 * hundreds of tags, 50 per addTags call. With 300 tags on each of 10 articles
 * this anonymous query cost 42,210 (under the 50,000 limit) and asked for
 * 9,000,000 tags; the production server grew from 243 MB to 2.8 GB and
 * stopped answering, /healthz included:
 *
 *   { articles(first: 10) { edges { node { tags { items(first: 10) { edges { node {
 *       ... on Article { tags { name } } } } } } } } } }
 *
 * Now an object carries at most MAX_TAGS_PER_OBJECT (50) tags (addTags past it
 * is refused, concurrent calls included), `tags` never serves more (rows past
 * it written by raw SQL included), and the cost counts the list as 50.
 * Runs on the test app's User (every application has users).
 */
const ADD = 'mutation($id: ID!, $names: [String!]!) { addTags(target: $id, names: $names) { changed tags { name } } }';
const names = (prefix: string, count: number) => Array.from({ length: count }, (_, i) => `${prefix}-${String(i).padStart(2, '0')}`);

describe(`an object's tags are bounded, and the cost bounds them (${databaseKind})`, () => {
  let t: TestServer;
  let owner: TestUser;
  let racer: TestUser;
  beforeAll(async () => {
    t = await startTestServer();
    owner = await createTestUser(t, 'many-tags');
    racer = await createTestUser(t, 'tag-racer');
  });
  afterAll(() => t?.stop());

  it("never returns more objects than the operation's cost", async () => {
    for (const batch of ['a', 'b']) {
      const res = await t.gql(ADD, { id: owner.globalId, names: names(`cost-${batch}`, 15) }, { token: owner.token });
      expect(res.errors).toBeUndefined();
    }
    const res = await t.gql<{ viewer: { tags: { name: string }[] } }>('{ viewer { tags { name } } }', undefined, { token: owner.token });
    expect(res.errors).toBeUndefined();
    expect(res.data!.viewer.tags).toHaveLength(30);
    const objects = 1 + res.data!.viewer.tags.length; // the viewer and its tags
    const cost = (res.extensions?.cost as { cost: number }).cost;
    expect(objects).toBeLessThanOrEqual(cost);
  });

  it('refuses tags past the bound with BAD_USER_INPUT and writes nothing', async () => {
    const res = await t.gql(ADD, { id: owner.globalId, names: names('over', 21) }, { token: owner.token });
    expect(res.errors?.[0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', argumentName: 'names' });
    expect(res.errors?.[0].message).toMatch(/at most 50/);
    const [{ n }] = await t.sql<{ n: number }>(`select count(*)::int as n from tagged_item where object_id = ? and tag_id in (select id from tag where name like 'over-%')`, [String(owner.id)]);
    expect(n).toBe(0);
    // Up to the bound is fine.
    const fill = await t.gql(ADD, { id: owner.globalId, names: names('fill', 20) }, { token: owner.token });
    expect(fill.errors).toBeUndefined();
    expect((fill.data as any).addTags.tags).toHaveLength(50);
  });

  it('concurrent addTags cannot together pass the bound', async () => {
    const results = await Promise.all(
      Array.from({ length: 6 }, (_, k) => t.gql(ADD, { id: racer.globalId, names: names(`race-${k}`, 10) }, { token: racer.token })),
    );
    const accepted = results.filter((r) => !r.errors).length;
    for (const r of results.filter((r) => r.errors)) expect(r.errors![0].extensions?.code).toBe('BAD_USER_INPUT');
    expect(accepted).toBe(5);
    const [{ n }] = await t.sql<{ n: number }>(`select count(*)::int as n from tagged_item where object_id = ? and tag_id in (select id from tag where name like 'race-%')`, [String(racer.id)]);
    expect(n).toBe(50);
  });

  it('serves at most the bound even when raw SQL wrote more', async () => {
    await t.sql(`insert into tag (name, slug) select 'raw-' || g, 'raw-' || g from generate_series(1, 5) g on conflict do nothing`);
    await t.sql(
      `insert into tagged_item (tag_id, content_type_id, object_id) select t.id, ti.content_type_id, ti.object_id from tag t, ` +
        `(select content_type_id, object_id from tagged_item where object_id = ? limit 1) ti where t.name like 'raw-%'`,
      [String(racer.id)],
    );
    const res = await t.gql<{ viewer: { tags: { name: string }[] } }>('{ viewer { tags { name } } }', undefined, { token: racer.token });
    expect(res.errors).toBeUndefined();
    expect(res.data!.viewer.tags).toHaveLength(50);
  });

  it("refuses the review's query before it runs: nested tags cost 50 each", async () => {
    const res = await t.gql('{ users(first: 10) { edges { node { tags { items(first: 10) { edges { node { ... on User { tags { name } } } } } } } } } }');
    expect(res.errors?.[0].extensions?.code).toBe('QUERY_TOO_COMPLEX');
    expect(res.extensions?.sqlStatements ?? 0).toBe(0);
  });
});
