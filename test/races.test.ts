import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createContent, createTestUser, errorCodes, type TestUser } from './helpers/accounts.js';
import { databaseKind, onPostgres } from './helpers/database.js';
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

  /**
   * Waits until a transaction sleeps in a test trigger (pg_sleep) on PostgreSQL, so that what is sent next arrives
   * while it holds its locks, however slow the machine; on PGlite (one transaction at a time) a short pause.
   */
  const untilOneSleeps = async () => {
    if (!onPostgres) return new Promise((resolve) => setTimeout(resolve, 200));
    for (let i = 0; i < 250; i++) {
      const sleeping = await t.sql(`select 1 from pg_stat_activity where datname = current_database() and wait_event = 'PgSleep'`);
      if (sleeping.length) return;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    throw new Error('no transaction reached the test trigger within 5 s');
  };

  /**
   * Runs `fn` while a trigger of its own (`timing`: e.g. `after insert on tag for each row when (…)`) holds the
   * statement that fires it for `seconds`; the trigger and its function are dropped after.
   */
  const withSleepingTrigger = async (timing: string, fn: () => Promise<void>, seconds = 0.5) => {
    await t.sql(`create or replace function race_sleep() returns trigger language plpgsql as $$ begin perform pg_sleep(${seconds}); return coalesce(new, old); end $$`);
    const table = /\bon (\S+)/.exec(timing)![1];
    await t.sql(`create trigger a_race_sleep ${timing} execute function race_sleep()`);
    try {
      await fn();
    } finally {
      await t.sql(`drop trigger a_race_sleep on ${table}`);
      await t.sql('drop function race_sleep()');
    }
  };

  /** The names of the tags on an object that match a LIKE pattern, sorted. */
  const tagNamesOf = async (animal: { databaseId: number | string }, like: string) =>
    (await t.sql<{ name: string }>(`select t.name from tagged_item ti join tag t on t.id = ti.tag_id where ti.object_id = ? and t.name like ? order by 1`, [String(animal.databaseId), like])).map(
      (row) => row.name,
    );

  // The embedded PGlite runs one transaction at a time: the races cannot interleave there, so two rounds show it answers
  // truthfully; PostgreSQL gets nine.
  const MERGE_ROUNDS = onPostgres ? 9 : 2;

  it(`addTags racing mergeTags of the same tag: every addTags succeeds (${MERGE_ROUNDS * 21} calls) without a deadlock, every object ends up tagged`, async () => {
    // Widen the window deterministically: the merge sleeps while it deletes the merged tag (holding its lock),
    // and the addTags calls arrive meanwhile. Before the fix they read the tag, then failed on its foreign key.
    await withSleepingTrigger(`before delete on tag for each row when (old.name like 'src-%')`, async () => {
      const animals = [];
      for (let i = 0; i < 20; i++) animals.push(await createContent(t, users[0].token, 'FixtureAnimal', { name: `Merge race ${i}` }));
      for (let round = 0; round < MERGE_ROUNDS; round++) {
        await t.gql(ADD_TAGS, { target: animals[0].id, names: [`src-${round}`] }, { token: users[0].token });
        const merge = t.gql(MERGE, { from: [`src-${round}`], into: `dst-${round}` }, { token: admin.token });
        await untilOneSleeps();
        const results = await Promise.all([
          merge,
          ...animals.map((animal, i) =>
            t.gql(ADD_TAGS, { target: animal.id, names: [`src-${round}`, `other-${round}`] }, { token: users[i % users.length].token }),
          ),
        ]);
        for (const res of results) expect(res.errors, JSON.stringify(res.errors)).toBeUndefined();
        for (const animal of animals) {
          const names = await tagNamesOf(animal, `%-${round}`);
          // Tagged before the merge: moved to dst; after it: src is a new tag again. Never lost.
          expect(names).toContain(`other-${round}`);
          expect(names.some((name) => name === `src-${round}` || name === `dst-${round}`)).toBe(true);
        }
      }
    }, 0.4);
  });

  it('a merge of a tag an addTags of the same object is waiting for: both succeed, no deadlock', async () => {
    // The addTags holds its object, then sleeps inside its tag insert; the merge locks the tag the addTags will ask for
    // next and then the object. Holding the object FOR UPDATE (before), the two waited for each other.
    const animal = await createContent(t, users[0].token, 'FixtureAnimal', { name: 'Held while merged' });
    await withSleepingTrigger(`after insert on tag for each row when (new.name like 'slow-%')`, async () => {
      for (let round = 0; round < (onPostgres ? 3 : 1); round++) {
        await t.gql(ADD_TAGS, { target: animal.id, names: [`held-${round}`] }, { token: users[0].token });
        const add = t.gql(ADD_TAGS, { target: animal.id, names: [`held-${round}`, `slow-${round}`] }, { token: users[0].token });
        await untilOneSleeps();
        const merge = t.gql(MERGE, { from: [`held-${round}`], into: `kept-${round}` }, { token: admin.token });
        for (const res of await Promise.all([add, merge])) expect(res.errors, JSON.stringify(res.errors)).toBeUndefined();
        const names = await tagNamesOf(animal, `%-${round}`);
        // PostgreSQL: the merge moved the old tagged item and the addTags, which waited for it, tagged the name anew;
        // PGlite runs one transaction at a time: the addTags first (nothing new on `held`), then the merge
        expect(names).toEqual(onPostgres ? [`held-${round}`, `kept-${round}`, `slow-${round}`] : [`kept-${round}`, `slow-${round}`]);
      }
    });
  });

  it('a merge into a name an addTags has just created, uncommitted: both succeed, no deadlock', async () => {
    // The addTags sleeps right after inserting the new name; the merge into that name then waits for it. Creating
    // `into` after locking the merged tag (before), the merge held the tag the addTags asked for next.
    const animal = await createContent(t, users[1].token, 'FixtureAnimal', { name: 'Merged into a fresh name' });
    await withSleepingTrigger(`after insert on tag for each row when (new.name like 'fresh-%')`, async () => {
      for (let round = 0; round < (onPostgres ? 3 : 1); round++) {
        await t.gql(ADD_TAGS, { target: animal.id, names: [`stale-${round}`] }, { token: users[1].token });
        const add = t.gql(ADD_TAGS, { target: animal.id, names: [`fresh-${round}`, `stale-${round}`] }, { token: users[1].token });
        await untilOneSleeps();
        const merge = t.gql(MERGE, { from: [`stale-${round}`], into: `fresh-${round}` }, { token: admin.token });
        const [added, merged] = await Promise.all([add, merge]);
        for (const res of [added, merged]) expect(res.errors, JSON.stringify(res.errors)).toBeUndefined();
        expect(merged.data.mergeTags).toEqual({ merged: [`stale-${round}`], retaggedCount: 1 });
        const names = await tagNamesOf(animal, `%-${round}`);
        expect(names).toEqual([`fresh-${round}`]);
      }
    });
  });

  it('a merge waiting for the delete of a tagged object counts only the objects it retagged', async () => {
    const doomed = await createContent(t, users[2].token, 'FixtureAnimal', { name: 'vanishing while merged' });
    const kept = await createContent(t, users[2].token, 'FixtureAnimal', { name: 'kept while merged' });
    for (const animal of [doomed, kept]) await t.gql(ADD_TAGS, { target: animal.id, names: ['vanishing-src'] }, { token: users[2].token });
    await withSleepingTrigger(`after delete on cg_fixture_animal for each row when (old.name like 'vanishing%')`, async () => {
      const deleted = t.gql('mutation($id: ID!) { deleteFixtureAnimal(id: $id) { deletedId } }', { id: doomed.id }, { token: users[2].token });
      await untilOneSleeps();
      const merged = await t.gql(MERGE, { from: ['vanishing-src'], into: 'vanishing-dst' }, { token: admin.token });
      expect((await deleted).errors).toBeUndefined();
      expect(merged.errors, JSON.stringify(merged.errors)).toBeUndefined();
      // on PostgreSQL the merge read both objects, then waited for the delete; on PGlite the delete came first
      expect(merged.data.mergeTags.retaggedCount).toBe(1);
    });
    const retagged = await t.sql<{ object_id: string }>(`select object_id from activity_entry where verb = 'retagged' and data->>'into' = 'vanishing-dst'`);
    expect(retagged).toEqual([{ object_id: String(kept.databaseId) }]);
  });

  for (const [change, names] of [
    ['removeTags', ['a', 'b']],
    ['setTags', []],
    ['setTags', ['c']],
  ] as const) {
    it(`${change}(${JSON.stringify(names)}) of an object whose tags a and b a merge into c is moving, while the merge holds the tagged item it moved: both succeed, no deadlock`, async () => {
      // The merge moves the object's older tagged item (of `b`), then sleeps holding it. The tag change deleted the item
      // of `a` and waited for the one of `b`, while the merge's delete of `a` cascaded to the item the change held. The
      // change now locks the tags first (FOR KEY SHARE, the ones it names and those the object carries, in one
      // statement), so it waits for the merge before it deletes anything.
      const prefix = `unmerge-${change}-${names.length}-`;
      const animal = await createContent(t, users[2].token, 'FixtureAnimal', { name: `Changed while merged ${prefix}` });
      const [a, b] = await t.sql<{ id: number }>(`insert into tag (name, slug) values (?, ?), (?, ?) returning id`, [`${prefix}a`, `${prefix}a`, `${prefix}b`, `${prefix}b`]);
      const ct = (await t.sql<{ id: number }>(`select id from content_type where model = 'fixtureanimal'`))[0].id;
      await t.sql(`insert into tagged_item (tag_id, content_type_id, object_id, created_at) values (?, ?, ?, now()), (?, ?, ?, now() - interval '1 hour')`, [
        a.id, ct, String(animal.databaseId), b.id, ct, String(animal.databaseId),
      ]);
      await withSleepingTrigger('after update on tagged_item for each statement', async () => {
        const merge = t.gql(MERGE, { from: [`${prefix}a`, `${prefix}b`], into: `${prefix}c` }, { token: admin.token });
        await untilOneSleeps();
        const query = `mutation($id: ID!, $names: [String!]!) { ${change}(target: $id, names: $names) { __typename } }`;
        const changed = await t.gql(query, { id: animal.id, names: names.map((n) => prefix + n) }, { token: users[2].token });
        const merged = await merge;
        for (const res of [merged, changed]) expect(res.errors, JSON.stringify(res.errors)).toBeUndefined();
        expect(merged.data.mergeTags.retaggedCount).toBe(1);
        // the merge came first (on PGlite too, one transaction at a time): removeTags found a and b gone and left c;
        // setTags leaves exactly what it names
        expect(await tagNamesOf(animal, `${prefix}%`)).toEqual(change === 'removeTags' || names.length ? [`${prefix}c`] : []);
      });
    });
  }

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
    await withSleepingTrigger('after update on tagged_item for each statement', async () => {
      const calls = doomed.slice(0, 3).map((animal) => t.gql(DELETE, { id: animal.id }, { token: users[1].token }));
      calls.push(t.gql(MERGE, { from: ['doomed-src'], into: 'doomed-dst' }, { token: admin.token }));
      await untilOneSleeps();
      calls.push(...doomed.slice(3).map((animal) => t.gql(DELETE, { id: animal.id }, { token: users[1].token })));
      const results = await Promise.all(calls);
      for (const res of results) expect(res.errors, JSON.stringify(res.errors)).toBeUndefined();
    }, 0.4);
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
