import pg from 'pg';
// @ts-expect-error: pg-cursor ships no types (MikroORM's PostgreSQL driver streams with it)
import Cursor from 'pg-cursor';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../src/server/config.js';
import { postgresPoolOptions, rootEm } from '../src/server/orm.js';
import { CallbackQueryClient } from '../src/server/pg-query.client.js';
import { onPostgres } from './helpers/database.js';
import { gcPromotion } from './helpers/gc-promotion.js';
import { startTestServer } from './helpers/server.js';

/**
 * src/server/pg-query.client.ts: pg's Client whose promise form runs through
 * its callback form. It must answer exactly as pg does (results, errors,
 * every calling form) and keep nothing alive that pg's promise form keeps.
 */
describe.skipIf(!onPostgres)('CallbackQueryClient (PostgreSQL)', () => {
  let ours: CallbackQueryClient;
  let theirs: pg.Client;

  beforeAll(async () => {
    ours = new CallbackQueryClient({ connectionString: process.env.DATABASE_URL });
    theirs = new pg.Client({ connectionString: process.env.DATABASE_URL });
    await Promise.all([ours.connect(), theirs.connect()]);
  });
  afterAll(async () => {
    await Promise.all([ours?.end(), theirs?.end()]);
  });

  const strip = (result: pg.QueryResult) => ({ command: result.command, rowCount: result.rowCount, rows: result.rows, fields: result.fields.map((f) => [f.name, f.dataTypeID]) });

  it('answers the promise form as pg does: rows, fields, counts, parameters, row mode, several statements', async () => {
    const sql = `select g as id, 'ünï ' || g as title, $1::timestamptz as at, null::text as note, $2::uuid as key from generate_series(1, 3) g`;
    const params = ['2026-12-01T10:00:00Z', '0e3f8d3c-9a7e-4d7b-8b7e-2f1c5d6a7b8c'];
    expect(strip(await ours.query(sql, params))).toEqual(strip(await theirs.query(sql, params)));
    const config = { text: 'select $1::int + 1 as n', values: [41], rowMode: 'array' as const };
    expect((await ours.query(config)).rows).toEqual([[42]]);
    expect((await ours.query({ text: 'select 1 as one' })).rows).toEqual([{ one: 1 }]);
    // a config object is the caller's: used twice (pg's pattern for named statements), it answers twice
    const named = { name: 'cg-probe', text: 'select $1::int * 2 as twice' };
    expect((await ours.query(named, [2])).rows).toEqual([{ twice: 4 }]);
    expect((await ours.query(named, [5])).rows).toEqual([{ twice: 10 }]);
    expect(named).toEqual({ name: 'cg-probe', text: 'select $1::int * 2 as twice' });
    expect((await ours.query('select 2 as two')).rows).toEqual([{ two: 2 }]);
    const many = (await ours.query('select 1 as a; select 2 as b')) as unknown as pg.QueryResult[];
    expect(many.map((r) => r.rows)).toEqual([[{ a: 1 }], [{ b: 2 }]]);
    expect((await ours.query('create temporary table cg_pg_client_probe (n int)')).command).toBe('CREATE');
    expect((await ours.query('insert into cg_pg_client_probe select generate_series(1, 5)')).rowCount).toBe(5);
  });

  it('rejects as pg does: the same DatabaseError, code and position, with a stack that leads back to the caller', async () => {
    const failing = async (client: pg.Client | CallbackQueryClient) => {
      try {
        await client.query('select * from cg_no_such_table where id = $1', [1]);
      } catch (error) {
        return error as pg.DatabaseError;
      }
      throw new Error('no error');
    };
    const [mine, pgs] = [await failing(ours), await failing(theirs)];
    expect(mine).toBeInstanceOf(pg.DatabaseError);
    expect({ message: mine.message, code: mine.code, position: mine.position, severity: mine.severity }).toEqual({
      message: pgs.message,
      code: pgs.code,
      position: pgs.position,
      severity: pgs.severity,
    });
    expect(mine.code).toBe('42P01');
    expect(mine.stack).toContain('failing');
    // the connection goes on
    expect((await ours.query('select 1 as ok')).rows).toEqual([{ ok: 1 }]);
    // bad parameters: pg's own errors, not a hang
    await expect(ours.query('select $1::int', ['not a number'])).rejects.toMatchObject({ code: '22P02' });
    await expect(ours.query('select $1::text', ['a\u0000b'])).rejects.toMatchObject({ code: '22021' });
    expect(() => ours.query(null as never)).toThrow(TypeError);
  });

  it('leaves the callback form and submittables (cursors) to pg', async () => {
    const viaCallback = await new Promise<pg.QueryResult>((resolve, reject) => ours.query('select $1::text as s', ['x'], (error: Error | null, result: pg.QueryResult) => (error ? reject(error) : resolve(result))));
    expect(viaCallback.rows).toEqual([{ s: 'x' }]);
    // a config carrying its callback, and a callback that is not a function, as pg answers them
    const viaConfig = await new Promise<pg.QueryResult>((resolve, reject) =>
      ours.query({ text: 'select 3 as three', callback: (error: Error | null, result: pg.QueryResult) => (error ? reject(error) : resolve(result)) } as never),
    );
    expect(viaConfig.rows).toEqual([{ three: 3 }]);
    expect(() => ours.query('select 1', [], 'not a function' as never)).toThrow(/callback is not a function/);
    const cursor = ours.query(new Cursor('select generate_series(1, 5) as n'));
    expect(cursor).toBeInstanceOf(Cursor);
    expect(await cursor.read(2)).toEqual([{ n: 1 }, { n: 2 }]);
    expect(await cursor.read(10)).toEqual([{ n: 3 }, { n: 4 }, { n: 5 }]);
    await cursor.close();
  });

  it('answers 200 concurrent queries on one connection in order, as pg queues them', async () => {
    const answers = await Promise.all(Array.from({ length: 200 }, (_, i) => ours.query('select $1::int as i', [i])));
    expect(answers.map((a) => a.rows[0].i)).toEqual(Array.from({ length: 200 }, (_, i) => i));
  });

  it('is the Client of the running server\'s pool, and every statement of a request goes through it', async () => {
    const t = await startTestServer({}, { app: 'core' });
    try {
      const pool = (await rootEm(t.server.orm).getConnection().getNativeClient()) as pg.Pool & { Client: unknown };
      expect(pool.Client).toBe(CallbackQueryClient);
      const client = await pool.connect();
      expect(client).toBeInstanceOf(CallbackQueryClient);
      client.release();
      const res = await t.gql('{ health { ok } tags(first: 2) { edges { cursor } } activity(first: 2) { edges { cursor } } }');
      expect(res.errors).toBeUndefined();
      expect(res.data.health.ok).toBe(true);
      // hostile input on this path: still a GraphQL error with a code, not a 500
      const bad = await t.gql('{ tags(first: 2, after: "\u0000 not a cursor") { edges { cursor } } }');
      expect(bad.status).toBe(200);
      expect(bad.errors?.[0].extensions?.code).toBeTruthy();
    } finally {
      await t.stop();
    }
    // the replicas take the serving options too
    expect(postgresPoolOptions(loadConfig({ NODE_ENV: 'production', DATABASE_URL: process.env.DATABASE_URL })).Client).toBe(CallbackQueryClient);
  });

  it("lets the young generation collect what a finished query allocated (pg's promise form had it promoted)", async () => {
    // Bytes promoted by the scavenges of 1,000 selects of 50 rows, each client in a process of its own, same run.
    const [pgs, mine] = [await gcPromotion('pg-queries.ts', ['pg']), await gcPromotion('pg-queries.ts', ['callback'])];
    expect(pgs.result).toBe('rows=50000');
    expect(mine.result).toBe('rows=50000');
    // Measured: pg 15.5 MB, ours 2.1 MB (module loading and the rows in flight at each scavenge).
    expect(mine.promoted).toBeLessThan(pgs.promoted / 3);
  });
});
