import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rootEm } from '../src/server/orm.js';
import { CallbackQueryClient, MAX_PREPARED_STATEMENTS, MAX_PREPARED_VALUES } from '../src/server/pg-query.client.js';
import { positionalSql } from '../src/server/prepared-reads.js';
import { RequestDeadline, runWithDeadline } from '../src/server/pipeline/request-deadline.js';
import { readRows } from '../src/generic/sql.js';
import { toGlobalId } from '../src/generic/global-id.js';
import { contentTypeIds, createObjects, createTags, tagObjects } from './fixtures/core.data.js';
import { databaseKind, onPostgres } from './helpers/database.js';
import { startTestServer, type TestServer } from './helpers/server.js';

/**
 * Reads of the core and the features (`readRows`) go to PostgreSQL with bind
 * values, and the pool's client runs them as named statements, parsed and
 * planned once per connection (src/server/prepared-reads.ts,
 * src/server/pg-query.client.ts).
 */
describe('the text of a prepared read', () => {
  it('numbers the placeholders, typed as PostgreSQL types the literals MikroORM would have written', () => {
    expect(positionalSql('select * from t where a = ? and b in (?, ?) limit ?', [1, 'x', null, 50])).toBe(
      'select * from t where a = $1::int4 and b in ($2, $3) limit $4::int4',
    );
    // An integer literal is int4 when it fits, else int8, else numeric: an id beyond an int4 key matches nothing, never fails.
    const typed = (value: unknown) => positionalSql('select ?', [value])?.slice('select '.length);
    expect([2 ** 31 - 1, -(2 ** 31), 2 ** 31, -(2 ** 31) - 1, Number.MAX_SAFE_INTEGER, 2n ** 63n - 1n, -(2n ** 63n), 2n ** 63n, 2n ** 70n].map(typed)).toEqual([
      '$1::int4',
      '$1::int4',
      '$1::int8',
      '$1::int8',
      '$1::int8',
      '$1::int8',
      '$1::int8',
      '$1::numeric',
      '$1::numeric',
    ]);
    expect([1.5, -0.25, true, false, '', 'text', null].map(typed)).toEqual(['$1::numeric', '$1::numeric', '$1::boolean', '$1::boolean', '$1', '$1', '$1']);
  });

  it("leaves to MikroORM's formatting what bind values would change: lists, dates, objects, NUL, non-finite numbers, identifiers, a count that does not match", () => {
    for (const [sql, params] of [
      ['select ? ', [[1, 2]]],
      ['select ?', [new Date(0)]],
      ['select ?', [{ a: 1 }]],
      ['select ?', ['a\0b']],
      ['select ?', [Number.NaN]],
      ['select ?', [Number.POSITIVE_INFINITY]],
      ['select ?? from t where a = ?', ['col', 1]],
      ['select ?, ?', [1]],
      ['select ?', [1, 2]],
      ['select 1', []],
      ['select ?', [undefined]],
    ] as [string, unknown[]][]) {
      expect(positionalSql(sql, params), sql).toBeUndefined();
    }
  });
});

