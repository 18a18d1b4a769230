import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAppRegistry } from '../src/app/registry.js';
import type { RegisteredContentType } from '../src/generic/content-type.registry.js';
import { createContent, createTestUser, errorCodes, type TestUser } from './helpers/accounts.js';
import { databaseKind } from './helpers/database.js';
import { startTestServer, type TestServer } from './helpers/server.js';

const ADD = `mutation($target: ID!, $emoji: String!) {
  addReaction(target: $target, emoji: $emoji) {
    changed
    reaction { id emoji user { username } target { __typename } }
    target { ... on Reactable { reactionCount reactionCounts { emoji count } } }
  }
}`;
const REMOVE = `mutation($target: ID!, $emoji: String!) { removeReaction(target: $target, emoji: $emoji) { changed target { ... on Reactable { reactionCount } } } }`;

/**
 * The demo's Reaction relation, over HTTP on the application. The content
 * types come from its registry (each type's demo values make a valid
 * create input), so adding or removing a demo type changes nothing here.
 */
describe.skipIf(!createAppRegistry().relationNamed('reactions'))(`reactions in the demo application (${databaseKind})`, () => {
  let t: TestServer;
  let ada: TestUser;
  let grace: TestUser;
  let types: RegisteredContentType[];
  /** An object of a type from its `i`th demo values (distinct samples, as unique fields need). */
  const create = (type: RegisteredContentType, i = 0) => {
    const demo = type.options.demo!;
    return createContent(t, grace.token, type.typeName, demo[i % demo.length].values as Record<string, unknown>);
  };

  beforeAll(async () => {
    t = await startTestServer({}, { app: 'demo' });
    ada = await createTestUser(t, 'ada', { admin: true });
    grace = await createTestUser(t, 'grace');
    types = t.server.registry.typesOf('reactions').filter((type) => type.options.crud !== false && type.options.demo?.length);
  });
  afterAll(() => t?.stop());

  it('takes reactions on every participating type, one per user, object and emoji, with counts per emoji', async () => {
    expect(types.length).toBeGreaterThan(0);
    for (const type of types) {
      const object = await create(type);
      const first = await t.gql(ADD, { target: object.id, emoji: '👍' }, { token: grace.token });
      expect(first.errors).toBeUndefined();
      expect(first.data.addReaction).toMatchObject({
        changed: true,
        reaction: { emoji: '👍', user: { username: 'grace' }, target: { __typename: type.typeName } },
        target: { reactionCount: 1, reactionCounts: [{ emoji: '👍', count: 1 }] },
      });
      expect((await t.gql(ADD, { target: object.id, emoji: '👍' }, { token: grace.token })).data.addReaction.changed).toBe(false);
      await t.gql(ADD, { target: object.id, emoji: '👍' }, { token: ada.token });
      const third = await t.gql(ADD, { target: object.id, emoji: '🎉' }, { token: ada.token });
      expect(third.data.addReaction.target).toEqual({
        reactionCount: 3,
        reactionCounts: [
          { emoji: '👍', count: 2 },
          { emoji: '🎉', count: 1 },
        ],
      });
      expect((await t.gql(REMOVE, { target: object.id, emoji: '👍' }, { token: grace.token })).data.removeReaction).toEqual({ changed: true, target: { reactionCount: 2 } });
      const feed = await t.gql('query($t: ID!) { activity(target: $t) { edges { node { verb data } } } }', { t: object.id });
      expect(feed.data.activity.edges.map((e: any) => e.node.verb)).toEqual(['unreacted', 'reacted', 'reacted', 'reacted', 'created']);
    }
  });

  it('accepts one emoji of any kind (skin tones, ZWJ sequences, flags) and refuses anything else', async () => {
    const object = await create(types[0], 1);
    for (const emoji of ['👍🏽', '👩‍💻', '🇫🇷', '❤️', '🏳️‍🌈']) {
      const res = await t.gql(ADD, { target: object.id, emoji }, { token: grace.token });
      expect(res.errors, emoji).toBeUndefined();
      expect(res.data.addReaction.reaction.emoji).toBe(emoji);
    }
    for (const emoji of ['', 'a', '👍👍', '👍 ', 'ok', '1', '\u0000', '😀'.repeat(40)]) {
      const res = await t.gql(ADD, { target: object.id, emoji }, { token: grace.token });
      expect(errorCodes(res), JSON.stringify(emoji)).toEqual(['BAD_USER_INPUT']);
      expect(res.errors![0].extensions!.argumentName).toBe('emoji');
    }
  });

  it('goes with its object (cascade), whatever the key kind', async () => {
    for (const type of types) {
      const object = await create(type, 2);
      await t.gql(ADD, { target: object.id, emoji: '🔥' }, { token: grace.token });
      const deleted = await t.gql(`mutation($id: ID!) { d: delete${type.typeName}(id: $id) { deletedId } }`, { id: object.id }, { token: grace.token });
      expect(deleted.errors).toBeUndefined();
      const ct = t.server.registry.idOf(type.cls);
      expect(await t.sql('select 1 from reaction where content_type_id = ? and object_id = ?', [ct, String(object.databaseId)])).toEqual([]);
    }
  });
});
