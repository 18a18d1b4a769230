import { expect } from 'vitest';
import { type EntityClass, type EntityMetadata, ReferenceKind } from '@mikro-orm/core';
import { getMetadataStorage } from 'type-graphql';
import { createEntityLoader } from '../../src/generic/entity.loader.js';
import { keyFromText } from '../../src/generic/object-key.js';
import { rowMapper } from '../../src/generic/row.mapper.js';
import { RequestLoaders } from '../../src/generic/request-loaders.js';
import { rootEm } from '../../src/server/orm.js';
import type { TestServer } from './server.js';

/**
 * The read path maps rows to read-only objects (src/generic/row.mapper.ts)
 * instead of MikroORM managed entities. What a resolver can see of them must
 * be what it saw of the managed entities: for every entity class of the
 * application (from the ORM's metadata, so a new type is covered without an
 * edit), every property, compared with `em.find` on the same rows.
 */
export function visible(meta: EntityMetadata, object: Record<string, unknown> | null): Record<string, unknown> | null {
  if (!object) return null;
  const out: Record<string, unknown> = {};
  for (const prop of meta.props) {
    if (prop.kind === ReferenceKind.ONE_TO_MANY || prop.kind === ReferenceKind.MANY_TO_MANY || prop.persist === false || prop.lazy) continue;
    if (prop.kind === ReferenceKind.ONE_TO_ONE && !prop.owner) continue;
    const value = object[prop.name] as unknown;
    if (prop.kind === ReferenceKind.MANY_TO_ONE || prop.kind === ReferenceKind.ONE_TO_ONE) {
      const target = value as Record<string, unknown> | null | undefined;
      out[prop.name] = target == null ? null : { class: target.constructor.name, key: target[prop.targetMeta!.primaryKeys[0]] };
    } else {
      out[prop.name] = value instanceof Date ? `Date ${value.toISOString()}` : value === undefined ? null : value;
    }
  }
  return out;
}

export async function compareEveryEntity(t: TestServer): Promise<number> {
  const orm = t.server.orm;
  let compared = 0;
  for (const meta of orm.getMetadata().getAll().values()) {
    if (meta.abstract || meta.embeddable || meta.virtual || !meta.tableName || meta.primaryKeys.length !== 1) continue;
    const pk = meta.primaryKeys[0];
    const pkColumn = meta.properties[pk].fieldNames[0];
    const rows = await t.sql<Record<string, unknown>>(`select "${pkColumn}" as k from "${meta.tableName}" order by 1 limit 50`);
    if (rows.length === 0) continue;
    const keys = rows.map((r) => (typeof r.k === 'string' && /^\d+$/.test(r.k) ? Number(r.k) : r.k)) as (number | string)[];
    const managed = await rootEm(orm).fork().find(meta.class as EntityClass<object>, { [pk]: { $in: keys } } as never);
    const byKey = new Map(managed.map((m) => [String((m as Record<string, unknown>)[pk]), m]));
    const plain = await createEntityLoader(rootEm(orm).fork(), meta.class as EntityClass<object>, pk).loadMany(keys);
    keys.forEach((key, i) => {
      const read = plain[i] as Record<string, unknown>;
      expect(read, `${meta.className} ${key}`).toBeInstanceOf(meta.class);
      expect(visible(meta, read), `${meta.className} ${key}`).toEqual(visible(meta, byKey.get(String(key)) as Record<string, unknown>));
      // Every GraphQL field declared on the class reads the same value.
      for (const field of getMetadataStorage().fields.filter((f) => f.target === meta.class)) {
        const a = read[field.name];
        const b = (byKey.get(String(key)) as Record<string, unknown>)[field.name];
        expect(a instanceof Date ? a.toISOString() : a, `${meta.className}.${field.name}`).toEqual(b instanceof Date ? b.toISOString() : b);
      }
    });
    compared++;
  }
  return compared;
}

/**
 * The targets of generic rows read as `contentObject` reads them: every
 * registered content type's objects (up to 20 each) requested in one tick, so
 * they come in ONE batch of all types, whose statement joins every type's
 * probe and lets the types share their columns (`RequestLoaders.targetJoin`).
 * Each must equal the ORM's entity of the same row, property by property.
 * Returns the number of types compared (those with rows).
 */
export async function compareContentObjects(t: TestServer): Promise<number> {
  const { orm, registry } = t.server;
  const loaders = new RequestLoaders(rootEm(orm).fork(), registry);
  const wanted: { type: ReturnType<typeof registry.types>[number]; key: string }[] = [];
  for (const type of registry.types()) {
    const meta = orm.getMetadata().get(type.cls);
    const rows = await t.sql<{ k: unknown }>(`select "${type.primaryKeyColumn}"::text as k from "${meta.tableName}" order by 1 limit 20`);
    for (const row of rows) wanted.push({ type, key: String(row.k) });
  }
  const types = new Set(wanted.map((w) => w.type));
  expect(types.size).toBeGreaterThan(1); // a batch of one type reads its table alone, without the join
  // The statement's target columns: the types share them, so fewer than all the types' columns, and at least one type's.
  const ids = [...types].map((type) => registry.idOf(type.cls));
  const columns = (type: (typeof wanted)[number]['type']) => rowMapper(rootEm(orm).fork(), type.cls as EntityClass<object>).columns.length;
  const selected = loaders.targetJoin(ids, 'k.ct', 'k.oid', 'cg_ct', 'cg_oid')!.select.match(/ as cgs\d+/g)!.length;
  expect(selected).toBeLessThan([...types].reduce((sum, type) => sum + columns(type), 0));
  expect(selected).toBeGreaterThanOrEqual(Math.max(...[...types].map(columns)));
  const read = await Promise.all(wanted.map((w) => loaders.contentObject(registry.idOf(w.type.cls), w.key)));
  for (const [i, { type, key }] of wanted.entries()) {
    const meta = orm.getMetadata().get(type.cls) as EntityMetadata;
    const pk = meta.primaryKeys[0];
    const managed = await rootEm(orm).fork().findOne(type.cls as EntityClass<object>, { [pk]: keyFromText(type.keyKind, key) } as never);
    expect(read[i], `${type.typeName} ${key}`).toBeInstanceOf(type.cls);
    expect(visible(meta, read[i] as Record<string, unknown>), `${type.typeName} ${key}`).toEqual(visible(meta, managed as Record<string, unknown>));
  }
  return types.size;
}
