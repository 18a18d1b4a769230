import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import postgresArray from 'postgres-array';
import { PGlite } from '@electric-sql/pglite';
import { createPostgreSqlTypeParsers, UniqueConstraintViolationException } from '@mikro-orm/sql';
import { PgliteWorkerClient } from '../src/server/pglite-worker.client.js';
import { MIKRO_ORM_PARSERS } from '../src/server/pglite.worker.js';
import { pgliteWasmModules } from '../src/server/pglite-wasm.modules.js';
import { createTestDatabase, onPostgres, openTestDatabase, type TestDatabase, testApp } from './helpers/database.js';
import { startServer } from '../src/server/start.js';
import { rootEm } from '../src/server/orm.js';

/**
 * PGlite on its worker thread, through the client the ORM uses: the same
 * answers, errors and transaction semantics as PGlite in process, while the
 * main thread's event loop keeps turning.
 */
describe.skipIf(onPostgres)('PGlite on a worker thread (pglite)', () => {
  let db: TestDatabase;
  let client: PgliteWorkerClient;
  beforeAll(async () => {
    db = await createTestDatabase();
    client = await PgliteWorkerClient.start(path.join(db.config.dataDir, 'pgdata'));
    // A table of this test's own, so that it does not depend on the application's schema.
    await client.query(`create table probe (id serial primary key, name text not null, constraint probe_name_unique unique (name))`);
  });
  afterAll(async () => {
    await client?.close();
    await db?.drop();
  });
  const count = async (prefix: string) =>
    (await client.query<{ n: number }>(`select count(*)::int as n from probe where name like $1`, [`${prefix}%`])).rows[0].n;

  it('parses like MikroORM’s own PGlite connection: timestamps stay text, arrays are arrays', async () => {
    const mikro = createPostgreSqlTypeParsers((value) => postgresArray.parse(value));
    expect(Object.keys(MIKRO_ORM_PARSERS).sort()).toEqual(Object.keys(mikro).sort());
    const { rows } = await client.query<Record<string, unknown>>(
      `select timestamptz '2026-01-02 03:04:05.123456+00' as at, array[timestamptz '2026-01-02 00:00:00+00'] as ats, 42::bigint as big, '{"a":[1]}'::jsonb as doc`,
      [],
      { rowMode: 'object' },
    );
    expect(rows).toEqual([{ at: '2026-01-02 03:04:05.123456+00', ats: ['2026-01-02 00:00:00+00'], big: 42, doc: { a: [1] } }]);
  });

  it('answers exactly what PGlite in process answers, for values of every kind, in both row modes', async () => {
    // In process, with the process's compiled WebAssembly (src/server/pglite-wasm.modules.ts): no second compile.
    const local = await PGlite.create({ parsers: MIKRO_ORM_PARSERS, ...(await pgliteWasmModules()) });
    try {
      const queries = [
        `select 1 as a, 'x' as a, true as t, false as f, null::text as n, -1::int2 as i2, 7::oid as o`,
        `select 'NaN'::float8 as nan, 'Infinity'::float8 as inf, '-Infinity'::float4 as ninf, 1.5::numeric as num, 'NaN'::numeric as nnum, 0.1::float8 as tenth`,
        `select 9007199254740993::bigint as big, 42::bigint as small, array[9007199254740993::bigint] as bigs`,
        `select '\\x00ff'::bytea as bytes, 'a1b2c3d4-0000-4000-8000-000000000000'::uuid as id`,
        `select date '2026-01-02' as d, time '12:34:56.5' as t, interval '1 day 02:00' as i, timestamp '2026-01-02 03:04:05' as ts,
           timestamptz '2026-01-02 03:04:05.123456+00' as at, array[timestamptz '2026-01-02 00:00:00+00', null] as ats`,
        `select '{"a":[1,"x",null,{"b":true}],"__proto__":{"p":1}}'::jsonb as doc, '"s"'::json as s, 'null'::jsonb as jnull, '[1e400]'::json as huge`,
        `select 'İ ß ς ‮ 🏳️‍🌈 "quoted" \\ back' as text, repeat('é', 10000) as long, array['a', null, 'c'] as texts, '{{1,2},{3,4}}'::int[] as matrix`,
        `select 1 as one where false`,
        `select g as id, 'row ' || g as label, now() - g * interval '1 minute' as at from generate_series(1, 500) g order by g`,
      ];
      for (const sql of queries) {
        for (const rowMode of ['object', 'array'] as const) {
          const [expected, actual] = [await local.query(sql, [], { rowMode }), await client.query(sql, [], { rowMode })];
          if (sql.includes('now()')) {
            expect(actual.rows.length, sql).toBe(expected.rows.length);
            continue;
          }
          expect(actual.rows, `${rowMode}: ${sql}`).toStrictEqual(expected.rows);
          expect(actual.fields, sql).toStrictEqual(expected.fields);
          expect(actual.affectedRows, sql).toBe(expected.affectedRows);
        }
      }
    } finally {
      await local.close();
    }
  });

  it('passes parameters of every kind and answers with rows, fields and affected rows', async () => {
    const huge = 'x'.repeat(5_000_000);
    const { rows } = await client.query<{ len: number; u: string; d: string; n: null }>(
      `select length($1::text) as len, $2::text as u, $3::timestamptz::text as d, $4::int as n`,
      [huge, 'İ ß ς \u202e 🏳️‍🌈', new Date('2026-01-02T03:04:05Z'), null],
    );
    expect(rows).toEqual([{ len: 5_000_000, u: 'İ ß ς \u202e 🏳️‍🌈', d: '2026-01-02 03:04:05+00', n: null }]);
    const insert = await client.query(`insert into probe (name) values ('w-1'), ('w-2')`);
    expect(insert.affectedRows).toBe(2);
  });

  it('carries PostgreSQL errors across with their fields, and stays usable', async () => {
    await client.query(`insert into probe (name) values ('dup')`);
    const error = await client.query(`insert into probe (name) values ('dup')`).catch((e) => e);
    expect(error).toBeInstanceOf(Error);
    expect(error).toMatchObject({ code: '23505', constraint: 'probe_name_unique', table: 'probe', severity: 'ERROR', detail: 'Key (name)=(dup) already exists.' });
    expect(error.message).toMatch(/duplicate key value/);
    await expect(client.query('selec 1')).rejects.toMatchObject({ code: '42601' });
    await expect(client.query(`select $1::text`, ['a\u0000b'])).rejects.toThrow();
    expect((await client.query<{ one: number }>('select 1 as one')).rows).toEqual([{ one: 1 }]);
  });

  it('commits a transaction, rolls back one whose callback throws, and one rolled back explicitly', async () => {
    await client.transaction(async (tx) => {
      await tx.query(`insert into probe (name) values ('tx-commit')`);
    });
    const failure = new Error('callback failed');
    await expect(
      client.transaction(async (tx) => {
        await tx.query(`insert into probe (name) values ('tx-throw')`);
        throw failure;
      }),
    ).rejects.toBe(failure);
    await client.transaction(async (tx) => {
      await tx.query(`insert into probe (name) values ('tx-rollback')`);
      await tx.rollback();
      expect(tx.closed).toBe(true);
    });
    expect([await count('tx-commit'), await count('tx-throw'), await count('tx-rollback')]).toEqual([1, 0, 0]);
  });

  it('fails a transaction whose COMMIT fails and keeps nothing of it', async () => {
    await client.query(`create table deferred_check (id int primary key, parent int references deferred_check deferrable initially deferred)`);
    await expect(
      client.transaction(async (tx) => {
        await tx.query(`insert into deferred_check values (1, 99)`);
      }),
    ).rejects.toMatchObject({ code: '23503' });
    expect((await client.query<{ n: number }>('select count(*)::int as n from deferred_check')).rows).toEqual([{ n: 0 }]);
  });

  it('makes statements outside a transaction wait for it, as PGlite does', async () => {
    let release!: () => void;
    const inside = new Promise<void>((resolve) => (release = resolve));
    const transaction = client.transaction(async (tx) => {
      await tx.query(`insert into probe (name) values ('tx-wait')`);
      await inside;
    });
    await new Promise((resolve) => setTimeout(resolve, 50));
    const outside = count('tx-wait'); // queued behind the transaction
    release();
    await transaction;
    expect(await outside).toBe(1);
  });

  it('keeps the event loop turning while a statement executes', async () => {
    let turns = 0;
    const timer = setInterval(() => turns++, 0);
    try {
      await client.query(`select count(*) from generate_series(1, 3000000) a, lateral (select a * 2) b`);
    } finally {
      clearInterval(timer);
    }
    expect(turns).toBeGreaterThan(0);
  });

  it('rolls back an open transaction on close, and refuses calls once closed', async () => {
    const other = await createTestDatabase();
    try {
      const dir = path.join(other.config.dataDir, 'pgdata');
      const first = await PgliteWorkerClient.start(dir);
      await first.query(`create table probe (name text)`);
      let entered!: () => void;
      const open = new Promise<void>((resolve) => (entered = resolve));
      const abandoned = first.transaction(async (tx) => {
        await tx.query(`insert into probe (name) values ('open-at-close')`);
        entered();
        await new Promise(() => undefined); // never finishes by itself
      });
      abandoned.catch(() => undefined);
      await open;
      await first.close();
      expect(first.closed).toBe(true);
      await expect(first.query('select 1')).rejects.toThrow('PGlite is closed');
      const second = await PgliteWorkerClient.start(dir);
      try {
        expect((await second.query(`select count(*)::int as n from probe where name = 'open-at-close'`)).rows).toEqual([{ n: 0 }]);
      } finally {
        await second.close();
      }
    } finally {
      await other.drop();
    }
  });

  it('gives the ORM the same exceptions as PGlite in process', async () => {
    const open = await openTestDatabase();
    try {
      const em = open.em();
      await em.execute(`create table probe (name text constraint probe_name_unique unique)`);
      await em.execute(`insert into probe (name) values ('orm-dup')`);
      await expect(em.execute(`insert into probe (name) values ('orm-dup')`)).rejects.toBeInstanceOf(UniqueConstraintViolationException);
    } finally {
      await open.close();
    }
  });
});

