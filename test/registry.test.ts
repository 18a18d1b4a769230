// @own-process: registers broken fixture types (their GraphQL metadata is global) and the demo's types
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EntityClass } from '@mikro-orm/core';
import { bindWithoutDatabase } from '../src/app/discover.js';
import { appEntities } from '../src/app/entities.js';
import { createAppRegistry } from '../src/app/registry.js';
import { ContentTypeCheckError, UnregisteredContentTypeError } from '../src/generic/content-type.checks.js';
import { ContentTypeRegistry } from '../src/generic/content-type.registry.js';
import { initOrm, rootEm } from '../src/server/orm.js';
import { startServer } from '../src/server/start.js';
import { createTestDatabase, databaseKind, onPostgres, openTestDatabase, type OpenDatabase } from './helpers/database.js';
import { FixtureBadHolder, FixtureCodeThing, FixtureNotAnEntity, FixturePair, FixtureStampThing } from './fixtures/broken.entities.js';
import { FixtureAnimal, FixtureFossil, FixtureLabel, FixtureMineral, FixtureVegetable } from './fixtures/core.entities.js';
import { coreEntities, createCoreRegistry } from './fixtures/core.registry.js';
import { runTsx } from './fixtures/processes.js';

type Row = { id: number; app_label: string; model: string };