describe.skipIf(!onPostgres)('named statements of the pool client (PostgreSQL)', () => {
  let client: CallbackQueryClient;
  beforeAll(async () => {
    client = new CallbackQueryClient({ connectionString: process.env.DATABASE_URL });
    await client.connect();
  });
  afterAll(() => client?.end());

  const prepared = async () =>
    (await client.query(`select name, statement, (generic_plans + custom_plans)::int as runs from pg_prepared_statements order by name`)).rows as { name: string; statement: string; runs: number }[];

  it('parses text with bind values once and runs it by name (unique to the client); text without values stays a simple query', async () => {
    for (const n of [1, 2, 3]) expect((await client.query('select $1::int * 2 as twice', [n])).rows).toEqual([{ twice: n * 2 }]);
    await client.query('select 1');
    const [statement, ...others] = await prepared();
    expect(others).toEqual([]);
    expect(statement).toEqual({ name: expect.stringMatching(/^cg_[0-9a-f]{8}_1$/), statement: 'select $1::int * 2 as twice', runs: 3 });
    const second = new CallbackQueryClient({ connectionString: process.env.DATABASE_URL });
    await second.connect();
    try {
      await second.query('select $1::int * 2 as twice', [1]);
      const [{ name }] = (await second.query('select name from pg_prepared_statements')).rows as { name: string }[];
      expect(name).not.toBe(statement!.name); // behind a pooler, two clients' statements may meet on one server connection
    } finally {
      await second.end();
    }
  });

  it('runs a statement with many values, or every statement with preparedStatements: false, unnamed', async () => {
    const many = Array.from({ length: MAX_PREPARED_VALUES + 1 }, (_, i) => i);
    const sql = `select ${many.map((_, i) => `$${i + 1}::int`).join(' + ')} as total`;
    const before = (await prepared()).length;
    expect((await client.query(sql, many)).rows).toEqual([{ total: many.reduce((a, b) => a + b, 0) }]);
    expect(await prepared()).toHaveLength(before);
    const off = new CallbackQueryClient({ connectionString: process.env.DATABASE_URL, preparedStatements: false });
    await off.connect();
    try {
      for (const n of [1, 2]) expect((await off.query('select $1::int as n', [n])).rows).toEqual([{ n }]);
      expect((await off.query('select count(*)::int as n from pg_prepared_statements')).rows).toEqual([{ n: 0 }]);
    } finally {
      await off.end();
    }
  });

  it('prepares a statement again when the server no longer has it (DISCARD ALL, DEALLOCATE ALL)', async () => {
    expect((await client.query('select $1::text as again', ['a'])).rows).toEqual([{ again: 'a' }]);
    await client.query('deallocate all');
    expect((await client.query('select $1::text as again', ['b'])).rows).toEqual([{ again: 'b' }]);
    expect((await client.query('select $1::text as again', ['c'])).rows).toEqual([{ again: 'c' }]);
    expect((await prepared()).filter((p) => p.statement === 'select $1::text as again')).toHaveLength(1);
  });

  it('answers hostile values as values: quotes, comments, Unicode tricks', async () => {
    for (const value of [`'); drop table pg_class; --`, '\u202e\u0130\u00df', 'x'.repeat(100_000), '$1', '?']) {
      expect((await client.query('select $1::text as v', [value])).rows).toEqual([{ v: value }]);
    }
  });

  it('prepares a statement again when a table under it changed its columns (a migration while the server runs)', async () => {
    await client.query('create temporary table cg_probe_cols (a int)');
    await client.query('insert into cg_probe_cols values (1)');
    expect((await client.query('select * from cg_probe_cols where a = $1', [1])).rows).toEqual([{ a: 1 }]);
    await client.query('alter table cg_probe_cols add column b text');
    expect((await client.query('select * from cg_probe_cols where a = $1', [1])).rows).toEqual([{ a: 1, b: null }]);
    expect((await client.query('select * from cg_probe_cols where a = $1', [1])).rows).toEqual([{ a: 1, b: null }]);
    // Prepared again once, the old one deallocated; other errors of a named statement are the caller's, as before.
    expect((await prepared()).filter((p) => p.statement.includes('cg_probe_cols'))).toHaveLength(1);
    await expect(client.query('select 1 / $1::int', [0])).rejects.toMatchObject({ code: '22012' });
    await expect(client.query('select 1 / $1::int', [0])).rejects.toMatchObject({ code: '22012' });
  });

  it(`keeps at most ${MAX_PREPARED_STATEMENTS} statements per connection; past that, new text runs unnamed`, async () => {
    const other = new CallbackQueryClient({ connectionString: process.env.DATABASE_URL });
    await other.connect();
    try {
      for (let i = 0; i < MAX_PREPARED_STATEMENTS + 20; i++) expect((await other.query(`select $1::int + ${i} as n`, [1])).rows).toEqual([{ n: 1 + i }]);
      const [{ n }] = (await other.query('select count(*)::int as n from pg_prepared_statements')).rows as { n: number }[];
      expect(n).toBe(MAX_PREPARED_STATEMENTS);
    } finally {
      await other.end();
    }
  });
});