describe.skipIf(onPostgres)("PGlite on a worker thread: the buffer pool's size (pglite)", () => {
  it('opens with the shared_buffers it is given, and the server with PGLITE_SHARED_BUFFERS_MB', async () => {
    const db = await createTestDatabase({ pgliteSharedBuffersMb: 3 });
    try {
      for (const mb of [1, 48]) {
        const client = await PgliteWorkerClient.start(path.join(db.config.dataDir, 'pgdata'), { sharedBuffersMb: mb });
        try {
          expect((await client.query<{ shared_buffers: string }>('show shared_buffers')).rows).toEqual([{ shared_buffers: `${mb}MB` }]);
        } finally {
          await client.close();
        }
      }
      const server = await startServer(db.config, testApp('demo'));
      try {
        const em = rootEm(server.orm);
        expect(await em.getConnection().execute('show shared_buffers')).toEqual([{ shared_buffers: '3MB' }]);
      } finally {
        await server.stop();
      }
    } finally {
      await db.drop();
    }
  });
});

describe.skipIf(onPostgres)('PGlite on a worker thread: a data directory that cannot be opened (pglite)', () => {
  it('rejects with a message naming the directory', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cg-bad-'));
    try {
      fs.writeFileSync(path.join(dir, 'pgdata'), 'not a directory');
      const error = await PgliteWorkerClient.start(path.join(dir, 'pgdata')).catch((e) => e);
      expect(error).toBeInstanceOf(Error);
      expect(error.message).toMatch(new RegExp(`^Could not open the embedded database in ${path.join(dir, 'pgdata')}: ErrnoError`));
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
