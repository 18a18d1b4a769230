import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { toGlobalId } from '../src/generic/global-id.js';
import { createContent, createTestUser, errorCodes, type TestUser } from './helpers/accounts.js';
import { databaseKind } from './helpers/database.js';
import { startTestServer, type TestServer } from './helpers/server.js';

interface Case {
  type: string;
  table: string;
  create: Record<string, unknown>;
  repr: string;
  update: Record<string, unknown>;
  changes: Record<string, { old: unknown; new: unknown }>;
}

/** One case per core content type: integer, bigint and uuid keys, nullable, defaulted and unique fields. */
const cases: Case[] = [
  {
    type: 'FixtureAnimal',
    table: 'cg_fixture_animal',
    create: { name: 'Hello', legs: 4 },
    repr: 'Hello',
    update: { name: 'Hello again', legs: 4 },
    changes: { name: { old: 'Hello', new: 'Hello again' } },
  },
  {
    type: 'FixtureVegetable',
    table: 'cg_fixture_vegetable',
    create: { name: 'Kale', isYucky: true },
    repr: 'Kale (vegetable)',
    update: { isYucky: false },
    changes: { isYucky: { old: true, new: false } },
  },
  {
    type: 'FixtureMineral',
    table: 'cg_fixture_mineral',
    create: { name: 'Quartz', hardness: 7, code: 'QZ-1' },
    repr: 'Quartz',
    update: { code: null, hardness: 8 },
    changes: { code: { old: 'QZ-1', new: null }, hardness: { old: 7, new: 8 } },
  },
  {
    type: 'FixtureFossil',
    table: 'cg_fixture_fossil',
    create: { name: 'Trilobite', era: 'Cambrian' },
    repr: 'Trilobite',
    update: { era: null },
    changes: { era: { old: 'Cambrian', new: null } },
  },
];