describe(`a tag page's reads (${databaseKind})`, () => {
  let t: TestServer;
  let name: string;
  beforeAll(async () => {
    t = await startTestServer({}, { app: 'core' });
    const cts = await contentTypeIds(t.sql);
    const objects = [...(await createObjects(t.sql, cts, 'FixtureAnimal', 30)), ...(await createObjects(t.sql, cts, 'FixtureFossil', 30))];
    name = `prepared_${Date.now()}`;
    const [tagId] = await createTags(t.sql, [name]);
    await tagObjects(t.sql, objects, [tagId!]);
  });
  afterAll(() => t?.stop());

  const PAGE = 'query($name: String!, $first: Int!) { tag(name: $name) { items(first: $first) { edges { cursor node { __typename ... on Node { id } } } pageInfo { hasNextPage } } } }';

  it('answer the same pages and count the same statements on every request; on PostgreSQL each statement is parsed once per connection', async () => {
    const answers = [];
    for (let i = 0; i < 6; i++) answers.push(await t.gql(PAGE, { name, first: 25 }));
    for (const res of answers) {
      expect(res.errors).toBeUndefined();
      expect(res.data).toEqual(answers[0]!.data);
      expect(res.extensions?.sqlStatements).toBe(answers[0]!.extensions?.sqlStatements);
    }
    expect(answers[0]!.data.tag.items.edges).toHaveLength(25);
    expect(answers[0]!.data.tag.items.pageInfo.hasNextPage).toBe(true);
    if (!onPostgres) return;
    // The pool hands out the connection a sequential request released last: it holds the page's statement.
    const pool = (await rootEm(t.server.orm).getConnection().getNativeClient()) as pg.Pool;
    const client = await pool.connect();
    try {
      const { rows } = await client.query<{ statement: string; runs: number }>(
        `select statement, (generic_plans + custom_plans)::int as runs from pg_prepared_statements where statement like '%tagged_item%order by%'`,
      );
      expect(rows).toHaveLength(1);
      expect(rows[0]!.statement).toContain('$1');
      expect(rows[0]!.statement).not.toContain(name); // the tag's id and the page size are bind values
      expect(rows[0]!.runs).toBeGreaterThanOrEqual(6);
    } finally {
      client.release();
    }
  });

  it('answer ids beyond an int4 key as no object, as before (not an error)', async () => {
    for (const id of [2 ** 31, 99_999_999_999, Number.MAX_SAFE_INTEGER]) {
      const res = await t.gql('query($id: ID!) { node(id: $id) { __typename } nodes(ids: [$id, $id]) { __typename } }', { id: toGlobalId('FixtureAnimal', id) });
      expect(res.errors, String(id)).toBeUndefined();
      expect(res.data, String(id)).toEqual({ node: null, nodes: [null, null] });
    }
  });

  it('refuse a read once the request deadline has passed, as every other statement', async () => {
    const deadline = new RequestDeadline(1);
    await new Promise((resolve) => setTimeout(resolve, 20));
    const em = rootEm(t.server.orm).fork();
    await expect(runWithDeadline(deadline, () => readRows(em, 'select ?::int as x', [1]))).rejects.toThrow();
    expect(await readRows(em, 'select ?::int as x', [1])).toEqual([{ x: 1 }]);
  });

  it('answer hostile names as names: quotes, comments, Unicode, NUL', async () => {
    for (const hostile of [`x'); drop table tag; --`, '\u202eİ', 'a'.repeat(5_000), '$1', '?', 'x\u0000y']) {
      const res = await t.gql(PAGE, { name: hostile, first: 5 });
      expect(res.status, hostile).toBe(200);
      if (res.errors) expect(res.errors[0]!.extensions?.code, hostile).toBeTruthy();
      else expect(res.data.tag, hostile).toBeNull();
    }
    expect((await t.gql(PAGE, { name, first: 5 })).data.tag.items.edges).toHaveLength(5);
  });
});
