import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createContent, createTestUser, type TestUser } from './helpers/accounts.js';
import { databaseKind } from './helpers/database.js';
import { startTestServer, type TestServer } from './helpers/server.js';

/** A cursor belongs to the list that returned it: any other list answers BAD_USER_INPUT naming `after`. */
describe(`cursors carry their list (${databaseKind})`, () => {
  let t: TestServer;
  let user: TestUser;
  const cursors: Record<string, string> = {};
  const objects: { id: string }[] = [];

  beforeAll(async () => {
    t = await startTestServer({}, { app: 'core' });
    user = await createTestUser(t, 'pager');
    for (let i = 0; i < 2; i++) {
      const animal = await createContent(t, user.token, 'FixtureAnimal', { name: `Paged ${i}` });
      objects.push(animal);
      for (const body of ['one', 'two']) {
        await t.gql('mutation($t: ID!, $b: String!) { addComment(target: $t, body: $b) { id } }', { t: animal.id, b: body }, { token: user.token });
      }
      await t.gql('mutation($t: ID!) { addTags(target: $t, names: ["paged", "other"]) { changed } }', { t: animal.id }, { token: user.token });
    }
    for (const kind of ['related', 'cites']) {
      const link = 'mutation($s: ID!, $t: ID!, $k: String!) { linkObjects(source: $s, target: $t, kind: $k) { id } }';
      expect((await t.gql(link, { s: objects[0].id, t: objects[1].id, k: kind }, { token: user.token })).errors).toBeUndefined();
      expect((await t.gql(link, { s: objects[1].id, t: objects[0].id, k: kind }, { token: user.token })).errors).toBeUndefined();
    }
    const res = await t.gql(
      `query($a: ID!) {
        activity(first: 1) { pageInfo { endCursor } }
        fixtureAnimals(first: 1) { pageInfo { endCursor } }
        users(first: 1) { pageInfo { endCursor } }
        tags(first: 1) { pageInfo { endCursor } }
        tag(name: "paged") { items(first: 1) { pageInfo { endCursor } } }
        comments(target: $a, first: 1) { pageInfo { endCursor } }
        node(id: $a) { ... on HasActivity { activity(first: 1) { pageInfo { endCursor } } } ... on Linkable { outgoingLinks(first: 1) { pageInfo { endCursor } } incomingLinks(first: 1) { pageInfo { endCursor } } } }
      }`,
      { a: objects[0].id },
    );
    expect(res.errors).toBeUndefined();
    cursors.activity = res.data.activity.pageInfo.endCursor;
    cursors.fixtureAnimals = res.data.fixtureAnimals.pageInfo.endCursor;
    cursors.users = res.data.users.pageInfo.endCursor;
    cursors.tags = res.data.tags.pageInfo.endCursor;
    cursors.tagItems = res.data.tag.items.pageInfo.endCursor;
    cursors.comments = res.data.comments.pageInfo.endCursor;
    cursors.objectActivity = res.data.node.activity.pageInfo.endCursor;
    // Two lists derived from one relation declaration (links): one per end.
    cursors.outgoingLinks = res.data.node.outgoingLinks.pageInfo.endCursor;
    cursors.incomingLinks = res.data.node.incomingLinks.pageInfo.endCursor;
  });
  afterAll(() => t?.stop());

  const LISTS: Record<string, string> = {
    activity: 'query($after: String, $a: ID!) { x: activity(after: $after) { edges { cursor } } _: node(id: $a) { id } }',
    fixtureAnimals: 'query($after: String, $a: ID!) { x: fixtureAnimals(after: $after) { edges { cursor } } _: node(id: $a) { id } }',
    users: 'query($after: String, $a: ID!) { x: users(after: $after) { edges { cursor } } _: node(id: $a) { id } }',
    tags: 'query($after: String, $a: ID!) { x: tags(after: $after) { edges { cursor } } _: node(id: $a) { id } }',
    tagItems: 'query($after: String, $a: ID!) { tag(name: "paged") { x: items(after: $after) { edges { cursor } } } _: node(id: $a) { id } }',
    comments: 'query($after: String, $a: ID!) { x: comments(target: $a, after: $after) { edges { cursor } } }',
    objectActivity: 'query($after: String, $a: ID!) { node(id: $a) { ... on HasActivity { x: activity(after: $after) { edges { cursor } } } } }',
    outgoingLinks: 'query($after: String, $a: ID!) { node(id: $a) { ... on Linkable { x: outgoingLinks(after: $after) { edges { cursor } } } } }',
    incomingLinks: 'query($after: String, $a: ID!) { node(id: $a) { ... on Linkable { x: incomingLinks(after: $after) { edges { cursor } } } } }',
  };

  it('accepts each list’s own cursor and refuses it in every other list', async () => {
    for (const [owner, cursor] of Object.entries(cursors)) {
      for (const [list, query] of Object.entries(LISTS)) {
        const res = await t.gql(query, { after: cursor, a: objects[0].id });
        if (list === owner) expect(res.errors, `${owner} in ${list}`).toBeUndefined();
        else {
          expect(res.errors?.[0].extensions, `${owner} cursor in ${list}`).toMatchObject({ code: 'BAD_USER_INPUT', argumentName: 'after' });
          expect(res.errors![0].message).toContain('a cursor of another list');
        }
      }
    }
  });

  it('refuses a cursor of the same list of another object', async () => {
    for (const list of ['comments', 'objectActivity', 'outgoingLinks', 'incomingLinks']) {
      const res = await t.gql(LISTS[list], { after: cursors[list], a: objects[1].id });
      expect(res.errors?.[0].extensions, list).toMatchObject({ code: 'BAD_USER_INPUT', argumentName: 'after' });
    }
  });

  it('refuses forged, truncated and huge cursors with BAD_USER_INPUT', async () => {
    const forged = [
      Buffer.from(JSON.stringify(['activity', 'yesterday', 1])).toString('base64url'),
      Buffer.from(JSON.stringify(['activity', 1])).toString('base64url'),
      cursors.activity.slice(0, -3),
      'x'.repeat(100_000),
      Buffer.from(JSON.stringify(['activity', '2026-01-01T00:00:00.000000Z', 1e300])).toString('base64url'),
    ];
    for (const after of forged) {
      const res = await t.gql(LISTS.activity, { after, a: objects[0].id });
      expect(res.errors?.[0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', argumentName: 'after' });
    }
  });
});
