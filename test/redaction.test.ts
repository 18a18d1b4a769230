import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deleteUser, DELETED_USER_REPR } from '../src/cli/users-delete.command.js';
import { rootEm } from '../src/server/orm.js';
import { createContent, createTestUser, errorCodes, type TestUser } from './helpers/accounts.js';
import { databaseKind } from './helpers/database.js';
import { startTestServer, type TestServer } from './helpers/server.js';
import { loadConfig } from '../src/server/config.js';
import { Role } from '../src/accounts/roles.js';

const ADD_COMMENT = 'mutation($target: ID!, $body: String!) { addComment(target: $target, body: $body) { id } }';
const EDIT_COMMENT = 'mutation($id: ID!, $body: String!) { editComment(id: $id, body: $body) { id } }';
const DELETE_COMMENT = 'mutation($id: ID!) { deleteComment(id: $id) { deletedId } }';

const ENTRY = 'id verb objectRepr data redacted createdAt actor { id username name } target { __typename ... on ContentNode { id } ... on User { name username } } targetType { model }';
const OBJECT = `__typename ... on ContentNode { id }
  ... on FixtureFossil { name era }
  ... on User { name username }
  ... on Taggable { tags { name } }
  ... on Commentable { commentCount comments(first: 100) { edges { node { id body author { name } } } } }
  ... on HasActivity { activity(first: 100) { edges { node { ${ENTRY} } } } }
  ... on Linkable { outgoingLinks(first: 100) { edges { node { kind target { __typename ... on User { name } } } } }
                    incomingLinks(first: 100) { edges { node { kind source { __typename ... on User { name } } } } } }`;

/**
 * Deleted text is gone: after a comment, an object and a user are deleted,
 * no public path shows their text, while the history keeps its entries.
 */
