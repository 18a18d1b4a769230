import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EntityClass, MigrationDiff, MikroORM } from '@mikro-orm/core';
import { appEntities } from '../src/app/entities.js';
import { createAppRegistry } from '../src/app/registry.js';
import { Product } from '../src/domain/index.js';
import { ContentTypeRegistry } from '../src/generic/content-type.registry.js';
import type { GenericForeignKeyDeclaration } from '../src/generic/generic-relation.js';
import { diffIntegrity } from '../src/generic/integrity.inspect.js';
import { initOrm, rootEm } from '../src/server/orm.js';
import { checkMigrationsCurrent } from '../src/tools/migration-check.js';
import { composeMigration } from '../src/tools/migration-file.js';
import { createEmptyDatabase, databaseKind, type TestDatabase } from './helpers/database.js';
import { Animal } from './fixtures/contenttypes.entities.js';
import { bindWithoutDatabase } from './fixtures/contenttypes.registry.js';

/** The application's registry with its generic foreign key declarations changed on the way in. */
function appRegistryWith(change: {
  foreignKey?: (d: GenericForeignKeyDeclaration) => GenericForeignKeyDeclaration;
  skip?: Function;
}): ContentTypeRegistry {
  const proto = ContentTypeRegistry.prototype;
  const { genericForeignKey, register } = proto;
  proto.genericForeignKey = function (this: ContentTypeRegistry, d) {
    return genericForeignKey.call(this, change.foreignKey ? change.foreignKey(d) : d);
  };
  proto.register = function (this: ContentTypeRegistry, cls: Function, options: unknown) {
    return cls === change.skip ? this : (register as Function).call(this, cls, options);
  } as typeof register;
  try {
    return createAppRegistry();
  } finally {
    proto.genericForeignKey = genericForeignKey;
    proto.register = register;
  }
}

