// @own-process: a variant of the core registry (other relations per type), whose schema no other file may share
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { initOrm, rootEm } from '../src/server/orm.js';
import { createContent, createTestUser, errorCodes, type TestUser } from './helpers/accounts.js';
import { databaseKind } from './helpers/database.js';
import { startTestServer, type TestServer } from './helpers/server.js';
import { installIntegrity } from './fixtures/core.database.js';
import { FixtureVegetable } from './fixtures/core.entities.js';
import { coreEntities, createCoreRegistry } from './fixtures/core.registry.js';
import { sqlStateOf } from './fixtures/core.data.js';

/**
 * An application that chooses relations per type and per link end: here
 * FixtureVegetable leaves out activity and votes (it keeps no history), and
 * the link target end keeps its links (Django's Comparison). The schema, the
 * mutations and the database follow the registry. (Its own file: the schema
 * is built once per process.)
 */
const variant = () =>
  createCoreRegistry({ linkTarget: 'keep', typeOptions: [[FixtureVegetable, { relations: { except: ['activity', 'fixture_votes'] } }]] });

describe(`relations chosen per type and per link end, over HTTP (${databaseKind})`, () => {
  let t: TestServer;
  let grace: TestUser;
  const LINK = `mutation($s: ID!, $t: ID!, $kind: String!) { linkObjects(source: $s, target: $t, kind: $kind) { id } }`;

  beforeAll(async () => {
    t = await startTestServer(
      {},
      {
        app: 'core',
        registry: variant(),
        before: async (db) => {
          const registry = variant();
          const orm = await initOrm(db.config, registry, { entities: coreEntities });
          try {
            await registry.reload(rootEm(orm).fork());
            await installIntegrity(rootEm(orm).fork(), registry);
          } finally {
            await orm.close(true);
          }
        },
      },
    );
    grace = await createTestUser(t, 'grace');
  });
  afterAll(() => t?.stop());

  it('gives a type only the interfaces and fields of the relations it takes part in', async () => {
    const res = await t.gql('{ v: __type(name: "FixtureVegetable") { interfaces { name } fields { name } } a: __type(name: "FixtureAnimal") { interfaces { name } } }');
    const names = (list: { name: string }[]) => list.map((x) => x.name).sort();
    expect(names(res.data.v.interfaces)).toEqual(['Commentable', 'ContentNode', 'Linkable', 'Node', 'Taggable']);
    expect(names(res.data.v.fields)).not.toEqual(expect.arrayContaining(['activity']));
    expect(names(res.data.v.fields)).not.toContain('fixtureVoteCount');
    expect(names(res.data.a.interfaces)).toEqual(expect.arrayContaining(['HasActivity', 'FixtureVotable']));
  });

  it('records no activity for a type that leaves activity out, refuses client entries for it, and so does the database', async () => {
    const vegetable = await createContent(t, grace.token, 'FixtureVegetable', { name: 'Historyless' });
    await t.gql(`mutation($id: ID!) { addTags(target: $id, names: ["fresh"]) { changed } }`, { id: vegetable.id }, { token: grace.token });
    const feed = await t.gql('query($t: ID) { activity(target: $t) { edges { node { verb } } } }', { t: vegetable.id });
    expect(feed.data.activity.edges).toEqual([]);
    const recorded = await t.gql('mutation($t: ID!) { recordActivity(target: $t, verb: "viewed") { id } }', { t: vegetable.id }, { token: grace.token });
    expect(errorCodes(recorded)).toEqual(['BAD_USER_INPUT']);
    expect(recorded.errors![0].message).toContain('FixtureVegetable objects do not take part in `activity`');
    const voted = await t.gql('mutation($t: ID!) { addFixtureVote(target: $t, value: "yes") { changed } }', { t: vegetable.id }, { token: grace.token });
    expect(recorded.errors![0].extensions!.argumentName).toBe('target');
    expect(voted.errors![0].message).toContain('FixtureVegetable objects do not take part in `fixture_votes`');
    const ct = t.server.registry.idOf(FixtureVegetable);
    const error = await sqlStateOf(
      t.sql(`insert into activity_entry (verb, content_type_id, object_id, object_repr) values ('x', ?, ?, 'x')`, [ct, String(vegetable.databaseId)]),
    );
    expect(error.code).toBe('23503');
    expect(error.message).toContain('cg_fixtures.fixturevegetable cannot be a target of activity_entry');
    const deleted = await t.gql(`mutation($id: ID!) { deleteFixtureVegetable(id: $id) { deletedId objectRepr } }`, { id: vegetable.id }, { token: grace.token });
    expect(deleted.data.deleteFixtureVegetable).toEqual({ deletedId: vegetable.id, objectRepr: 'Historyless (vegetable)' });
    expect(await t.sql('select 1 from activity_entry where content_type_id = ?', [ct])).toEqual([]);
  });

  it('keeps a link whose target is deleted when that end is declared `keep`: the link shows a null target, the source still lists it', async () => {
    const tiger = await createContent(t, grace.token, 'FixtureAnimal', { name: 'tiger' });
    const cheetah = await createContent(t, grace.token, 'FixtureAnimal', { name: 'cheetah' });
    const stronger = (await t.gql(LINK, { s: tiger.id, t: cheetah.id, kind: 'stronger_than' }, { token: grace.token })).data.linkObjects.id;
    const weaker = (await t.gql(LINK, { s: cheetah.id, t: tiger.id, kind: 'weaker_than' }, { token: grace.token })).data.linkObjects.id;
    await t.gql(`mutation($id: ID!) { deleteFixtureAnimal(id: $id) { deletedId } }`, { id: cheetah.id }, { token: grace.token });
    const res = await t.gql(
      `query($id: ID!, $s: ID!, $w: ID!) {
        node(id: $id) { ... on Linkable { outgoingLinks { edges { node { id kind target { __typename } } } } incomingLinks { edges { node { id } } } } }
        s: node(id: $s) { ... on ContentLink { source { __typename } target { __typename } } }
        w: node(id: $w) { id }
      }`,
      { id: tiger.id, s: stronger, w: weaker },
    );
    expect(res.errors).toBeUndefined();
    expect(res.data.node.outgoingLinks.edges).toEqual([{ node: { id: stronger, kind: 'stronger_than', target: null } }]);
    expect(res.data.node.incomingLinks.edges).toEqual([]); // the source end of `weaker` cascaded
    expect(res.data.s).toEqual({ source: { __typename: 'FixtureAnimal' }, target: null });
    expect(res.data.w).toBeNull();
    const unlinked = await t.gql('mutation($id: ID!) { unlinkObjects(id: $id) { deletedId source { __typename } target { __typename } } }', { id: stronger }, { token: grace.token });
    expect(unlinked.data.unlinkObjects).toEqual({ deletedId: stronger, source: { __typename: 'FixtureAnimal' }, target: null });
  });
});
