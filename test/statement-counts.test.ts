import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createContent, createTestUser } from './helpers/accounts.js';
import { databaseKind } from './helpers/database.js';
import {
  commentOn,
  contentTypeIds,
  CORE_TYPES,
  createObjects,
  createTags,
  link,
  type ObjectRef,
  recordActivity,
  TAGGABLE_TYPES,
  tagObjects,
  vote,
} from './fixtures/core.data.js';
import { startTestServer, type TestServer } from './helpers/server.js';

/**
 * The statements a request issues depend on the relations it selects, never
 * on how many rows it returns nor on how many content types those rows span
 * (docs/performance.md): targets of any mix of types are one statement per
 * batch, the actors of a feed come with its page. Each
 * query runs with first: 10 and first: 100 over data spanning every content
 * type of the core test app (integer, bigint and uuid keys, a type without
 * tags) and every relation, the derived fixture_votes included; the counts
 * come from `extensions.sqlStatements`.
 */
const TYPES = CORE_TYPES.length;

const FEED = `query($first: Int) {
  activity(first: $first) {
    edges { node { target { __typename ... on Taggable { tags { name } } ... on FixtureAnimal { name } } actor { name } } }
  }
}`;

const FEED_WITH_VOTES = `query($first: Int) {
  activity(first: $first) {
    edges { node { target { __typename ... on FixtureVotable { fixtureVoteCount fixtureVoteCounts { value count } } } } }
  }
}`;

const TAG_ITEMS = `query($first: Int) {
  tag(name: "everywhere") {
    items(first: $first) { edges { node { __typename ... on Commentable { commentCount } } } }
  }
}`;

