import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAppRegistry } from '../src/app/registry.js';
import { appEntities } from '../src/app/entities.js';
import { Article, Book, Product, Video } from '../src/domain/index.js';
import { User } from '../src/accounts/user.entity.js';
import { ContentTypeCheckError, UnregisteredContentTypeError } from '../src/generic/content-type.checks.js';
import { ContentTypeRegistry } from '../src/generic/content-type.registry.js';
import { initOrm, rootEm } from '../src/server/orm.js';
import { startServer } from '../src/server/start.js';
import { createEmptyDatabase, createTestDatabase, databaseKind, onPostgres, openTestDatabase, type OpenDatabase } from './helpers/database.js';
import {
  Animal,
  BadHolder,
  CodeThing,
  fixtureEntities,
  Label,
  Mineral,
  NotAnEntity,
  Pair,
  UuidThing,
  Vegetable,
} from './fixtures/contenttypes.entities.js';
import { bindWithoutDatabase, createFixtureRegistry } from './fixtures/contenttypes.registry.js';
import { runTsx } from './fixtures/processes.js';

const APP_KEYS = ['accounts.user', 'blog.article', 'library.book', 'media.video', 'shop.product'];

type Row = { id: number; app_label: string; model: string };

describe(`content-type registry (${databaseKind})`, () => {
  let t: OpenDatabase;
  beforeAll(async () => {
    t = await openTestDatabase();
  });
  afterAll(() => t?.close());

  const rows = async () =>
    (await t.sql<Row>('select id, app_label, model from content_type order by id')).map((r) => ({ ...r, id: Number(r.id) }));

  it('syncs idempotently: a second sync creates no row and keeps every id', async () => {
    await t.sql('delete from content_type');
    const registry = createAppRegistry();
    await bindWithoutDatabase(registry, appEntities);
    await registry.sync(t.em());
    const first = await rows();
    expect(first.map((r) => `${r.app_label}.${r.model}`).sort()).toEqual(APP_KEYS);
    await registry.sync(t.em());
    await registry.sync(t.em());
    expect(await rows()).toEqual(first);
    await t.registry.reload(t.em());
  });

  it('caches by id, by natural key and by class', async () => {
    await t.registry.reload(t.em());
    const byKey = new Map((await rows()).map((r) => [`${r.app_label}.${r.model}`, r.id]));
    for (const [cls, key, typeName] of [
      [User, 'accounts.user', 'User'],
      [Article, 'blog.article', 'Article'],
      [Book, 'library.book', 'Book'],
      [Video, 'media.video', 'Video'],
      [Product, 'shop.product', 'Product'],
    ] as const) {
      const id = byKey.get(key)!;
      expect(t.registry.idOf(cls)).toBe(id);
      expect(t.registry.idOf(new cls())).toBe(id);
      expect(t.registry.byId(id)?.cls).toBe(cls);
      expect(t.registry.byKey(key)?.cls).toBe(cls);
      expect(t.registry.byTypeName(typeName)?.cls).toBe(cls);
      expect(t.registry.get(cls).key).toBe(key);
    }
    expect(t.registry.rows()).toHaveLength(5);
    expect(t.registry.byId(999_999)).toBeUndefined();
  });

  it('answers from the cache without a query', async () => {
    const before = await t.sql<{ n: number }>('select count(*)::int as n from content_type');
    const id = t.registry.idOf(Article);
    for (let i = 0; i < 100; i++) expect(t.registry.idOf(Article)).toBe(id);
    expect(Number(before[0].n)).toBe(5);
  });

  it('throws contenttypes.E005 from get() for an entity that is not registered', () => {
    expect(() => t.registry.get(Animal)).toThrow(UnregisteredContentTypeError);
    expect(() => t.registry.get(new Animal())).toThrow(/contenttypes\.E005: Animal is not a registered content type/);
    expect(() => t.registry.idOf(Animal)).toThrow(/contenttypes\.E005/);
    expect(t.registry.find(Animal)).toBeUndefined();
  });

  it('never deletes a row: a type no longer registered keeps its row, unknown to the cache', async () => {
    const [stale] = await t.sql<{ id: number }>(`insert into content_type (app_label, model) values ('legacy', 'gone') returning id`);
    await t.registry.sync(t.em());
    expect(await t.sql(`select 1 from content_type where app_label = 'legacy' and model = 'gone'`)).toHaveLength(1);
    expect(t.registry.byId(Number(stale.id))).toBeUndefined();
    await t.sql(`delete from content_type where id = ?`, [stale.id]);
  });

  it('creates the rows of types registered later (a new content type) and keeps the others', async () => {
    const before = await rows();
    const fixtures = createFixtureRegistry();
    await bindWithoutDatabase(fixtures);
    await fixtures.sync(t.em());
    const after = await rows();
    expect(after.slice(0, before.length)).toEqual(before);
    expect(after.slice(before.length).map((r) => `${r.app_label}.${r.model}`).sort()).toEqual([
      'fixtures.animal',
      'fixtures.mineral',
      'fixtures.vegetable',
    ]);
    expect(fixtures.idOf(Animal)).toBe(after.find((r) => r.model === 'animal')!.id);
    await t.sql(`delete from content_type where app_label = 'fixtures'`);
  });

  it('survives parallel syncs of independent registries without duplicates', async () => {
    for (let round = 0; round < 3; round++) {
      await t.sql('delete from content_type');
      const registries = [createAppRegistry(), createAppRegistry(), createAppRegistry()];
      for (const r of registries) await bindWithoutDatabase(r, appEntities);
      await Promise.all(registries.map((r) => r.sync(t.em())));
      const synced = await rows();
      expect(synced.map((r) => `${r.app_label}.${r.model}`).sort()).toEqual(APP_KEYS);
      for (const r of registries) expect(r.idOf(Article)).toBe(synced.find((row) => row.model === 'article')!.id);
    }
    await t.registry.reload(t.em());
  });

  it.skipIf(!onPostgres)('survives two ORM instances (two connection pools) syncing one fresh database at once', async () => {
    const db = await createTestDatabase();
    try {
      const [a, b] = [createAppRegistry(), createAppRegistry()];
      const orms = await Promise.all([initOrm(db.config, a), initOrm(db.config, b)]);
      try {
        for (let round = 0; round < 5; round++) {
          await rootEm(orms[0]).getConnection().execute('delete from content_type');
          await Promise.all([a.sync(rootEm(orms[0]).fork()), b.sync(rootEm(orms[1]).fork())]);
          const synced = await rootEm(orms[0]).getConnection().execute<Row[]>('select id, app_label, model from content_type');
          expect(synced).toHaveLength(5);
          for (const cls of [User, Article, Book, Video, Product]) expect(a.idOf(cls)).toBe(b.idOf(cls));
        }
      } finally {
        await Promise.all(orms.map((orm) => orm.close(true)));
      }
    } finally {
      await db.drop();
    }
  });

  it.skipIf(!onPostgres)(
    'starts two whole servers at once on one empty database: both succeed, migrations and demo data happen once',
    async () => {
      const db = await createEmptyDatabase();
      try {
        const config = { ...db.config, seedDemoData: true };
        const servers = await Promise.all([startServer(config), startServer(config)]);
        try {
          const applied = servers.map((s) => s.startup.migrations.length).sort();
          expect(applied[0]).toBe(0);
          expect(applied[1]).toBeGreaterThan(0);
          expect(servers.filter((s) => s.startup.seeded)).toHaveLength(1);
          const sql = (query: string) => rootEm(servers[0].orm).getConnection().execute<{ n: number }[]>(query);
          expect(Number((await sql('select count(*) as n from mikro_orm_migrations'))[0].n)).toBe(applied[1]);
          expect(Number((await sql('select count(*) as n from content_type'))[0].n)).toBe(5);
          expect(Number((await sql('select count(*) as n from "user"'))[0].n)).toBe(3);
          for (const s of servers) {
            const response = await fetch(s.url, {
              method: 'POST',
              headers: { 'content-type': 'application/json' },
              body: JSON.stringify({ query: '{ contentTypes { appLabel model } }' }),
            });
            expect(((await response.json()) as any).data.contentTypes).toHaveLength(5);
          }
        } finally {
          await Promise.all(servers.map((s) => s.stop()));
        }
      } finally {
        await db.drop();
      }
    },
  );
});

