import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { toGlobalId } from '../src/generic/global-id.js';
import { createContent, createTestUser, type TestUser } from './helpers/accounts.js';
import { databaseKind } from './helpers/database.js';
import { startTestServer, type TestServer } from './helpers/server.js';

const RECORD = `mutation($target: ID, $ref: ContentObjectRef, $verb: String!, $data: JSON) {
  recordActivity(target: $target, targetRef: $ref, verb: $verb, data: $data) { id verb objectRepr data actor { username } target { __typename ... on ContentNode { id } } }
}`;
const LINK = `mutation($source: ID, $sourceRef: ContentObjectRef, $target: ID, $targetRef: ContentObjectRef, $kind: String!) {
  linkObjects(source: $source, sourceRef: $sourceRef, target: $target, targetRef: $targetRef, kind: $kind) {
    id kind source { __typename ... on ContentNode { id } } target { __typename ... on ContentNode { id } }
  }
}`;
const UNLINK = 'mutation($id: ID!) { unlinkObjects(id: $id) { deletedId source { __typename } target { __typename } } }';
const LINK_DATA = `mutation($source: ID, $target: ID, $kind: String!, $data: JSON) {
  linkObjects(source: $source, target: $target, kind: $kind, data: $data) { id kind data }
}`;

// One server for the whole file.
let t: TestServer;
let grace: TestUser;
beforeAll(async () => {
  t = await startTestServer({}, { app: 'core' });
  grace = await createTestUser(t, 'grace');
});
afterAll(() => t?.stop());