describe(`content-type registry (${databaseKind})`, () => {
  let t: OpenDatabase;
  beforeAll(async () => {
    t = await openTestDatabase('core');
  });
  afterAll(() => t?.close());

  const rows = async () => (await t.sql<Row>('select id, app_label, model from content_type order by id')).map((r) => ({ ...r, id: Number(r.id) }));
  const keysOf = (registry: ContentTypeRegistry) => registry.types().map((type) => type.key).sort();

  it('syncs idempotently: a second sync creates no row and keeps every id', async () => {
    await t.sql('delete from content_type');
    const registry = createCoreRegistry();
    await bindWithoutDatabase(registry, coreEntities);
    await registry.sync(t.em());
    const first = await rows();
    expect(first.map((r) => `${r.app_label}.${r.model}`).sort()).toEqual(keysOf(registry));
    await registry.sync(t.em());
    await registry.sync(t.em());
    expect(await rows()).toEqual(first);
    await t.registry.reload(t.em());
  });

  it('caches by id, by natural key and by class, for every registered type', async () => {
    await t.registry.reload(t.em());
    const byKey = new Map((await rows()).map((r) => [`${r.app_label}.${r.model}`, r.id]));
    expect(t.registry.types().length).toBeGreaterThan(3);
    for (const type of t.registry.types()) {
      const id = byKey.get(type.key)!;
      expect(t.registry.idOf(type.cls)).toBe(id);
      expect(t.registry.idOf(new (type.cls as new () => object)())).toBe(id);
      expect(t.registry.byId(id)?.cls).toBe(type.cls);
      expect(t.registry.byKey(type.key)?.cls).toBe(type.cls);
      expect(t.registry.byTypeName(type.typeName)?.cls).toBe(type.cls);
    }
    expect(t.registry.rows()).toHaveLength(t.registry.types().length);
    expect(t.registry.byId(999_999)).toBeUndefined();
  });

  it('knows each type key kind and the relations each type takes part in', () => {
    expect(t.registry.get(FixtureAnimal).keyKind).toBe('integer');
    expect(t.registry.get(FixtureMineral).keyKind).toBe('integer');
    expect(t.registry.get(FixtureFossil).keyKind).toBe('uuid');
    const relations = (cls: Function) => t.registry.relationsOf(t.registry.get(cls)).map((r) => r.name);
    expect(relations(FixtureMineral)).not.toContain('tags');
    expect(relations(FixtureAnimal)).toEqual(expect.arrayContaining(['tags', 'comments', 'activity', 'links', 'fixture_votes', 'fixture_hold']));
    expect(relations(FixtureFossil)).not.toContain('fixture_hold'); // the relation's targets leave it out
    expect(t.registry.typesOf('fixture_hold').map((type) => type.cls)).toEqual([FixtureAnimal, FixtureVegetable]);
  });

  it('answers from the cache without a query', async () => {
    const before = await t.sql<{ n: number }>('select count(*)::int as n from content_type');
    const id = t.registry.idOf(FixtureAnimal);
    for (let i = 0; i < 100; i++) expect(t.registry.idOf(FixtureAnimal)).toBe(id);
    expect(Number(before[0].n)).toBe(t.registry.types().length);
  });

  it('throws contenttypes.E005 from get() for an entity that is not registered', () => {
    expect(() => t.registry.get(FixtureBadHolder)).toThrow(UnregisteredContentTypeError);
    expect(() => t.registry.get(new FixtureBadHolder())).toThrow(/contenttypes\.E005: FixtureBadHolder is not a registered content type/);
    expect(() => t.registry.idOf(FixtureBadHolder)).toThrow(/contenttypes\.E005/);
    expect(t.registry.find(FixtureBadHolder)).toBeUndefined();
  });

  it('never deletes a row: a type no longer registered keeps its row, unknown to the cache', async () => {
    const [stale] = await t.sql<{ id: number }>(`insert into content_type (app_label, model) values ('legacy', 'gone') returning id`);
    await t.registry.sync(t.em());
    expect(await t.sql(`select 1 from content_type where app_label = 'legacy' and model = 'gone'`)).toHaveLength(1);
    expect(t.registry.byId(Number(stale.id))).toBeUndefined();
    await t.sql(`delete from content_type where id = ?`, [stale.id]);
  });

  it('creates the rows of types registered later (a new content type) and keeps the others', async () => {
    const without = new ContentTypeRegistry().registerAll(coreEntities.filter((e) => e !== FixtureFossil));
    await bindWithoutDatabase(without, coreEntities);
    await t.sql('delete from content_type');
    await without.sync(t.em());
    const before = await rows();
    await t.registry.sync(t.em());
    const after = await rows();
    expect(after.slice(0, before.length)).toEqual(before);
    expect(after.slice(before.length).map((r) => `${r.app_label}.${r.model}`)).toEqual(['cg_fixtures.fixturefossil']);
    await t.registry.reload(t.em());
  });

  it('survives parallel syncs of independent registries without duplicates', async () => {
    for (let round = 0; round < 3; round++) {
      await t.sql('delete from content_type');
      const registries = [createCoreRegistry(), createCoreRegistry(), createCoreRegistry()];
      for (const r of registries) await bindWithoutDatabase(r, coreEntities);
      await Promise.all(registries.map((r) => r.sync(t.em())));
      const synced = await rows();
      expect(synced.map((r) => `${r.app_label}.${r.model}`).sort()).toEqual(keysOf(registries[0]));
      for (const r of registries) expect(r.idOf(FixtureAnimal)).toBe(synced.find((row) => row.model === 'fixtureanimal')!.id);
    }
    await t.registry.reload(t.em());
  });

  it.skipIf(!onPostgres)('survives two ORM instances (two connection pools) syncing one fresh database at once', async () => {
    const db = await createTestDatabase({}, 'core');
    try {
      const [a, b] = [createCoreRegistry(), createCoreRegistry()];
      const orms = await Promise.all([initOrm(db.config, a, { entities: coreEntities }), initOrm(db.config, b, { entities: coreEntities })]);
      try {
        for (let round = 0; round < 5; round++) {
          await rootEm(orms[0]).getConnection().execute('delete from content_type');
          await Promise.all([a.sync(rootEm(orms[0]).fork()), b.sync(rootEm(orms[1]).fork())]);
          const synced = await rootEm(orms[0]).getConnection().execute<Row[]>('select id, app_label, model from content_type');
          expect(synced).toHaveLength(a.types().length);
          for (const type of a.types()) expect(a.idOf(type.cls)).toBe(b.idOf(type.cls));
        }
      } finally {
        await Promise.all(orms.map((orm) => orm.close(true)));
      }
    } finally {
      await db.drop();
    }
  });
});