describe(`deleted text is gone from every public path (${databaseKind})`, () => {
  let t: TestServer;
  let grace: TestUser;
  let linus: TestUser;
  let mod: TestUser;
  let eve: TestUser;
  const deletedComments: string[] = [];
  const ids: Record<string, string> = {};

  beforeAll(async () => {
    // This test reads everything at once (nested pages of 100); the cost limit and budget are not what it tests.
    t = await startTestServer({ limits: { ...loadConfig({ NODE_ENV: 'test' }).limits, maxCost: Number.MAX_SAFE_INTEGER }, rateLimitPoints: 0 }, { app: 'core' });
    grace = await createTestUser(t, 'grace');
    linus = await createTestUser(t, 'linus');
    mod = await createTestUser(t, 'mod', { role: Role.MODERATOR });
    eve = await createTestUser(t, 'eve', { name: 'Eve SECRET-name' });
  });
  afterAll(() => t?.stop());

  const ok = async (query: string, variables: Record<string, unknown>, token: string) => {
    const res = await t.gql(query, variables, { token });
    expect(res.errors, query).toBeUndefined();
    return res.data;
  };

  it('a deleted comment: its text leaves the activity of its edits too; the entries stay, redacted', async () => {
    const fossil = await createContent(t, grace.token, 'FixtureFossil', { name: 'Kept fossil', era: 'public era' });
    ids.kept = fossil.id;
    const { addComment } = await ok(ADD_COMMENT, { target: fossil.id, body: 'SECRET-first draft' }, eve.token);
    await ok(EDIT_COMMENT, { id: addComment.id, body: 'SECRET-second draft' }, eve.token);
    await ok(DELETE_COMMENT, { id: addComment.id }, eve.token);
    deletedComments.push(addComment.id);
    const feed = await t.gql(`query($t: ID!) { activity(target: $t) { edges { node { verb data redacted } } } }`, { t: fossil.id });
    expect(feed.data.activity.edges.map((e: { node: unknown }) => e.node)).toEqual([
      { verb: 'comment_deleted', data: { comment: addComment.id }, redacted: false },
      { verb: 'comment_edited', data: { comment: addComment.id }, redacted: true },
      { verb: 'commented', data: { comment: addComment.id }, redacted: true },
      { verb: 'created', data: null, redacted: false },
    ]);
  });

  it('moderation: a moderator deletes another user’s comment, a member who does not own the object may not', async () => {
    const { addComment } = await ok(ADD_COMMENT, { target: ids.kept, body: 'SECRET-moderated' }, linus.token);
    // ids.kept is grace's: eve neither wrote the comment nor owns the object (grace, its owner, could: test/permissions.test.ts).
    expect(errorCodes(await t.gql(DELETE_COMMENT, { id: addComment.id }, { token: eve.token }))).toEqual(['FORBIDDEN']);
    expect(errorCodes(await t.gql(EDIT_COMMENT, { id: addComment.id, body: 'hijack' }, { token: mod.token }))).toEqual(['FORBIDDEN']);
    await ok(DELETE_COMMENT, { id: addComment.id }, mod.token);
    deletedComments.push(addComment.id);
  });

  it('a deleted object: the text of its updates, comments and client data is redacted; its label stays', async () => {
    const doomed = await createContent(t, grace.token, 'FixtureFossil', { name: 'Doomed fossil', era: 'SECRET-original era' });
    ids.doomed = doomed.id;
    await ok('mutation($id: ID!) { updateFixtureFossil(id: $id, input: { era: "SECRET-new era" }) { id } }', { id: doomed.id }, grace.token);
    const { addComment } = await ok(ADD_COMMENT, { target: doomed.id, body: 'SECRET-comment on doomed' }, linus.token);
    deletedComments.push(addComment.id);
    await ok('mutation($t: ID!) { recordActivity(target: $t, verb: "shared", data: { note: "SECRET-client data" }) { id } }', { t: doomed.id }, linus.token);
    const deleted = await ok('mutation($id: ID!) { deleteFixtureFossil(id: $id) { objectRepr } }', { id: doomed.id }, grace.token);
    expect(deleted.deleteFixtureFossil.objectRepr).toBe('Doomed fossil');
    const history = await t.gql(`query($t: ID!) { activity(target: $t) { edges { node { verb objectRepr data redacted target { __typename } } } } }`, { t: doomed.id });
    expect(history.data.activity.edges.map((e: { node: { verb: string } }) => e.node)).toEqual([
      { verb: 'deleted', objectRepr: 'Doomed fossil', data: null, redacted: false, target: null },
      { verb: 'shared', objectRepr: 'Doomed fossil', data: null, redacted: true, target: null },
      { verb: 'commented', objectRepr: 'Doomed fossil', data: { comment: addComment.id }, redacted: true, target: null },
      { verb: 'updated', objectRepr: 'Doomed fossil', data: null, redacted: true, target: null },
      { verb: 'created', objectRepr: 'Doomed fossil', data: null, redacted: false, target: null },
    ]);
  });

  it('a deleted user: tokens stop working, comments go, their activity stays without their text or name', async () => {
    const { addComment } = await ok(ADD_COMMENT, { target: ids.kept, body: 'SECRET-eve speaks' }, eve.token);
    deletedComments.push(addComment.id);
    await ok('mutation($t: ID!) { addTags(target: $t, names: ["eve-tag"]) { changed } }', { t: ids.kept }, eve.token);
    await ok('mutation($t: ID!) { recordActivity(target: $t, verb: "viewed", data: { said: "SECRET-eve data" }) { id } }', { t: ids.kept }, eve.token);
    const onEve = await ok(ADD_COMMENT, { target: eve.globalId, body: 'SECRET-about eve' }, linus.token);
    deletedComments.push(onEve.addComment.id);
    await ok('mutation($s: ID!, $t: ID!) { linkObjects(source: $s, target: $t, kind: "mentions") { id } }', { s: ids.kept, t: eve.globalId }, linus.token);

    const result = await deleteUser(rootEm(t.server.orm).fork(), t.server.registry, 'eve');
    expect(result).toMatchObject({ username: 'eve', tokens: 1, comments: 1 });
    expect(errorCodes(await t.gql('{ viewer { username } }', {}, { token: eve.token }))).toEqual(['UNAUTHENTICATED']);
    expect(await t.sql('select 1 from api_token where user_id = ?', [eve.id])).toEqual([]);
    const about = await t.gql(`query($t: ID!) { activity(target: $t) { edges { node { verb objectRepr redacted actor { username } } } } }`, { t: eve.globalId });
    expect(about.data.activity.edges.map((e: { node: { verb: string } }) => e.node)).toEqual([
      { verb: 'deleted', objectRepr: DELETED_USER_REPR, redacted: false, actor: null },
      { verb: 'commented', objectRepr: DELETED_USER_REPR, redacted: true, actor: { username: 'linus' } },
      { verb: 'created', objectRepr: DELETED_USER_REPR, redacted: false, actor: null },
    ]);
    // The tag eve put on the fossil stays (tags are shared vocabulary), with nobody as its tagger.
    expect((await t.gql('query($t: ID!) { node(id: $t) { ... on Taggable { tags { name } } } }', { t: ids.kept })).data.node.tags).toEqual([{ name: 'eve-tag' }]);
  });

  it('reads every public path afterwards and finds none of the deleted text', async () => {
    const responses: unknown[] = [];
    const read = async (query: string, variables: Record<string, unknown> = {}, token?: string) => {
      const res = await t.gql(query, variables, token ? { token } : {});
      responses.push(res);
      return res;
    };
    const feed = await read(`{ activity(first: 100) { edges { node { ${ENTRY} } } } }`);
    expect(feed.errors).toBeUndefined();
    const entryIds = feed.data.activity.edges.map((e: { node: { id: string } }) => e.node.id);
    await read(`query($ids: [ID!]!) { nodes(ids: $ids) { __typename ... on ActivityEntry { ${ENTRY} } } }`, { ids: entryIds });
    for (const verb of ['commented', 'comment_edited', 'comment_deleted', 'updated', 'shared', 'viewed', 'linked', 'deleted']) {
      await read(`query($v: String!) { activity(verb: $v, first: 100) { edges { node { ${ENTRY} } } } }`, { v: verb });
    }
    for (const user of [grace, linus, mod]) await read(`query($a: ID!) { activity(actor: $a, first: 100) { edges { node { ${ENTRY} } } } }`, { a: user.globalId });
    for (const id of [ids.kept, ids.doomed, eve.globalId]) {
      await read(`query($t: ID!) { activity(target: $t, first: 100) { edges { node { ${ENTRY} } } } comments(target: $t, first: 100) { edges { node { body } } } }`, { t: id });
      const node = await read(`query($id: ID!) { node(id: $id) { ${OBJECT} } }`, { id });
      if (id !== ids.kept) expect(node.data.node).toBeNull();
    }
    const deleted = await read(`query($ids: [ID!]!) { nodes(ids: $ids) { __typename ... on Comment { body } } }`, { ids: deletedComments });
    expect(deleted.data.nodes).toEqual(deletedComments.map(() => null));
    for (const id of deletedComments) expect((await read(`query($id: ID!) { node(id: $id) { id } }`, { id })).data.node).toBeNull();
    const lists = await read(`{ fixtureFossils(first: 100) { edges { node { id name era } } } users(first: 100) { edges { node { id name username } } } }`);
    const listed = [...lists.data.fixtureFossils.edges, ...lists.data.users.edges].map((e: { node: { id: string } }) => e.node.id);
    await read(`query($ids: [ID!]!) { nodes(ids: $ids) { ${OBJECT} } }`, { ids: listed });
    await read(`{ tags(first: 100) { edges { node { name itemCount items(first: 100) { edges { node { ${OBJECT} } } } } } } }`);
    await read(`query($n: String!) { tag(name: $n) { items { edges { node { ${OBJECT} } } } } }`, { n: 'eve-tag' });
    await read('{ viewer { name } }', {}, grace.token);

    const text = JSON.stringify(responses);
    expect(responses.flatMap((res) => (res as { errors?: unknown[] }).errors ?? [])).toEqual([]);
    expect(text).not.toMatch(/SECRET/);
    expect(text).toContain('"redacted":true');
    // Nor anywhere in the database's activity, comments or users.
    expect(await t.sql(`select id from activity_entry where data::text like '%SECRET%' or object_repr like '%SECRET%'`)).toEqual([]);
    expect(await t.sql(`select id from comment where body like '%SECRET%'`)).toEqual([]);
    expect(await t.sql(`select id from "user" where name like '%SECRET%'`)).toEqual([]);
  });
});
