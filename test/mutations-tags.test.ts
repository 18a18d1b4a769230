import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { toGlobalId } from '../src/generic/global-id.js';
import { createContent, createTestUser, errorCodes, type TestUser } from './helpers/accounts.js';
import { databaseKind } from './helpers/database.js';
import { startTestServer, type TestServer } from './helpers/server.js';

const ADD = `mutation($target: ID, $ref: ContentObjectRef, $names: [String!]!) {
  addTags(target: $target, targetRef: $ref, names: $names) {
    changed
    tags { name slug }
    target { __typename ... on ContentNode { id } ... on Taggable { tags { name } } }
  }
}`;
const REMOVE = `mutation($target: ID!, $names: [String!]!) { removeTags(target: $target, names: $names) { changed tags { name } } }`;
const MERGE = `mutation($from: [String!]!, $into: String!) { mergeTags(from: $from, into: $into) { tag { name itemCount } merged retaggedCount } }`;

describe(`tag mutations (${databaseKind})`, () => {
  let t: TestServer;
  let ada: TestUser;
  let grace: TestUser;
  const add = (target: string, names: string[], token = grace.token) => t.gql(ADD, { target, names }, { token });
  const activity = (target: string, verb: string) =>
    t.gql(`query($target: ID!, $verb: String!) { activity(target: $target, verb: $verb) { edges { node { verb objectRepr data actor { username } target { __typename } } } } }`, {
      target,
      verb,
    });

  beforeAll(async () => {
    t = await startTestServer();
    ada = await createTestUser(t, 'ada', { admin: true });
    grace = await createTestUser(t, 'grace');
  });
  afterAll(() => t?.stop());

  it('adds tags, creates missing ones and returns the target with its tags; records `tagged`', async () => {
    const article = await createContent(t, grace.token, 'Article', { title: 'Tagging' });
    const res = await add(article.id, ['GraphQL', 'postgres']);
    expect(res.errors).toBeUndefined();
    expect(res.data.addTags).toEqual({
      changed: ['GraphQL', 'postgres'],
      tags: [{ name: 'GraphQL', slug: 'graphql' }, { name: 'postgres', slug: 'postgres' }],
      target: { __typename: 'Article', id: article.id, tags: [{ name: 'GraphQL' }, { name: 'postgres' }] },
    });
    const feed = await activity(article.id, 'tagged');
    expect(feed.data.activity.edges).toEqual([
      { node: { verb: 'tagged', objectRepr: 'Tagging', data: { tags: ['GraphQL', 'postgres'] }, actor: { username: 'grace' }, target: { __typename: 'Article' } } },
    ]);
    const rows = await t.sql<{ tagged_by_id: number }>(`select tagged_by_id from tagged_item where object_id = ? and content_type_id = ?`, [
      article.databaseId,
      t.server.registry.idOf(t.server.registry.byTypeName('Article')!.cls),
    ]);
    expect(rows.map((r) => r.tagged_by_id)).toEqual([grace.id, grace.id]);
  });

  it('normalises names and treats names differing by case as one tag; adding again changes and records nothing', async () => {
    const book = await createContent(t, grace.token, 'Book', { title: 'Normal', authorName: 'N. N.' });
    const first = await add(book.id, ['  Graph   Databases ', 'graph databases', 'GRAPH DATABASES']);
    expect(first.data.addTags.changed).toEqual(['Graph Databases']);
    const video = await createContent(t, grace.token, 'Video', { title: 'Clip', url: 'https://example.com/v' });
    const other = await add(video.id, ['graph DATABASES']);
    expect(other.data.addTags.tags).toEqual([{ name: 'Graph Databases', slug: 'graph-databases' }]);
    expect(await t.sql(`select id from tag where lower(name) = 'graph databases'`)).toHaveLength(1);
    const again = await add(book.id, ['Graph Databases']);
    expect(again.data.addTags.changed).toEqual([]);
    expect((await activity(book.id, 'tagged')).data.activity.edges).toHaveLength(1);
  });

  it('gives distinct slugs to names that slugify alike, and keeps letters of any script', async () => {
    const article = await createContent(t, grace.token, 'Article', { title: 'Slugs' });
    const res = await add(article.id, ['C++', 'C#', 'Café au lait', '日本語']);
    const slugs = Object.fromEntries(res.data.addTags.tags.map((tag: { name: string; slug: string }) => [tag.name, tag.slug]));
    expect(slugs['Café au lait']).toBe('cafe-au-lait');
    expect(slugs['日本語']).toBe('日本語');
    expect(new Set([slugs['C++'], slugs['C#']])).toEqual(new Set(['c', 'c-2']));
  });

  it('accepts the target as a ContentObjectRef (one field per content type)', async () => {
    const product = await createContent(t, grace.token, 'Product', { name: 'Desk', sku: 'REF-1' });
    const res = await t.gql(ADD, { ref: { product: product.databaseId }, names: ['furniture'] }, { token: grace.token });
    expect(res.data.addTags.target).toEqual({ __typename: 'Product', id: product.id, tags: [{ name: 'furniture' }] });
    const user = await t.gql(ADD, { ref: { user: grace.id }, names: ['pioneer'] }, { token: ada.token });
    expect(user.data.addTags.target.__typename).toBe('User');
    const literal = await t.gql(`mutation { addTags(targetRef: { product: ${product.databaseId} }, names: ["desk"]) { changed } }`, {}, { token: grace.token });
    expect(literal.data.addTags.changed).toEqual(['desk']);
  });

  it('rejects a ContentObjectRef with two fields or a null field before running anything', async () => {
    const twoVars = await t.gql(ADD, { ref: { article: 1, book: 1 }, names: ['x'] }, { token: grace.token });
    expect(errorCodes(twoVars)).toEqual(['BAD_USER_INPUT']);
    const nullVar = await t.gql(ADD, { ref: { article: null }, names: ['x'] }, { token: grace.token });
    expect(errorCodes(nullVar)).toEqual(['BAD_USER_INPUT']);
    const twoLiteral = await t.gql('mutation { addTags(targetRef: { article: 1, book: 1 }, names: ["x"]) { changed } }', {}, { token: grace.token });
    expect(errorCodes(twoLiteral)).toEqual(['GRAPHQL_VALIDATION_FAILED']);
    const unknownField = await t.gql('mutation { addTags(targetRef: { podcast: 1 }, names: ["x"]) { changed } }', {}, { token: grace.token });
    expect(errorCodes(unknownField)).toEqual(['GRAPHQL_VALIDATION_FAILED']);
  });

  it.each([
    ['no target', {}, 'BAD_USER_INPUT', 'target'],
    ['both target and targetRef', { target: toGlobalId('Article', 1), ref: { article: 1 } }, 'BAD_USER_INPUT', 'target'],
    ['a malformed global ID', { target: 'not an id!' }, 'BAD_USER_INPUT', 'target'],
    ['a global ID of an unknown type', { target: toGlobalId('Podcast', 1) }, 'BAD_USER_INPUT', 'target'],
    ['a global ID of a Tag (not a content object)', { target: toGlobalId('Tag', 1) }, 'BAD_USER_INPUT', 'target'],
    ['a missing Article', { target: toGlobalId('Article', 999_999) }, 'NOT_FOUND', 'target'],
    ['a missing Book by reference', { ref: { book: 999_999 } }, 'NOT_FOUND', 'targetRef.book'],
    ['a non-positive reference', { ref: { video: 0 } }, 'BAD_USER_INPUT', 'targetRef.video'],
  ])('rejects %s with %s naming the argument', async (_what, variables, code, argumentName) => {
    const res = await t.gql(ADD, { names: ['never-created'], ...variables }, { token: grace.token });
    expect(errorCodes(res)).toEqual([code]);
    expect(res.errors![0].extensions!.argumentName).toBe(argumentName);
    expect(res.errors![0].message).toContain(`\`${argumentName}\``);
    expect(await t.sql(`select 1 from tag where name = 'never-created'`)).toHaveLength(0);
  });

  it.each([
    ['an empty list', [], 'names'],
    ['51 names', Array.from({ length: 51 }, (_, i) => `n${i}`), 'names'],
    ['an empty name', ['ok', '   '], 'names[1]'],
    ['a name of 51 characters', ['x'.repeat(51)], 'names[0]'],
    ['a name without letters or digits', ['!!!'], 'names[0]'],
    ['a NUL character', ['a\u0000b'], 'names[0]'],
    ['a lone surrogate', ['a\ud800b'], 'names[0]'],
  ])('rejects %s with BAD_USER_INPUT naming it, and writes nothing', async (_what, names, argumentName) => {
    const article = await createContent(t, grace.token, 'Article', { title: `Invalid ${argumentName}` });
    const res = await add(article.id, names as string[]);
    expect(errorCodes(res)).toEqual(['BAD_USER_INPUT']);
    expect(res.errors![0].extensions!.argumentName).toBe(argumentName);
    expect(await t.sql(`select 1 from tagged_item ti join content_type ct on ct.id = ti.content_type_id where ct.model = 'article' and ti.object_id = ?`, [article.databaseId])).toHaveLength(0);
    expect(await t.sql(`select 1 from tag where name = 'ok'`)).toHaveLength(0);
  });

  it('accepts names of exactly 50 characters and 50 names per call', async () => {
    const article = await createContent(t, grace.token, 'Article', { title: 'Limits' });
    const names = Array.from({ length: 50 }, (_, i) => `limit-${i}-${'x'.repeat(40)}`.slice(0, 50));
    const res = await add(article.id, names);
    expect(res.errors).toBeUndefined();
    expect(res.data.addTags.changed).toHaveLength(50);
  });

  it('removes tags case-insensitively and idempotently; records `untagged` with the removed names', async () => {
    const article = await createContent(t, grace.token, 'Article', { title: 'Untagging' });
    await add(article.id, ['keep', 'drop-me', 'Drop-Too']);
    const res = await t.gql(REMOVE, { target: article.id, names: ['DROP-ME', 'drop-too', 'never-there'] }, { token: grace.token });
    expect(res.data.removeTags).toEqual({ changed: ['Drop-Too', 'drop-me'], tags: [{ name: 'keep' }] });
    const again = await t.gql(REMOVE, { target: article.id, names: ['drop-me'] }, { token: grace.token });
    expect(again.data.removeTags).toEqual({ changed: [], tags: [{ name: 'keep' }] });
    const feed = await activity(article.id, 'untagged');
    expect(feed.data.activity.edges.map((e: { node: { data: unknown } }) => e.node.data)).toEqual([{ tags: ['Drop-Too', 'drop-me'] }]);
    expect(await t.sql(`select 1 from tag where name = 'drop-me'`)).toHaveLength(1); // tags outlive their last use
  });

  it('merges tags: re-points items without duplicates, deletes the merged tags, records `retagged`', async () => {
    const a = await createContent(t, grace.token, 'Article', { title: 'Merge A' });
    const b = await createContent(t, grace.token, 'Book', { title: 'Merge B', authorName: 'B' });
    const c = await createContent(t, grace.token, 'Video', { title: 'Merge C', url: 'https://example.com/c' });
    await add(a.id, ['js', 'ecmascript']);
    await add(b.id, ['JavaScript', 'js']);
    await add(c.id, ['ECMAScript']);
    const res = await t.gql(MERGE, { from: ['JS', 'ecmascript'], into: 'javascript' }, { token: ada.token });
    expect(res.errors).toBeUndefined();
    expect(res.data.mergeTags).toEqual({ tag: { name: 'JavaScript', itemCount: 3 }, merged: ['ecmascript', 'js'], retaggedCount: 3 });
    for (const target of [a, b, c]) {
      const tags = await t.gql(`query($id: ID!) { node(id: $id) { ... on Taggable { tags { name } } } }`, { id: target.id });
      expect(tags.data.node.tags).toEqual([{ name: 'JavaScript' }]);
    }
    expect(await t.sql(`select 1 from tag where lower(name) in ('js', 'ecmascript')`)).toHaveLength(0);
    const feed = await activity(a.id, 'retagged');
    expect(feed.data.activity.edges[0].node).toMatchObject({ objectRepr: 'Merge A', data: { from: ['ecmascript', 'js'], into: 'JavaScript' }, actor: { username: 'ada' } });
  });

  it('rejects bad merges with the argument named', async () => {
    const missing = await t.gql(MERGE, { from: ['no-such-tag'], into: 'anything' }, { token: ada.token });
    expect(errorCodes(missing)).toEqual(['NOT_FOUND']);
    expect(missing.errors![0].extensions!.argumentName).toBe('from');
    expect(await t.sql(`select 1 from tag where name = 'anything'`)).toHaveLength(0);
    const self = await t.gql(MERGE, { from: ['Same'], into: 'same' }, { token: ada.token });
    expect(errorCodes(self)).toEqual(['BAD_USER_INPUT']);
    const badInto = await t.gql(MERGE, { from: ['x'], into: '  ' }, { token: ada.token });
    expect(badInto.errors![0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', argumentName: 'into' });
  });

  it('leaves no tag, tagged item or activity behind when the mutation fails half-way', async () => {
    // Fault injection in the database: the activity insert (the last step of addTags) fails for this object.
    await t.sql(
      `create or replace function h3_fail_activity() returns trigger language plpgsql as $$ begin if new.object_repr like 'FAIL%' then raise exception 'injected failure'; end if; return new; end $$`,
    );
    await t.sql(`create trigger h3_fail_activity before insert on activity_entry for each row execute function h3_fail_activity()`);
    try {
      const [row] = await t.sql<{ id: number }>(`insert into article (title) values ('FAIL half-way') returning id`);
      const res = await add(toGlobalId('Article', row.id), ['half-way-tag']);
      expect(errorCodes(res)).toEqual(['INTERNAL_SERVER_ERROR']);
      expect(await t.sql(`select 1 from tag where name = 'half-way-tag'`)).toHaveLength(0);
      expect(await t.sql(`select 1 from tagged_item ti join content_type ct on ct.id = ti.content_type_id where ct.model = 'article' and ti.object_id = ?`, [row.id])).toHaveLength(0);
      expect(await t.sql(`select 1 from activity_entry where object_repr like 'FAIL%'`)).toHaveLength(0);
    } finally {
      await t.sql(`drop trigger h3_fail_activity on activity_entry`);
    }
  });
});
