import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createContent, createTestUser, errorCodes, type TestUser } from './helpers/accounts.js';
import { databaseKind } from './helpers/database.js';
import { startTestServer, type TestServer } from './helpers/server.js';

const ADD = 'mutation($id: ID!, $names: [String!]!) { addTags(target: $id, names: $names) { changed } }';
const SET = 'mutation($id: ID!, $names: [String!]!) { setTags(target: $id, names: $names) { added } }';
const TAGS = 'query($id: ID!) { node(id: $id) { ... on FixtureAnimal { tags { name } } } }';

/**
 * Regression: addTags took the object's tag advisory lock and then (its
 * tagged_item insert's trigger) a FOR KEY SHARE lock of the object row,
 * setTags the row FOR UPDATE and then the advisory lock: on PostgreSQL,
 * concurrent addTags and setTags of one object deadlocked, answered
 * INTERNAL_SERVER_ERROR once the retries ran out, or TIMEOUT. Both take the
 * row first now. (On the embedded PGlite the calls run one at a time.)
 */
describe(`regression: concurrent addTags and setTags of one object (${databaseKind})`, () => {
  let t: TestServer;
  let users: TestUser[];
  beforeAll(async () => {
    t = await startTestServer({}, { app: 'core' });
    users = [await createTestUser(t, 'ann'), await createTestUser(t, 'bob')];
  });
  afterAll(() => t?.stop());

  it('every call succeeds and the object carries at most 50 tags', async () => {
    for (let round = 0; round < 3; round++) {
      const { id } = await createContent(t, users[0].token, 'FixtureAnimal', { name: `Contended ${round}` });
      const results = await Promise.all(
        Array.from({ length: 10 }, (_, k) =>
          t.gql(k % 2 ? ADD : SET, { id, names: Array.from({ length: 5 }, (_, i) => `r${round}k${k}n${i}`) }, { token: users[0].token }),
        ),
      );
      for (const result of results) expect(errorCodes(result), JSON.stringify(result.errors)).toEqual([]);
      const tags = (await t.gql(TAGS, { id })).data.node.tags;
      expect(tags.length).toBeGreaterThanOrEqual(5);
      expect(tags.length).toBeLessThanOrEqual(50);
    }
  });
});
