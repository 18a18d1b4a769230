import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { toGlobalId } from '../src/generic/global-id.js';
import { databaseKind } from './helpers/database.js';
import { codes } from './helpers/operations.js';
import {
  clock,
  commentOn,
  contentTypeIds,
  CORE_TYPES,
  createObjects,
  createTags,
  link,
  type ObjectRef,
  recordActivity,
  tagObjects,
  vote,
} from './fixtures/core.data.js';
import { startTestServer, type TestServer } from './helpers/server.js';

const SUMMARY = `__typename
  ... on ContentNode { id databaseId }
  ... on FixtureAnimal { name legs }
  ... on FixtureVegetable { name isYucky }
  ... on FixtureMineral { name hardness }
  ... on FixtureFossil { name era }
  ... on User { name username }`;

const FEED = `query($first: Int, $after: String, $actor: ID, $verb: String, $target: ID) {
  activity(first: $first, after: $after, actor: $actor, verb: $verb, target: $target) {
    edges { cursor node { id databaseId verb objectRepr createdAt actor { id name } target { ${SUMMARY} ... on Taggable { tags { name } } } } }
    pageInfo { hasNextPage endCursor }
  }
}`;

const TAG_PAGE = `query($name: String!, $first: Int, $after: String, $types: [String!]) {
  tag(name: $name) { id name itemCount
    items(first: $first, after: $after, types: $types) { edges { node { ${SUMMARY} ... on Commentable { commentCount } } } pageInfo { hasNextPage endCursor } }
  }
}`;

const LIST = (query: string) => `query($first: Int, $after: String, $tagged: [String!]) {
  ${query}(first: $first, after: $after, tagged: $tagged) { edges { node { __typename ... on ContentNode { id databaseId } ... on Taggable { tags { name } } } } pageInfo { hasNextPage endCursor } }
}`;

const OBJECT = `query($id: ID!, $first: Int, $after: String) {
  node(id: $id) { ${SUMMARY}
    ... on ContentNode { contentType { appLabel model } }
    ... on Taggable { tags { name } }
    ... on Commentable { commentCount comments(first: $first, after: $after) { edges { node { id databaseId body author { id name } } } pageInfo { hasNextPage endCursor } } }
  }
}`;

const TAGS = `query($first: Int, $after: String, $prefix: String) { tags(first: $first, after: $after, prefix: $prefix) { edges { node { name itemCount } } pageInfo { hasNextPage endCursor } } }`;

