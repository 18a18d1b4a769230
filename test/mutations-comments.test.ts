import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fromGlobalId, toGlobalId } from '../src/generic/global-id.js';
import { createContent, createTestUser, errorCodes, type TestUser } from './helpers/accounts.js';
import { databaseKind } from './helpers/database.js';
import { startTestServer, type TestServer } from './helpers/server.js';

const ADD = `mutation($target: ID, $ref: ContentObjectRef, $body: String!) {
  addComment(target: $target, targetRef: $ref, body: $body) { id body author { username } target { __typename ... on ContentNode { id } } }
}`;
const EDIT = 'mutation($id: ID!, $body: String!) { editComment(id: $id, body: $body) { id body author { username } } }';
const DELETE = 'mutation($id: ID!) { deleteComment(id: $id) { deletedId target { __typename ... on ContentNode { id } } } }';

describe(`comment mutations (${databaseKind})`, () => {
  let t: TestServer;
  let ada: TestUser; // admin
  let grace: TestUser;
  let linus: TestUser;
  let article: { id: string; databaseId: number | string };
  const entries = (target: string, verb: string) =>
    t
      .gql(`query($target: ID!, $verb: String!) { activity(target: $target, verb: $verb) { edges { node { objectRepr data actor { username } } } } }`, { target, verb })
      .then((res) => res.data.activity.edges.map((e: { node: unknown }) => e.node));

  beforeAll(async () => {
    t = await startTestServer({}, { app: 'core' });
    ada = await createTestUser(t, 'ada', { admin: true });
    grace = await createTestUser(t, 'grace');
    linus = await createTestUser(t, 'linus');
    article = await createContent(t, ada.token, 'FixtureFossil', { name: 'Comments welcome' });
  });
  afterAll(() => t?.stop());

  it('adds a trimmed comment by the caller and records `commented`', async () => {
    const res = await t.gql(ADD, { target: article.id, body: '  First!  ' }, { token: grace.token });
    expect(res.errors).toBeUndefined();
    expect(res.data.addComment).toMatchObject({ body: 'First!', author: { username: 'grace' }, target: { __typename: 'FixtureFossil', id: article.id } });
    expect(await entries(article.id, 'commented')).toEqual([
      { objectRepr: 'Comments welcome', data: { comment: res.data.addComment.id, excerpt: 'First!' }, actor: { username: 'grace' } },
    ]);
  });

  it('comments on any content type, also given as a ContentObjectRef', async () => {
    const res = await t.gql(ADD, { ref: { user: linus.id }, body: 'Hello Linus' }, { token: grace.token });
    expect(res.data.addComment.target).toEqual({ __typename: 'User', id: linus.globalId });
  });

  it('lets the author and admins edit a comment, records the old and new body; others get FORBIDDEN', async () => {
    const { data } = await t.gql(ADD, { target: article.id, body: 'Draft' }, { token: grace.token });
    const id = data.addComment.id;
    const forbidden = await t.gql(EDIT, { id, body: 'Hijacked' }, { token: linus.token });
    expect(errorCodes(forbidden)).toEqual(['FORBIDDEN']);
    const byAuthor = await t.gql(EDIT, { id, body: 'Final' }, { token: grace.token });
    expect(byAuthor.data.editComment).toEqual({ id, body: 'Final', author: { username: 'grace' } });
    const byAdmin = await t.gql(EDIT, { id, body: 'Final (edited by a moderator)' }, { token: ada.token });
    expect(byAdmin.data.editComment.author.username).toBe('grace');
    const edits = await entries(article.id, 'comment_edited');
    expect(edits.map((e: { data: unknown }) => e.data)).toEqual([
      { comment: id, changes: { body: { old: 'Final', new: 'Final (edited by a moderator)' } } },
      { comment: id, changes: { body: { old: 'Draft', new: 'Final' } } },
    ]);
    const [row] = await t.sql<{ body: string }>('select body from comment where id = ?', [fromGlobalId(id)!.key]);
    expect(row.body).toBe('Final (edited by a moderator)');
  });

  it('lets the author and admins delete a comment; others get FORBIDDEN', async () => {
    const one = (await t.gql(ADD, { target: article.id, body: 'Delete me' }, { token: grace.token })).data.addComment.id;
    const two = (await t.gql(ADD, { target: article.id, body: 'Moderate me' }, { token: grace.token })).data.addComment.id;
    expect(errorCodes(await t.gql(DELETE, { id: one }, { token: linus.token }))).toEqual(['FORBIDDEN']);
    const byAuthor = await t.gql(DELETE, { id: one }, { token: grace.token });
    expect(byAuthor.data.deleteComment).toEqual({ deletedId: one, target: { __typename: 'FixtureFossil', id: article.id } });
    const byAdmin = await t.gql(DELETE, { id: two }, { token: ada.token });
    expect(byAdmin.errors).toBeUndefined();
    expect((await t.gql('query($id: ID!) { node(id: $id) { id } }', { id: one })).data.node).toBeNull();
    const deleted = await entries(article.id, 'comment_deleted');
    // Deleted text is gone: the entries name the comment, not its text.
    expect(deleted.map((e: { data: unknown }) => e.data)).toEqual([{ comment: two }, { comment: one }]);
    const again = await t.gql(DELETE, { id: one }, { token: grace.token });
    expect(errorCodes(again)).toEqual(['NOT_FOUND']);
  });

  it.each([
    ['an empty body', ''],
    ['a blank body', ' \n\t '],
    ['a body of 10,001 characters', 'x'.repeat(10_001)],
    ['a NUL character', 'a\u0000b'],
  ])('rejects %s with BAD_USER_INPUT naming `body`', async (_what, body) => {
    const res = await t.gql(ADD, { target: article.id, body }, { token: grace.token });
    expect(res.errors![0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', argumentName: 'body' });
  });

  it('accepts a body of exactly 10,000 characters (of any script)', async () => {
    const body = 'é'.repeat(5_000) + '😀'.repeat(5_000);
    const res = await t.gql(ADD, { target: article.id, body }, { token: grace.token });
    expect(res.errors).toBeUndefined();
    expect(res.data.addComment.body).toBe(body);
  });

  it.each([
    ['a malformed ID', 'bogus', 'BAD_USER_INPUT'],
    ['the ID of a content object', toGlobalId('FixtureAnimal', 1), 'BAD_USER_INPUT'],
    ['the ID of a missing comment', toGlobalId('Comment', 999_999), 'NOT_FOUND'],
  ])('editComment/deleteComment reject %s with %s naming `id`', async (_what, id, code) => {
    for (const res of [await t.gql(EDIT, { id, body: 'x' }, { token: ada.token }), await t.gql(DELETE, { id }, { token: ada.token })]) {
      expect(res.errors![0].extensions).toMatchObject({ code, argumentName: 'id' });
    }
  });

  it('rejects a comment on a missing object with NOT_FOUND', async () => {
    const res = await t.gql(ADD, { target: toGlobalId('FixtureVegetable', 424_242), body: 'Anyone?' }, { token: grace.token });
    expect(res.errors![0].extensions).toMatchObject({ code: 'NOT_FOUND', argumentName: 'target' });
  });

  it('leaves no comment or activity behind when the mutation fails half-way', async () => {
    await t.sql(
      `create or replace function h3_fail_activity() returns trigger language plpgsql as $$ begin if new.object_repr like 'FAIL%' then raise exception 'injected failure'; end if; return new; end $$`,
    );
    await t.sql(`create trigger h3_fail_activity before insert on activity_entry for each row execute function h3_fail_activity()`);
    try {
      const [row] = await t.sql<{ id: number }>(`insert into cg_fixture_animal (name) values ('FAIL comments') returning id`);
      const res = await t.gql(ADD, { ref: { fixtureAnimal: row.id }, body: 'Lost' }, { token: grace.token });
      expect(errorCodes(res)).toEqual(['INTERNAL_SERVER_ERROR']);
      expect(await t.sql(`select 1 from comment where body = 'Lost'`)).toHaveLength(0);
      expect(await t.sql(`select 1 from activity_entry where object_repr like 'FAIL%'`)).toHaveLength(0);
    } finally {
      await t.sql(`drop trigger h3_fail_activity on activity_entry`);
    }
  });
});
