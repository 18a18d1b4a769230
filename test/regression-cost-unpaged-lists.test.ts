import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestUser } from './helpers/accounts.js';
import { databaseKind } from './helpers/database.js';
import { startTestServer, type TestServer } from './helpers/server.js';

/**
 * Found by the hostile review (not fixed: the fix belongs in the read path,
 * where an object's `tags` list is loaded whole, and in the cost model that
 * must agree with it): the cost is meant to bound the objects a response can
 * hold before it runs, but an unpaged list (`tags` of an object) is costed at
 * UNPAGED_LIST_SIZE (20) while nothing bounds it: any member can give an
 * object hundreds of tags, 50 per addTags call. With 300 tags on each of 10
 * articles (60 addTags calls), this anonymous query costs 42,210 (under the
 * 50,000 limit) and asks for 10 × 300 × 10 × 300 = 9,000,000 tags:
 *
 *   { articles(first: 10) { edges { node { tags { items(first: 10) { edges { node {
 *       ... on Article { tags { name } } } } } } } } } }
 *
 * On `npm run start:prod` with PostgreSQL it grew the server from 243 MB to
 * 2.8 GB RSS; after 120 s nothing had answered, /healthz included (no
 * TIMEOUT: the deadline bounds SQL, and the SQL was 9 fast statements).
 * The invariant checked here, on a small scale: a response never holds more
 * objects than its cost.
 */
describe(`the cost bounds unpaged lists (${databaseKind})`, () => {
  let t: TestServer;
  let token: string;
  beforeAll(async () => {
    t = await startTestServer();
    const user = await createTestUser(t, 'many-tags');
    token = user.token;
    for (const batch of [0, 1]) {
      const names = Array.from({ length: 15 }, (_, i) => `many-${batch}-${i}`);
      const res = await t.gql('mutation($id: ID!, $names: [String!]!) { addTags(target: $id, names: $names) { changed } }', { id: user.globalId, names }, { token });
      expect(res.errors).toBeUndefined();
    }
  });
  afterAll(() => t?.stop());

  it("never returns more objects than the operation's cost", async () => {
    const res = await t.gql<{ viewer: { tags: { name: string }[] } }>('{ viewer { tags { name } } }', undefined, { token });
    expect(res.errors).toBeUndefined();
    const objects = 1 + res.data!.viewer.tags.length; // the viewer and its tags
    const cost = (res.extensions?.cost as { cost: number }).cost;
    expect(objects).toBeLessThanOrEqual(cost);
  });
});
