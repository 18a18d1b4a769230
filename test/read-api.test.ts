import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ArticlesDocument,
  BooksDocument,
  FeedDocument,
  NodesDocument,
  ObjectWithCommentsDocument,
  ProductsDocument,
  TagPageDocument,
  TagsDocument,
  UsersDocument,
  VideosDocument,
} from '../client/generated/graphql.js';
import { toGlobalId } from '../src/generic/global-id.js';
import { databaseKind } from './helpers/database.js';
import { codes, run } from './helpers/operations.js';
import {
  clock,
  commentOn,
  contentTypeIds,
  createObjects,
  createTags,
  link,
  type ObjectRef,
  recordActivity,
  tagObjects,
} from './helpers/read-data.js';
import { startTestServer, type TestServer } from './helpers/server.js';

describe(`read API over HTTP (${databaseKind})`, () => {
  let t: TestServer;
  let users: ObjectRef[];
  let articles: ObjectRef[];
  let books: ObjectRef[];
  let videos: ObjectRef[];
  let products: ObjectRef[];
  let everything: ObjectRef[];
  let tagIds: number[];
  let commentIds: number[];
  let linkId: number;

  beforeAll(async () => {
    t = await startTestServer();
    const cts = await contentTypeIds(t.sql);
    const at = clock(Date.UTC(2025, 5, 1));
    users = await createObjects(t.sql, cts, 'User', 3, 'Reader', (i) => at(i));
    articles = await createObjects(t.sql, cts, 'Article', 3, 'Article', (i) => at(10 + i));
    books = await createObjects(t.sql, cts, 'Book', 2, 'Book', (i) => at(20 + i));
    videos = await createObjects(t.sql, cts, 'Video', 2, 'Video', (i) => at(30 + i));
    products = await createObjects(t.sql, cts, 'Product', 2, 'Product', (i) => at(40 + i));
    everything = [...users, ...articles, ...books, ...videos, ...products];
    // Tag names in mixed case; lookups are case-insensitive.
    tagIds = await createTags(t.sql, ['GraphQL', 'Tutorial', 'Rare']);
    const [graphql, tutorial, rare] = tagIds;
    const tagAt = clock(Date.UTC(2025, 6, 1));
    let n = 0;
    const tagging: [ObjectRef, number[]][] = [
      [articles[0], [graphql, tutorial]],
      [articles[1], [graphql]],
      [articles[2], [tutorial]],
      [books[0], [graphql]],
      [videos[0], [graphql, tutorial]],
      [products[0], [graphql]],
      [users[1], [graphql, rare]],
    ];
    for (const [object, ids] of tagging) await tagObjects(t.sql, [object], ids, () => tagAt(n++));
    commentIds = await commentOn(t.sql, [articles[0]], users[0].id, 3, clock(Date.UTC(2025, 7, 1)));
    linkId = await link(t.sql, articles[0], videos[0], 'related');
    await recordActivity(t.sql, everything, users[0].id, 'created', clock(Date.UTC(2025, 8, 1)));
  });
  afterAll(() => t?.stop());

  it('resolves every member of the ContentObject union through the registry, with __typename', async () => {
    const res = await run(t, FeedDocument, { verb: 'created', first: 100 });
    expect(res.errors).toBeUndefined();
    const targets = res.data!.activity.edges.map((e) => e.node.target!);
    expect(new Set(targets.map((x) => x.__typename))).toEqual(new Set(['Article', 'Book', 'Product', 'User', 'Video']));
    const byGid = new Map(everything.map((o) => [o.gid, o]));
    for (const edge of res.data!.activity.edges) {
      const target = edge.node.target!;
      const expected = byGid.get(target.id)!;
      expect(target.__typename).toBe(expected.type);
      expect(target.databaseId).toBe(expected.id);
      expect(edge.node.objectRepr).toBe(expected.repr);
      expect(edge.node.actor?.name).toBe('Reader 1');
      switch (target.__typename) {
        case 'Article':
        case 'Video':
          expect(target.title).toBe(expected.repr);
          break;
        case 'Book':
          expect([target.title, target.authorName]).toEqual([expected.repr, 'Some Author']);
          break;
        case 'Product':
          expect(target.name).toBe(expected.repr);
          expect(target.sku).toMatch(/^SKU-/);
          break;
        case 'User':
          expect(target.name).toBe(expected.repr);
          expect(target.username).toMatch(/^user_/);
          break;
      }
    }
    // Newest first.
    const times = res.data!.activity.edges.map((e) => Date.parse(e.node.createdAt));
    expect([...times].sort((a, b) => b - a)).toEqual(times);
  });

  it('round-trips node and nodes for every object type, null for unknown or malformed IDs', async () => {
    const contentTypes = await t.gql<{ contentTypes: { id: string; databaseId: number }[] }>('{ contentTypes { id databaseId } }');
    const feed = await run(t, FeedDocument, { first: 1 });
    const tag = await run(t, TagPageDocument, { name: 'graphql', first: 1 });
    const object = await run(t, ObjectWithCommentsDocument, { id: articles[0].gid, first: 1 });
    const comments = object.data!.node!;
    expect(comments.__typename).toBe('Article');
    const commentId = comments.__typename === 'Article' ? comments.comments.edges[0].node.id : '';
    const ids: [string, string][] = [
      ...[users[0], articles[0], books[0], videos[0], products[0]].map((o): [string, string] => [o.gid, o.type]),
      [tag.data!.tag!.id, 'Tag'],
      [commentId, 'Comment'],
      [feed.data!.activity.edges[0].node.id, 'ActivityEntry'],
      [toGlobalId('ContentLink', linkId), 'ContentLink'],
      [contentTypes.data!.contentTypes[0].id, 'ContentType'],
    ];
    const invalid = ['not an id', toGlobalId('Nope', 1), toGlobalId('Article', 999_999), toGlobalId('Tag', 0), 'QXJ0aWNsZTox=garbage', ''];
    const res = await run(t, NodesDocument, { ids: [...ids.map(([id]) => id), ...invalid] });
    expect(res.errors).toBeUndefined();
    const nodes = res.data!.nodes;
    expect(nodes.slice(ids.length)).toEqual(invalid.map(() => null));
    ids.forEach(([id, typeName], i) => {
      expect(nodes[i]).toMatchObject({ __typename: typeName, id });
      expect((nodes[i] as { databaseId: number }).databaseId).toBeGreaterThan(0);
    });
    const nodeOf = (typeName: string) => nodes[ids.findIndex(([, name]) => name === typeName)];
    expect(nodeOf('ActivityEntry')).toMatchObject({ verb: expect.any(String) });
    expect(nodeOf('Comment')).toMatchObject({ databaseId: commentIds[0], body: 'Comment 1 on Article 1' });
    expect(nodeOf('ContentLink')).toMatchObject({ databaseId: linkId, kind: 'related' });
    expect(nodeOf('Tag')).toMatchObject({ databaseId: tagIds[0], name: 'GraphQL' });
    expect(nodeOf('Article')).toMatchObject({ databaseId: articles[0].id });
    for (const [id, typeName] of ids) {
      const one = await t.gql<{ node: { __typename: string; id: string } | null }>('query($id: ID!) { node(id: $id) { __typename id } }', { id });
      expect(one.data!.node).toEqual({ __typename: typeName, id });
    }
    for (const id of invalid) {
      const one = await t.gql('query($id: ID!) { node(id: $id) { id } }', { id });
      expect(one.errors).toBeUndefined();
      expect(one.data.node).toBeNull();
    }
  });

  it('keeps the feed entry of a deleted object: target null, objectRepr and targetType remain', async () => {
    const cts = await contentTypeIds(t.sql);
    const [doomed] = await createObjects(t.sql, cts, 'Article', 1, 'Doomed article');
    await recordActivity(t.sql, [doomed], users[1].id, 'created');
    await t.sql('delete from article where id = ?', [doomed.id]);
    const res = await t.gql(
      'query($target: ID) { activity(target: $target) { edges { node { verb objectRepr target { __typename } targetType { model } actor { name } } } } }',
      { target: doomed.gid },
    );
    expect(res.errors).toBeUndefined();
    expect(res.data.activity.edges).toEqual([
      { node: { verb: 'created', objectRepr: 'Doomed article 1', target: null, targetType: { model: 'article' }, actor: { name: 'Reader 2' } } },
    ]);
    const node = await run(t, NodesDocument, { ids: [doomed.gid] });
    expect(node.data!.nodes).toEqual([null]);
  });

  it('filters every list by tags: objects carrying ALL the tags, names case-insensitive', async () => {
    const ids = (edges: { node: { databaseId: number } }[]) => edges.map((e) => e.node.databaseId);
    const both = await run(t, ArticlesDocument, { tagged: ['graphql', '  TUTORIAL '] });
    expect(ids(both.data!.articles.edges)).toEqual([articles[0].id]);
    expect(both.data!.articles.edges[0].node.tags.map((x) => x.name)).toEqual(['GraphQL', 'Tutorial']);
    const one = await run(t, ArticlesDocument, { tagged: ['GRAPHQL'] });
    expect(ids(one.data!.articles.edges)).toEqual([articles[1].id, articles[0].id]); // newest first
    expect(ids((await run(t, BooksDocument, { tagged: ['graphql'] })).data!.books.edges)).toEqual([books[0].id]);
    expect(ids((await run(t, VideosDocument, { tagged: ['graphql', 'tutorial'] })).data!.videos.edges)).toEqual([videos[0].id]);
    expect(ids((await run(t, ProductsDocument, { tagged: ['GraphQL'] })).data!.products.edges)).toEqual([products[0].id]);
    expect(ids((await run(t, UsersDocument, { tagged: ['rare', 'graphql'] })).data!.users.edges)).toEqual([users[1].id]);
    expect(ids((await run(t, ArticlesDocument, { tagged: ['graphql', 'no-such-tag'] })).data!.articles.edges)).toEqual([]);
    const all = await run(t, ArticlesDocument, { tagged: [] });
    expect(ids(all.data!.articles.edges)).toEqual(expect.arrayContaining(articles.map((a) => a.id)));
    const tooMany = await run(t, ArticlesDocument, { tagged: Array.from({ length: 11 }, (_, i) => `t${i}`) });
    expect(codes(tooMany)).toEqual(['BAD_USER_INPUT']);
    expect(tooMany.errors![0].message).toContain('tagged');
  });

  it('shows a tag page across content types, newest tagging first, filtered by GraphQL type names', async () => {
    const res = await run(t, TagPageDocument, { name: ' graphQL ', first: 10 });
    expect(res.errors).toBeUndefined();
    const tag = res.data!.tag!;
    expect(tag).toMatchObject({ name: 'GraphQL', itemCount: 6 });
    const items = tag.items.edges.map((e) => `${e.node.__typename}:${(e.node as { databaseId: number }).databaseId}`);
    // Tagged in this order (clock), shown newest first.
    expect(items).toEqual(
      [articles[0], articles[1], books[0], videos[0], products[0], users[1]].map((o) => `${o.type}:${o.id}`).reverse(),
    );
    const article = tag.items.edges.find((e) => e.node.__typename === 'Article' && e.node.databaseId === articles[0].id)!;
    expect(article.node).toMatchObject({ commentCount: 3 });
    const some = await run(t, TagPageDocument, { name: 'graphql', types: ['Video', 'Article'] });
    expect(some.data!.tag!.items.edges.map((e) => e.node.__typename)).toEqual(['Video', 'Article', 'Article']);
    const none = await run(t, TagPageDocument, { name: 'graphql', types: [] });
    expect(none.data!.tag!.items.edges).toEqual([]);
    const unknown = await run(t, TagPageDocument, { name: 'graphql', types: ['Article', 'Podcast'] });
    expect(codes(unknown)).toEqual(['BAD_USER_INPUT']);
    expect(unknown.errors![0].message).toMatch(/`types`.*Podcast/);
    expect((await run(t, TagPageDocument, { name: 'no such tag' })).data!.tag).toBeNull();
  });

  it('lists tags by use count, then name; prefix is case-insensitive and literal', async () => {
    const res = await run(t, TagsDocument, { first: 100 });
    const names = res.data!.tags.edges.map((e) => [e.node.name, e.node.itemCount]);
    expect(names).toEqual([
      ['GraphQL', 6],
      ['Tutorial', 3],
      ['Rare', 1],
    ]);
    const page1 = await run(t, TagsDocument, { first: 1 });
    const page2 = await run(t, TagsDocument, { first: 5, after: page1.data!.tags.pageInfo.endCursor });
    expect(page2.data!.tags.edges.map((e) => e.node.name)).toEqual(['Tutorial', 'Rare']);
    expect(page2.data!.tags.pageInfo.hasNextPage).toBe(false);
    expect((await run(t, TagsDocument, { prefix: 'tUt' })).data!.tags.edges.map((e) => e.node.name)).toEqual(['Tutorial']);
    expect((await run(t, TagsDocument, { prefix: '%' })).data!.tags.edges).toEqual([]);
    expect((await run(t, TagsDocument, { prefix: '_' })).data!.tags.edges).toEqual([]);
  });

  it('shows an object with its comments, oldest first, paged by cursor', async () => {
    const first = await run(t, ObjectWithCommentsDocument, { id: articles[0].gid, first: 2 });
    expect(first.errors).toBeUndefined();
    const node = first.data!.node!;
    if (node.__typename !== 'Article') throw new Error(`expected an Article, got ${node.__typename}`);
    expect(node).toMatchObject({ title: 'Article 1', commentCount: 3, contentType: { appLabel: 'blog', model: 'article' } });
    expect(node.tags.map((x) => x.name)).toEqual(['GraphQL', 'Tutorial']);
    expect(node.comments.edges.map((e) => e.node.body)).toEqual(['Comment 1 on Article 1', 'Comment 2 on Article 1']);
    expect(node.comments.edges[0].node.author).toEqual({ id: users[0].gid, name: 'Reader 1' });
    expect(node.comments.pageInfo.hasNextPage).toBe(true);
    const rest = await run(t, ObjectWithCommentsDocument, { id: articles[0].gid, first: 2, after: node.comments.pageInfo.endCursor });
    const restNode = rest.data!.node!;
    if (restNode.__typename !== 'Article') throw new Error('expected an Article');
    expect(restNode.comments.edges.map((e) => e.node.body)).toEqual(['Comment 3 on Article 1']);
    expect(restNode.comments.pageInfo.hasNextPage).toBe(false);
    const top = await t.gql('query($t: ID!) { comments(target: $t, first: 1) { edges { node { databaseId target { __typename ... on Article { title } } } } } }', {
      t: articles[0].gid,
    });
    expect(top.data.comments.edges).toEqual([{ node: { databaseId: commentIds[0], target: { __typename: 'Article', title: 'Article 1' } } }]);
  });

  it('follows links both ways and the activity of an object', async () => {
    const res = await t.gql(
      `query($a: ID!, $v: ID!) {
        a: node(id: $a) { ... on Linkable { outgoingLinks { edges { node { kind source { __typename } target { __typename ... on Video { title } } } } } } }
        v: node(id: $v) { ... on Linkable { incomingLinks { edges { node { databaseId source { ... on Article { title } } } } } }
                          ... on HasActivity { activity(first: 5) { edges { node { verb actor { name } } } } } }
      }`,
      { a: articles[0].gid, v: videos[0].gid },
    );
    expect(res.errors).toBeUndefined();
    expect(res.data.a.outgoingLinks.edges).toEqual([{ node: { kind: 'related', source: { __typename: 'Article' }, target: { __typename: 'Video', title: 'Video 1' } } }]);
    expect(res.data.v.incomingLinks.edges).toEqual([{ node: { databaseId: linkId, source: { title: 'Article 1' } } }]);
    expect(res.data.v.activity.edges).toEqual([{ node: { verb: 'created', actor: { name: 'Reader 1' } } }]);
  });

  it('filters the feed by actor, verb and target', async () => {
    const byTarget = await run(t, FeedDocument, { target: books[1].gid });
    expect(byTarget.data!.activity.edges.map((e) => e.node.objectRepr)).toEqual(['Book 2']);
    const byActor = await run(t, FeedDocument, { actor: users[0].gid, verb: 'created', first: 100 });
    expect(byActor.data!.activity.edges).toHaveLength(everything.length);
    const nobody = await run(t, FeedDocument, { actor: users[2].gid });
    expect(nobody.data!.activity.edges).toEqual([]);
    const wrongActor = await run(t, FeedDocument, { actor: articles[0].gid });
    expect(codes(wrongActor)).toEqual(['BAD_USER_INPUT']);
    expect(wrongActor.errors![0].message).toContain('`actor`');
    const wrongTarget = await run(t, FeedDocument, { target: toGlobalId('Tag', tagIds[0]) });
    expect(codes(wrongTarget)).toEqual(['BAD_USER_INPUT']);
    expect(wrongTarget.errors![0].message).toContain('`target`');
  });

  it('rejects `first` above 100 (or below 0) with BAD_USER_INPUT naming the argument, on every connection', async () => {
    const cases = [
      run(t, FeedDocument, { first: 101 }),
      run(t, ArticlesDocument, { first: 1000 }),
      run(t, UsersDocument, { first: -1 }),
      run(t, TagsDocument, { first: 101 }),
      run(t, TagPageDocument, { name: 'graphql', first: 101 }),
      run(t, ObjectWithCommentsDocument, { id: articles[0].gid, first: 101 }),
      t.gql('query($id: ID!) { node(id: $id) { ... on HasActivity { activity(first: 101) { edges { cursor } } } } }', { id: articles[0].gid }),
      t.gql('query($id: ID!) { node(id: $id) { ... on Linkable { incomingLinks(first: 101) { edges { cursor } } } } }', { id: articles[0].gid }),
    ];
    for (const res of await Promise.all(cases)) {
      expect(res.status).toBe(200);
      expect(codes(res)).toEqual(['BAD_USER_INPUT']);
      expect(res.errors![0].message).toMatch(/`first` must be between 0 and 100/);
      expect(res.errors![0].extensions?.argumentName).toBe('first');
    }
    const ok = await run(t, FeedDocument, { first: 100 });
    expect(ok.errors).toBeUndefined();
  });

  it('rejects forged cursors with BAD_USER_INPUT naming `after`', async () => {
    const forged = [
      'garbage',
      Buffer.from(JSON.stringify(['yesterday', 1])).toString('base64url'),
      Buffer.from(JSON.stringify([1, 2, 3])).toString('base64url'),
    ];
    for (const after of forged) {
      for (const res of [
        await run(t, FeedDocument, { after }),
        await run(t, ArticlesDocument, { after }),
        await run(t, TagPageDocument, { name: 'graphql', after }),
        await run(t, TagsDocument, { after: after === forged[2] ? Buffer.from('["x","y","z"]').toString('base64url') : after }),
      ]) {
        expect(codes(res)).toEqual(['BAD_USER_INPUT']);
        expect(res.errors![0].message).toContain('`after`');
      }
    }
  });
});
