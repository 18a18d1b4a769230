import DataLoader from 'dataloader';
import type { EntityClass } from '@mikro-orm/core';
import type { EntityManager } from '@mikro-orm/sql';
import type { ContentTypeRegistry, RegisteredContentType } from './content-type.registry.js';
import { createEntityLoader } from './entity.loader.js';
import { keyFromText, keySqlType, keyTextSqlPattern, type ObjectKey } from './object-key.js';
import { type RowMapper, rowMapper } from './row.mapper.js';
import { placeholders, quoteIdentifier as q, readRows } from './sql.js';

/**
 * The targets of generic rows joined into the statement that reads the rows
 * (`RequestLoaders.targetJoin`): one statement less than reading the rows,
 * then their targets through `contentObject`.
 */
export interface TargetJoin {
  /** Columns to add to the statement's select list (`cgs<i>`: the targets' columns, shared by the types). */
  select: string;
  /** `LEFT JOIN LATERAL` clauses to add after the FROM item that has the rows. */
  joins: string;
  /**
   * The target of one row the statement returned, as `contentObject` would
   * answer it (null: no such object, or a content type outside the join),
   * also primed in the loaders, so the fields selected on it batch as
   * contentObject's targets do.
   */
  target(row: Record<string, unknown>): object | null;
}

/**
 * The most content types a page joins the targets of (`targetJoin`): every
 * type's probe is in its statement whatever the rows' types, so past a few
 * the planning costs more than the round trip saved.
 */
export const MAX_JOINED_TARGET_TYPES = 8;

/** `targetJoin`'s statement parts for one set of content types, and how to read each type's target from a row. */
interface JoinLayout {
  select: string;
  joins: string;
  byId: Map<number, { ct: number; type: RegisteredContentType; mapper: RowMapper<object>; keys: readonly string[] }>;
}

/** Layouts per ORM metadata and registry (they depend on both and nothing else), at most MAX_JOIN_LAYOUTS each. */
const joinLayouts = new WeakMap<object, WeakMap<ContentTypeRegistry, Map<string, JoinLayout>>>();
const MAX_JOIN_LAYOUTS = 256;

/**
 * Every DataLoader of one request, created lazily and memoised here; built by
 * the context factory with the request's EntityManager fork, so nothing
 * outlives the request.
 */
export class RequestLoaders {
  readonly #entityLoaders = new Map<Function, DataLoader<ObjectKey, any>>();
  readonly #named = new Map<string, DataLoader<any, any>>();
  #contentObjects: DataLoader<string, object | null> | undefined;

  constructor(
    readonly em: EntityManager,
    readonly registry: ContentTypeRegistry,
  ) {}

  /** The loader of an entity class by primary key (one query per class per batch). */
  entity<T extends object>(cls: EntityClass<T>): DataLoader<ObjectKey, T | null> {
    let loader = this.#entityLoaders.get(cls);
    if (!loader) {
      const pk = this.registry.find(cls)?.primaryKeyProperty || 'id';
      loader = createEntityLoader(this.em, cls, pk);
      this.#entityLoaders.set(cls, loader);
    }
    return loader;
  }

  /**
   * Resolves a generic foreign key `(content_type_id, object_id)` to its
   * content object through the per-type loader; `null` for a missing object
   * or an unknown (stale) content type, like Django's GenericForeignKey.
   */
  async contentObject(contentTypeId: number, objectId: string): Promise<object | null> {
    if (!this.registry.byId(contentTypeId)) return null;
    return this.#contentObjectLoader().load(`${contentTypeId}:${objectId}`);
  }

  #contentObjectLoader(): DataLoader<string, object | null> {
    return (this.#contentObjects ??= new DataLoader<string, object | null>((keys) => this.#loadContentObjects(keys), { maxBatchSize: 5000 }));
  }

