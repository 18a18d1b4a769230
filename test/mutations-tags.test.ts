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
    t = await startTestServer({}, { app: 'core' });
    ada = await createTestUser(t, 'ada', { admin: true });
    grace = await createTestUser(t, 'grace');
  });
  afterAll(() => t?.stop());

  it('adds tags, creates missing ones and returns the target with its tags; records `tagged`', async () => {
    const article = await createContent(t, grace.token, 'FixtureAnimal', { name: 'Tagging' });
    const res = await add(article.id, ['GraphQL', 'postgres']);
    expect(res.errors).toBeUndefined();
    expect(res.data.addTags).toEqual({
      changed: ['GraphQL', 'postgres'],
      tags: [{ name: 'GraphQL', slug: 'graphql' }, { name: 'postgres', slug: 'postgres' }],
      target: { __typename: 'FixtureAnimal', id: article.id, tags: [{ name: 'GraphQL' }, { name: 'postgres' }] },
    });
    const feed = await activity(article.id, 'tagged');
    expect(feed.data.activity.edges).toEqual([
      { node: { verb: 'tagged', objectRepr: 'Tagging', data: { tags: ['GraphQL', 'postgres'] }, actor: { username: 'grace' }, target: { __typename: 'FixtureAnimal' } } },
    ]);
    const rows = await t.sql<{ tagged_by_id: number }>(`select tagged_by_id from tagged_item where object_id = ? and content_type_id = ?`, [
      String(article.databaseId),
      t.server.registry.idOf(t.server.registry.byTypeName('FixtureAnimal')!.cls),
    ]);
    expect(rows.map((r) => r.tagged_by_id)).toEqual([grace.id, grace.id]);
  });

  it('normalises names and treats names differing by case as one tag; adding again changes and records nothing', async () => {
    const book = await createContent(t, grace.token, 'FixtureVegetable', { name: 'Normal' });
    const first = await add(book.id, ['  Graph   Databases ', 'graph databases', 'GRAPH DATABASES']);
    expect(first.data.addTags.changed).toEqual(['Graph Databases']);
    const video = await createContent(t, grace.token, 'FixtureFossil', { name: 'Clip' });
    const other = await add(video.id, ['graph DATABASES']);
    expect(other.data.addTags.tags).toEqual([{ name: 'Graph Databases', slug: 'graph-databases' }]);
    expect(await t.sql(`select id from tag where lower(name) = 'graph databases'`)).toHaveLength(1);
    const again = await add(book.id, ['Graph Databases']);
    expect(again.data.addTags.changed).toEqual([]);
    expect((await activity(book.id, 'tagged')).data.activity.edges).toHaveLength(1);
  });

  it('gives distinct slugs to names that slugify alike, and keeps letters of any script', async () => {
    const article = await createContent(t, grace.token, 'FixtureAnimal', { name: 'Slugs' });
    const res = await add(article.id, ['C++', 'C#', 'Café au lait', '日本語']);
    const slugs = Object.fromEntries(res.data.addTags.tags.map((tag: { name: string; slug: string }) => [tag.name, tag.slug]));
    expect(slugs['Café au lait']).toBe('cafe-au-lait');
    expect(slugs['日本語']).toBe('日本語');
    expect(new Set([slugs['C++'], slugs['C#']])).toEqual(new Set(['c', 'c-2']));
  });

  it('accepts the target as a ContentObjectRef (one field per content type, typed like its key)', async () => {
    const fossil = await createContent(t, grace.token, 'FixtureFossil', { name: 'Desk' });
    expect(fossil.databaseId).toMatch(/^[0-9a-f-]{36}$/);
    const res = await t.gql(ADD, { ref: { fixtureFossil: fossil.databaseId }, names: ['furniture'] }, { token: grace.token });
    expect(res.data.addTags.target).toEqual({ __typename: 'FixtureFossil', id: fossil.id, tags: [{ name: 'furniture' }] });
    const upper = await t.gql(ADD, { ref: { fixtureFossil: String(fossil.databaseId).toUpperCase() }, names: ['upper'] }, { token: grace.token });
    expect(upper.data.addTags.changed).toEqual(['upper']);
    const user = await t.gql(ADD, { ref: { user: grace.id }, names: ['pioneer'] }, { token: ada.token });
    expect(user.data.addTags.target.__typename).toBe('User');
    const literal = await t.gql(`mutation { addTags(targetRef: { fixtureFossil: "${fossil.databaseId}" }, names: ["desk"]) { changed } }`, {}, { token: grace.token });
    expect(literal.data.addTags.changed).toEqual(['desk']);
    const animal = await createContent(t, grace.token, 'FixtureAnimal', { name: 'Ref' });
    const int = await t.gql(`mutation { addTags(targetRef: { fixtureAnimal: ${animal.databaseId} }, names: ["int"]) { changed } }`, {}, { token: grace.token });
    expect(int.data.addTags.changed).toEqual(['int']);
    const notUuid = await t.gql(ADD, { ref: { fixtureFossil: '42' }, names: ['x'] }, { token: grace.token });
    expect(errorCodes(notUuid)).toEqual(['BAD_USER_INPUT']);
  });

  it('rejects a ContentObjectRef with two fields or a null field before running anything', async () => {
    const twoVars = await t.gql(ADD, { ref: { fixtureAnimal: 1, fixtureVegetable: 1 }, names: ['x'] }, { token: grace.token });
    expect(errorCodes(twoVars)).toEqual(['BAD_USER_INPUT']);
    const nullVar = await t.gql(ADD, { ref: { fixtureAnimal: null }, names: ['x'] }, { token: grace.token });
    expect(errorCodes(nullVar)).toEqual(['BAD_USER_INPUT']);
    const twoLiteral = await t.gql('mutation { addTags(targetRef: { fixtureAnimal: 1, fixtureVegetable: 1 }, names: ["x"]) { changed } }', {}, { token: grace.token });
    expect(errorCodes(twoLiteral)).toEqual(['GRAPHQL_VALIDATION_FAILED']);
    const unknownField = await t.gql('mutation { addTags(targetRef: { podcast: 1 }, names: ["x"]) { changed } }', {}, { token: grace.token });
    expect(errorCodes(unknownField)).toEqual(['GRAPHQL_VALIDATION_FAILED']);
  });

  it.each([
    ['no target', {}, 'BAD_USER_INPUT', 'target'],
    ['both target and targetRef', { target: toGlobalId('FixtureAnimal', 1), ref: { fixtureAnimal: 1 } }, 'BAD_USER_INPUT', 'target'],
    ['a malformed global ID', { target: 'not an id!' }, 'BAD_USER_INPUT', 'target'],
    ['a global ID of an unknown type', { target: toGlobalId('Podcast', 1) }, 'BAD_USER_INPUT', 'target'],
    ['a global ID of a Tag (not a content object)', { target: toGlobalId('Tag', 1) }, 'BAD_USER_INPUT', 'target'],
    ['a missing FixtureAnimal', { target: toGlobalId('FixtureAnimal', 999_999) }, 'NOT_FOUND', 'target'],
    ['a missing FixtureFossil (uuid key)', { target: toGlobalId('FixtureFossil', '0f0f0f0f-0000-4000-8000-000000000000') }, 'NOT_FOUND', 'target'],
    ['a FixtureAnimal key past its integer column (2^31)', { target: toGlobalId('FixtureAnimal', 2 ** 31) }, 'NOT_FOUND', 'target'],
    ['the largest key a global ID takes (2^53 - 1)', { target: toGlobalId('FixtureAnimal', Number.MAX_SAFE_INTEGER) }, 'NOT_FOUND', 'target'],
    ['a FixtureFossil ID with an integer key', { target: toGlobalId('FixtureFossil', 7) }, 'BAD_USER_INPUT', 'target'],
    ['a missing FixtureVegetable by reference', { ref: { fixtureVegetable: 999_999 } }, 'NOT_FOUND', 'targetRef.fixtureVegetable'],
    ['a non-positive reference', { ref: { fixtureAnimal: 0 } }, 'BAD_USER_INPUT', 'targetRef.fixtureAnimal'],
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
    const article = await createContent(t, grace.token, 'FixtureAnimal', { name: `Invalid ${argumentName}` });
    const res = await add(article.id, names as string[]);
    expect(errorCodes(res)).toEqual(['BAD_USER_INPUT']);
    expect(res.errors![0].extensions!.argumentName).toBe(argumentName);
    expect(await t.sql(`select 1 from tagged_item ti join content_type ct on ct.id = ti.content_type_id where ct.model = 'fixtureanimal' and ti.object_id = ?`, [String(article.databaseId)])).toHaveLength(0);
    expect(await t.sql(`select 1 from tag where name = 'ok'`)).toHaveLength(0);
  });

  it('removeTags and setTags answer NOT_FOUND, not an error of the database, for a key past the integer column', async () => {
    for (const key of [2 ** 31, Number.MAX_SAFE_INTEGER]) {
      const target = toGlobalId('FixtureAnimal', key);
      const removed = await t.gql(REMOVE, { target, names: ['x'] }, { token: grace.token });
      const set = await t.gql('mutation($target: ID!) { setTags(target: $target, names: ["x"]) { added } }', { target }, { token: grace.token });
      for (const res of [removed, set]) {
        expect(errorCodes(res), JSON.stringify(res.errors)).toEqual(['NOT_FOUND']);
        expect(res.errors![0].extensions!.argumentName).toBe('target');
      }
    }
  });

  it('accepts names of exactly 50 characters and 50 names per call', async () => {
    const article = await createContent(t, grace.token, 'FixtureAnimal', { name: 'Limits' });
    const names = Array.from({ length: 50 }, (_, i) => `limit-${i}-${'x'.repeat(40)}`.slice(0, 50));
    const res = await add(article.id, names);
    expect(res.errors).toBeUndefined();
    expect(res.data.addTags.changed).toHaveLength(50);
  });

  it('removes tags case-insensitively and idempotently; records `untagged` with the removed names', async () => {
    const article = await createContent(t, grace.token, 'FixtureAnimal', { name: 'Untagging' });
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
    const a = await createContent(t, grace.token, 'FixtureAnimal', { name: 'Merge A' });
    const b = await createContent(t, grace.token, 'FixtureVegetable', { name: 'Merge B' });
    const c = await createContent(t, grace.token, 'FixtureFossil', { name: 'Merge C' });
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
      const [row] = await t.sql<{ id: number }>(`insert into cg_fixture_animal (name) values ('FAIL half-way') returning id`);
      const res = await add(toGlobalId('FixtureAnimal', row.id), ['half-way-tag']);
      expect(errorCodes(res)).toEqual(['INTERNAL_SERVER_ERROR']);
      expect(await t.sql(`select 1 from tag where name = 'half-way-tag'`)).toHaveLength(0);
      expect(await t.sql(`select 1 from tagged_item ti join content_type ct on ct.id = ti.content_type_id where ct.model = 'fixtureanimal' and ti.object_id = ?`, [String(row.id)])).toHaveLength(0);
      expect(await t.sql(`select 1 from activity_entry where object_repr like 'FAIL%'`)).toHaveLength(0);
    } finally {
      await t.sql(`drop trigger h3_fail_activity on activity_entry`);
    }
  });
  const SET = `mutation($target: ID, $ref: ContentObjectRef, $names: [String!]!) {
    setTags(target: $target, targetRef: $ref, names: $names) { added removed tags { name } target { __typename ... on Taggable { tags { name } } } }
  }`;

  it('setTags replaces the set in one call: adds, removes, records what changed; the same set again changes nothing', async () => {
    const fossil = await createContent(t, grace.token, 'FixtureFossil', { name: 'Set me' });
    await add(fossil.id, ['keep', 'drop', 'Also Drop']);
    const res = await t.gql(SET, { target: fossil.id, names: ['KEEP', 'new one', ' fresh '] }, { token: grace.token });
    expect(res.errors).toBeUndefined();
    expect(res.data.setTags).toEqual({
      added: ['fresh', 'new one'],
      removed: ['Also Drop', 'drop'],
      tags: [{ name: 'fresh' }, { name: 'keep' }, { name: 'new one' }],
      target: { __typename: 'FixtureFossil', tags: [{ name: 'fresh' }, { name: 'keep' }, { name: 'new one' }] },
    });
    expect((await activity(fossil.id, 'tagged')).data.activity.edges.map((e: { node: { data: unknown } }) => e.node.data)).toEqual([
      { tags: ['fresh', 'new one'] },
      { tags: ['Also Drop', 'drop', 'keep'] },
    ]);
    expect((await activity(fossil.id, 'untagged')).data.activity.edges.map((e: { node: { data: unknown } }) => e.node.data)).toEqual([{ tags: ['Also Drop', 'drop'] }]);
    const same = await t.gql(SET, { target: fossil.id, names: ['new one', 'keep', 'fresh'] }, { token: grace.token });
    expect(same.data.setTags).toMatchObject({ added: [], removed: [] });
    expect((await activity(fossil.id, 'tagged')).data.activity.edges).toHaveLength(2);
    const cleared = await t.gql(SET, { target: fossil.id, names: [] }, { token: grace.token });
    expect(cleared.data.setTags).toMatchObject({ added: [], removed: ['fresh', 'keep', 'new one'], tags: [] });
  });

  it('setTags validates like addTags and writes nothing on bad input', async () => {
    const animal = await createContent(t, grace.token, 'FixtureAnimal', { name: 'Set invalid' });
    await add(animal.id, ['stays']);
    for (const [names, argumentName] of [
      [['fine', '  '], 'names[1]'],
      [Array.from({ length: 51 }, (_, i) => `n${i}`), 'names'],
      [['a b', 'x'.repeat(51)], 'names[1]'],
    ] as [string[], string][]) {
      const res = await t.gql(SET, { target: animal.id, names }, { token: grace.token });
      expect(res.errors![0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', argumentName });
    }
    const tags = await t.gql(`query($id: ID!) { node(id: $id) { ... on Taggable { tags { name } } } }`, { id: animal.id });
    expect(tags.data.node.tags).toEqual([{ name: 'stays' }]);
  });

  it('setTags rolls back the removal when the addition fails half-way', async () => {
    await t.sql(
      `create or replace function h3_fail_activity() returns trigger language plpgsql as $$ begin if new.object_repr like 'FAIL%' and new.verb = 'untagged' then raise exception 'injected failure'; end if; return new; end $$`,
    );
    await t.sql(`create trigger h3_fail_activity before insert on activity_entry for each row execute function h3_fail_activity()`);
    try {
      const animal = await createContent(t, grace.token, 'FixtureAnimal', { name: 'FAIL set' });
      await add(animal.id, ['old']);
      const res = await t.gql(SET, { target: animal.id, names: ['new'] }, { token: grace.token });
      expect(errorCodes(res)).toEqual(['INTERNAL_SERVER_ERROR']);
      const tags = await t.gql(`query($id: ID!) { node(id: $id) { ... on Taggable { tags { name } } } }`, { id: animal.id });
      expect(tags.data.node.tags).toEqual([{ name: 'old' }]);
      expect(await t.sql(`select 1 from tag where name = 'new'`)).toHaveLength(0);
    } finally {
      await t.sql(`drop trigger h3_fail_activity on activity_entry`);
    }
  });

  it('a type that leaves tags out has no Taggable interface, no tags field, no `tagged` filter; tagging it is BAD_USER_INPUT naming the type and the relation', async () => {
    const schema = await t.gql(`{ t: __type(name: "FixtureMineral") { interfaces { name } fields { name } }
                                 q: __type(name: "Query") { fields { name args { name } } } }`);
    expect(schema.data.t.interfaces.map((i: { name: string }) => i.name)).not.toContain('Taggable');
    expect(schema.data.t.interfaces.map((i: { name: string }) => i.name)).toEqual(expect.arrayContaining(['Node', 'ContentNode', 'Commentable', 'HasActivity', 'Linkable']));
    expect(schema.data.t.fields.map((f: { name: string }) => f.name)).not.toContain('tags');
    const lists = Object.fromEntries(schema.data.q.fields.map((f: { name: string; args: { name: string }[] }) => [f.name, f.args.map((a) => a.name)]));
    expect(lists.fixtureMinerals).toEqual(['after', 'first']);
    expect(lists.fixtureAnimals).toContain('tagged');
    const mineral = await createContent(t, grace.token, 'FixtureMineral', { name: 'Quartz' });
    for (const [mutation, variables, argumentName] of [
      [ADD, { target: mineral.id, names: ['shiny'] }, 'target'],
      [ADD, { ref: { fixtureMineral: mineral.databaseId }, names: ['shiny'] }, 'targetRef.fixtureMineral'],
      [REMOVE, { target: mineral.id, names: ['shiny'] }, 'target'],
      [SET, { target: mineral.id, names: ['shiny'] }, 'target'],
    ] as [string, Record<string, unknown>, string][]) {
      const res = await t.gql(mutation, variables, { token: grace.token });
      expect(errorCodes(res)).toEqual(['BAD_USER_INPUT']);
      expect(res.errors![0].extensions!.argumentName).toBe(argumentName);
      expect(res.errors![0].message).toContain('FixtureMineral objects do not take part in `tags`');
    }
    expect(await t.sql(`select 1 from tag where name = 'shiny'`)).toHaveLength(0);
    // and the selection through the interface simply does not apply to it
    const read = await t.gql(`query($id: ID!) { node(id: $id) { __typename ... on Taggable { tags { name } } } }`, { id: mineral.id });
    expect(read.data.node).toEqual({ __typename: 'FixtureMineral' });
    const unknownArg = await t.gql('{ fixtureMinerals(tagged: ["x"]) { edges { cursor } } }');
    expect(errorCodes(unknownArg)).toEqual(['GRAPHQL_VALIDATION_FAILED']);
  });
});