describe(`content-type start-up checks (${databaseKind})`, () => {
  const failuresOf = async (registry: ContentTypeRegistry, entities = fixtureEntities) => {
    try {
      await bindWithoutDatabase(registry, entities);
    } catch (error) {
      expect(error).toBeInstanceOf(ContentTypeCheckError);
      return (error as ContentTypeCheckError).failures;
    }
    throw new Error('expected the checks to fail');
  };

  it('passes for the application registry and for the fixtures', async () => {
    await bindWithoutDatabase(createAppRegistry(), appEntities);
    await bindWithoutDatabase(createFixtureRegistry());
  });

  it('E001: refuses a uuid or varchar primary key, which does not fit object_id', async () => {
    const failures = await failuresOf(
      new ContentTypeRegistry().register(UuidThing, { appLabel: 'fixtures' }).register(CodeThing, { appLabel: 'fixtures' }),
      [...fixtureEntities, UuidThing, CodeThing],
    );
    expect(failures).toEqual([
      {
        code: 'contenttypes.E001',
        message:
          'UuidThing.id is of type "uuid", which does not fit object_id (bigint). Use an integer or bigint primary key, or do not register UuidThing as a content type.',
      },
      {
        code: 'contenttypes.E001',
        message:
          'CodeThing.code is of type "varchar", which does not fit object_id (bigint). Use an integer or bigint primary key, or do not register CodeThing as a content type.',
      },
    ]);
  });

  it('E002: refuses a duplicate app_label.model, and a class registered twice', async () => {
    const failures = await failuresOf(
      new ContentTypeRegistry()
        .register(Animal, { appLabel: 'fixtures', model: 'organism' })
        .register(Vegetable, { appLabel: 'fixtures', model: 'organism' })
        .register(Animal, { appLabel: 'zoo' }),
    );
    expect(failures).toEqual([
      {
        code: 'contenttypes.E002',
        message: '"fixtures.organism" is registered twice (Animal and Vegetable); give one of them another model name or app label.',
      },
      { code: 'contenttypes.E002', message: 'Animal is registered twice (as "fixtures.organism" and "zoo.animal"); register each class once.' },
    ]);
  });

  it('E003: refuses a duplicate GraphQL type name', async () => {
    const failures = await failuresOf(
      new ContentTypeRegistry().register(Animal, { appLabel: 'fixtures', typeName: 'Thing' }).register(Vegetable, { appLabel: 'fixtures', typeName: 'Thing' }),
    );
    expect(failures).toEqual([
      { code: 'contenttypes.E003', message: 'GraphQL type name "Thing" is used by Animal and Vegetable; pass a distinct typeName.' },
    ]);
  });

  it('E004: refuses a registered class that is not an entity of the ORM', async () => {
    const failures = await failuresOf(
      new ContentTypeRegistry().register(NotAnEntity, { appLabel: 'fixtures' }).register(Mineral, { appLabel: 'fixtures' }),
      fixtureEntities.filter((e) => e !== Mineral),
    );
    expect(failures.map((f) => f.code)).toEqual(['contenttypes.E004', 'contenttypes.E004']);
    expect(failures[0].message).toBe(
      "NotAnEntity (fixtures.notanentity) is registered as a content type but is not an entity known to the ORM; add it to the ORM's entities.",
    );
    expect(failures[1].message).toMatch(/^Mineral \(fixtures\.mineral\) is registered as a content type but is not an entity known to the ORM/);
  });

  it('E005: refuses a generic foreign key whose targets name an unregistered entity', async () => {
    const failures = await failuresOf(
      new ContentTypeRegistry().register(Animal, { appLabel: 'fixtures' }).genericForeignKey({
        name: 'fixture_label',
        entity: Label,
        contentTypeProperty: 'contentType',
        objectIdProperty: 'objectId',
        onDelete: 'cascade',
        targets: () => [Animal, Mineral],
      }),
    );
    expect(failures).toEqual([
      {
        code: 'contenttypes.E005',
        message: 'generic foreign key "fixture_label" allows Mineral as a target, but Mineral is not a registered content type.',
      },
    ]);
  });

  it('E006: refuses a malformed generic foreign key declaration', async () => {
    const base = { entity: BadHolder, onDelete: 'cascade' as const };
    const failures = await failuresOf(
      new ContentTypeRegistry()
        .register(Animal, { appLabel: 'fixtures' })
        .genericForeignKey({ ...base, name: 'missing_property', contentTypeProperty: 'contentType', objectIdProperty: 'nope' })
        .genericForeignKey({ ...base, name: 'plain_integer', contentTypeProperty: 'kindCode', objectIdProperty: 'objectId' })
        .genericForeignKey({ ...base, name: 'varchar_id', contentTypeProperty: 'contentType', objectIdProperty: 'objectKey' })
        .genericForeignKey({ ...base, name: 'Bad-Name', contentTypeProperty: 'contentType', objectIdProperty: 'objectId' })
        .genericForeignKey({ ...base, name: 'twice', contentTypeProperty: 'contentType', objectIdProperty: 'objectId' })
        .genericForeignKey({ ...base, name: 'twice', contentTypeProperty: 'contentType', objectIdProperty: 'objectId' }),
      [...fixtureEntities, BadHolder],
    );
    expect(failures.map((f) => f.code)).toEqual(Array(5).fill('contenttypes.E006'));
    expect(failures.map((f) => f.message)).toEqual([
      'generic foreign key "missing_property" names BadHolder.contentType/nope, which the ORM does not know.',
      'generic foreign key "plain_integer" needs BadHolder.kindCode to be a ManyToOne to ContentType.',
      'generic foreign key "varchar_id" needs BadHolder.objectKey to be one integer column (bigint); it is "varchar".',
      'generic foreign key "Bad-Name" has a malformed name; use a lower-case identifier (a-z, 0-9, _): it becomes part of trigger names.',
      'generic foreign key "twice" is declared twice; every generic foreign key needs its own name.',
    ]);
  });

  it('E007: refuses a composite primary key', async () => {
    const failures = await failuresOf(new ContentTypeRegistry().register(Pair, { appLabel: 'fixtures' }), [...fixtureEntities, Pair]);
    expect(failures).toEqual([
      {
        code: 'contenttypes.E007',
        message: 'Pair has a composite primary key; a content type needs exactly one integer primary key column.',
      },
    ]);
  });

  it('E008: refuses an app label or model that is not a lower-case identifier', async () => {
    const failures = await failuresOf(new ContentTypeRegistry().register(Animal, { appLabel: 'Fixtures', model: 'the.animal' }));
    expect(failures).toEqual([
      {
        code: 'contenttypes.E008',
        message:
          "Animal is registered as \"Fixtures.the.animal\"; app_label and model must be lower-case identifiers (a-z, 0-9, _), e.g. { appLabel: 'blog', model: 'article' }.",
      },
    ]);
  });

  it('reports every failure at once, each with its code, in one message', async () => {
    const registry = new ContentTypeRegistry()
      .register(UuidThing, { appLabel: 'fixtures' })
      .register(Pair, { appLabel: 'fixtures' })
      .register(NotAnEntity, { appLabel: 'fixtures' });
    const error = await bindWithoutDatabase(registry, [...fixtureEntities, UuidThing, Pair]).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ContentTypeCheckError);
    expect((error as Error).message).toMatch(/^contentgraph refuses to start: the content-type registry failed its checks:\n/);
    expect((error as Error).message).toMatch(/  contenttypes\.E001: UuidThing\.id/);
    expect((error as Error).message).toMatch(/  contenttypes\.E007: Pair has a composite primary key/);
    expect((error as Error).message).toMatch(/  contenttypes\.E004: NotAnEntity/);
  });

  it('makes startServer reject with ContentTypeCheckError, releasing the database', async () => {
    const db = await createTestDatabase();
    try {
      const registry = new ContentTypeRegistry().register(UuidThing, { appLabel: 'fixtures' });
      await expect(startServer(db.config, { registry, entities: [...fixtureEntities, UuidThing] })).rejects.toThrow(ContentTypeCheckError);
      if (!onPostgres) expect(fs.existsSync(path.join(db.config.dataDir, 'server.lock'))).toBe(false);
      const server = await startServer(db.config); // the application's registry still starts on it
      await server.stop();
    } finally {
      await db.drop();
    }
  });

  it('makes the server process print the failed check and exit 1', async () => {
    const db = await createTestDatabase();
    try {
      const env = db.config.databaseUrl ? { DATABASE_URL: db.config.databaseUrl } : { DATA_DIR: db.config.dataDir };
      // Pretty log lines: the message as a person reads it (JSON lines escape its quotes and newlines).
      const result = await runTsx('test/fixtures/broken-server.ts', [], { ...env, PORT: '0', LOG_FORMAT: 'pretty' });
      expect(result.code).toBe(1);
      expect(result.stderr).toContain('contentgraph refuses to start: the content-type registry failed its checks:');
      expect(result.stderr).toContain('contenttypes.E001: UuidThing.id is of type "uuid"');
      expect(result.stdout).not.toContain('ready');
    } finally {
      await db.drop();
    }
  });
});
