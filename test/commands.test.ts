import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EntityManager } from '@mikro-orm/sql';
import { findOrphans, removeOrphans } from '../src/generic/orphans.js';
import { findStaleContentTypes, removeStaleContentTypes } from '../src/generic/stale-content-types.js';
import { prepareDatabase } from '../src/server/database.js';
import { initOrm, rootEm } from '../src/server/orm.js';
import { createTestDatabase, databaseKind, openTestDatabase, type OpenDatabase, type TestDatabase, testApp } from './helpers/database.js';
import { attachEverything, contentTypeIds, createObject, createTag, type GenericRows, type Sql } from './fixtures/core.data.js';
import { runTsx } from './fixtures/processes.js';

/**
 * Runs `work` in one transaction with `session_replication_role = replica`:
 * no trigger fires, as in a restore with triggers off (superuser only; the
 * test databases run as postgres on both PGlite and PostgreSQL).
 */
async function withoutTriggers(em: EntityManager, work: (sql: Sql) => Promise<void>): Promise<void> {
  await em.transactional(async (tx) => {
    await tx.execute('set local session_replication_role = replica');
    await work((query, params = []) => tx.execute(query, params as never[]) as never);
  });
}

interface Planted {
  /** The key of the deleted object. */
  object: string;
  rows: GenericRows;
  staleType: number;
  staleTagged: number;
  missingComment: number;
}

/** A user inserted with raw SQL; User is a content type of both the core test app and the application. */
async function insertUser(sql: Sql): Promise<{ ct: number; id: number; key: string; type: 'User'; gid: string; repr: string }> {
  const [{ id }] = await sql<{ id: number }>(`insert into "user" (username, name) values ('u_' || md5(random()::text), 'Someone') returning id`);
  const [{ ct }] = await sql<{ ct: number }>(`select id as ct from content_type where app_label = 'accounts' and model = 'user'`);
  return { ct: Number(ct), id: Number(id), key: String(id), type: 'User', gid: '', repr: 'Someone' };
}

/**
 * Plants orphans with the triggers bypassed: a user deleted under its tags,
 * comment, links and activity; a tagged item of a content type that is not
 * registered; a comment on a user that never existed.
 */
async function plantOrphans(em: EntityManager, sql: Sql): Promise<Planted> {
  const author = await insertUser(sql);
  const doomed = await insertUser(sql);
  const rows = await attachEverything(sql, doomed, author, author.id);
  const tag = await createTag(sql);
  const planted: Partial<Planted> = { object: doomed.key, rows };
  await withoutTriggers(em, async (raw) => {
    await raw('delete from "user" where id = ?', [doomed.id]);
    planted.staleType = Number((await raw<{ id: number }>(`insert into content_type (app_label, model) values ('legacy', 'gone') returning id`))[0].id);
    planted.staleTagged = Number(
      (await raw<{ id: number }>(`insert into tagged_item (tag_id, content_type_id, object_id) values (?, ?, '1') returning id`, [tag, planted.staleType]))[0].id,
    );
    planted.missingComment = Number(
      (await raw<{ id: number }>(`insert into comment (content_type_id, object_id, author_id, body) values (?, 'not a key', ?, 'orphan') returning id`, [author.ct, author.id]))[0].id,
    );
  });
  return planted as Planted;
}

