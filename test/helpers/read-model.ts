import { expect } from 'vitest';
import { type EntityClass, type EntityMetadata, ReferenceKind } from '@mikro-orm/core';
import { getMetadataStorage } from 'type-graphql';
import { createEntityLoader } from '../../src/generic/entity.loader.js';
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