  /**
   * The targets of generic rows in the statement that reads them: for each
   * content type of `contentTypeIds`, a `LEFT JOIN LATERAL` probe of its
   * primary key (`where <ct column> = <type> and pk = case when <oid
   * column> ~* '<key pattern>' then <oid column>::<key type> end limit 1`:
   * the first condition is a one-time filter, so a row of another type
   * probes nothing; the cast is on the value side, as in
   * `#loadContentObjects`, and only of texts that are keys of that type),
   * and their columns in the select list, the types sharing them: a row has
   * one target, so the n-th column of a declared SQL type of every type is
   * one column `cgs<i>` (`case <ct column> when <type> then cgt<n>.<column>
   * … end`), and a column whose type no other type has is its own. A page of
   * six types' targets returns about ten target columns per row instead of
   * all 37, which pg would otherwise parse, mostly nulls, on every row
   * (docs/performance.md). Only columns of the same declared type share a
   * column, so each value keeps the type, and pg's parsing, it had. The
   * column expressions name the rows' content type and object id, e.g.
   * `p.content_type_id`, `p.object_id`; they come from code, never from a
   * client. Used by `contentObject`'s batches (the keys as a VALUES list)
   * and by pages whose every row shows its target (a tag's items).
   * Undefined when no type of `contentTypeIds` is registered.
   */
  targetJoin(contentTypeIds: readonly number[], contentTypeColumn: string, objectIdColumn: string, contentTypeField: string, objectIdField: string): TargetJoin | undefined {
    const ids = [...new Set(contentTypeIds)].filter((ct) => this.registry.byId(ct) !== undefined).sort((a, b) => a - b);
    if (ids.length === 0) return undefined;
    const { select, joins, byId } = this.#joinLayout(ids, contentTypeColumn, objectIdColumn);
    const joined = new Map<string, object | null>();
    return {
      select,
      joins,
      target: (row) => {
        const ct = Number(row[contentTypeField]);
        const oid = String(row[objectIdField]);
        const key = `${ct}:${oid}`;
        if (joined.has(key)) return joined.get(key)!;
        const t = byId.get(ct);
        const object = t ? t.mapper.mapKeys(row, t.keys) : null;
        joined.set(key, object);
        if (t) {
          this.#contentObjectLoader().prime(key, object);
          const typed = keyFromText(t.type.keyKind, oid);
          if (object && typed !== null) this.entity(t.type.cls).prime(typed, object);
        }
        return object;
      },
    };
  }