describe(`content create/update/delete (${databaseKind})`, () => {
  let t: TestServer;
  let ada: TestUser;
  const feed = (target: string, verb: string) =>
    t
      .gql(`query($target: ID!, $verb: String!) { activity(target: $target, verb: $verb) { edges { node { objectRepr data actor { username } target { __typename } } } } }`, {
        target,
        verb,
      })
      .then((res) => res.data.activity.edges.map((e: { node: unknown }) => e.node));

  beforeAll(async () => {
    t = await startTestServer({}, { app: 'core' });
    ada = await createTestUser(t, 'ada');
  });
  afterAll(() => t?.stop());

  it('generates the input types from each entity: required fields non-null, server-managed fields absent', async () => {
    const res = await t.gql(`{ c: __type(name: "CreateFixtureMineralInput") { fields: inputFields { name type { kind name ofType { name } } } }
                               u: __type(name: "UpdateFixtureMineralInput") { fields: inputFields { name type { kind name } } } }`);
    const show = (f: { name: string; type: { kind: string; name: string | null; ofType: { name: string } | null } }) =>
      `${f.name}: ${f.type.kind === 'NON_NULL' ? `${f.type.ofType!.name}!` : f.type.name}`;
    expect(res.data.c.fields.map(show).sort()).toEqual(['code: String', 'hardness: Int', 'name: String!']);
    expect(res.data.u.fields.map(show).sort()).toEqual(['code: String', 'hardness: Int', 'name: String']);
  });

  describe.each(cases)('$type', (c) => {
    it(`creates, updates and records both, with the changed fields' old and new values`, async () => {
      const created = await t.gql(`mutation($input: Create${c.type}Input!) { o: create${c.type}(input: $input) { __typename id ${Object.keys(c.create).join(' ')} } }`, {
        input: c.create,
      }, { token: ada.token });
      expect(created.errors).toBeUndefined();
      expect(created.data.o).toMatchObject({ __typename: c.type, ...c.create });
      const id = created.data.o.id;
      expect(await feed(id, 'created')).toEqual([{ objectRepr: c.repr, data: null, actor: { username: 'ada' }, target: { __typename: c.type } }]);

      const updated = await t.gql(`mutation($id: ID!, $input: Update${c.type}Input!) { o: update${c.type}(id: $id, input: $input) { ${Object.keys(c.update).join(' ')} } }`, {
        id,
        input: c.update,
      }, { token: ada.token });
      expect(updated.errors).toBeUndefined();
      expect(updated.data.o).toEqual(c.update);
      const [entry] = await feed(id, 'updated');
      expect(entry.data).toEqual({ changes: c.changes });

      const unchanged = await t.gql(`mutation($id: ID!, $input: Update${c.type}Input!) { o: update${c.type}(id: $id, input: $input) { id } }`, { id, input: c.update }, { token: ada.token });
      expect(unchanged.errors).toBeUndefined();
      expect(await feed(id, 'updated')).toHaveLength(1);
    });

    it('deletes through the API: tags, comments and links go with the object, activity stays with objectRepr', async () => {
      const obj = await createContent(t, ada.token, c.type, { ...c.create, ...(c.type === 'FixtureMineral' ? { code: 'DEL-1' } : {}) });
      const other = await createContent(t, ada.token, 'FixtureAnimal', { name: `Neighbour of ${c.type}` });
      const token = { token: ada.token };
      const taggable = t.server.registry.takesPart(t.server.registry.byTypeName(c.type)!, 'tags');
      if (taggable) await t.gql(`mutation($id: ID!) { addTags(target: $id, names: ["doomed", "shared"]) { changed } }`, { id: obj.id }, token);
      await t.gql(`mutation($id: ID!) { addTags(target: $id, names: ["shared"]) { changed } }`, { id: other.id }, token);
      await t.gql(`mutation($id: ID!) { addComment(target: $id, body: "bye") { id } }`, { id: obj.id }, token);
      await t.gql(`mutation($a: ID!, $b: ID!) { linkObjects(source: $a, target: $b, kind: "related") { id } }`, { a: obj.id, b: other.id }, token);
      await t.gql(`mutation($a: ID!, $b: ID!) { linkObjects(source: $a, target: $b, kind: "cites") { id } }`, { a: other.id, b: obj.id }, token);

      const res = await t.gql(`mutation($id: ID!) { d: delete${c.type}(id: $id) { deletedId objectRepr } }`, { id: obj.id }, token);
      expect(res.errors).toBeUndefined();
      expect(res.data.d).toEqual({ deletedId: obj.id, objectRepr: expect.any(String) });

      const ct = t.server.registry.idOf(t.server.registry.byTypeName(c.type)!.cls);
      const key = [ct, String(obj.databaseId)];
      const count = async (sql: string, params = key) => Number((await t.sql<{ n: string }>(sql, params))[0].n);
      expect(await count(`select count(*) as n from ${c.table} where id = ?`, [obj.databaseId])).toBe(0);
      expect(await count('select count(*) as n from tagged_item where content_type_id = ? and object_id = ?')).toBe(0);
      expect(await count('select count(*) as n from comment where content_type_id = ? and object_id = ?')).toBe(0);
      expect(await count('select count(*) as n from content_link where (source_type_id = ? and source_id = ?) or (target_type_id = ? and target_id = ?)', [...key, ...key])).toBe(0);
      expect(await count('select count(*) as n from activity_entry where content_type_id = ? and object_id = ?')).toBeGreaterThanOrEqual(taggable ? 5 : 4);
      // The neighbour keeps its own tag; the shared tag still exists.
      const neighbour = await t.gql(`query($id: ID!) { node(id: $id) { ... on Taggable { tags { name } } } }`, { id: other.id });
      expect(neighbour.data.node.tags).toEqual([{ name: 'shared' }]);
      // History survives: the entries resolve to a null target but keep their snapshot.
      const history = await feed(obj.id, 'deleted');
      expect(history).toEqual([{ objectRepr: res.data.d.objectRepr, data: null, actor: { username: 'ada' }, target: null }]);
      const gone = await t.gql(`mutation($id: ID!) { d: delete${c.type}(id: $id) { deletedId } }`, { id: obj.id }, token);
      expect(gone.errors![0].extensions).toMatchObject({ code: 'NOT_FOUND', argumentName: 'id' });
    });
  });

  it.each([
    ['an empty required string', 'createFixtureAnimal', { input: { name: '  ' } }, 'input.name'],
    ['a string over the column length', 'createFixtureAnimal', { input: { name: 'x'.repeat(101) } }, 'input.name'],
    ['a control character', 'createFixtureAnimal', { input: { name: 'a\u0007b' } }, 'input.name'],
    ['null for a non-nullable field', 'updateFixtureAnimal', { id: 'ARTICLE', input: { name: null } }, 'input.name'],
    ['a duplicate unique value', 'createFixtureMineral', { input: { name: 'Copy', code: 'UNIQUE-1' } }, 'input.code'],
    ['the ID of another type', 'updateFixtureAnimal', { id: toGlobalId('FixtureVegetable', 1), input: { name: 'x' } }, 'id'],
    ['an integer key for a uuid type', 'updateFixtureFossil', { id: toGlobalId('FixtureFossil', 1), input: { name: 'x' } }, 'id'],
    ['a malformed ID', 'deleteFixtureFossil', { id: '%%%' }, 'id'],
  ])('rejects %s with BAD_USER_INPUT naming it', async (_what, mutation, variables, argumentName) => {
    await t.gql(`mutation { createFixtureMineral(input: { name: "Original", code: "UNIQUE-1" }) { id } }`, {}, { token: ada.token });
    const article = await createContent(t, ada.token, 'FixtureAnimal', { name: 'Target' });
    const vars = { ...variables, ...((variables as { id?: string }).id === 'ARTICLE' ? { id: article.id } : {}) };
    const type = mutation.replace(/^(create|update|delete)/, '');
    const signature = mutation.startsWith('create')
      ? `($input: Create${type}Input!) { r: ${mutation}(input: $input) { __typename } }`
      : mutation.startsWith('update')
        ? `($id: ID!, $input: Update${type}Input!) { r: ${mutation}(id: $id, input: $input) { __typename } }`
        : `($id: ID!) { r: ${mutation}(id: $id) { __typename } }`;
    const before = await t.sql<{ n: string }>('select (select count(*) from cg_fixture_animal) + (select count(*) from cg_fixture_mineral) + (select count(*) from activity_entry) as n');
    const res = await t.gql(`mutation${signature}`, vars, { token: ada.token });
    expect(res.errors![0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', argumentName });
    const after = await t.sql<{ n: string }>('select (select count(*) from cg_fixture_animal) + (select count(*) from cg_fixture_mineral) + (select count(*) from activity_entry) as n');
    expect(after[0].n).toEqual(before[0].n);
  });

  it('rejects a missing required field before any resolver runs', async () => {
    const res = await t.gql('mutation($input: CreateFixtureAnimalInput!) { createFixtureAnimal(input: $input) { id } }', { input: { legs: 3 } }, { token: ada.token });
    expect(errorCodes(res)).toEqual(['BAD_USER_INPUT']);
  });

  it('rolls back a create whose activity entry fails, and a delete whose delete fails', async () => {
    await t.sql(
      `create or replace function h3_fail_activity() returns trigger language plpgsql as $$ begin if new.object_repr like 'FAIL%' then raise exception 'injected failure'; end if; return new; end $$`,
    );
    await t.sql(`create trigger h3_fail_activity before insert on activity_entry for each row execute function h3_fail_activity()`);
    await t.sql(
      `create or replace function h3_fail_delete() returns trigger language plpgsql as $$ begin if old.name like 'KEEP%' then raise exception 'injected failure'; end if; return old; end $$`,
    );
    await t.sql(`create trigger h3_fail_delete before delete on cg_fixture_animal for each row execute function h3_fail_delete()`);
    try {
      const created = await t.gql('mutation { createFixtureAnimal(input: { name: "FAIL to create" }) { id } }', {}, { token: ada.token });
      expect(errorCodes(created)).toEqual(['INTERNAL_SERVER_ERROR']);
      expect(await t.sql(`select 1 from cg_fixture_animal where name = 'FAIL to create'`)).toHaveLength(0);

      const keep = await createContent(t, ada.token, 'FixtureAnimal', { name: 'KEEP me' });
      await t.gql(`mutation($id: ID!) { addTags(target: $id, names: ["kept"]) { changed } }`, { id: keep.id }, { token: ada.token });
      const deleted = await t.gql(`mutation($id: ID!) { deleteFixtureAnimal(id: $id) { deletedId } }`, { id: keep.id }, { token: ada.token });
      expect(errorCodes(deleted)).toEqual(['INTERNAL_SERVER_ERROR']);
      expect(await t.sql(`select 1 from cg_fixture_animal where id = ?`, [keep.databaseId])).toHaveLength(1);
      expect(await t.sql(`select 1 from activity_entry where verb = 'deleted' and object_repr = 'KEEP me'`)).toHaveLength(0);
      expect(await t.sql(`select 1 from tagged_item ti join content_type ct on ct.id = ti.content_type_id where ct.model = 'fixtureanimal' and ti.object_id = ?`, [String(keep.databaseId)])).toHaveLength(1);
    } finally {
      await t.sql(`drop trigger h3_fail_activity on activity_entry`);
      await t.sql(`drop trigger h3_fail_delete on cg_fixture_animal`);
    }
  });
});
