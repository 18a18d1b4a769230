import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Role } from '../src/accounts/roles.js';
import { deleteUser } from '../src/cli/users-delete.command.js';
import { writableFields } from '../src/content/content-crud.input.js';
import { toGlobalId } from '../src/generic/global-id.js';
import { rootEm } from '../src/server/orm.js';
import { toGraphQLError } from '../src/server/error-mapping.js';
import { createContent, createTestUser, errorCodes, type TestUser } from './helpers/accounts.js';
import { databaseKind, onPostgres } from './helpers/database.js';
import { type GraphQLResult, startTestServer, type TestServer } from './helpers/server.js';

const UPDATE_ANIMAL = 'mutation($id: ID!, $name: String!) { updateFixtureAnimal(id: $id, input: { name: $name }) { id name } }';
const DELETE_ANIMAL = 'mutation($id: ID!) { deleteFixtureAnimal(id: $id) { deletedId } }';
const UPDATE_MINERAL = 'mutation($id: ID!, $name: String!) { updateFixtureMineral(id: $id, input: { name: $name }) { id name } }';
const ADD_TAGS = 'mutation($target: ID, $ref: ContentObjectRef, $names: [String!]!) { addTags(target: $target, targetRef: $ref, names: $names) { changed } }';
const REMOVE_TAGS = 'mutation($target: ID, $ref: ContentObjectRef, $names: [String!]!) { removeTags(target: $target, targetRef: $ref, names: $names) { changed } }';
const SET_TAGS = 'mutation($target: ID!, $names: [String!]!) { setTags(target: $target, names: $names) { added removed } }';
const MERGE = 'mutation($from: [String!]!, $into: String!) { mergeTags(from: $from, into: $into) { merged } }';
const ADD_COMMENT = 'mutation($target: ID!, $body: String!) { addComment(target: $target, body: $body) { id } }';
const EDIT_COMMENT = 'mutation($id: ID!, $body: String!) { editComment(id: $id, body: $body) { id body } }';
const DELETE_COMMENT = 'mutation($id: ID!) { deleteComment(id: $id) { deletedId } }';
const LINK = 'mutation($source: ID, $sourceRef: ContentObjectRef, $target: ID, $targetRef: ContentObjectRef) { linkObjects(source: $source, sourceRef: $sourceRef, target: $target, targetRef: $targetRef, kind: "related") { id } }';
const UNLINK = 'mutation($id: ID!) { unlinkObjects(id: $id) { deletedId } }';
const RECORD = 'mutation($target: ID!) { recordActivity(target: $target, verb: "viewed") { id } }';
const VOTE = 'mutation($target: ID!) { addFixtureVote(target: $target, value: "up") { changed } }';
const UNVOTE = 'mutation($target: ID!) { removeFixtureVote(target: $target, value: "up") { changed } }';
const OWNER = 'query($id: ID!) { node(id: $id) { ... on ContentNode { owner { id username } } } }';

/**
 * Who may do what (docs/permissions.md), over HTTP on the core test app:
 * two members (ann, bob), a moderator (mo) and an admin (root). Every rule
 * allowed and refused, the owner recorded by the server, a fixture type's
 * own rules (FixtureMineral), hostile IDs and races.
 */