describe(`orphans report and removal (${databaseKind})`, () => {
  let t: OpenDatabase;
  let planted: Planted;
  let before: Awaited<ReturnType<typeof findOrphans>>;
  beforeAll(async () => {
    t = await openTestDatabase('core');
    const cts = await contentTypeIds(t.sql);
    const author = await createObject(t.sql, cts, 'User');
    await attachEverything(t.sql, await createObject(t.sql, cts, 'FixtureFossil'), author, author.id as number);
    before = await findOrphans(t.em(), t.registry);
    planted = await plantOrphans(t.em(), t.sql);
  });
  afterAll(() => t?.close());

  it('sees no orphans while the triggers hold', () => {
    expect(before).toEqual({ orphans: [], kept: [] });
  });

  it('finds exactly the planted orphans, per generic foreign key and content type, and lists keep rows apart', async () => {
    const user = (await contentTypeIds(t.sql)).User;
    const report = await findOrphans(t.em(), t.registry);
    const group = (relation: string, table: string, policy: string, contentTypeId: number, contentType: string, reason: string, rowIds: number[]) => ({
      relation,
      table,
      policy,
      contentTypeId,
      contentType,
      reason,
      rowIds,
    });
    expect(report.orphans).toEqual([
      group('tagged_item', 'tagged_item', 'cascade', user, 'accounts.user', 'missing-object', [planted.rows.taggedItem!]),
      group('tagged_item', 'tagged_item', 'cascade', planted.staleType, 'legacy.gone', 'unregistered-type', [planted.staleTagged]),
      group('comment', 'comment', 'cascade', user, 'accounts.user', 'missing-object', [planted.rows.comment, planted.missingComment].sort((a, b) => a - b)),
      group('content_link_source', 'content_link', 'cascade', user, 'accounts.user', 'missing-object', [planted.rows.linkFrom]),
      group('content_link_target', 'content_link', 'cascade', user, 'accounts.user', 'missing-object', [planted.rows.linkTo]),
    ]);
    expect(report.kept).toEqual([group('activity_entry', 'activity_entry', 'keep', user, 'accounts.user', 'missing-object', [planted.rows.activity])]);
  });

  it('removes the orphans of cascade relations in one transaction, never the kept rows', async () => {
    const removed = await removeOrphans(t.em(), t.registry);
    expect(removed.orphans.flatMap((g) => g.rowIds).sort((a, b) => a - b)).toEqual(
      [planted.rows.taggedItem!, planted.staleTagged, planted.rows.comment, planted.missingComment, planted.rows.linkFrom, planted.rows.linkTo].sort((a, b) => a - b),
    );
    const after = await findOrphans(t.em(), t.registry);
    expect(after.orphans).toEqual([]);
    expect(after.kept.map((g) => g.rowIds)).toEqual([[planted.rows.activity]]);
    expect(await t.sql('select object_repr from activity_entry where id = ?', [planted.rows.activity])).toEqual([{ object_repr: `repr of ${planted.object}` }]);
    expect((await removeOrphans(t.em(), t.registry)).orphans).toEqual([]);
  });
});

describe(`stale content types (${databaseKind})`, () => {
  let t: OpenDatabase;
  beforeAll(async () => {
    t = await openTestDatabase('core');
  });
  afterAll(() => t?.close());

  const plantStale = async (model: string) => {
    const author = await insertUser(t.sql);
    const tags = [await createTag(t.sql), await createTag(t.sql)];
    let id = 0;
    await withoutTriggers(t.em(), async (raw) => {
      id = Number((await raw<{ id: number }>(`insert into content_type (app_label, model) values ('legacy', ?) returning id`, [model]))[0].id);
      for (const tag of tags) await raw(`insert into tagged_item (tag_id, content_type_id, object_id) values (?, ?, '7')`, [tag, id]);
      await raw(`insert into comment (content_type_id, object_id, author_id, body) values (?, '7', ?, 'old')`, [id, author.id]);
    });
    return id;
  };

  it('lists no stale type on a synced database', async () => {
    expect(await findStaleContentTypes(t.em(), t.registry)).toEqual([]);
  });

  it('lists a type no longer registered with the rows that would go with it, and removes both on request', async () => {
    const id = await plantStale('podcast');
    const expected = [
      {
        id,
        appLabel: 'legacy',
        model: 'podcast',
        dependents: [
          { table: 'comment', column: 'content_type_id', relation: 'comment', onDelete: 'cascade', rows: 1 },
          { table: 'tagged_item', column: 'content_type_id', relation: 'tagged_item', onDelete: 'cascade', rows: 2 },
        ],
      },
    ];
    expect(await findStaleContentTypes(t.em(), t.registry)).toEqual(expected);
    // listing removes nothing, and neither does a start-up sync
    await t.registry.sync(t.em());
    expect(await t.sql('select 1 from content_type where id = ?', [id])).toHaveLength(1);

    expect(await removeStaleContentTypes(t.em(), t.registry)).toEqual(expected);
    expect(await t.sql('select 1 from content_type where id = ?', [id])).toEqual([]);
    expect(await t.sql('select 1 from tagged_item where content_type_id = ? union all select 1 from comment where content_type_id = ?', [id, id])).toEqual([]);
    expect(await t.sql<{ n: number }>('select count(*)::int as n from content_type')).toEqual([{ n: t.registry.types().length }]);
    expect(await removeStaleContentTypes(t.em(), t.registry)).toEqual([]);
  });

  it('removes nothing when a foreign key without ON DELETE CASCADE still uses a stale type', async () => {
    const id = await plantStale('album');
    await t.sql('create table legacy_pin (id serial primary key, content_type_id int not null references content_type (id))');
    await t.sql('insert into legacy_pin (content_type_id) values (?)', [id]);
    try {
      await expect(removeStaleContentTypes(t.em(), t.registry)).rejects.toThrow(
        'Cannot remove stale content types: 1 rows of legacy_pin.content_type_id (ON DELETE NO ACTION) still use legacy.album. Delete or move those rows first.',
      );
      expect(await t.sql('select 1 from tagged_item where content_type_id = ?', [id])).toHaveLength(2);
    } finally {
      await t.sql('drop table legacy_pin');
    }
    expect((await removeStaleContentTypes(t.em(), t.registry)).map((s) => s.model)).toEqual(['album']);
  });
});

