import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createContent, createTestUser, errorCodes, type TestUser } from './helpers/accounts.js';
import { databaseKind, onPostgres } from './helpers/database.js';
import { startTestServer, type TestServer } from './helpers/server.js';

const ADD_TAGS = 'mutation($target: ID!, $names: [String!]!) { addTags(target: $target, names: $names) { changed tags { name } } }';
const ADD_COMMENT = 'mutation($target: ID!, $body: String!) { addComment(target: $target, body: $body) { id } }';

/**
 * Real parallel HTTP requests. On PostgreSQL their transactions really race
 * (a pool of connections); on PGlite (one connection) they serialise, and
 * the same assertions hold.
 */
describe(`concurrent mutations (${databaseKind})`, () => {
  let t: TestServer;
  let users: TestUser[];
  const articleType = () => t.server.registry.idOf(t.server.registry.byTypeName('FixtureAnimal')!.cls);

  beforeAll(async () => {
    t = await startTestServer({}, { app: 'core' });
    users = [];
    for (const name of ['ada', 'grace', 'linus', 'barbara', 'ken']) users.push(await createTestUser(t, name));
  });
  afterAll(() => t?.stop());

  it('50 concurrent addTags of one new name on one target: every call succeeds, one tag, one tagged item, one activity entry', async () => {
    const article = await createContent(t, users[0].token, 'FixtureAnimal', { name: 'Contended' });
    const results = await Promise.all(
      Array.from({ length: 50 }, (_, i) => t.gql(ADD_TAGS, { target: article.id, names: [i % 2 ? 'Race' : 'race'] }, { token: users[i % users.length].token })),
    );
    for (const res of results) expect(res.errors).toBeUndefined();
    // Whichever spelling committed first names the tag; every call then sees that one tag.
    const [stored] = await t.sql<{ name: string }>(`select name from tag where lower(name) = 'race'`);
    expect(['race', 'Race']).toContain(stored.name);
    expect(results.flatMap((res) => res.data.addTags.changed)).toEqual([stored.name]);
    for (const res of results) expect(res.data.addTags.tags).toEqual([{ name: stored.name }]);
    expect(await t.sql(`select id from tag where lower(name) = 'race'`)).toHaveLength(1);
    expect(await t.sql(`select 1 from tagged_item where content_type_id = ? and object_id = ?`, [articleType(), String(article.databaseId)])).toHaveLength(1);
    expect(await t.sql(`select 1 from activity_entry where verb = 'tagged' and content_type_id = ? and object_id = ?`, [articleType(), String(article.databaseId)])).toHaveLength(1);
  });

  it('concurrent addTags of one new name on different targets create the tag once', async () => {
    const targets = [];
    for (let i = 0; i < 20; i++) targets.push(await createContent(t, users[0].token, i % 2 ? 'FixtureFossil' : 'FixtureVegetable', { name: `T${i}` }));
    const results = await Promise.all(targets.map((target, i) => t.gql(ADD_TAGS, { target: target.id, names: ['Fresh Tag'] }, { token: users[i % users.length].token })));
    for (const res of results) expect(res.data.addTags.changed).toEqual(['Fresh Tag']);
    const tags = await t.sql<{ id: number }>(`select id from tag where lower(name) = 'fresh tag'`);
    expect(tags).toHaveLength(1);
    expect(await t.sql('select 1 from tagged_item where tag_id = ?', [tags[0].id])).toHaveLength(20);
  });

  it('concurrent addTags with overlapping names in opposite orders all succeed (no deadlock)', async () => {
    const a = await createContent(t, users[0].token, 'FixtureAnimal', { name: 'Overlap A' });
    const b = await createContent(t, users[0].token, 'FixtureAnimal', { name: 'Overlap B' });
    const names = ['omega', 'alpha', 'mu', 'beta'];
    const results = await Promise.all(
      Array.from({ length: 30 }, (_, i) => t.gql(ADD_TAGS, { target: i % 3 ? a.id : b.id, names: i % 2 ? names : [...names].reverse() }, { token: users[i % users.length].token })),
    );
    for (const res of results) expect(res.errors).toBeUndefined();
    for (const target of [a, b]) {
      expect(await t.sql('select 1 from tagged_item where content_type_id = ? and object_id = ?', [articleType(), String(target.databaseId)])).toHaveLength(4);
    }
    expect(await t.sql(`select 1 from tag where name in ('omega', 'alpha', 'mu', 'beta')`)).toHaveLength(4);
  });

  it('a delete racing addComment: each comment fails with NOT_FOUND or goes with the object; never an orphan', async () => {
    const articles = [];
    // Created by the user who deletes them: only an object's owner (or an admin) may delete it.
    for (let i = 0; i < 8; i++) articles.push(await createContent(t, users[4].token, 'FixtureAnimal', { name: `Doomed ${i}` }));
    const outcomes = await Promise.all(
      articles.flatMap((article, i) => [
        ...Array.from({ length: 4 }, (_, j) => t.gql(ADD_COMMENT, { target: article.id, body: `race ${i}.${j}` }, { token: users[j].token }).then((res) => ({ kind: 'comment', res }))),
        t.gql('mutation($id: ID!) { deleteFixtureAnimal(id: $id) { deletedId } }', { id: article.id }, { token: users[4].token }).then((res) => ({ kind: 'delete', res })),
      ]),
    );
    for (const { kind, res } of outcomes) {
      if (kind === 'delete') expect(res.errors).toBeUndefined();
      else if (res.errors) expect(errorCodes(res)).toEqual(['NOT_FOUND']);
    }
    const orphans = await t.sql('select c.id from comment c where c.content_type_id = ? and not exists (select 1 from cg_fixture_animal a where a.id::text = c.object_id)', [articleType()]);
    expect(orphans).toEqual([]);
    expect(await t.sql(`select 1 from comment where body like 'race %'`)).toHaveLength(0);
    expect(await t.sql(`select 1 from activity_entry where verb = 'deleted' and object_repr like 'Doomed %'`)).toHaveLength(8);
  });

  it('a delete that commits between the target check and the insert makes addComment fail cleanly', async () => {
    // Widen the race window deterministically: a trigger that fires before the generic-foreign-key
    // check (triggers fire in name order) sleeps, while the object is deleted by another request.
    await t.sql(`create or replace function h3_slow() returns trigger language plpgsql as $$ begin perform pg_sleep(0.6); return new; end $$`);
    await t.sql(`create trigger a_h3_slow before insert on comment for each row when (new.body = 'slow') execute function h3_slow()`);
    try {
      const article = await createContent(t, users[2].token, 'FixtureAnimal', { name: 'Race window' }); // users[2] deletes it
      const comment = t.gql(ADD_COMMENT, { target: article.id, body: 'slow' }, { token: users[1].token });
      await new Promise((resolve) => setTimeout(resolve, 200));
      const deleted = await t.gql('mutation($id: ID!) { deleteFixtureAnimal(id: $id) { deletedId } }', { id: article.id }, { token: users[2].token });
      expect(deleted.errors).toBeUndefined();
      const res = await comment;
      if (onPostgres) {
        // The check ran on a row deleted and committed meanwhile: SQLSTATE 23503 from the trigger → NOT_FOUND.
        expect(errorCodes(res)).toEqual(['NOT_FOUND']);
      } else {
        // PGlite has one connection: the delete waited for the comment and took it along.
        expect(res.errors).toBeUndefined();
      }
      expect(await t.sql(`select 1 from comment where body = 'slow'`)).toHaveLength(0);
    } finally {
      await t.sql('drop trigger a_h3_slow on comment');
    }
  });
  it('concurrent setTags of one object: every call succeeds and the result is exactly one of the sets, never a mix', async () => {
    const animal = await createContent(t, users[0].token, 'FixtureAnimal', { name: 'Set race' });
    const sets = [['a1', 'a2'], ['b1'], ['c1', 'c2', 'c3'], [], ['d1', 'a1']];
    const results = await Promise.all(
      Array.from({ length: 15 }, (_, i) =>
        // By its owner: a member may not take off tags that others added (rule tags.remove, test/permissions.test.ts).
        t.gql('mutation($t: ID!, $names: [String!]!) { setTags(target: $t, names: $names) { tags { name } } }', { t: animal.id, names: sets[i % sets.length] }, { token: users[0].token }),
      ),
    );
    for (const res of results) expect(res.errors).toBeUndefined();
    const final = await t.gql('query($id: ID!) { node(id: $id) { ... on Taggable { tags { name } } } }', { id: animal.id });
    const names = final.data.node.tags.map((tag: { name: string }) => tag.name).sort();
    expect(sets.map((set) => [...set].sort())).toContainEqual(names);
  });
});