  /**
   * `targetJoin`'s SQL and each type's row keys for one set of types (in id
   * order) and column expressions: built once, then reused by every request
   * (`#joinLayouts`).
   */
  #joinLayout(ids: readonly number[], contentTypeColumn: string, objectIdColumn: string): JoinLayout {
    let cache = joinLayouts.get(this.em.getMetadata())?.get(this.registry);
    if (!cache) {
      let byRegistry = joinLayouts.get(this.em.getMetadata());
      if (!byRegistry) joinLayouts.set(this.em.getMetadata(), (byRegistry = new WeakMap()));
      byRegistry.set(this.registry, (cache = new Map()));
    }
    const cacheKey = `${ids.join(',')}|${contentTypeColumn}|${objectIdColumn}`;
    const cached = cache.get(cacheKey);
    if (cached) return cached;
    const types = ids.map((ct, n) => {
      const type = this.registry.byId(ct)!;
      return { ct, type, alias: `cgt${n}`, mapper: rowMapper(this.em, type.cls as EntityClass<object>), keys: [] as string[] };
    });
    // Columns of the select list: the n-th column of a declared type in each type share one (types never share a row).
    const slots = new Map<string, { alias: string; members: { ct: number; alias: string; column: string }[] }>();
    for (const [n, t] of types.entries()) {
      const seen = new Map<string, number>();
      for (const [i, column] of t.mapper.columns.entries()) {
        const declared = t.mapper.columnTypes[i];
        const nth = (seen.get(declared) ?? 0) + 1;
        seen.set(declared, nth);
        const key = declared ? `${declared}#${nth}` : `${n}:${i}`; // no declared type: a column of its own
        let slot = slots.get(key);
        if (!slot) slots.set(key, (slot = { alias: `cgs${slots.size}`, members: [] }));
        slot.members.push({ ct: t.ct, alias: t.alias, column });
        t.keys.push(slot.alias);
      }
    }
    const layout: JoinLayout = {
      select: [...slots.values()]
        .map(({ alias, members }) =>
          members.length === 1
            ? `${members[0].alias}.${q(members[0].column)} as ${alias}`
            : `case ${contentTypeColumn} ${members.map((m) => `when ${Number(m.ct)} then ${m.alias}.${q(m.column)}`).join(' ')} end as ${alias}`,
        )
        .join(', '),
      joins: types
        .map(
          (t) =>
            ` left join lateral (select * from ${q(t.type.tableName)} x where ${contentTypeColumn} = ${Number(t.ct)} and x.${q(t.type.primaryKeyColumn)} = ` +
            `case when ${objectIdColumn} ~* '${keyTextSqlPattern(t.type.keyKind)}' then ${objectIdColumn}::${keySqlType(t.type.keyKind)} end limit 1) ${t.alias} on true`,
        )
        .join(''),
      byId: new Map(types.map((t) => [t.ct, t])),
    };
    // A client choosing which types its batches mix cannot grow this without bound.
    if (cache.size >= MAX_JOIN_LAYOUTS) cache.clear();
    cache.set(cacheKey, layout);
    return layout;
  }

  /**
   * One batch of targets of any types: ONE statement whatever the mix of
   * types (the keys as a VALUES list, each left-joined LATERAL to a probe of
   * each type's primary key index), rows mapped to read-only objects
   * (`rowMapper`) that also prime the per-type entity loaders. So the fields
   * selected on the targets (their tags, comment counts, …) are requested in
   * one tick and batch into one query each, whatever the mix of types.
   */
  async #loadContentObjects(keys: readonly string[]): Promise<(object | null | Error)[]> {
    // LATERAL … LIMIT 1, not a plain join on `pk = case when k.n = … end`: PostgreSQL pulls a plain join up and, for
    // tables of a few thousand rows, hashed each table whole (a sequential scan of every type's table per batch), with
    // planning that grew with the number of types (100 keys over 20 types: 22.7 ms in the database, 4.7 ms now). A
    // LATERAL subquery with LIMIT is not pulled up: each key probes its own type's primary key index (targetJoin: the
    // type is a one-time filter, so other types' tables are not touched). test/page-plans.test.ts explains it.
    const byType = new Map<number, { text: string; key: ObjectKey }[]>();
    for (const key of keys) {
      const at = key.indexOf(':');
      const ct = Number(key.slice(0, at));
      const text = key.slice(at + 1);
      const parsed = keyFromText(this.registry.byId(ct)!.keyKind, text);
      if (parsed === null) continue; // no object can have that key
      let list = byType.get(ct);
      if (!list) byType.set(ct, (list = []));
      list.push({ text, key: parsed });
    }
    const loaded = new Map<string, object | null>();
    const join = byType.size > 1 ? this.targetJoin([...byType.keys()], 'k.ct', 'k.oid', 'cg_ct', 'cg_oid') : undefined;
    if (join) {
      const params = [...byType].flatMap(([ct, list]) => list.flatMap((item) => [ct, item.text]));
      const rows = await readRows<Record<string, unknown>>(this.em,
        `select k.ct as cg_ct, k.oid as cg_oid, ${join.select} from (values ${placeholders(params.length / 2, '(?::int, ?::text)')}) as k(ct, oid)${join.joins}`,
        params,
      );
      for (const row of rows) loaded.set(`${Number(row.cg_ct)}:${String(row.cg_oid)}`, join.target(row));
    } else {
      // One type: its own `WHERE pk IN (…)`.
      await Promise.all(
        [...byType].map(async ([ct, list]) => {
          const results = await this.entity(this.registry.byId(ct)!.cls).loadMany(list.map((item) => item.key));
          list.forEach((item, i) => loaded.set(`${ct}:${item.text}`, results[i] instanceof Error ? null : (results[i] as object | null)));
        }),
      );
    }
    return keys.map((key) => loaded.get(key) ?? null);
  }

  /** A memoised loader for a feature (reverse relations, counts); `key` names it. */
  named<K, V, C = K>(key: string, create: () => DataLoader<K, V, C>): DataLoader<K, V, C> {
    let loader = this.#named.get(key);
    if (!loader) {
      loader = create();
      this.#named.set(key, loader);
    }
    return loader as DataLoader<K, V, C>;
  }
}