describe(`permissions (${databaseKind})`, () => {
  let t: TestServer;
  let ann: TestUser;
  let bob: TestUser;
  let mo: TestUser;
  let root: TestUser;
  const as = (user: TestUser, query: string, variables: Record<string, unknown>) => t.gql(query, variables, { token: user.token });
  const animal = async (owner: TestUser, name = 'Animal') => (await createContent(t, owner.token, 'FixtureAnimal', { name })).id;
  const ok = (res: GraphQLResult) => expect(res.errors, JSON.stringify(res.errors)).toBeUndefined();
  const refused = (res: GraphQLResult, rule: string) => {
    expect(errorCodes(res), JSON.stringify(res.errors)).toEqual(['FORBIDDEN']);
    expect(res.errors![0].extensions!.rule).toBe(rule);
    expect(res.errors![0].message).toContain(`(rule: ${rule})`);
  };
  const idOf = (globalId: string) => Buffer.from(globalId, 'base64').toString().split(':')[1];

  beforeAll(async () => {
    t = await startTestServer({}, { app: 'core' });
    ann = await createTestUser(t, 'ann');
    bob = await createTestUser(t, 'bob');
    mo = await createTestUser(t, 'mo', { role: Role.MODERATOR });
    root = await createTestUser(t, 'root', { admin: true });
  });
  afterAll(() => t?.stop());

  it('records the creator as owner for every registered type with create mutations, and users own themselves', async () => {
    const types = t.server.registry.types().filter((type) => type.options.crud !== false);
    expect(types.length).toBeGreaterThan(1);
    for (const type of types) {
      const input: Record<string, unknown> = {};
      for (const field of writableFields(type.cls).filter((f) => f.required)) {
        input[field.name] = { String: `Owned ${type.typeName}`, Int: 1, Float: 1, Boolean: false }[field.scalar];
      }
      const created = await createContent(t, bob.token, type.typeName, input);
      const res = await t.gql(OWNER, { id: created.id });
      expect(res.data.node.owner, type.typeName).toEqual({ id: bob.globalId, username: 'bob' });
      const [row] = await t.sql<{ owner_id: number }>(`select owner_id from ${type.tableName} where ${type.primaryKeyColumn} = ?`, [created.databaseId]);
      expect(Number(row.owner_id)).toBe(bob.id);
    }
    for (const user of [ann, root]) expect((await t.gql(OWNER, { id: user.globalId })).data.node.owner.username).toBe(user.username);
  });

  it('never lets a client set the owner: no input field takes it', async () => {
    const before = await t.sql<{ n: number }>('select count(*)::int as n from cg_fixture_animal');
    for (const field of ['owner', 'ownerId', 'owner_id']) {
      const create = await as(bob, `mutation($o: ID) { createFixtureAnimal(input: { name: "Mine", ${field}: $o }) { id } }`, { o: ann.globalId });
      expect(create.errors?.[0].extensions?.code).toBe('GRAPHQL_VALIDATION_FAILED');
    }
    const id = await animal(bob);
    const update = await as(bob, 'mutation($id: ID!, $o: ID) { updateFixtureAnimal(id: $id, input: { owner: $o }) { id } }', { id, o: ann.globalId });
    expect(update.errors?.[0].extensions?.code).toBe('GRAPHQL_VALIDATION_FAILED');
    // Passed as a variable of the input type: the unknown field is refused by coercion.
    const viaVariable = await as(bob, 'mutation($input: CreateFixtureAnimalInput!) { createFixtureAnimal(input: $input) { id } }', { input: { name: 'x', owner: ann.globalId } });
    expect(viaVariable.errors?.[0].extensions?.code).toBe('BAD_USER_INPUT');
    const after = await t.sql<{ n: number }>('select count(*)::int as n from cg_fixture_animal');
    expect(after[0].n).toBe(before[0].n + 1);
    expect((await t.gql(OWNER, { id })).data.node.owner.username).toBe('bob');
  });

  it('object.update and object.delete: the owner or an admin; others FORBIDDEN naming the rule and the object', async () => {
    const id = await animal(ann, 'Ann animal');
    const label = `FixtureAnimal:${idOf(id)}`;
    for (const user of [bob, mo]) {
      const res = await as(user, UPDATE_ANIMAL, { id, name: 'Taken' });
      refused(res, 'object.update');
      expect(res.errors![0].message).toBe(`Only the owner of ${label} or an admin may update it (rule: object.update).`);
      refused(await as(user, DELETE_ANIMAL, { id }), 'object.delete');
    }
    ok(await as(ann, UPDATE_ANIMAL, { id, name: 'Renamed by ann' }));
    ok(await as(root, UPDATE_ANIMAL, { id, name: 'Renamed by root' }));
    expect((await t.sql<{ name: string }>('select name from cg_fixture_animal where id = ?', [idOf(id)]))[0].name).toBe('Renamed by root');
    ok(await as(ann, DELETE_ANIMAL, { id }));
    const other = await animal(ann);
    ok(await as(root, DELETE_ANIMAL, { id: other }));
  });

  it("refuses the comment-through-object bypass: bob cannot delete ann's object and with it ann's comment", async () => {
    const id = await animal(ann, 'With comments');
    const comment = (await as(ann, ADD_COMMENT, { target: id, body: 'Mine, keep it' })).data.addComment.id;
    refused(await as(bob, DELETE_ANIMAL, { id }), 'object.delete');
    const rows = await t.sql('select id from comment where id = ?', [idOf(comment)]);
    expect(rows).toHaveLength(1);
    expect((await t.gql('query($id: ID!) { node(id: $id) { id } }', { id })).data.node).toEqual({ id });
  });

  it('an object of nobody (owner NULL, e.g. older than ownership) is changed by admins only', async () => {
    const id = await animal(ann, 'Orphan');
    await t.sql('update cg_fixture_animal set owner_id = null where id = ?', [idOf(id)]);
    expect((await t.gql(OWNER, { id })).data.node.owner).toBeNull();
    for (const user of [ann, bob, mo]) refused(await as(user, UPDATE_ANIMAL, { id, name: 'Mine now' }), 'object.update');
    ok(await as(root, UPDATE_ANIMAL, { id, name: 'Kept by admins' }));
  });

  it('tags: anyone signed in adds; a tag comes off by its tagger, the owner or an admin', async () => {
    const id = await animal(ann, 'Tagged');
    ok(await as(ann, ADD_TAGS, { target: id, names: ['by-ann'] }));
    ok(await as(bob, ADD_TAGS, { target: id, names: ['by-bob', 'by-bob-2', 'by-bob-3'] }));
    refused(await as(bob, REMOVE_TAGS, { target: id, names: ['by-ann'] }), 'tags.remove');
    refused(await as(mo, REMOVE_TAGS, { target: id, names: ['by-bob'] }), 'tags.remove');
    // One tag of the call not allowed refuses the whole call: nothing removed.
    refused(await as(bob, REMOVE_TAGS, { target: id, names: ['by-bob', 'by-ann'] }), 'tags.remove');
    refused(await as(bob, SET_TAGS, { target: id, names: ['by-bob'] }), 'tags.remove');
    expect((await as(bob, REMOVE_TAGS, { target: id, names: ['by-bob'] })).data.removeTags.changed).toEqual(['by-bob']);
    expect((await as(ann, REMOVE_TAGS, { target: id, names: ['by-bob-2'] })).data.removeTags.changed).toEqual(['by-bob-2']);
    expect((await as(root, REMOVE_TAGS, { target: id, names: ['by-bob-3'] })).data.removeTags.changed).toEqual(['by-bob-3']);
    const left = await t.sql<{ name: string }>('select t.name from tagged_item ti join tag t on t.id = ti.tag_id where ti.object_id = ? order by 1', [idOf(id)]);
    expect(left.map((r) => r.name)).toEqual(['by-ann']);
    // By reference (targetRef) to another user's object: the same rule.
    refused(await as(bob, REMOVE_TAGS, { ref: { fixtureAnimal: Number(idOf(id)) }, names: ['by-ann'] }), 'tags.remove');
  });

  it('tags.merge: admins only, refused before the names are looked at', async () => {
    for (const user of [bob, mo]) refused(await as(user, MERGE, { from: ['no-such-tag'], into: 'x' }), 'tags.merge');
    ok(await as(root, ADD_TAGS, { target: await animal(root), names: ['merge-me'] }));
    ok(await as(root, MERGE, { from: ['merge-me'], into: 'merged' }));
  });

  it('comments: anyone adds; the author (or an admin) edits; the author, the object owner, a moderator or an admin deletes', async () => {
    const id = await animal(ann, 'Commented');
    const mine = async () => (await as(bob, ADD_COMMENT, { target: id, body: 'bob was here' })).data.addComment.id as string;
    const c1 = await mine();
    refused(await as(ann, EDIT_COMMENT, { id: c1, body: 'owner rewrites' }), 'comments.edit');
    refused(await as(mo, EDIT_COMMENT, { id: c1, body: 'moderator rewrites' }), 'comments.edit');
    ok(await as(bob, EDIT_COMMENT, { id: c1, body: 'bob edits' }));
    ok(await as(root, EDIT_COMMENT, { id: c1, body: 'root edits' }));
    ok(await as(ann, DELETE_COMMENT, { id: c1 })); // the owner of the object moderates
    ok(await as(mo, DELETE_COMMENT, { id: await mine() }));
    ok(await as(root, DELETE_COMMENT, { id: await mine() }));
    ok(await as(bob, DELETE_COMMENT, { id: await mine() }));
    // On an object ann does not own, ann may not delete bob's comment.
    const elsewhere = await animal(root, 'Root animal');
    const c2 = (await as(bob, ADD_COMMENT, { target: elsewhere, body: 'on root' })).data.addComment.id;
    const res = await as(ann, DELETE_COMMENT, { id: c2 });
    refused(res, 'comments.delete');
    expect(res.errors![0].message).toContain('the author of the comment');
  });

  it('links: anyone links; a link comes off by its creator, the owner of either end or an admin', async () => {
    const annAnimal = await animal(ann);
    const bobAnimal = await animal(bob);
    const rootA = await animal(root);
    const rootB = await animal(root);
    const link1 = (await as(bob, LINK, { source: bobAnimal, target: annAnimal })).data.linkObjects.id;
    refused(await as(mo, UNLINK, { id: link1 }), 'links.remove');
    ok(await as(ann, UNLINK, { id: link1 })); // owner of the target end
    const link2 = (await as(bob, LINK, { source: rootA, target: rootB })).data.linkObjects.id;
    refused(await as(ann, UNLINK, { id: link2 }), 'links.remove');
    ok(await as(bob, UNLINK, { id: link2 })); // its creator
    const link3 = (await as(ann, LINK, { source: rootA, target: rootB })).data.linkObjects.id;
    ok(await as(root, UNLINK, { id: link3 }));
  });

  it('derived relation mutations (fixture_votes) and recordActivity go through the same rules', async () => {
    const id = await animal(ann);
    ok(await as(bob, VOTE, { target: id }));
    ok(await as(bob, RECORD, { target: id }));
    // A derived remove only ever removes the caller's own row: ann's unvote changes nothing of bob's.
    expect((await as(ann, UNVOTE, { target: id })).data.removeFixtureVote.changed).toBe(false);
    expect((await as(bob, UNVOTE, { target: id })).data.removeFixtureVote.changed).toBe(true);
  });

  it("a type's own rules (FixtureMineral): moderators also update, only owner/moderator/admin comment, only owner/admin link", async () => {
    const mineral = await createContent(t, bob.token, 'FixtureMineral', { name: 'Quartz' });
    const label = `FixtureMineral:${mineral.databaseId}`;
    ok(await as(mo, UPDATE_MINERAL, { id: mineral.id, name: 'Quartz (moderated)' }));
    refused(await as(ann, UPDATE_MINERAL, { id: mineral.id, name: 'Quartz (ann)' }), 'object.update');
    const comment = await as(ann, ADD_COMMENT, { target: mineral.id, body: 'may I?' });
    refused(comment, 'comments.add');
    expect(comment.errors![0].message).toBe(`Only the owner of ${label}, a moderator or an admin may comment on it (rule: comments.add).`);
    ok(await as(bob, ADD_COMMENT, { target: mineral.id, body: 'my own mineral' }));
    ok(await as(mo, ADD_COMMENT, { target: mineral.id, body: 'moderating' }));
    // links.add on either end: ann may not point a link at bob's mineral, by ID or by reference.
    const annAnimal = await animal(ann);
    refused(await as(ann, LINK, { source: annAnimal, target: mineral.id }), 'links.add');
    refused(await as(ann, LINK, { source: annAnimal, targetRef: { fixtureMineral: mineral.databaseId } }), 'links.add');
    ok(await as(bob, LINK, { source: annAnimal, target: mineral.id }));
    // Rules it leaves out keep their defaults: delete is the owner's or an admin's.
    refused(await as(mo, 'mutation($id: ID!) { deleteFixtureMineral(id: $id) { deletedId } }', { id: mineral.id }), 'object.delete');
  });

  it('hostile IDs: forged, foreign, of another type, huge; never FORBIDDEN leaking, never a 500', async () => {
    const id = await animal(ann);
    const comment = (await as(ann, ADD_COMMENT, { target: id, body: 'x' })).data.addComment.id;
    const cases: [string, Record<string, unknown>, string][] = [
      [DELETE_ANIMAL, { id: 'not-a-global-id' }, 'BAD_USER_INPUT'],
      [DELETE_ANIMAL, { id: comment }, 'BAD_USER_INPUT'], // a Comment's ID given as an animal's
      [DELETE_ANIMAL, { id: toGlobalId('FixtureAnimal', '9'.repeat(40)) }, 'BAD_USER_INPUT'],
      [DELETE_ANIMAL, { id: toGlobalId('FixtureAnimal', 2147483000) }, 'NOT_FOUND'],
      [DELETE_ANIMAL, { id: toGlobalId('FixtureAnimal', `${idOf(id)} or 1=1`) }, 'BAD_USER_INPUT'],
      [DELETE_COMMENT, { id }, 'BAD_USER_INPUT'], // an animal's ID given as a comment's
      [REMOVE_TAGS, { target: bob.globalId, names: ['x'] }, 'OK'], // bob's own user object: nothing to remove
      [REMOVE_TAGS, { ref: { fixtureAnimal: -1 }, names: ['x'] }, 'BAD_USER_INPUT'],
      [REMOVE_TAGS, { ref: { fixtureAnimal: 2147483000 }, names: ['x'] }, 'NOT_FOUND'],
      [UPDATE_ANIMAL, { id: `${id}\u200b`, name: 'x' }, 'BAD_USER_INPUT'],
    ];
    for (const [query, variables, code] of cases) {
      const res = await as(bob, query, variables);
      expect(res.status, JSON.stringify(variables)).toBeLessThan(500);
      expect(errorCodes(res), JSON.stringify([variables, res.errors])).toEqual(code === 'OK' ? [] : [code]);
    }
    expect((await t.sql('select id from cg_fixture_animal where id = ?', [idOf(id)])).length).toBe(1);
  });

  it('concurrent deletes by the owner and another member: the owner wins, the other is FORBIDDEN or NOT_FOUND, never a 500', async () => {
    for (let round = 0; round < 4; round++) {
      const id = await animal(ann, `Race ${round}`);
      await as(bob, ADD_COMMENT, { target: id, body: 'racing' });
      const [byOwner, byOther, byAdmin] = await Promise.all([as(ann, DELETE_ANIMAL, { id }), as(bob, DELETE_ANIMAL, { id }), as(root, DELETE_ANIMAL, { id })]);
      expect(errorCodes(byOther)[0]).toMatch(/^(FORBIDDEN|NOT_FOUND)$/);
      const winners = [byOwner, byAdmin].filter((res) => !res.errors);
      expect(winners).toHaveLength(1);
      for (const res of [byOwner, byAdmin]) if (res.errors) expect(errorCodes(res)).toEqual(['NOT_FOUND']);
      expect(await t.sql('select id from cg_fixture_animal where id = ?', [idOf(id)])).toHaveLength(0);
    }
  });

  it('resolves owners through one batched statement: equal statement counts for 3 and 30 objects', async () => {
    const users = [ann, bob, mo, root];
    for (let i = 0; i < 30; i++) await createContent(t, users[i % 4].token, 'FixtureVegetable', { name: `Veg ${i}` });
    const count = async (first: number) => {
      const res = await t.gql(`{ fixtureVegetables(first: ${first}) { edges { node { owner { id username } } } } }`);
      ok(res);
      expect(res.data.fixtureVegetables.edges).toHaveLength(first);
      expect(new Set(res.data.fixtureVegetables.edges.map((e: any) => e.node.owner.username)).size).toBe(first === 3 ? 3 : 4);
      return res.extensions!.sqlStatements!;
    };
    const [few, many] = [await count(3), await count(30)];
    expect(many).toBe(few);
    const withoutOwner = await t.gql('{ fixtureVegetables(first: 30) { edges { node { id } } } }');
    expect(few - withoutOwner.extensions!.sqlStatements!).toBe(1);
  });

  it('users:delete: the objects the user owned belong to nobody (owner NULL), so admins only change them', async () => {
    const gone = await createTestUser(t, 'gone');
    const id = await createContent(t, gone.token, 'FixtureAnimal', { name: 'Left behind' });
    await deleteUser(rootEm(t.server.orm).fork(), t.server.registry, 'gone');
    expect((await t.gql(OWNER, { id: id.id })).data.node.owner).toBeNull();
    refused(await as(ann, UPDATE_ANIMAL, { id: id.id, name: 'Adopted' }), 'object.update');
    ok(await as(root, UPDATE_ANIMAL, { id: id.id, name: 'Kept' }));
  });

  it('maps a write that refers to a deleted user (the actor deleted meanwhile) to UNAUTHENTICATED, not INTERNAL_SERVER_ERROR', async () => {
    const target = await animal(ann);
    const error = await t
      .sql(`insert into comment (content_type_id, object_id, author_id, body) values (?, ?, ?, 'x')`, [
        t.server.registry.idOf(t.server.registry.byTypeName('FixtureAnimal')!.cls),
        idOf(target),
        2147480000,
      ])
      .then(
        () => null,
        (e: unknown) => e,
      );
    expect(error).not.toBeNull();
    expect(toGraphQLError(error)?.extensions.code).toBe('UNAUTHENTICATED');
  });

  it.skipIf(!onPostgres)('reads the owner under the row lock: an owner change committed while the mutation waits decides it', async () => {
    const waitForBlocked = async (client: pg.Client) => {
      for (let i = 0; i < 200; i++) {
        const { rows } = await client.query(
          'select count(*)::int as n from pg_locks l join pg_stat_activity a on a.pid = l.pid where not l.granted and a.datname = current_database()',
        );
        if (rows[0].n > 0) return true;
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      return false;
    };
    const client = new pg.Client({ connectionString: t.db.config.databaseUrl });
    await client.connect();
    try {
      // ann's object handed to bob by a transaction still open: ann's delete waits for it, then is refused.
      const id = await animal(ann, 'Handed over');
      await client.query('begin');
      await client.query('update cg_fixture_animal set owner_id = $1 where id = $2', [bob.id, idOf(id)]);
      const byAnn = as(ann, DELETE_ANIMAL, { id });
      expect(await waitForBlocked(client)).toBe(true);
      await client.query('commit');
      refused(await byAnn, 'object.delete');
      // And the other way: bob's update, refused before the transfer, succeeds once it commits meanwhile.
      const other = await animal(ann, 'Given');
      refused(await as(bob, UPDATE_ANIMAL, { id: other, name: 'Not yet' }), 'object.update');
      await client.query('begin');
      await client.query('update cg_fixture_animal set owner_id = $1 where id = $2', [bob.id, idOf(other)]);
      const byBob = as(bob, UPDATE_ANIMAL, { id: other, name: 'Mine now' });
      expect(await waitForBlocked(client)).toBe(true);
      await client.query('commit');
      ok(await byBob);
    } finally {
      await client.end();
    }
  });

  it.skipIf(!onPostgres)('a mutation in flight while users:delete deletes its user answers UNAUTHENTICATED', async () => {
    const doomed = await createTestUser(t, 'doomed');
    const target = await animal(ann);
    const client = new pg.Client({ connectionString: t.db.config.databaseUrl });
    await client.connect();
    try {
      // users:delete's first step, held open: the user row locked FOR UPDATE.
      await client.query('begin');
      await client.query('select id from "user" where id = $1 for update', [doomed.id]);
      const inFlight = as(doomed, ADD_COMMENT, { target, body: 'said while being deleted' });
      // The token was checked (before the lock matters); the comment's insert waits on the user row.
      let waited = false;
      for (let i = 0; i < 200 && !waited; i++) {
        const waiting = await client.query(
          'select count(*)::int as n from pg_locks l join pg_stat_activity a on a.pid = l.pid where not l.granted and a.datname = current_database()',
        );
        waited = waiting.rows[0].n > 0;
        if (!waited) await new Promise((resolve) => setTimeout(resolve, 50));
      }
      expect(waited).toBe(true);
      await client.query('delete from "user" where id = $1', [doomed.id]);
      await client.query('commit');
      const res = await inFlight;
      expect(errorCodes(res), JSON.stringify(res.errors)).toEqual(['UNAUTHENTICATED']);
      expect(await t.sql('select id from comment where author_id = ?', [doomed.id])).toHaveLength(0);
      expect(errorCodes(await as(doomed, ADD_COMMENT, { target, body: 'again' }))).toEqual(['UNAUTHENTICATED']);
    } finally {
      await client.end();
    }
  });
});
