import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { toGlobalId } from '../src/generic/global-id.js';
import { createContent, createTestUser, errorCodes, type TestUser } from './helpers/accounts.js';
import { databaseKind } from './helpers/database.js';
import { startTestServer, type TestServer } from './helpers/server.js';

const ADD = `mutation($target: ID, $ref: ContentObjectRef, $value: String!) {
  addFixtureVote(target: $target, targetRef: $ref, value: $value) {
    changed
    fixtureVote { id databaseId value voter { username } target { __typename ... on ContentNode { id } } }
    target { __typename ... on FixtureVotable { fixtureVoteCount fixtureVoteCounts { value count } } }
  }
}`;
const REMOVE = `mutation($target: ID, $value: String!) {
  removeFixtureVote(target: $target, value: $value) { changed fixtureVote { id } target { ... on FixtureVotable { fixtureVoteCount } } }
}`;
const VOTES = `query($id: ID!, $value: String, $first: Int, $after: String) {
  node(id: $id) { ... on FixtureVotable {
    fixtureVoteCount fixtureVoteCounts { value count }
    fixtureVotes(value: $value, first: $first, after: $after) { edges { node { value voter { username } } } pageInfo { hasNextPage endCursor } }
  } }
}`;

/**
 * A relation built only with @GenericRelation (the core test app's
 * `fixture_votes`, shaped like the demo's Reaction): its derived interface,
 * connection, counts, target and actor fields, and add/remove mutations.
 */