describe(`content-type start-up checks (${databaseKind})`, () => {
  const failuresOf = async (registry: ContentTypeRegistry, entities: EntityClass<any>[] = coreEntities) => {
    try {
      await bindWithoutDatabase(registry, entities);
    } catch (error) {
      expect(error).toBeInstanceOf(ContentTypeCheckError);
      return (error as ContentTypeCheckError).failures;
    }
    throw new Error('expected the checks to fail');
  };
  const fixture = { appLabel: 'cg_fixtures' };

  it('passes for the application registry and for the core test app', async () => {
    await bindWithoutDatabase(createAppRegistry(), appEntities as EntityClass<any>[]);
    await bindWithoutDatabase(createCoreRegistry(), coreEntities);
  });

  it('accepts integer, bigint and uuid primary keys', async () => {
    const registry = new ContentTypeRegistry().register(FixtureAnimal).register(FixtureMineral).register(FixtureFossil);
    await bindWithoutDatabase(registry, coreEntities);
    expect(registry.types().map((t) => [t.typeName, t.keyKind])).toEqual([
      ['FixtureAnimal', 'integer'],
      ['FixtureMineral', 'integer'],
      ['FixtureFossil', 'uuid'],
    ]);
  });

  it('E001: refuses a primary key object_id cannot store (varchar, timestamp)', async () => {
    const failures = await failuresOf(new ContentTypeRegistry().register(FixtureCodeThing, fixture).register(FixtureStampThing, fixture), [
      ...coreEntities,
      FixtureCodeThing,
      FixtureStampThing,
    ]);
    expect(failures).toEqual([
      {
        code: 'contenttypes.E001',
        message:
          'FixtureCodeThing.code is of type "varchar", which object_id cannot store: a content type\'s primary key must be an integer (smallint, integer, bigint) or a uuid. Change the key, or do not register FixtureCodeThing as a content type.',
      },
      {
        code: 'contenttypes.E001',
        message:
          'FixtureStampThing.at is of type "timestamptz", which object_id cannot store: a content type\'s primary key must be an integer (smallint, integer, bigint) or a uuid. Change the key, or do not register FixtureStampThing as a content type.',
      },
    ]);
  });

  it('E002: refuses a duplicate app_label.model, and a class registered twice', async () => {
    const failures = await failuresOf(
      new ContentTypeRegistry()
        .register(FixtureAnimal, { ...fixture, model: 'organism' })
        .register(FixtureVegetable, { ...fixture, model: 'organism' })
        .register(FixtureAnimal, { appLabel: 'zoo' }),
    );
    expect(failures).toEqual([
      {
        code: 'contenttypes.E002',
        message: '"cg_fixtures.organism" is registered twice (FixtureAnimal and FixtureVegetable); give one of them another model name or app label.',
      },
      { code: 'contenttypes.E002', message: 'FixtureAnimal is registered twice (as "cg_fixtures.organism" and "zoo.fixtureanimal"); register each class once.' },
    ]);
  });

  it('E003: refuses a duplicate GraphQL type name', async () => {
    const failures = await failuresOf(
      new ContentTypeRegistry().register(FixtureAnimal, { ...fixture, typeName: 'Thing' }).register(FixtureVegetable, { ...fixture, typeName: 'Thing' }),
    );
    expect(failures).toEqual([{ code: 'contenttypes.E003', message: 'GraphQL type name "Thing" is used by FixtureAnimal and FixtureVegetable; pass a distinct typeName.' }]);
  });

  it('E004: refuses a registered class that is not an entity of the ORM, or that declares nothing', async () => {
    const failures = await failuresOf(
      new ContentTypeRegistry().register(FixtureNotAnEntity, fixture).register(FixtureMineral).register(FixtureBadHolder),
      coreEntities.filter((e) => e !== FixtureMineral),
    );
    expect(failures.map((f) => f.code)).toEqual(['contenttypes.E004', 'contenttypes.E004', 'contenttypes.E004']);
    expect(failures[0].message).toBe(
      'FixtureBadHolder is registered, but it is neither a content type (@ContentObjectType) nor a generic relation (@GenericRelation).',
    );
    expect(failures[1].message).toBe(
      "FixtureNotAnEntity (cg_fixtures.fixturenotanentity) is registered as a content type but is not an entity known to the ORM; add it to the ORM's entities.",
    );
    expect(failures[2].message).toMatch(/^FixtureMineral \(cg_fixtures\.fixturemineral\) is registered as a content type but is not an entity known to the ORM/);
  });

  it('E005: refuses a generic relation whose targets name an unregistered entity', async () => {
    const failures = await failuresOf(
      new ContentTypeRegistry().register(FixtureAnimal).genericForeignKey({
        name: 'fixture_label',
        entity: FixtureLabel,
        contentTypeProperty: 'contentType',
        objectIdProperty: 'objectId',
        onDelete: 'cascade',
        targets: () => [FixtureAnimal, FixtureMineral],
      }),
    );
    expect(failures).toEqual([
      {
        code: 'contenttypes.E005',
        message: 'generic relation "fixture_label" allows FixtureMineral as a target, but FixtureMineral is not a registered content type.',
      },
    ]);
  });

  it('E006 and E009: refuses a malformed generic foreign key, and one without an index on its pair of columns', async () => {
    const base = { entity: FixtureBadHolder, onDelete: 'cascade' as const };
    const failures = await failuresOf(
      new ContentTypeRegistry()
        .register(FixtureAnimal)
        .genericForeignKey({ ...base, name: 'missing_property', contentTypeProperty: 'contentType', objectIdProperty: 'nope' })
        .genericForeignKey({ ...base, name: 'plain_integer', contentTypeProperty: 'kindCode', objectIdProperty: 'objectId' })
        .genericForeignKey({ ...base, name: 'varchar_id', contentTypeProperty: 'contentType', objectIdProperty: 'objectKey' })
        .genericForeignKey({ ...base, name: 'bigint_id', contentTypeProperty: 'contentType', objectIdProperty: 'objectNumber' })
        .genericForeignKey({ ...base, name: 'Bad-Name', contentTypeProperty: 'contentType', objectIdProperty: 'objectId' })
        .genericForeignKey({ ...base, name: 'no_index', contentTypeProperty: 'contentType', objectIdProperty: 'objectId' })
        .genericForeignKey({ ...base, name: 'twice', relation: 'twice_a', contentTypeProperty: 'contentType', objectIdProperty: 'objectId' })
        .genericForeignKey({ ...base, name: 'twice', relation: 'twice_b', contentTypeProperty: 'contentType', objectIdProperty: 'objectId' }),
      [...coreEntities, FixtureBadHolder],
    );
    expect(failures.map((f) => `${f.code}: ${f.message}`)).toEqual([
      'contenttypes.E006: generic foreign key "missing_property" names FixtureBadHolder.contentType/nope, which the ORM does not know.',
      'contenttypes.E006: generic foreign key "plain_integer" needs FixtureBadHolder.kindCode to be a ManyToOne to ContentType.',
      'contenttypes.E006: generic foreign key "varchar_id" needs FixtureBadHolder.objectKey to be one text column (@Property({ type: \'text\' })), which holds integer and uuid keys alike; it is "varchar".',
      'contenttypes.E006: generic foreign key "bigint_id" needs FixtureBadHolder.objectNumber to be one text column (@Property({ type: \'text\' })), which holds integer and uuid keys alike; it is "bigint".',
      'contenttypes.E006: generic foreign key "Bad-Name" has a malformed name; use a lower-case identifier (a-z, 0-9, _): it becomes part of trigger names.',
      "contenttypes.E009: generic foreign key \"no_index\" has no index on (contentType, objectId); reverse lookups and delete cascades would read the whole table. Add @Index({ properties: ['contentType', 'objectId', …] }) to FixtureBadHolder, or declare the relation with @GenericRelation, which adds it.",
      "contenttypes.E009: generic foreign key \"twice\" has no index on (contentType, objectId); reverse lookups and delete cascades would read the whole table. Add @Index({ properties: ['contentType', 'objectId', …] }) to FixtureBadHolder, or declare the relation with @GenericRelation, which adds it.",
      'contenttypes.E006: generic foreign key "twice" is declared twice; every generic foreign key needs its own name.',
    ]);
  });

  it('E007: refuses a composite primary key', async () => {
    const failures = await failuresOf(new ContentTypeRegistry().register(FixturePair, fixture), [...coreEntities, FixturePair]);
    expect(failures).toEqual([
      { code: 'contenttypes.E007', message: 'FixturePair has a composite primary key; a content type needs exactly one primary key column (integer or uuid).' },
    ]);
  });

  it('E008: refuses an app label or model that is not a lower-case identifier', async () => {
    const failures = await failuresOf(new ContentTypeRegistry().register(FixtureAnimal, { appLabel: 'Fixtures', model: 'the.animal' }));
    expect(failures).toEqual([
      {
        code: 'contenttypes.E008',
        message:
          "FixtureAnimal is registered as \"Fixtures.the.animal\"; app_label and model must be lower-case identifiers (a-z, 0-9, _), e.g. { appLabel: 'blog', model: 'article' }.",
      },
    ]);
  });

  it('E010: refuses a content type naming a relation that is not registered (a typo in `relations`)', async () => {
    const failures = await failuresOf(new ContentTypeRegistry().register(FixtureAnimal, { ...fixture, relations: ['tagz'] }).registerAll(coreEntities.filter((e) => e !== FixtureAnimal)));
    expect(failures).toEqual([
      {
        code: 'contenttypes.E010',
        message: expect.stringMatching(/^FixtureAnimal names the relation "tagz" in its `relations`, but no relation of that name is registered \(registered: .*tags.*\)\.$/),
      },
    ]);
  });

  it('E011: refuses permission rules with an unknown rule name or principal (typos in plain JavaScript)', async () => {
    const permissions = { 'object.remove': ['user'], 'comments.delete': ['onwer', 'admin'], 'object.update': 'admin' } as never;
    const failures = await failuresOf(new ContentTypeRegistry().register(FixtureAnimal, { ...fixture, permissions }).registerAll(coreEntities.filter((e) => e !== FixtureAnimal)));
    expect(failures.map((f) => f.code)).toEqual(['contenttypes.E011', 'contenttypes.E011', 'contenttypes.E011']);
    expect(failures.map((f) => f.message).join('\n')).toMatch(/"object\.remove", which is no rule[\s\S]*names "onwer"[\s\S]*"object\.update" names "\(not a list\)"/);
  });

  it('reports every failure at once, each with its code, in one message', async () => {
    const registry = new ContentTypeRegistry().register(FixtureCodeThing, fixture).register(FixturePair, fixture).register(FixtureNotAnEntity, fixture);
    const error = await bindWithoutDatabase(registry, [...coreEntities, FixtureCodeThing, FixturePair]).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ContentTypeCheckError);
    expect((error as Error).message).toMatch(/^contentgraph refuses to start: the content-type registry failed its checks:\n/);
    expect((error as Error).message).toMatch(/ {2}contenttypes\.E001: FixtureCodeThing\.code/);
    expect((error as Error).message).toMatch(/ {2}contenttypes\.E007: FixturePair has a composite primary key/);
    expect((error as Error).message).toMatch(/ {2}contenttypes\.E004: FixtureNotAnEntity/);
  });

  it('makes startServer reject with ContentTypeCheckError, releasing the database', async () => {
    const db = await createTestDatabase({}, 'core');
    try {
      const registry = new ContentTypeRegistry().register(FixtureCodeThing, fixture);
      await expect(startServer(db.config, { registry, entities: [...coreEntities, FixtureCodeThing] })).rejects.toThrow(ContentTypeCheckError);
      if (!onPostgres) expect(fs.existsSync(path.join(db.config.dataDir, 'server.lock'))).toBe(false);
      const server = await startServer(db.config, { registry: createCoreRegistry(), entities: coreEntities }); // a valid registry still starts on it
      await server.stop();
    } finally {
      await db.drop();
    }
  });

  it('makes the server process print the failed check and exit 1', async () => {
    const db = await createTestDatabase({}, 'core');
    try {
      const env = db.config.databaseUrl ? { DATABASE_URL: db.config.databaseUrl } : { DATA_DIR: db.config.dataDir };
      // Pretty log lines: the message as a person reads it (JSON lines escape its quotes and newlines).
      const result = await runTsx('test/fixtures/broken-server.ts', [], { ...env, PORT: '0', LOG_FORMAT: 'pretty' });
      expect(result.code).toBe(1);
      expect(result.stderr).toContain('contentgraph refuses to start: the content-type registry failed its checks:');
      expect(result.stderr).toContain('contenttypes.E001: FixtureCodeThing.code is of type "varchar"');
      expect(result.stdout).not.toContain('ready');
    } finally {
      await db.drop();
    }
  });
});