describe(`migrations from an empty database (${databaseKind})`, () => {
  let db: TestDatabase;
  let orm: MikroORM;
  let registry: ContentTypeRegistry;

  /** Runs `fn` on another ORM over the same database (PGlite: after closing the main one). */
  const withOrm = async <T>(entities: EntityClass<any>[], other: ContentTypeRegistry, fn: (o: MikroORM) => Promise<T>): Promise<T> => {
    await orm.close(true);
    const o = await initOrm(db.config, other, { entities });
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
    (await sql<{ name: string }>(`select table_name as name from information_schema.tables where table_schema = current_schema() order by 1`)).map(
      (r) => r.name,
    );
  const integrityFunctions = async () =>
    (await sql<{ n: number }>(`select count(*) as n from pg_proc where left(proname, 3) = 'cg_' and prorettype = 'trigger'::regtype`))[0].n;

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
    expect(await tables()).toEqual(
      expect.arrayContaining(['activity_entry', 'article', 'book', 'comment', 'content_link', 'content_type', 'product', 'tag', 'tagged_item', 'user', 'video']),
    );
    expect(await checkMigrationsCurrent(orm, registry)).toEqual([]);
    // 5 check functions (one per generic foreign key) + 3 per content type
    expect(Number(await integrityFunctions())).toBe(registry.foreignKeys().length + 3 * registry.types().length);
  });

  it('migrates all the way down, and up again', async () => {
    const reverted = await orm.migrator.down({ to: 0 });
    expect(reverted.length).toBeGreaterThan(0);
    expect(await tables()).toEqual(['mikro_orm_migrations']);
    expect(Number(await integrityFunctions())).toBe(0);
    await orm.migrator.up();
    await registry.sync(rootEm(orm).fork());
    expect(await checkMigrationsCurrent(orm, registry)).toEqual([]);
  });

  it('reports a changed delete policy as drift', async () => {
    const changed = appRegistryWith({ foreignKey: (d) => (d.name === 'activity_entry' ? { ...d, onDelete: 'cascade' } : d) });
    await withOrm(appEntities, changed, async (o) => {
      await changed.reload(rootEm(o).fork());
      const drift = await diffIntegrity(rootEm(o).fork(), changed);
      expect(drift.changed.map((c) => c.functionName).sort()).toEqual(
        ['article', 'book', 'product', 'user', 'video'].flatMap((t) => [`cg_delete_${t}`, `cg_key_update_${t}`, `cg_truncate_${t}`]).sort(),
      );
      expect(drift.removed).toEqual([]);
      expect(drift.createUp.some((s) => s.includes('-- activity_entry: cascade'))).toBe(true);
      const problems = await checkMigrationsCurrent(o, changed);
      expect(problems).toContain('integrity trigger cg_delete_article on article is missing or outdated');
      expect(problems.at(-1)).toBe('run `npm run migration:create` and commit the new migration.');
    });
  });

  it('reports a new content type as drift: its table and its triggers', async () => {
    const extended = createAppRegistry().register(Animal, { appLabel: 'fixtures' });
    await withOrm([...appEntities, Animal], extended, async (o) => {
      const problems = await checkMigrationsCurrent(o, extended);
      expect(problems.join('\n')).toMatch(/the entities need table changes no migration makes:\n.*create table "fixture_animal"/);
      expect(problems).toContain('integrity trigger cg_delete_fixture_animal on fixture_animal is missing or outdated');
      // every check trigger now knows one more target
      expect(problems).toContain('integrity trigger cg_gfk_tagged_item on tagged_item is missing or outdated');
    });
  });

  it('reports a content type no longer registered as drift (its triggers would be dropped)', async () => {
    const reduced = appRegistryWith({ skip: Product });
    await withOrm(appEntities, reduced, async (o) => {
      const drift = await diffIntegrity(rootEm(o).fork(), reduced);
      expect(drift.removed.map((r) => r.functionName).sort()).toEqual(['cg_delete_product', 'cg_key_update_product', 'cg_truncate_product']);
      expect(drift.dropUp).toContain('drop trigger if exists "cg_delete" on "product"');
      expect(drift.dropUp).toContain('drop function if exists "cg_delete_product"()');
    });
  });

  it('composes a migration (as migration:create does) that goes up and down cleanly: a new content type and a changed policy', async () => {
    const extended = appRegistryWith({ foreignKey: (d) => (d.name === 'activity_entry' ? { ...d, onDelete: 'cascade' } : d) }).register(Animal, {
      appLabel: 'fixtures',
    });
    const original = createAppRegistry();
    await bindWithoutDatabase(original, appEntities);
    await withOrm([...appEntities, Animal], extended, async (o) => {
      const em = rootEm(o).fork();
      const run = async (statements: string[]) => {
        await em.transactional(async (tx) => {
          for (const statement of statements) if (statement.trim()) await tx.execute(statement);
        });
      };
      const tableDiff = await (o.migrator as unknown as { getSchemaDiff(blank: boolean, initial: boolean): Promise<MigrationDiff> }).getSchemaDiff(false, false);
      const migration = composeMigration(tableDiff, await diffIntegrity(em, extended));
      expect([...migration.up, ...migration.down].filter((s) => /_fn"|begin ; end/.test(s))).toEqual([]);

      await run(migration.up);
      expect(await checkMigrationsCurrent(o, extended)).toEqual([]);
      await extended.sync(em);
      const [animal] = await em.execute<{ id: number }[]>(`insert into fixture_animal (name) values ('cat') returning id`);
      await em.execute(`insert into activity_entry (verb, content_type_id, object_id, object_repr) values ('x', ?, ?, 'cat')`, [extended.idOf(Animal), animal.id]);
      await em.execute('delete from fixture_animal where id = ?', [animal.id]);
      expect(await em.execute('select 1 from activity_entry where object_id = ? and content_type_id = ?', [animal.id, extended.idOf(Animal)])).toEqual([]);

      await run(migration.down);
      const back = await diffIntegrity(em, original);
      expect({ changed: back.changed, removed: back.removed.map((r) => r.functionName) }).toEqual({ changed: [], removed: [] });
      expect(await tables()).not.toContain('fixture_animal');
      await em.execute(`delete from content_type where app_label = 'fixtures'`);
    });
  });

  it('reports a disabled trigger as drift, and ignores cg_ functions it did not generate', async () => {
    await sql('alter table article disable trigger cg_delete');
    await sql(`create function cg_custom_audit() returns trigger language plpgsql as $$begin return null; end;$$`);
    try {
      const drift = await diffIntegrity(rootEm(orm).fork(), registry);
      expect(drift.changed.map((c) => c.functionName)).toEqual(['cg_delete_article']);
      expect(drift.removed).toEqual([]);
      // applying the drift's statements re-enables the trigger
      for (const statement of drift.createUp) await sql(statement);
      expect(await checkMigrationsCurrent(orm, registry)).toEqual([]);
    } finally {
      await sql('alter table article enable trigger cg_delete');
      await sql('drop function cg_custom_audit()');
    }
  });
});