describe(`a generic relation derived from its declaration (${databaseKind})`, () => {
  let t: TestServer;
  let ada: TestUser;
  let grace: TestUser;
  const votesOf = (id: string, variables: Record<string, unknown> = {}) => t.gql(VOTES, { id, ...variables }).then((res) => res.data.node);
  const activity = (target: string) =>
    t.gql('query($t: ID!) { activity(target: $t) { edges { node { verb data actor { username } } } } }', { t: target }).then((res) => res.data.activity.edges.map((e: any) => e.node));

  beforeAll(async () => {
    t = await startTestServer({}, { app: 'core' });
    ada = await createTestUser(t, 'ada', { admin: true });
    grace = await createTestUser(t, 'grace');
  });
  afterAll(() => t?.stop());

  it('gives every participating type the interface and its fields, and the entity its target and actor', async () => {
    const res = await t.gql(`{ i: __type(name: "FixtureVotable") { fields { name args { name } } possibleTypes { name } }
                               v: __type(name: "FixtureVote") { fields { name } interfaces { name } } }`);
    expect(res.data.i.fields.map((f: any) => `${f.name}(${f.args.map((a: any) => a.name).join(',')})`).sort()).toEqual([
      'fixtureVoteCount()',
      'fixtureVoteCounts(first)',
      'fixtureVotes(after,first,value)',
    ]);
    expect(res.data.i.possibleTypes.map((p: any) => p.name).sort()).toEqual(t.server.registry.typesOf('fixture_votes').map((type) => type.typeName).sort());
    expect(res.data.v.fields.map((f: any) => f.name).sort()).toEqual(['createdAt', 'databaseId', 'id', 'target', 'value', 'voter']);
    expect(res.data.v.interfaces).toEqual([{ name: 'Node' }]);
  });

  it('adds idempotently in one transaction with activity, and removes; counts per value follow', async () => {
    const fossil = await createContent(t, grace.token, 'FixtureFossil', { name: 'Voted on' });
    const first = await t.gql(ADD, { target: fossil.id, value: 'Yes' }, { token: grace.token });
    expect(first.errors).toBeUndefined();
    expect(first.data.addFixtureVote).toMatchObject({
      changed: true,
      fixtureVote: { value: 'yes', voter: { username: 'grace' }, target: { __typename: 'FixtureFossil', id: fossil.id } },
      target: { __typename: 'FixtureFossil', fixtureVoteCount: 1, fixtureVoteCounts: [{ value: 'yes', count: 1 }] },
    });
    const again = await t.gql(ADD, { target: fossil.id, value: 'yes' }, { token: grace.token });
    expect(again.data.addFixtureVote).toMatchObject({ changed: false, fixtureVote: { id: first.data.addFixtureVote.fixtureVote.id } });
    await t.gql(ADD, { target: fossil.id, value: 'no' }, { token: grace.token });
    await t.gql(ADD, { ref: { fixtureFossil: fossil.databaseId }, value: 'yes' }, { token: ada.token });
    expect(await votesOf(fossil.id)).toMatchObject({ fixtureVoteCount: 3, fixtureVoteCounts: [{ value: 'yes', count: 2 }, { value: 'no', count: 1 }] });
    expect((await votesOf(fossil.id, { value: 'no' })).fixtureVotes.edges).toEqual([{ node: { value: 'no', voter: { username: 'grace' } } }]);
    expect(await activity(fossil.id)).toEqual(
      expect.arrayContaining([
        { verb: 'fixture_voted', data: { fixtureVote: first.data.addFixtureVote.fixtureVote.id, value: 'yes' }, actor: { username: 'grace' } },
      ]),
    );
    expect((await activity(fossil.id)).filter((e: any) => e.verb === 'fixture_voted')).toHaveLength(3);

    const removed = await t.gql(REMOVE, { target: fossil.id, value: 'YES' }, { token: grace.token });
    expect(removed.data.removeFixtureVote).toEqual({ changed: true, fixtureVote: null, target: { fixtureVoteCount: 2 } });
    expect((await t.gql(REMOVE, { target: fossil.id, value: 'yes' }, { token: grace.token })).data.removeFixtureVote.changed).toBe(false);
    expect((await activity(fossil.id)).filter((e: any) => e.verb === 'fixture_unvoted')).toHaveLength(1);
    // only the caller's own vote is removed
    expect(await votesOf(fossil.id)).toMatchObject({ fixtureVoteCounts: [{ value: 'no', count: 1 }, { value: 'yes', count: 1 }] });
  });

  it('pages the reverse connection with keyset cursors, newest first', async () => {
    const animal = await createContent(t, grace.token, 'FixtureAnimal', { name: 'Popular' });
    const voters = [grace, ada, ...(await Promise.all(['linus', 'barbara', 'ken'].map((name) => createTestUser(t, name))))];
    for (const voter of voters) await t.gql(ADD, { target: animal.id, value: 'up' }, { token: voter.token });
    const page1 = (await votesOf(animal.id, { first: 2 })).fixtureVotes;
    const page2 = (await votesOf(animal.id, { first: 10, after: page1.pageInfo.endCursor })).fixtureVotes;
    expect([...page1.edges, ...page2.edges].map((e: any) => e.node.voter.username)).toEqual(voters.map((v) => v.username).reverse());
    expect(page2.pageInfo.hasNextPage).toBe(false);
  });

  it('works on bigint-keyed targets and deletes votes with their object (cascade)', async () => {
    const mineral = await createContent(t, grace.token, 'FixtureMineral', { name: 'Voted mineral' });
    await t.gql(ADD, { ref: { fixtureMineral: mineral.databaseId }, value: 'shiny' }, { token: grace.token });
    expect((await votesOf(mineral.id)).fixtureVoteCount).toBe(1);
    await t.gql('mutation($id: ID!) { deleteFixtureMineral(id: $id) { deletedId } }', { id: mineral.id }, { token: grace.token });
    const ct = t.server.registry.idOf(t.server.registry.byTypeName('FixtureMineral')!.cls);
    expect(await t.sql('select 1 from cg_fixture_vote where content_type_id = ? and object_id = ?', [ct, String(mineral.databaseId)])).toEqual([]);
  });

  it.each([
    ['an empty value', { value: '' }, 'BAD_USER_INPUT', 'value'],
    ['a value that is not a word', { value: 'two words' }, 'BAD_USER_INPUT', 'value'],
    ['a value longer than its column', { value: 'a'.repeat(21) }, 'BAD_USER_INPUT', 'value'],
    ['a NUL character', { value: 'a\u0000' }, 'BAD_USER_INPUT', 'value'],
    ['no target', { target: null }, 'BAD_USER_INPUT', 'target'],
    ['a target that is not a content object', { target: toGlobalId('Tag', 1) }, 'BAD_USER_INPUT', 'target'],
    ['a missing target', { target: toGlobalId('FixtureAnimal', 999_999) }, 'NOT_FOUND', 'target'],
    ['a missing uuid target by reference', { target: null, ref: { fixtureFossil: '0f0f0f0f-0000-4000-8000-000000000000' } }, 'NOT_FOUND', 'targetRef.fixtureFossil'],
  ])('rejects %s with %s naming the argument, writing nothing', async (_what, variables, code, argumentName) => {
    const animal = await createContent(t, grace.token, 'FixtureAnimal', { name: 'Bad votes' });
    const before = await t.sql<{ n: number }>('select (select count(*) from cg_fixture_vote) + (select count(*) from activity_entry) as n');
    const res = await t.gql(ADD, { target: animal.id, value: 'ok', ...variables }, { token: grace.token });
    expect(res.errors![0].extensions).toMatchObject({ code, argumentName });
    const after = await t.sql<{ n: number }>('select (select count(*) from cg_fixture_vote) + (select count(*) from activity_entry) as n');
    expect(Number(after[0].n)).toBe(Number(before[0].n));
  });

  it('needs an API token, and keeps its verbs for the server', async () => {
    const animal = await createContent(t, grace.token, 'FixtureAnimal', { name: 'Anonymous' });
    for (const mutation of [ADD, REMOVE]) expect(errorCodes(await t.gql(mutation, { target: animal.id, value: 'yes' }))).toEqual(['UNAUTHENTICATED']);
    const forged = await t.gql('mutation($t: ID!) { recordActivity(target: $t, verb: "fixture_voted") { id } }', { t: animal.id }, { token: grace.token });
    expect(forged.errors![0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', argumentName: 'verb' });
  });

  it('keeps one row and one activity entry under 20 concurrent identical adds', async () => {
    const animal = await createContent(t, grace.token, 'FixtureAnimal', { name: 'Contended vote' });
    const results = await Promise.all(Array.from({ length: 20 }, () => t.gql(ADD, { target: animal.id, value: 'race' }, { token: grace.token })));
    for (const res of results) expect(res.errors).toBeUndefined();
    expect(results.filter((res) => res.data.addFixtureVote.changed)).toHaveLength(1);
    expect(new Set(results.map((res) => res.data.addFixtureVote.fixtureVote.id)).size).toBe(1);
    expect((await activity(animal.id)).filter((e: any) => e.verb === 'fixture_voted')).toHaveLength(1);
  });

  it('leaves no vote behind when its activity entry fails (one transaction)', async () => {
    await t.sql(
      `create or replace function h3_fail_activity() returns trigger language plpgsql as $$ begin if new.verb = 'fixture_voted' and new.object_repr like 'FAIL%' then raise exception 'injected failure'; end if; return new; end $$`,
    );
    await t.sql(`create trigger h3_fail_activity before insert on activity_entry for each row execute function h3_fail_activity()`);
    try {
      const animal = await createContent(t, grace.token, 'FixtureAnimal', { name: 'FAIL vote' });
      const res = await t.gql(ADD, { target: animal.id, value: 'lost' }, { token: grace.token });
      expect(errorCodes(res)).toEqual(['INTERNAL_SERVER_ERROR']);
      expect(await t.sql(`select 1 from cg_fixture_vote where value = 'lost'`)).toHaveLength(0);
    } finally {
      await t.sql('drop trigger h3_fail_activity on activity_entry');
    }
  });
  it('refuses to derive mutations without a unique constraint over the identifying columns', async () => {
    const { Entity, ManyToOne, PrimaryKey, Property } = await import('@mikro-orm/decorators/legacy');
    const { ObjectType } = await import('type-graphql');
    const { GenericRelation } = await import('../src/content/relations/relation.options.js');
    const { relationDefinition } = await import('../src/content/relations/relation.options.js');
    const { relationMutations } = await import('../src/content/relations/relation.mutations.js');
    const { ContentType } = await import('../src/generic/content-type.entity.js');
    const { User } = await import('../src/accounts/user.entity.js');
    class FixtureNoUnique {
      id!: number;
      contentType!: object;
      objectId!: string;
      voter!: object;
    }
    PrimaryKey({ type: 'integer' })(FixtureNoUnique.prototype, 'id');
    ManyToOne(() => ContentType)(FixtureNoUnique.prototype, 'contentType');
    Property({ type: 'text' })(FixtureNoUnique.prototype, 'objectId');
    ManyToOne(() => User)(FixtureNoUnique.prototype, 'voter');
    Entity({ tableName: 'cg_fixture_no_unique' })(FixtureNoUnique);
    ObjectType('FixtureNoUnique')(FixtureNoUnique);
    GenericRelation({ name: 'fixture_no_unique', onDelete: 'cascade', mutations: { add: 'addNoUnique', remove: 'removeNoUnique', actor: 'voter' } })(FixtureNoUnique);
    expect(() => relationMutations(relationDefinition(FixtureNoUnique)!)).toThrow(
      "generic relation \"fixture_no_unique\" declares mutations, so FixtureNoUnique needs a unique constraint over exactly (contentType, objectId, voter): add @Unique({ properties: ['contentType', 'objectId', 'voter'] }).",
    );
  });
});