describe(`recordActivity (${databaseKind})`, () => {
  let book: { id: string; databaseId: number | string };

  beforeAll(async () => {
    book = await createContent(t, grace.token, 'FixtureVegetable', { name: 'Dune' });
  });

  it('records a client-defined entry with its data, by global ID or reference', async () => {
    const res = await t.gql(RECORD, { target: book.id, verb: 'viewed', data: { seconds: 42, via: ['search'] } }, { token: grace.token });
    expect(res.errors).toBeUndefined();
    expect(res.data.recordActivity).toMatchObject({
      verb: 'viewed',
      objectRepr: 'Dune (vegetable)',
      data: { seconds: 42, via: ['search'] },
      actor: { username: 'grace' },
      target: { __typename: 'FixtureVegetable', id: book.id },
    });
    const byRef = await t.gql(RECORD, { ref: { fixtureVegetable: book.databaseId }, verb: 'shared_with_team' }, { token: grace.token });
    expect(byRef.data.recordActivity).toMatchObject({ verb: 'shared_with_team', data: null });
  });

  it('accepts data up to 8 KiB', async () => {
    const data = { text: 'x'.repeat(8 * 1024 - 11) }; // {"text":"…"} is 11 bytes of JSON around the text
    expect(Buffer.byteLength(JSON.stringify(data))).toBe(8 * 1024);
    const res = await t.gql(RECORD, { target: book.id, verb: 'annotated', data }, { token: grace.token });
    expect(res.errors).toBeUndefined();
  });

  it.each([
    ['an uppercase verb', { verb: 'Viewed' }, 'verb'],
    ['a verb with a dash', { verb: 'was-viewed' }, 'verb'],
    ['a verb starting with a digit', { verb: '1st_view' }, 'verb'],
    ['an empty verb', { verb: '' }, 'verb'],
    ['a verb of 41 characters', { verb: 'v'.repeat(41) }, 'verb'],
    ['a verb the server records itself', { verb: 'deleted' }, 'verb'],
    ['data that is an array', { verb: 'viewed', data: [1, 2] }, 'data'],
    ['data that is a string', { verb: 'viewed', data: 'text' }, 'data'],
    ['data over 8 KiB', { verb: 'viewed', data: { text: 'x'.repeat(8 * 1024) } }, 'data'],
    ['data with a NUL character', { verb: 'viewed', data: { text: 'a\u0000b' } }, 'data'],
  ])('rejects %s with BAD_USER_INPUT naming the argument, writing nothing', async (_what, variables, argumentName) => {
    const before = await t.sql<{ n: string }>('select count(*) as n from activity_entry');
    const res = await t.gql(RECORD, { target: book.id, ...variables }, { token: grace.token });
    expect(res.errors![0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', argumentName });
    const after = await t.sql<{ n: string }>('select count(*) as n from activity_entry');
    expect(Number(after[0].n)).toBe(Number(before[0].n));
  });

  it('rejects a target of the wrong kind or a missing one', async () => {
    const wrongKind = await t.gql(RECORD, { target: toGlobalId('ActivityEntry', 1), verb: 'viewed' }, { token: grace.token });
    expect(wrongKind.errors![0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', argumentName: 'target' });
    const missing = await t.gql(RECORD, { ref: { fixtureMineral: 777 }, verb: 'viewed' }, { token: grace.token });
    expect(missing.errors![0].extensions).toMatchObject({ code: 'NOT_FOUND', argumentName: 'targetRef.fixtureMineral' });
  });
});

describe(`linkObjects / unlinkObjects (${databaseKind})`, () => {
  let article: { id: string; databaseId: number | string };
  let video: { id: string; databaseId: number | string };

  beforeAll(async () => {
    article = await createContent(t, grace.token, 'FixtureAnimal', { name: 'Linked article' });
    video = await createContent(t, grace.token, 'FixtureFossil', { name: 'Linked video' });
  });

  it('links two objects of any types; linking again returns the same link and records nothing new', async () => {
    const res = await t.gql(LINK, { source: article.id, target: video.id, kind: 'related' }, { token: grace.token });
    expect(res.errors).toBeUndefined();
    expect(res.data.linkObjects).toMatchObject({
      kind: 'related',
      source: { __typename: 'FixtureAnimal', id: article.id },
      target: { __typename: 'FixtureFossil', id: video.id },
    });
    const again = await t.gql(LINK, { sourceRef: { fixtureAnimal: article.databaseId }, targetRef: { fixtureFossil: video.databaseId }, kind: 'related' }, { token: grace.token });
    expect(again.data.linkObjects.id).toBe(res.data.linkObjects.id);
    const feed = await t.gql(`query($t: ID!) { activity(target: $t, verb: "linked") { edges { node { objectRepr data actor { username } } } } }`, { t: article.id });
    expect(feed.data.activity.edges).toEqual([
      {
        node: {
          objectRepr: 'Linked article',
          data: { link: res.data.linkObjects.id, kind: 'related', target: { id: video.id, repr: 'Linked video' } },
          actor: { username: 'grace' },
        },
      },
    ]);
    const other = await t.gql(LINK, { source: article.id, target: video.id, kind: 'sequel_of' }, { token: grace.token });
    expect(other.data.linkObjects.id).not.toBe(res.data.linkObjects.id);
  });

  it.each([
    ['an invalid kind', { source: 'A', target: 'B', kind: 'Related!' }, 'BAD_USER_INPUT', 'kind'],
    ['a link of an object to itself', { source: 'A', target: 'A', kind: 'related' }, 'BAD_USER_INPUT', 'target'],
    ['no source', { target: 'B', kind: 'related' }, 'BAD_USER_INPUT', 'source'],
    ['a missing source', { sourceRef: { fixtureVegetable: 31_337 }, target: 'B', kind: 'related' }, 'NOT_FOUND', 'sourceRef.fixtureVegetable'],
    ['a target of the wrong kind', { source: 'A', target: toGlobalId('Comment', 1), kind: 'related' }, 'BAD_USER_INPUT', 'target'],
  ])('rejects %s with %s naming the argument', async (_what, variables, code, argumentName) => {
    const ids: Record<string, string> = { A: article.id, B: video.id };
    const resolved = Object.fromEntries(Object.entries(variables).map(([k, v]) => [k, typeof v === 'string' && ids[v] ? ids[v] : v]));
    const before = await t.sql<{ n: string }>('select count(*) as n from content_link');
    const res = await t.gql(LINK, resolved, { token: grace.token });
    expect(res.errors![0].extensions).toMatchObject({ code, argumentName });
    expect((await t.sql<{ n: string }>('select count(*) as n from content_link'))[0].n).toEqual(before[0].n);
  });

  it('unlinks and records `unlinked` on the source; unlinking again is NOT_FOUND', async () => {
    const link = (await t.gql(LINK, { source: video.id, target: article.id, kind: 'explains' }, { token: grace.token })).data.linkObjects;
    const res = await t.gql(UNLINK, { id: link.id }, { token: grace.token });
    expect(res.data.unlinkObjects).toEqual({ deletedId: link.id, source: { __typename: 'FixtureFossil' }, target: { __typename: 'FixtureAnimal' } });
    const feed = await t.gql(`query($t: ID!) { activity(target: $t, verb: "unlinked") { edges { node { data } } } }`, { t: video.id });
    expect(feed.data.activity.edges[0].node.data).toMatchObject({ link: link.id, kind: 'explains' });
    const again = await t.gql(UNLINK, { id: link.id }, { token: grace.token });
    expect(again.errors![0].extensions).toMatchObject({ code: 'NOT_FOUND', argumentName: 'id' });
    const wrong = await t.gql(UNLINK, { id: article.id }, { token: grace.token });
    expect(wrong.errors![0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', argumentName: 'id' });
  });
  const KINDS = `query($id: ID!, $kind: String) {
    node(id: $id) { ... on Linkable {
      outgoingLinks(kind: $kind) { edges { node { kind data target { __typename } } } }
      incomingLinks(kind: $kind) { edges { node { kind source { __typename } } } }
    } }
  }`;

  it('filters outgoingLinks and incomingLinks by kind', async () => {
    const a = await createContent(t, grace.token, 'FixtureAnimal', { name: 'Kinds A' });
    const b = await createContent(t, grace.token, 'FixtureMineral', { name: 'Kinds B' });
    for (const kind of ['related', 'cites', 'cites_again']) await t.gql(LINK, { source: a.id, target: b.id, kind }, { token: grace.token });
    await t.gql(LINK, { source: b.id, target: a.id, kind: 'cites' }, { token: grace.token });
    const kinds = async (id: string, kind?: string) => {
      const res = await t.gql(KINDS, { id, kind }, {});
      expect(res.errors).toBeUndefined();
      return {
        out: res.data.node.outgoingLinks.edges.map((e: { node: { kind: string } }) => e.node.kind),
        in: res.data.node.incomingLinks.edges.map((e: { node: { kind: string } }) => e.node.kind),
      };
    };
    expect(await kinds(a.id)).toEqual({ out: ['cites_again', 'cites', 'related'], in: ['cites'] });
    expect(await kinds(a.id, 'cites')).toEqual({ out: ['cites'], in: ['cites'] });
    expect(await kinds(b.id, 'related')).toEqual({ out: [], in: ['related'] });
    expect(await kinds(a.id, 'no_such_kind')).toEqual({ out: [], in: [] });
    expect(await kinds(a.id, 'x'.repeat(10_000))).toEqual({ out: [], in: [] });
  });

  it('stores validated JSON data on a link; linking again with other data replaces it (link_updated), without data keeps it', async () => {
    const a = await createContent(t, grace.token, 'FixtureAnimal', { name: 'tiger' });
    const b = await createContent(t, grace.token, 'FixtureAnimal', { name: 'cheetah' });
    const linkWith = (data?: unknown) => t.gql(LINK_DATA, { source: a.id, target: b.id, kind: 'stronger_than', data }, { token: grace.token });
    const first = await linkWith({ margin: 'a lot', votes: [1, 2] });
    expect(first.data.linkObjects.data).toEqual({ margin: 'a lot', votes: [1, 2] });
    expect((await linkWith()).data.linkObjects.data).toEqual({ margin: 'a lot', votes: [1, 2] });
    const changed = await linkWith({ margin: 'a little' });
    expect(changed.data.linkObjects).toMatchObject({ id: first.data.linkObjects.id, data: { margin: 'a little' } });
    const feed = await t.gql(`query($t: ID!) { activity(target: $t) { edges { node { verb data } } } }`, { t: a.id });
    expect(feed.data.activity.edges.map((e: { node: { verb: string } }) => e.node.verb).slice(0, 2)).toEqual(['link_updated', 'linked']);
    expect(feed.data.activity.edges[0].node.data.changes).toEqual({ data: { old: { margin: 'a lot', votes: [1, 2] }, new: { margin: 'a little' } } });
    expect((await linkWith(null)).data.linkObjects.data).toBeNull();
    for (const [data, what] of [
      [[1, 2], 'an array'],
      ['text', 'a string'],
      [{ text: 'x'.repeat(5000) }, 'over 4 KiB'],
      [{ 'k\u0000': 1 }, 'a NUL character'],
    ] as [unknown, string][]) {
      const res = await linkWith(data);
      expect(res.errors?.[0].extensions, what).toMatchObject({ code: 'BAD_USER_INPUT', argumentName: 'data' });
    }
    const recorded = await t.gql(RECORD, { target: a.id, verb: 'link_updated' }, { token: grace.token });
    expect(recorded.errors![0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', argumentName: 'verb' });
  });
});
