import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createContent, createTestUser, errorCodes, type TestUser } from './helpers/accounts.js';
import { databaseKind } from './helpers/database.js';
import { startTestServer, type TestServer } from './helpers/server.js';

const LINK = 'mutation($source: ID!, $target: ID!, $data: JSON) { linkObjects(source: $source, target: $target, kind: "related", data: $data) { id data } }';
const LINK_NO_DATA = 'mutation($source: ID!, $target: ID!) { linkObjects(source: $source, target: $target, kind: "related") { id data } }';
const LINK_DATA = 'query($id: ID!) { node(id: $id) { ... on ContentLink { data } } }';

/**
 * Regression: `linkObjects` on an existing link with other `data` replaced
 * that data for any signed-in user (rule `links.add` only), so a member
 * could rewrite or erase (data: null) a link another member made between
 * objects neither of them owned by them. Changing a link's data now also
 * needs `links.remove` (its creator, the owner of either end, an admin).
 */
describe(`regression: replacing another user's link data (${databaseKind})`, () => {
  let t: TestServer;
  let ann: TestUser;
  let bob: TestUser;
  let root: TestUser;
  beforeAll(async () => {
    t = await startTestServer({}, { app: 'core' });
    ann = await createTestUser(t, 'ann');
    bob = await createTestUser(t, 'bob');
    root = await createTestUser(t, 'root', { admin: true });
  });
  afterAll(() => t?.stop());

  it("a member who may not unlink a link may not rewrite or erase its data; its creator, an end's owner and an admin may", async () => {
    const a = (await createContent(t, root.token, 'FixtureAnimal', { name: 'A' })).id;
    const b = (await createContent(t, root.token, 'FixtureAnimal', { name: 'B' })).id;
    const made = await t.gql(LINK, { source: a, target: b, data: { note: 'ann' } }, { token: ann.token });
    expect(made.errors).toBeUndefined();
    const link = made.data.linkObjects.id;

    for (const data of [{ pwn: true }, null]) {
      const res = await t.gql(LINK, { source: a, target: b, data }, { token: bob.token });
      expect(errorCodes(res), JSON.stringify(res.errors)).toEqual(['FORBIDDEN']);
      expect(res.errors![0].extensions!.rule).toBe('links.remove');
      expect((await t.gql(LINK_DATA, { id: link })).data.node.data).toEqual({ note: 'ann' });
    }
    // Linking again without data, or with the same data, changes nothing and stays open to anyone.
    expect((await t.gql(LINK_NO_DATA, { source: a, target: b }, { token: bob.token })).data.linkObjects).toEqual({ id: link, data: { note: 'ann' } });
    expect((await t.gql(LINK, { source: a, target: b, data: { note: 'ann' } }, { token: bob.token })).data.linkObjects).toEqual({ id: link, data: { note: 'ann' } });

    expect((await t.gql(LINK, { source: a, target: b, data: { note: 'ann 2' } }, { token: ann.token })).data.linkObjects.data).toEqual({ note: 'ann 2' });
    expect((await t.gql(LINK, { source: a, target: b, data: { note: 'root' } }, { token: root.token })).data.linkObjects.data).toEqual({ note: 'root' });

    // The owner of an end may too.
    const own = (await createContent(t, bob.token, 'FixtureAnimal', { name: 'bob’s' })).id;
    expect((await t.gql(LINK, { source: own, target: b, data: { by: 'ann' } }, { token: ann.token })).errors).toBeUndefined();
    expect((await t.gql(LINK, { source: own, target: b, data: { by: 'bob' } }, { token: bob.token })).data.linkObjects.data).toEqual({ by: 'bob' });
  });
});
