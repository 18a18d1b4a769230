import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createContent, createTestUser, errorCodes, type TestUser } from './helpers/accounts.js';
import { databaseKind } from './helpers/database.js';
import { startTestServer, type TestServer } from './helpers/server.js';

const ADD = 'mutation($id: ID!, $names: [String!]!) { addTags(target: $id, names: $names) { changed } }';
const SET = 'mutation($id: ID!, $names: [String!]!) { setTags(target: $id, names: $names) { added } }';
const REMOVE = 'mutation($id: ID!, $names: [String!]!) { removeTags(target: $id, names: $names) { changed } }';
const TAGS = 'query($id: ID!) { node(id: $id) { ... on FixtureAnimal { tags { name } } } }';

/**
 * Regression: addTags took the object's tag advisory lock and then (its
 * tagged_item insert's trigger) a FOR KEY SHARE lock of the object row,
 * setTags the row FOR UPDATE and then the advisory lock: on PostgreSQL,
 * concurrent addTags and setTags of one object deadlocked, answered
 * INTERNAL_SERVER_ERROR once the retries ran out, or TIMEOUT; so did
 * removeTags, which read the owner FOR SHARE after its delete, with either.
 * All three take the row first now. (On the embedded PGlite the calls run
 * one at a time.)
 */
describe(`regression: concurrent addTags, setTags and removeTags of one object (${databaseKind})`, () => {
  let t: TestServer;
  let users: TestUser[];
  beforeAll(async () => {
    t = await startTestServer({}, { app: 'core' });
    users = [await createTestUser(t, 'ann'), await createTestUser(t, 'bob')];
  });
  afterAll(() => t?.stop());

  it('every addTags and setTags call succeeds and the object carries at most 50 tags', async () => {
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

  it('addTags, removeTags and setTags by the owner and a member: each succeeds or is FORBIDDEN (a member removing the owner’s tags), never 500 or TIMEOUT', async () => {
    const [ann, bob] = users;
    for (let round = 0; round < 4; round++) {
      const { id } = await createContent(t, ann.token, 'FixtureAnimal', { name: `Mixed ${round}` });
      expect(errorCodes(await t.gql(ADD, { id, names: ['p', 'q', 'r'] }, { token: bob.token }))).toEqual([]);
      const results = await Promise.all(
        Array.from({ length: 12 }, (_, k) =>
          t.gql([ADD, REMOVE, SET][k % 3], { id, names: k % 3 === 2 ? ['q', 's'] : ['p', 'r', `x${k}`] }, { token: (k % 2 ? ann : bob).token }),
        ),
      );
      for (const result of results) expect(['', 'FORBIDDEN'], JSON.stringify(result.errors)).toContain(errorCodes(result).join('+'));
    }
  });
});