/** The read API over HTTP on the core test app: the union of every key kind, node lookup, lists, filters, tag pages, comments, links, votes. */
describe(`read API over HTTP (${databaseKind})`, () => {
  let t: TestServer;
  let byType: Record<string, ObjectRef[]>;
  let everything: ObjectRef[];
  let tagIds: number[];
  let commentIds: number[];
  let linkId: number;
  let voteIds: number[];
  const of = (type: (typeof CORE_TYPES)[number]) => byType[type];

  beforeAll(async () => {
    t = await startTestServer({}, { app: 'core' });
    const cts = await contentTypeIds(t.sql);
    byType = {};
    let minute = 0;
    for (const type of CORE_TYPES) byType[type] = await createObjects(t.sql, cts, type, 2, type === 'User' ? 'Reader' : type, clock(Date.UTC(2025, 5, 1, 0, (minute += 10))));
    everything = CORE_TYPES.flatMap((type) => byType[type]);
    // Tag names in mixed case; lookups are case-insensitive.
    tagIds = await createTags(t.sql, ['GraphQL', 'Tutorial', 'Rare']);
    const [graphql, tutorial, rare] = tagIds;
    const tagAt = clock(Date.UTC(2025, 6, 1));
    let n = 0;
    const tagging: [ObjectRef, number[]][] = [
      [of('FixtureAnimal')[0], [graphql, tutorial]],
      [of('FixtureAnimal')[1], [graphql]],
      [of('FixtureVegetable')[0], [graphql]],
      [of('FixtureFossil')[0], [graphql, tutorial]],
      [of('FixtureFossil')[1], [tutorial]],
      [of('User')[1], [graphql, rare]],
    ];
    for (const [object, ids] of tagging) await tagObjects(t.sql, [object], ids, () => tagAt(n++));
    commentIds = await commentOn(t.sql, [of('FixtureFossil')[0]], of('User')[0].id as number, 3, clock(Date.UTC(2025, 7, 1)));
    linkId = await link(t.sql, of('FixtureAnimal')[0], of('FixtureFossil')[0], 'related');
    voteIds = await vote(t.sql, [of('FixtureMineral')[0]], of('User')[0].id as number, 'yes');
    await recordActivity(t.sql, everything, of('User')[0].id as number, 'created', clock(Date.UTC(2025, 8, 1)));
  });
  afterAll(() => t?.stop());

  it('resolves every member of the ContentObject union through the registry, with __typename, for integer, bigint and uuid keys', async () => {
    const res = await t.gql(FEED, { verb: 'created', first: 100 });
    expect(res.errors).toBeUndefined();
    const targets = res.data.activity.edges.map((e: any) => e.node.target);
    expect(new Set(targets.map((x: any) => x.__typename))).toEqual(new Set(t.server.registry.types().map((type) => type.typeName)));
    const byGid = new Map(everything.map((o) => [o.gid, o]));
    for (const edge of res.data.activity.edges) {
      const target = edge.node.target;
      const expected = byGid.get(target.id)!;
      expect(target.__typename).toBe(expected.type);
      expect(target.databaseId).toBe(expected.id);
      expect(edge.node.objectRepr).toBe(expected.repr);
      expect(target.name).toBe(expected.repr);
      expect(edge.node.actor.name).toBe('Reader 1');
    }
    const fossil = targets.find((x: any) => x.__typename === 'FixtureFossil');
    expect(fossil.databaseId).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
    expect(typeof targets.find((x: any) => x.__typename === 'FixtureMineral').databaseId).toBe('number');
    // Newest first.
    const times = res.data.activity.edges.map((e: any) => Date.parse(e.node.createdAt));
    expect([...times].sort((a, b) => b - a)).toEqual(times);
  });

  it('round-trips node and nodes for every object type, null for unknown, malformed or mistyped IDs', async () => {
    const contentTypes = await t.gql<{ contentTypes: { id: string }[] }>('{ contentTypes { id } }');
    const feed = await t.gql(FEED, { first: 1 });
    const tag = await t.gql(TAG_PAGE, { name: 'graphql', first: 1 });
    const ids: [string, string][] = [
      ...CORE_TYPES.map((type): [string, string] => [of(type)[0].gid, type]),
      [tag.data.tag.id, 'Tag'],
      [toGlobalId('Comment', commentIds[0]), 'Comment'],
      [feed.data.activity.edges[0].node.id, 'ActivityEntry'],
      [toGlobalId('ContentLink', linkId), 'ContentLink'],
      [toGlobalId('FixtureVote', voteIds[0]), 'FixtureVote'],
      [contentTypes.data!.contentTypes[0].id, 'ContentType'],
    ];
    const invalid = [
      'not an id',
      toGlobalId('Nope', 1),
      toGlobalId('FixtureAnimal', 999_999),
      toGlobalId('FixtureFossil', '0f0f0f0f-0000-4000-8000-000000000000'),
      toGlobalId('FixtureFossil', 1),
      Buffer.from(`FixtureAnimal:${of('FixtureFossil')[0].id}`).toString('base64url'),
      toGlobalId('Tag', 0),
      'QXJ0aWNsZTox=garbage',
      '',
    ];
    const res = await t.gql('query($ids: [ID!]!) { nodes(ids: $ids) { __typename id databaseId ... on Comment { body } ... on ContentLink { kind } ... on FixtureVote { value } } }', {
      ids: [...ids.map(([id]) => id), ...invalid],
    });
    expect(res.errors).toBeUndefined();
    const nodes = res.data.nodes;
    expect(nodes.slice(ids.length)).toEqual(invalid.map(() => null));
    ids.forEach(([id, typeName], i) => expect(nodes[i]).toMatchObject({ __typename: typeName, id }));
    const nodeOf = (typeName: string) => nodes[ids.findIndex(([, name]) => name === typeName)];
    expect(nodeOf('Comment')).toMatchObject({ databaseId: commentIds[0], body: 'Comment 1 on FixtureFossil 1' });
    expect(nodeOf('ContentLink')).toMatchObject({ databaseId: linkId, kind: 'related' });
    expect(nodeOf('FixtureVote')).toMatchObject({ databaseId: voteIds[0], value: 'yes' });
    expect(nodeOf('FixtureFossil')).toMatchObject({ databaseId: of('FixtureFossil')[0].id });
    for (const [id, typeName] of ids) {
      const one = await t.gql('query($id: ID!) { node(id: $id) { __typename id } }', { id });
      expect(one.data.node).toEqual({ __typename: typeName, id });
    }
    for (const id of invalid) {
      const one = await t.gql('query($id: ID!) { node(id: $id) { id } }', { id });
      expect(one.errors).toBeUndefined();
      expect(one.data.node).toBeNull();
    }
  });

  it('keeps the feed entry of a deleted object: target null, objectRepr and targetType remain (uuid key)', async () => {
    const cts = await contentTypeIds(t.sql);
    const [doomed] = await createObjects(t.sql, cts, 'FixtureFossil', 1, 'Doomed fossil');
    await recordActivity(t.sql, [doomed], of('User')[1].id as number, 'created');
    await t.sql('delete from cg_fixture_fossil where id = ?', [doomed.id]);
    const res = await t.gql(
      'query($target: ID) { activity(target: $target) { edges { node { verb objectRepr target { __typename } targetType { model } actor { name } } } } }',
      { target: doomed.gid },
    );
    expect(res.errors).toBeUndefined();
    expect(res.data.activity.edges).toEqual([
      { node: { verb: 'created', objectRepr: 'Doomed fossil 1', target: null, targetType: { model: 'fixturefossil' }, actor: { name: 'Reader 2' } } },
    ]);
    expect((await t.gql('query($id: ID!) { node(id: $id) { id } }', { id: doomed.gid })).data.node).toBeNull();
  });

  it('filters every list of a type that takes tags: objects carrying ALL the tags, names case-insensitive', async () => {
    const ids = (res: any, query: string) => res.data[query].edges.map((e: any) => e.node.databaseId);
    const list = (query: string, tagged: string[]) => t.gql(LIST(query), { tagged }).then((res) => ids(res, query));
    expect(await list('fixtureAnimals', ['graphql', '  TUTORIAL '])).toEqual([of('FixtureAnimal')[0].id]);
    expect(await list('fixtureAnimals', ['GRAPHQL'])).toEqual([of('FixtureAnimal')[1].id, of('FixtureAnimal')[0].id]); // newest first
    expect(await list('fixtureVegetables', ['graphql'])).toEqual([of('FixtureVegetable')[0].id]);
    expect(await list('fixtureFossils', ['graphql', 'tutorial'])).toEqual([of('FixtureFossil')[0].id]);
    expect(await list('fixtureFossils', ['tutorial'])).toEqual([of('FixtureFossil')[1].id, of('FixtureFossil')[0].id]);
    expect(await list('users', ['rare', 'graphql'])).toEqual([of('User')[1].id]);
    expect(await list('fixtureAnimals', ['graphql', 'no-such-tag'])).toEqual([]);
    expect(await list('fixtureAnimals', [])).toEqual(expect.arrayContaining(of('FixtureAnimal').map((a) => a.id)));
    const tooMany = await t.gql(LIST('fixtureAnimals'), { tagged: Array.from({ length: 11 }, (_, i) => `t${i}`) });
    expect(codes(tooMany)).toEqual(['BAD_USER_INPUT']);
    expect(tooMany.errors![0].message).toContain('tagged');
  });

  it('pages a uuid-keyed list with keyset cursors', async () => {
    const first = await t.gql('{ fixtureFossils(first: 1) { edges { node { databaseId } } pageInfo { hasNextPage endCursor } } }');
    const next = await t.gql('query($after: String) { fixtureFossils(first: 5, after: $after) { edges { node { databaseId } } pageInfo { hasNextPage } } }', {
      after: first.data.fixtureFossils.pageInfo.endCursor,
    });
    expect([...first.data.fixtureFossils.edges, ...next.data.fixtureFossils.edges].map((e: any) => e.node.databaseId)).toEqual(
      [...of('FixtureFossil')].reverse().map((f) => f.id),
    );
    const forged = await t.gql('query($after: String) { fixtureFossils(after: $after) { edges { cursor } } }', {
      after: Buffer.from(JSON.stringify(['2025-01-01T00:00:00.000000Z', 7])).toString('base64url'),
    });
    expect(codes(forged)).toEqual(['BAD_USER_INPUT']);
  });

  it('shows a tag page across content types, newest tagging first, filtered by GraphQL type names', async () => {
    const res = await t.gql(TAG_PAGE, { name: ' graphQL ', first: 10 });
    expect(res.errors).toBeUndefined();
    const tag = res.data.tag;
    expect(tag).toMatchObject({ name: 'GraphQL', itemCount: 5 });
    const items = tag.items.edges.map((e: any) => `${e.node.__typename}:${e.node.databaseId}`);
    expect(items).toEqual(
      [of('FixtureAnimal')[0], of('FixtureAnimal')[1], of('FixtureVegetable')[0], of('FixtureFossil')[0], of('User')[1]].map((o) => `${o.type}:${o.id}`).reverse(),
    );
    expect(tag.items.edges.find((e: any) => e.node.databaseId === of('FixtureFossil')[0].id).node).toMatchObject({ commentCount: 3 });
    const some = await t.gql(TAG_PAGE, { name: 'graphql', types: ['FixtureFossil', 'FixtureAnimal'] });
    expect(some.data.tag.items.edges.map((e: any) => e.node.__typename)).toEqual(['FixtureFossil', 'FixtureAnimal', 'FixtureAnimal']);
    const mineral = await t.gql(TAG_PAGE, { name: 'graphql', types: ['FixtureMineral'] });
    expect(mineral.data.tag.items.edges).toEqual([]);
    const none = await t.gql(TAG_PAGE, { name: 'graphql', types: [] });
    expect(none.data.tag.items.edges).toEqual([]);
    const unknown = await t.gql(TAG_PAGE, { name: 'graphql', types: ['FixtureAnimal', 'Podcast'] });
    expect(codes(unknown)).toEqual(['BAD_USER_INPUT']);
    expect(unknown.errors![0].message).toMatch(/`types`.*Podcast/);
    expect((await t.gql(TAG_PAGE, { name: 'no such tag' })).data.tag).toBeNull();
  });

  it('lists tags by use count, then name; prefix is case-insensitive and literal', async () => {
    const res = await t.gql(TAGS, { first: 100 });
    expect(res.data.tags.edges.map((e: any) => [e.node.name, e.node.itemCount])).toEqual([
      ['GraphQL', 5],
      ['Tutorial', 3],
      ['Rare', 1],
    ]);
    const page1 = await t.gql(TAGS, { first: 1 });
    const page2 = await t.gql(TAGS, { first: 5, after: page1.data.tags.pageInfo.endCursor });
    expect(page2.data.tags.edges.map((e: any) => e.node.name)).toEqual(['Tutorial', 'Rare']);
    expect(page2.data.tags.pageInfo.hasNextPage).toBe(false);
    expect((await t.gql(TAGS, { prefix: 'tUt' })).data.tags.edges.map((e: any) => e.node.name)).toEqual(['Tutorial']);
    expect((await t.gql(TAGS, { prefix: '%' })).data.tags.edges).toEqual([]);
    expect((await t.gql(TAGS, { prefix: '_' })).data.tags.edges).toEqual([]);
  });

  it('shows an object (uuid key) with its comments, oldest first, paged by cursor', async () => {
    const fossil = of('FixtureFossil')[0];
    const first = await t.gql(OBJECT, { id: fossil.gid, first: 2 });
    expect(first.errors).toBeUndefined();
    const node = first.data.node;
    expect(node).toMatchObject({ __typename: 'FixtureFossil', name: 'FixtureFossil 1', commentCount: 3, contentType: { appLabel: 'cg_fixtures', model: 'fixturefossil' } });
    expect(node.tags.map((x: any) => x.name)).toEqual(['GraphQL', 'Tutorial']);
    expect(node.comments.edges.map((e: any) => e.node.body)).toEqual(['Comment 1 on FixtureFossil 1', 'Comment 2 on FixtureFossil 1']);
    expect(node.comments.edges[0].node.author).toEqual({ id: of('User')[0].gid, name: 'Reader 1' });
    expect(node.comments.pageInfo.hasNextPage).toBe(true);
    const rest = await t.gql(OBJECT, { id: fossil.gid, first: 2, after: node.comments.pageInfo.endCursor });
    expect(rest.data.node.comments.edges.map((e: any) => e.node.body)).toEqual(['Comment 3 on FixtureFossil 1']);
    expect(rest.data.node.comments.pageInfo.hasNextPage).toBe(false);
    const top = await t.gql('query($t: ID!) { comments(target: $t, first: 1) { edges { node { databaseId target { __typename ... on FixtureFossil { name } } } } } }', {
      t: fossil.gid,
    });
    expect(top.data.comments.edges).toEqual([{ node: { databaseId: commentIds[0], target: { __typename: 'FixtureFossil', name: 'FixtureFossil 1' } } }]);
  });

  it('follows links both ways, the activity of an object and its votes, across key kinds', async () => {
    const res = await t.gql(
      `query($a: ID!, $f: ID!, $m: ID!) {
        a: node(id: $a) { ... on Linkable { outgoingLinks { edges { node { kind source { __typename } target { __typename ... on FixtureFossil { name } } } } } } }
        f: node(id: $f) { ... on Linkable { incomingLinks { edges { node { databaseId source { ... on FixtureAnimal { name } } } } } }
                          ... on HasActivity { activity(first: 5) { edges { node { verb actor { name } } } } } }
        m: node(id: $m) { ... on FixtureVotable { fixtureVoteCount fixtureVoteCounts { value count } fixtureVotes { edges { node { value voter { name } target { __typename } } } } } }
      }`,
      { a: of('FixtureAnimal')[0].gid, f: of('FixtureFossil')[0].gid, m: of('FixtureMineral')[0].gid },
    );
    expect(res.errors).toBeUndefined();
    expect(res.data.a.outgoingLinks.edges).toEqual([
      { node: { kind: 'related', source: { __typename: 'FixtureAnimal' }, target: { __typename: 'FixtureFossil', name: 'FixtureFossil 1' } } },
    ]);
    expect(res.data.f.incomingLinks.edges).toEqual([{ node: { databaseId: linkId, source: { name: 'FixtureAnimal 1' } } }]);
    expect(res.data.f.activity.edges).toEqual([{ node: { verb: 'created', actor: { name: 'Reader 1' } } }]);
    expect(res.data.m).toEqual({
      fixtureVoteCount: 1,
      fixtureVoteCounts: [{ value: 'yes', count: 1 }],
      fixtureVotes: { edges: [{ node: { value: 'yes', voter: { name: 'Reader 1' }, target: { __typename: 'FixtureMineral' } } }] },
    });
  });

  it('filters the feed by actor, verb and target', async () => {
    const byTarget = await t.gql(FEED, { target: of('FixtureVegetable')[1].gid });
    expect(byTarget.data.activity.edges.map((e: any) => e.node.objectRepr)).toEqual(['FixtureVegetable 2']);
    const byActor = await t.gql(FEED, { actor: of('User')[0].gid, verb: 'created', first: 100 });
    expect(byActor.data.activity.edges).toHaveLength(everything.length);
    const nobody = await t.gql(FEED, { actor: of('User')[1].gid, verb: 'commented' });
    expect(nobody.data.activity.edges).toEqual([]);
    const wrongActor = await t.gql(FEED, { actor: of('FixtureAnimal')[0].gid });
    expect(codes(wrongActor)).toEqual(['BAD_USER_INPUT']);
    expect(wrongActor.errors![0].message).toContain('`actor`');
    const wrongTarget = await t.gql(FEED, { target: toGlobalId('Tag', tagIds[0]) });
    expect(codes(wrongTarget)).toEqual(['BAD_USER_INPUT']);
    expect(wrongTarget.errors![0].message).toContain('`target`');
  });

  it('rejects `first` above 100 (or below 0) with BAD_USER_INPUT naming the argument, on every connection', async () => {
    const node = (field: string) => `query($id: ID!) { node(id: $id) { ... on ${field} } }`;
    const cases = [
      t.gql(FEED, { first: 101 }),
      t.gql(LIST('fixtureAnimals'), { first: 101 }),
      t.gql(LIST('users'), { first: -1 }),
      t.gql(TAGS, { first: 101 }),
      t.gql(TAG_PAGE, { name: 'graphql', first: 101 }),
      t.gql(OBJECT, { id: of('FixtureFossil')[0].gid, first: 101 }),
      t.gql(node('HasActivity { activity(first: 101) { edges { cursor } } }'), { id: of('FixtureAnimal')[0].gid }),
      t.gql(node('Linkable { incomingLinks(first: 101) { edges { cursor } } }'), { id: of('FixtureAnimal')[0].gid }),
      t.gql(node('FixtureVotable { fixtureVotes(first: 101) { edges { cursor } } }'), { id: of('FixtureAnimal')[0].gid }),
    ];
    for (const res of await Promise.all(cases)) {
      expect(res.status, JSON.stringify(res.errors)).toBe(200);
      expect(codes(res)).toEqual(['BAD_USER_INPUT']);
      expect(res.errors![0].message).toMatch(/`first` must be between 0 and 100/);
      expect(res.errors![0].extensions?.argumentName).toBe('first');
    }
    expect((await t.gql(FEED, { first: 100 })).errors).toBeUndefined();
  });

  it('rejects forged cursors with BAD_USER_INPUT naming `after`', async () => {
    const forged = ['garbage', Buffer.from(JSON.stringify(['yesterday', 1])).toString('base64url'), Buffer.from(JSON.stringify([1, 2, 3])).toString('base64url')];
    for (const after of forged) {
      for (const res of [
        await t.gql(FEED, { after }),
        await t.gql(LIST('fixtureAnimals'), { after }),
        await t.gql(TAG_PAGE, { name: 'graphql', after }),
        await t.gql(TAGS, { after: after === forged[2] ? Buffer.from('["x","y","z"]').toString('base64url') : after }),
      ]) {
        expect(codes(res)).toEqual(['BAD_USER_INPUT']);
        expect(res.errors![0].message).toContain('`after`');
      }
    }
  });
});