describe(`orphans and contenttypes:stale through the CLI, on the application (${databaseKind})`, () => {
  let db: TestDatabase;
  let planted: Planted;
  let env: Record<string, string>;

  /** Opens the database, runs `fn`, closes it again (PGlite: the CLI needs the directory to itself). */
  const withOrm = async <T>(fn: (em: EntityManager, sql: Sql) => Promise<T>): Promise<T> => {
    const { registry, entities } = testApp('demo');
    const orm = await initOrm(db.config, registry, { entities });
    try {
      await prepareDatabase(orm, registry, db.config);
      const em = rootEm(orm).fork();
      return await fn(em, (query, params = []) => em.getConnection().execute(query, params as never[]) as never);
    } finally {
      await orm.close(true);
    }
  };

  beforeAll(async () => {
    db = await createTestDatabase({}, 'demo');
    env = db.config.databaseUrl ? { DATABASE_URL: db.config.databaseUrl } : { DATA_DIR: db.config.dataDir };
    planted = await withOrm((em, sql) => plantOrphans(em, sql));
  });
  afterAll(() => db?.drop());

  it('`orphans` reports them and exits 1; `orphans --remove` removes them and keeps the activity', async () => {
    const report = await runTsx('src/cli.ts', ['orphans'], env);
    expect(report.stderr).not.toMatch(/error/i);
    expect(report.code).toBe(1);
    expect(report.stdout).toContain('Found 6 orphan rows (run with --remove to delete them):');
    expect(report.stdout).toMatch(new RegExp(`tagged_item \\(cascade\\)\\s+accounts\\.user\\s+1 rows of tagged_item: object does not exist  \\[id ${planted.rows.taggedItem}\\]`));
    expect(report.stdout).toMatch(/tagged_item \(cascade\)\s+legacy\.gone\s+1 rows of tagged_item: content type is not registered \(stale\)/);
    expect(report.stdout).toMatch(/content_link_target \(cascade\)\s+accounts\.user\s+1 rows of content_link/);
    expect(report.stdout).toContain('Kept 1 dangling rows of keep relations');
    expect(report.stdout).toMatch(new RegExp(`activity_entry \\(keep\\)\\s+accounts\\.user\\s+1 rows of activity_entry: object does not exist  \\[id ${planted.rows.activity}\\]`));

    const removal = await runTsx('src/cli.ts', ['orphans', '--remove'], env);
    expect(removal.code).toBe(0);
    expect(removal.stdout).toContain('Removed 6 orphan rows in one transaction:');
    expect(removal.stdout).toContain('Kept 1 dangling rows of keep relations');
    await withOrm(async (em) => {
      const left = await em.getConnection().execute<{ n: number }[]>(
        `select (select count(*) from tagged_item where id in (?, ?)) + (select count(*) from comment where id in (?, ?)) + (select count(*) from content_link where id in (?, ?)) as n`,
        [planted.rows.taggedItem, planted.staleTagged, planted.rows.comment, planted.missingComment, planted.rows.linkFrom, planted.rows.linkTo],
      );
      expect(Number(left[0].n)).toBe(0);
      expect(await em.getConnection().execute('select 1 from activity_entry where id = ?', [planted.rows.activity])).toHaveLength(1);
    });
  });

  it('`contenttypes:stale --remove` removes the stale type and says what went with it', async () => {
    // (the listing without --remove prints the same lines through the same formatter)
    await withOrm(async (em, sql) => {
      const author = await insertUser(sql);
      await withoutTriggers(em, async (raw) => {
        await raw(`insert into comment (content_type_id, object_id, author_id, body) values (?, '1', ?, 'old')`, [planted.staleType, author.id]);
      });
    });
    const removal = await runTsx('src/cli.ts', ['contenttypes:stale', '--remove'], env);
    expect(removal.code).toBe(0);
    expect(removal.stdout).toContain('Removed 1 stale content types and 1 rows with them, in one transaction:');
    expect(removal.stdout).toContain(`  legacy.gone (id ${planted.staleType})`);
    expect(removal.stdout).toMatch(/ 1 rows of comment\.content_type_id \(generic foreign key comment\)/);
    await withOrm(async (_em, sql) => {
      expect(await sql('select 1 from content_type where id = ?', [planted.staleType])).toEqual([]);
    });
  });
});
