// @own-process: registers a core fixture type in the demo's registry (its GraphQL metadata is global)
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EntityClass, MigrationDiff, MikroORM } from '@mikro-orm/core';
import { bindWithoutDatabase } from '../src/app/discover.js';
import { appEntities } from '../src/app/entities.js';
import { createAppRegistry } from '../src/app/registry.js';
import { ContentTypeRegistry } from '../src/generic/content-type.registry.js';
import { diffIntegrity } from '../src/generic/integrity.inspect.js';
import { initOrm, rootEm } from '../src/server/orm.js';
import { checkMigrationsCurrent } from '../src/tools/migration-check.js';
import { composeMigration } from '../src/tools/migration-file.js';
import { createEmptyDatabase, databaseKind, type TestDatabase } from './helpers/database.js';
import { FixtureAnimal } from './fixtures/core.entities.js';

/** The application's migrations, against its registry (whatever types it has: everything below derives from it). */
describe(`migrations from an empty database (${databaseKind})`, () => {
  let db: TestDatabase;
  let orm: MikroORM;
  let registry: ContentTypeRegistry;
  const entities = appEntities as EntityClass<any>[];

  /** Runs `fn` on another ORM over the same database (PGlite: after closing the main one). */
  const withOrm = async <T>(extra: EntityClass<any>[], other: ContentTypeRegistry, fn: (o: MikroORM) => Promise<T>): Promise<T> => {
    await orm.close(true);
    const o = await initOrm(db.config, other, { entities: [...entities, ...extra] });
    try {
      return await fn(o);
    } finally {
      await o.close(true);
      registry = createAppRegistry();
      orm = await initOrm(db.config, registry);
      await registry.reload(rootEm(orm).fork());
    }
  };
  const sql = <T>(query: string) => rootEm(orm).getConnection().execute<T[]>(query);
  const tables = async () =>
    (await sql<{ name: string }>(`select table_name as name from information_schema.tables where table_schema = current_schema() order by 1`)).map((r) => r.name);
  const integrityCount = async () => {
    const [row] = await sql<{ functions: number; triggers: number }>(
      // The integrity layer's functions (not other cg_ helpers such as cg_tag_key).
      `select (select count(*) from pg_proc where proname ~ '^cg_(gfk_|target|content$)')::int as functions,
              (select count(*) from pg_trigger t join pg_proc p on p.oid = t.tgfoid where p.proname ~ '^cg_(gfk_|target|content$)' and not t.tgisinternal)::int as triggers`,
    );
    return row;
  };
  const participating = () => registry.types().filter((type) => registry.relationsOf(type).length > 0);
  const lastType = () => registry.types().at(-1)!;

  beforeAll(async () => {
    db = await createEmptyDatabase();
    registry = createAppRegistry();
    orm = await initOrm(db.config, registry);
  });
  afterAll(async () => {
    await orm?.close(true);
    await db?.drop();
  });

  it('migrates an empty database up to date: the migrations are not behind the entities or the registry', async () => {
    expect(await tables()).toEqual([]);
    const applied = await orm.migrator.up();
    expect(applied.map((m) => m.name)).toContain('Migration20261121131100_initial');
    expect(await orm.migrator.getPending()).toEqual([]);
    await registry.sync(rootEm(orm).fork());
    expect(await tables()).toEqual(expect.arrayContaining(['content_type', ...registry.types().map((t) => t.tableName), ...registry.foreignKeys().map((fk) => fk.tableName)]));
    expect(await checkMigrationsCurrent(orm, registry)).toEqual([]);
    // per generic foreign key a batch check and a key canonicaliser, the dispatcher, one target function per type, one shared content function;
    expect(await integrityCount()).toEqual({
      // per generic foreign key: its batch check and its key canonicaliser, with three triggers (key, insert batch, moving update)
      functions: 2 * registry.foreignKeys().length + 1 + participating().length + 1,
      triggers: 3 * registry.foreignKeys().length + 3 * participating().length,
    });
  });

  it('says to apply a migration that exists but is not applied, not to create one', async () => {
    const [reverted] = await orm.migrator.down();
    try {
      const problems = await checkMigrationsCurrent(orm, registry);
      expect(problems).toEqual([
        `pending migrations (written, not yet applied to this database): ${reverted.name}`,
        'run `npm run migration:up` (`npm start` does too), then check again.',
      ]);
    } finally {
      await orm.migrator.up();
    }
    expect(await checkMigrationsCurrent(orm, registry)).toEqual([]);
  });

  it('migrates all the way down, and up again', async () => {
    const reverted = await orm.migrator.down({ to: 0 });
    expect(reverted.length).toBeGreaterThan(0);
    expect(await tables()).toEqual(['mikro_orm_migrations']);
    expect(await integrityCount()).toEqual({ functions: 0, triggers: 0 });
    await orm.migrator.up();
    await registry.sync(rootEm(orm).fork());
    expect(await checkMigrationsCurrent(orm, registry)).toEqual([]);
  });

  it('reports a changed delete policy as drift in the one shared delete function', async () => {
    const changed = createAppRegistry().setDeletePolicy('activity_entry', 'cascade');
    await withOrm([], changed, async (o) => {
      await changed.reload(rootEm(o).fork());
      const drift = await diffIntegrity(rootEm(o).fork(), changed);
      expect(drift.changedFunctions.map((f) => f.name)).toEqual(['cg_content']);
      expect([drift.changedTriggers, drift.removedFunctions, drift.removedTriggers]).toEqual([[], [], []]);
      expect(drift.createUp.some((s) => s.includes('-- activity_entry: cascade'))).toBe(true);
      const problems = await checkMigrationsCurrent(o, changed);
      expect(problems).toEqual(['integrity function cg_content is missing or outdated', 'run `npm run migration:create` and commit the new migration.']);
    });
  });

  it('reports a new content type as drift: its table, its target function, its triggers and one dispatcher line; no check function changes', async () => {
    const extended = createAppRegistry().register(FixtureAnimal);
    await withOrm([FixtureAnimal], extended, async (o) => {
      const problems = await checkMigrationsCurrent(o, extended);
      expect(problems.join('\n')).toMatch(/the entities need table changes no migration makes:\n.*create table "cg_fixture_animal"/);
      const drift = await diffIntegrity(rootEm(o).fork(), extended);
      expect(drift.changedFunctions.map((f) => f.name).sort()).toEqual(['cg_target', 'cg_target_cg_fixture_animal']);
      expect(drift.changedTriggers.map((t) => `${t.table}.${t.name}`).sort()).toEqual(
        ['cg_delete', 'cg_key_update', 'cg_truncate'].map((name) => `cg_fixture_animal.${name}`),
      );
      expect([drift.removedFunctions, drift.removedTriggers]).toEqual([[], []]);
    });
  });

  it('reports a content type no longer registered as drift (its function and triggers would be dropped)', async () => {
    const gone = lastType();
    const reduced = new ContentTypeRegistry().registerAll(entities.filter((e) => e !== gone.cls));
    await withOrm([], reduced, async (o) => {
      await bindWithoutDatabase(reduced, entities);
      const drift = await diffIntegrity(rootEm(o).fork(), reduced);
      expect(drift.removedFunctions.map((f) => f.name)).toEqual([`cg_target_${gone.tableName}`]);
      expect(drift.removedTriggers.map((t) => t.name).sort()).toEqual(['cg_delete', 'cg_key_update', 'cg_truncate']);
      expect(drift.changedFunctions.map((f) => f.name)).toEqual(['cg_target']);
      expect(drift.dropUp).toContain(`drop trigger if exists "cg_delete" on "${gone.tableName}"`);
      expect(drift.dropUp).toContain(`drop function if exists "cg_target_${gone.tableName}"(p_relation text, p_object_ids text[])`);
    });
  });

  it('composes a small migration for a new content type (as migration:create does) that goes up and down cleanly', async () => {
    const extended = createAppRegistry().register(FixtureAnimal);
    const original = createAppRegistry();
    await bindWithoutDatabase(original, entities);
    await withOrm([FixtureAnimal], extended, async (o) => {
      const em = rootEm(o).fork();
      const run = async (statements: string[]) => {
        await em.transactional(async (tx) => {
          for (const statement of statements) if (statement.trim()) await tx.execute(statement);
        });
      };
      const tableDiff = await (o.migrator as unknown as { getSchemaDiff(blank: boolean, initial: boolean): Promise<MigrationDiff> }).getSchemaDiff(false, false);
      const migration = composeMigration(tableDiff, await diffIntegrity(em, extended));
      expect([...migration.up, ...migration.down].filter((s) => /_fn"|begin ; end/.test(s))).toEqual([]);
      // the SQL of the whole migration, both ways: what migration:create writes, one statement per addSql call
      const lines = [...migration.up, ...migration.down].reduce((n, s) => n + s.split('\n').length, 0);
      expect(lines).toBeLessThan(110);

      await run(migration.up);
      expect(await checkMigrationsCurrent(o, extended)).toEqual([]);
      await extended.sync(em);
      const [animal] = await em.execute<{ id: number }[]>(`insert into cg_fixture_animal (name) values ('cat') returning id`);
      const [user] = await em.execute<{ id: number }[]>(`insert into "user" (username, name) values ('migration_test', 'M') returning id`);
      await em.execute(`insert into comment (content_type_id, object_id, author_id, body) values (?, ?, ?, 'meow')`, [extended.idOf(FixtureAnimal), String(animal.id), user.id]);
      await em.execute('delete from cg_fixture_animal where id = ?', [animal.id]);
      expect(await em.execute('select 1 from comment where object_id = ? and content_type_id = ?', [String(animal.id), extended.idOf(FixtureAnimal)])).toEqual([]);

      await run(migration.down);
      const back = await diffIntegrity(em, original);
      expect([back.changedFunctions, back.changedTriggers, back.removedFunctions, back.removedTriggers]).toEqual([[], [], [], []]);
      expect(await tables()).not.toContain('cg_fixture_animal');
      await em.execute(`delete from content_type where app_label = 'cg_fixtures'`);
      await em.execute(`delete from "user" where username = 'migration_test'`);
    });
  });

  it('reports a disabled trigger as drift, and ignores cg_ functions it did not generate', async () => {
    const table = participating()[0].tableName;
    await sql(`alter table "${table}" disable trigger cg_delete`);
    await sql(`create function cg_custom_audit() returns trigger language plpgsql as $$begin return null; end;$$`);
    try {
      const drift = await diffIntegrity(rootEm(orm).fork(), registry);
      expect(drift.changedTriggers.map((t) => `${t.table}.${t.name}`)).toEqual([`${table}.cg_delete`]);
      expect([drift.changedFunctions, drift.removedFunctions, drift.removedTriggers]).toEqual([[], [], []]);
      // applying the drift's statements re-enables the trigger
      for (const statement of drift.createUp) await sql(statement);
      expect(await checkMigrationsCurrent(orm, registry)).toEqual([]);
    } finally {
      await sql(`alter table "${table}" enable trigger cg_delete`);
      await sql('drop function cg_custom_audit()');
    }
  });
});