const LIST_WITH_RELATIONS = `query($first: Int) {
  fixtureAnimals(first: $first) {
    edges { node {
      name tags { name } commentCount
      comments(first: 2) { edges { node { body author { name } } } }
      activity(first: 2) { edges { node { verb } } }
      outgoingLinks(first: 2) { edges { node { kind target { __typename ... on FixtureFossil { name } } } } }
      fixtureVotes(first: 2) { edges { node { value } } }
      fixtureVoteCount
      fixtureVoteCounts { value count }
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
    t = await startTestServer({}, { app: 'core' });
    const cts = await contentTypeIds(t.sql);
    const byType: Record<string, ObjectRef[]> = {};
    for (const type of CORE_TYPES) byType[type] = await createObjects(t.sql, cts, type, 30, `${type} for counting`);
    // Round-robin across the types, so every page of the feed and of the tag spans all of them.
    const mixed = byType[CORE_TYPES[0]].flatMap((_, i) => CORE_TYPES.map((type) => byType[type][i]));
    const taggable = mixed.filter((o) => TAGGABLE_TYPES.includes(o.type));
    const [everywhere, even, odd] = await createTags(t.sql, ['everywhere', 'even', 'odd']);
    await tagObjects(t.sql, taggable, [everywhere], (i) => new Date(Date.UTC(2025, 0, 1, 0, i)));
    await tagObjects(t.sql, taggable.filter((_, i) => i % 2 === 0), [even]);
    await tagObjects(t.sql, taggable.filter((_, i) => i % 2 === 1), [odd]);
    const users = byType.User.map((u) => u.id as number);
    await commentOn(t.sql, mixed, users[0], 2);
    await commentOn(t.sql, mixed, users[1], 1);
    await vote(t.sql, mixed, users[0], 'yes');
    await vote(t.sql, mixed, users[1], 'no');
    await vote(t.sql, mixed, users[2], 'yes');
    for (let i = 0; i < byType.FixtureAnimal.length; i++) await link(t.sql, byType.FixtureAnimal[i], byType.FixtureFossil[i]);
    await recordActivity(t.sql, mixed, null, 'created', (i) => new Date(Date.UTC(2025, 1, 1, 0, i)));
    // Actors: 10 different users, in turn.
    await t.sql(`update activity_entry set actor_id = (select id from "user" order by id offset (activity_entry.id % 10) limit 1)`);
  });
  afterAll(() => {
    console.info(`[${databaseKind}] statements per request (first: 10 / first: 100):`, JSON.stringify(measured));
    return t?.stop();
  });

  it('feed with union targets (every key kind), their tags and actors: same count for 10 and 100 entries, whatever the number of types', async () => {
    const check = (n: number) => (data: any) => {
      expect(data.activity.edges).toHaveLength(n);
      expect(new Set(data.activity.edges.map((e: any) => e.node.target.__typename)).size).toBe(TYPES);
      for (const { node } of data.activity.edges) {
        expect(node.actor.name).toBeTruthy();
        expect(node.target.tags?.length ?? 'no tags').toBe(node.target.__typename === 'FixtureMineral' ? 'no tags' : 2);
      }
    };
    const ten = await statements('feed', FEED, 10, check(10));
    const hundred = await statements('feed', FEED, 100, check(100));
    expect(hundred).toBe(ten);
    // the page with its actors, the targets of every type, their tags
    expect(ten).toBe(3);
  });

  it('feed with the derived relation selected (vote counts and counts per value): same count for 10 and 100 entries', async () => {
    const check = (n: number) => (data: any) => {
      expect(data.activity.edges).toHaveLength(n);
      for (const { node } of data.activity.edges) {
        expect(node.target.fixtureVoteCount).toBe(3);
        expect(node.target.fixtureVoteCounts).toEqual([
          { value: 'yes', count: 2 },
          { value: 'no', count: 1 },
        ]);
      }
    };
    const ten = await statements('feedVotes', FEED_WITH_VOTES, 10, check(10));
    const hundred = await statements('feedVotes', FEED_WITH_VOTES, 100, check(100));
    expect(hundred).toBe(ten);
    // the page (with actors), the targets of every type, the counts, the counts per value
    expect(ten).toBe(4);
  });

  it('tag items across types with comment counts: same count for 10 and 100 items, whatever the number of types', async () => {
    const check = (n: number) => (data: any) => {
      expect(data.tag.items.edges).toHaveLength(n);
      expect(new Set(data.tag.items.edges.map((e: any) => e.node.__typename)).size).toBe(TAGGABLE_TYPES.length);
      expect(data.tag.items.edges.every((e: any) => e.node.commentCount === 3)).toBe(true);
    };
    const ten = await statements('tagItems', TAG_ITEMS, 10, check(10));
    const hundred = await statements('tagItems', TAG_ITEMS, 100, check(100));
    expect(hundred).toBe(ten);
    // the tag with the page of its items of every type joined (targetJoin, tagsWithFirstItems), their comment counts
    expect(ten).toBe(2);
  });

  it('a list with tags, comment counts, the first comments, activity, links and votes of each object, vote counts: same count for 10 and 30', async () => {
    const check = (n: number) => (data: any) => {
      expect(data.fixtureAnimals.edges).toHaveLength(n);
      for (const { node } of data.fixtureAnimals.edges) {
        expect(node.comments.edges).toHaveLength(2);
        expect(node.activity.edges).toHaveLength(1);
        expect(node.outgoingLinks.edges[0].node.target.__typename).toBe('FixtureFossil');
        expect(node.fixtureVotes.edges).toHaveLength(2);
        expect(node.fixtureVoteCount).toBe(3);
      }
    };
    const ten = await statements('animalList', LIST_WITH_RELATIONS, 10, check(10));
    const all = await statements('animalList', LIST_WITH_RELATIONS, 100, check(30));
    expect(all).toBe(ten);
    // list, tags, comment counts, comments, activity, links, votes, vote counts, counts per value,
    // then authors (User) and link targets (FixtureFossil): one each.
    expect(ten).toBe(11);
  });

  it('tag mutations: addTags, setTags and removeTags cost the same for 1 and 20 names, mergeTags the same for 1 and 20 objects', async () => {
    const member = await createTestUser(t, 'counting-member');
    const admin = await createTestUser(t, 'counting-admin', { admin: true });
    // A token's first use also writes its last_used_at (at most once a minute): not part of what is counted here.
    await t.gql('{ viewer { id } }', {}, { token: admin.token });
    const animals = [];
    for (let i = 0; i < 21; i++) animals.push(await createContent(t, member.token, 'FixtureAnimal', { name: `Counted ${i}` }));
    const names = (prefix: string, n: number) => Array.from({ length: n }, (_, i) => `${prefix}-${i}`);
    const count = async (name: string, query: string, variables: Record<string, unknown>, token: string, size: number) => {
      const res = await t.gql(query, variables, { token });
      expect(res.errors, JSON.stringify(res.errors)).toBeUndefined();
      expect(res.extensions?.sqlStatements).toBeTypeOf('number');
      (measured[name] ??= {})[size] = res.extensions!.sqlStatements!;
      return res.extensions!.sqlStatements!;
    };
    const ADD = 'mutation($id: ID!, $names: [String!]!) { addTags(target: $id, names: $names) { changed tags { name } } }';
    const SET = 'mutation($id: ID!, $names: [String!]!) { setTags(target: $id, names: $names) { added removed } }';
    const REMOVE = 'mutation($id: ID!, $names: [String!]!) { removeTags(target: $id, names: $names) { changed } }';
    const MERGE = 'mutation($from: [String!]!, $into: String!) { mergeTags(from: $from, into: $into) { retaggedCount } }';
    for (const [mutation, query] of [['addTags', ADD], ['setTags', SET], ['removeTags', REMOVE]] as const) {
      const [one, twenty] = [1, 20];
      if (mutation !== 'addTags') {
        await t.gql(ADD, { id: animals[0].id, names: names(`${mutation}-a`, one) }, { token: member.token });
        await t.gql(ADD, { id: animals[1].id, names: names(`${mutation}-b`, twenty) }, { token: member.token });
      }
      const replace = mutation === 'setTags' ? 'new' : '';
      const small = await count(mutation, query, { id: animals[0].id, names: names(`${mutation}-a${replace}`, one) }, member.token, one);
      const large = await count(mutation, query, { id: animals[1].id, names: names(`${mutation}-b${replace}`, twenty) }, member.token, twenty);
      expect(large, mutation).toBe(small);
    }
    await t.gql(ADD, { id: animals[0].id, names: ['merge-one'] }, { token: member.token });
    for (const animal of animals.slice(1)) await t.gql(ADD, { id: animal.id, names: ['merge-many'] }, { token: member.token });
    const one = await count('mergeTags', MERGE, { from: ['merge-one'], into: 'merged-one' }, admin.token, 1);
    const twenty = await count('mergeTags', MERGE, { from: ['merge-many'], into: 'merged-many' }, admin.token, 20);
    expect(twenty).toBe(one);
  });
});
