import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createContent, createTestUser, errorCodes, type TestUser } from './helpers/accounts.js';
import { databaseKind } from './helpers/database.js';
import { startTestServer, type TestServer } from './helpers/server.js';
import { toGraphQLError } from '../src/server/error-mapping.js';
import { type TransactionRetryMessage, transactionRetryChannel } from '../src/generic/transaction.js';

const ADD_TAGS = 'mutation($target: ID!, $names: [String!]!) { addTags(target: $target, names: $names) { changed } }';
const MERGE = 'mutation($from: [String!]!, $into: String!) { mergeTags(from: $from, into: $into) { merged retaggedCount } }';
const LINK = 'mutation($source: ID!, $target: ID!) { linkObjects(source: $source, target: $target, kind: "related") { id } }';
const UNLINK = 'mutation($id: ID!) { unlinkObjects(id: $id) { source { __typename } } }';

/**
 * Pairs of mutations that touch the same rows, run as real parallel HTTP
 * requests (on PostgreSQL their transactions race on a pool; on PGlite they
 * serialise). None may answer a false error: an object that exists is never
 * NOT_FOUND, and nothing is INTERNAL_SERVER_ERROR.
 */
describe(`mutations racing on the same rows (${databaseKind})`, () => {
  let t: TestServer;
  let admin: TestUser;
  let users: TestUser[];
  // Every transaction PostgreSQL aborts (the server runs in this process). The calls succeed even so, as
  // inTransaction runs the victim again, but a deadlock victim waited deadlock_timeout (1 s) first: a lock-order bug.
  const aborted: TransactionRetryMessage[] = [];
  const record = (message: unknown) => aborted.push(message as TransactionRetryMessage);

  beforeAll(async () => {
    t = await startTestServer({}, { app: 'core' });
    admin = await createTestUser(t, 'root', { admin: true });
    users = [];
    for (const name of ['ada', 'grace', 'linus']) users.push(await createTestUser(t, name));
    transactionRetryChannel.subscribe(record);
  });
  afterEach(() => {
    const deadlocks = aborted.splice(0).filter((message) => message.reason === 'deadlock_detected');
    expect(deadlocks, 'transactions aborted as deadlock victims').toEqual([]);
  });
  afterAll(async () => {
    transactionRetryChannel.unsubscribe(record);
    await t?.stop();
  });

  it('addTags racing mergeTags of the same tag: every addTags succeeds (189 calls) without a deadlock, every object ends up tagged', async () => {
    // Widen the window deterministically: the merge sleeps while it deletes the merged tag (holding its lock),
    // and the addTags calls arrive meanwhile. Before the fix they read the tag, then failed on its foreign key.
    await t.sql(`create or replace function race_slow() returns trigger language plpgsql as $$ begin perform pg_sleep(0.4); return old; end $$`);
    await t.sql(`create trigger a_race_slow before delete on tag for each row when (old.name like 'src-%') execute function race_slow()`);
    try {
      const animals = [];
      for (let i = 0; i < 20; i++) animals.push(await createContent(t, users[0].token, 'FixtureAnimal', { name: `Merge race ${i}` }));
      for (let round = 0; round < 9; round++) {
        await t.gql(ADD_TAGS, { target: animals[0].id, names: [`src-${round}`] }, { token: users[0].token });
        const merge = t.gql(MERGE, { from: [`src-${round}`], into: `dst-${round}` }, { token: admin.token });
        await new Promise((resolve) => setTimeout(resolve, 100));
        const results = await Promise.all([
          merge,
          ...animals.map((animal, i) =>
            t.gql(ADD_TAGS, { target: animal.id, names: [`src-${round}`, `other-${round}`] }, { token: users[i % users.length].token }),
          ),
        ]);
        for (const res of results) expect(res.errors, JSON.stringify(res.errors)).toBeUndefined();
        for (const animal of animals) {
          const rows = await t.sql<{ name: string }>(
            `select t.name from tagged_item ti join tag t on t.id = ti.tag_id where ti.object_id = ? and t.name like '%-${round}' order by t.name`,
            [String(animal.databaseId)],
          );
          const names = rows.map((row) => row.name);
          // Tagged before the merge: moved to dst; after it: src is a new tag again. Never lost.
          expect(names).toContain(`other-${round}`);
          expect(names.some((name) => name === `src-${round}` || name === `dst-${round}`)).toBe(true);
        }
      }
    } finally {
      await t.sql('drop trigger a_race_slow on tag');
    }
  });

  it('two merges in opposite directions: both answer truthfully (done, or NOT_FOUND for a tag the other merged away)', async () => {
    const animal = await createContent(t, users[0].token, 'FixtureAnimal', { name: 'Opposite merges' });
    for (let round = 0; round < 10; round++) {
      await t.gql(ADD_TAGS, { target: animal.id, names: [`x-${round}`, `y-${round}`] }, { token: users[0].token });
      const [a, b] = await Promise.all([
        t.gql(MERGE, { from: [`x-${round}`], into: `y-${round}` }, { token: admin.token }),
        t.gql(MERGE, { from: [`y-${round}`], into: `x-${round}` }, { token: admin.token }),
      ]);
      for (const res of [a, b]) if (res.errors) expect(errorCodes(res)).toEqual(['NOT_FOUND']);
      expect([a, b].some((res) => !res.errors)).toBe(true);
      const left = await t.sql<{ name: string }>(`select name from tag where name in ('x-${round}', 'y-${round}')`);
      expect(left).toHaveLength(1);
    }
  });

  it('mergeTags racing deletes of tagged objects: the merge succeeds without a deadlock and retags the survivors', async () => {
    const DELETE = 'mutation($id: ID!) { deleteFixtureAnimal(id: $id) { deletedId } }';
    const animals = [];
    for (let i = 0; i < 12; i++) animals.push(await createContent(t, users[1].token, 'FixtureAnimal', { name: `Doomed tagged ${i}` }));
    for (const animal of animals) await t.gql(ADD_TAGS, { target: animal.id, names: ['doomed-src'] }, { token: users[1].token });
    const doomed = animals.filter((_, i) => i % 2);
    // Some deletes start with the merge; the others arrive while the merge sleeps after moving the tagged items (holding
    // them). Before the merge locked the objects first, those deletes held their object and waited for its tagged item,
    // and the merge then waited for the object: a deadlock.
    await t.sql(`create or replace function race_slow_move() returns trigger language plpgsql as $$ begin perform pg_sleep(0.4); return null; end $$`);
    await t.sql(`create trigger a_race_slow_move after update on tagged_item for each statement execute function race_slow_move()`);
    try {
      const calls = doomed.slice(0, 3).map((animal) => t.gql(DELETE, { id: animal.id }, { token: users[1].token }));
      calls.push(t.gql(MERGE, { from: ['doomed-src'], into: 'doomed-dst' }, { token: admin.token }));
      await new Promise((resolve) => setTimeout(resolve, 150));
      calls.push(...doomed.slice(3).map((animal) => t.gql(DELETE, { id: animal.id }, { token: users[1].token })));
      const results = await Promise.all(calls);
      for (const res of results) expect(res.errors, JSON.stringify(res.errors)).toBeUndefined();
    } finally {
      await t.sql('drop trigger a_race_slow_move on tagged_item');
    }
    expect(await t.sql(`select 1 from cg_fixture_animal where id in (${doomed.map((a) => `'${a.databaseId}'`).join(', ')})`)).toEqual([]);
    const survivors = await t.sql(
      `select 1 from tagged_item ti join tag t on t.id = ti.tag_id where t.name = 'doomed-dst' and ti.object_id in (${animals.filter((_, i) => !(i % 2)).map((a) => `'${a.databaseId}'`).join(', ')})`,
    );
    expect(survivors).toHaveLength(6);
  });

  it('linkObjects racing unlinkObjects of the same link: every link call succeeds, the unlink succeeds', async () => {
    const source = await createContent(t, users[2].token, 'FixtureAnimal', { name: 'Link source' });
    const target = await createContent(t, users[2].token, 'FixtureAnimal', { name: 'Link target' });
    for (let round = 0; round < 10; round++) {
      const first = await t.gql(LINK, { source: source.id, target: target.id }, { token: users[2].token });
      const results = await Promise.all([
        ...Array.from({ length: 6 }, (_, i) => t.gql(LINK, { source: source.id, target: target.id }, { token: users[i % users.length].token })),
        t.gql(UNLINK, { id: first.data.linkObjects.id }, { token: users[2].token }),
      ]);
      for (const res of results) expect(res.errors, JSON.stringify(res.errors)).toBeUndefined();
      const links = await t.sql(`select 1 from content_link where source_id = ? and target_id = ?`, [String(source.databaseId), String(target.databaseId)]);
      expect(links.length).toBeLessThanOrEqual(1);
      await t.sql(`delete from content_link where source_id = ? and target_id = ?`, [String(source.databaseId), String(target.databaseId)]);
    }
  });
});

describe('foreign key violations as errors', () => {
  it('answers NOT_FOUND only for the generic foreign keys (cg_gfk_*), not for other foreign keys', () => {
    const gfk = toGraphQLError({ code: '23503', constraint: 'cg_gfk_comment' });
    expect(gfk?.extensions).toMatchObject({ code: 'NOT_FOUND', constraint: 'cg_gfk_comment' });
    expect(toGraphQLError(new Error('wrapped', { cause: { code: '23503', constraint: 'cg_gfk_tagged_item' } }))?.extensions.code).toBe('NOT_FOUND');
    expect(toGraphQLError({ code: '23503', constraint: 'tagged_item_tag_id_foreign' })).toBeUndefined();
    expect(toGraphQLError({ code: '23503' })).toBeUndefined();
  });
});
