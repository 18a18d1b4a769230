import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestUser } from './helpers/accounts.js';
import { databaseKind, onPostgres } from './helpers/database.js';
import { startTestServer, type TestServer } from './helpers/server.js';

/**
 * A request that outlives its deadline: a test-only trigger makes inserting a
 * tagged item sleep (pg_sleep) far past REQUEST_TIMEOUT_MS. The client gets
 * TIMEOUT and nothing of the mutation is written (the tag it would have
 * created, the tagged item, the activity entry), on PostgreSQL (the
 * statement is cancelled by SET LOCAL statement_timeout) and on PGlite (the
 * statement runs to its end; the transaction is refused its COMMIT).
 */
describe(`request deadline (${databaseKind})`, () => {
  let t: TestServer;
  let token: string;
  const SLEEP_SECONDS = onPostgres ? 30 : 2;
  beforeAll(async () => {
    t = await startTestServer({ requestTimeoutMs: 1000 });
    token = (await createTestUser(t, 'deadline-user')).token;
    await t.sql(`create function cg_test_slow_insert() returns trigger language plpgsql as $$ begin perform pg_sleep(${SLEEP_SECONDS}); return new; end $$`);
  });
  afterAll(() => t?.stop());

  const addTag = (name: string) =>
    t.gql('mutation($name: String!) { addTags(targetRef: { user: 1 }, names: [$name]) { changed } }', { name }, { token });

  it('answers TIMEOUT (HTTP 504) and writes nothing when a statement outlives the deadline', async () => {
    const before = await counts();
    await t.sql('create trigger cg_test_slow_insert before insert on tagged_item for each row execute function cg_test_slow_insert()');
    let res;
    try {
      res = await addTag('too-slow-to-tag');
    } finally {
      await t.sql('drop trigger cg_test_slow_insert on tagged_item');
    }
    expect(res.status).toBe(504);
    expect(res.errors![0].extensions).toMatchObject({ code: 'TIMEOUT', timeoutMs: 1000 });
    expect(res.errors![0].message).toContain('nothing it was writing was saved');
    // Whatever the server still does for that request ends in a rollback: wait until it has.
    await waitForIdle();
    expect(await counts()).toEqual(before);
    expect(await t.sql(`select 1 from tag where name = 'too-slow-to-tag'`)).toHaveLength(0);
  });

  it('serves the next request normally, and a fast mutation still commits', async () => {
    const res = await addTag('quick-tag');
    expect(res.errors).toBeUndefined();
    expect(res.data.addTags.changed).toEqual(['quick-tag']);
  });

  it.skipIf(!onPostgres)('cancels the statement on the server at the deadline (statement_timeout), freeing its connection', async () => {
    await t.sql('create trigger cg_test_slow_insert before insert on tagged_item for each row execute function cg_test_slow_insert()');
    try {
      const res = await addTag('cancelled-at-deadline');
      expect(res.errors![0].extensions!.code).toBe('TIMEOUT');
    } finally {
      await t.sql('drop trigger cg_test_slow_insert on tagged_item');
    }
    // The 30-second sleep is cancelled by the server; nothing waits for it.
    await waitForIdle();
    const sleeping = await t.sql<{ n: number }>(`select count(*)::int as n from pg_stat_activity where datname = current_database() and query like '%pg_sleep%' and state = 'active' and pid <> pg_backend_pid()`);
    expect(sleeping[0].n).toBe(0);
  });

  it.skipIf(!onPostgres)('serves from a pool whose connections carry the deadline as statement_timeout', async () => {
    expect(await t.sql('show statement_timeout')).toEqual([{ statement_timeout: '1s' }]);
    expect(await t.sql('show idle_in_transaction_session_timeout')).toEqual([{ idle_in_transaction_session_timeout: '1min' }]);
  });

  it('keeps what an earlier mutation field committed and reports TIMEOUT for the field that outlived the deadline', async () => {
    const slow = await startTestServer({ requestTimeoutMs: 3000 });
    try {
      const { token: slowToken } = await createTestUser(slow, 'deadline-two-fields');
      await slow.sql(
        `create function cg_test_slow_second() returns trigger language plpgsql as $$ begin if (select name from tag where id = new.tag_id) = 'slow-second' then perform pg_sleep(${onPostgres ? 30 : 5}); end if; return new; end $$`,
      );
      await slow.sql('create trigger cg_test_slow_second before insert on tagged_item for each row execute function cg_test_slow_second()');
      const res = await slow.gql(
        'mutation { first: addTags(targetRef: { user: 1 }, names: ["fast-first"]) { changed } second: addTags(targetRef: { user: 1 }, names: ["slow-second"]) { changed } }',
        {},
        { token: slowToken },
      );
      await slow.sql('drop trigger cg_test_slow_second on tagged_item');
      expect(res.errors).toHaveLength(1);
      expect(res.errors![0]).toMatchObject({ path: ['second'], extensions: { code: 'TIMEOUT' } });
      expect(await slow.sql(`select name from tag where name in ('fast-first', 'slow-second')`)).toEqual([{ name: 'fast-first' }]);
    } finally {
      await slow.stop();
    }
  });

  async function counts() {
    const [row] = await t.sql<Record<string, number>>(
      'select (select count(*)::int from tag) as tags, (select count(*)::int from tagged_item) as items, (select count(*)::int from activity_entry) as activity',
    );
    return row;
  }

  /** Until no statement of this database is running besides ours (PostgreSQL), or the embedded database answers (PGlite). */
  async function waitForIdle() {
    for (let i = 0; i < 300; i++) {
      if (!onPostgres) {
        await t.sql('select 1');
        return;
      }
      const [row] = await t.sql<{ n: number }>(
        `select count(*)::int as n from pg_stat_activity where datname = current_database() and pid <> pg_backend_pid() and state not in ('idle')`,
      );
      if (row.n === 0) return;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    throw new Error('the database never became idle');
  }
});
