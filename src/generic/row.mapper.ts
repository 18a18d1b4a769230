import { type EntityClass, type EntityMetadata, type EntityProperty, type Platform, ReferenceKind } from '@mikro-orm/core';
import type { EntityManager } from '@mikro-orm/sql';
import { quoteIdentifier as q } from './sql.js';

/**
 * Rows → read-only objects of an entity class, without the ORM.
 *
 * The read path (loaders, pages, lists) never writes what it reads: building
 * MikroORM managed entities for it (identity map, change-set snapshots,
 * wrapped helpers, references registered in the unit of work) cost about a
 * third of the feed's CPU and most of its garbage (docs/performance.md). A
 * row mapper turns the columns of a raw row into a plain object that has the
 * entity's prototype (so `instanceof`, the registry's `get(obj)`, the union's
 * `resolveType` and every `@Field` see the same class) and own data
 * properties converted as MikroORM converts them (custom types, dates,
 * booleans); a many-to-one becomes a detached reference `{ <pk>: value }` of
 * the target's class, which is all a read resolver uses (`entry.actor.id`).
 *
 * These objects are not managed: never pass one to `em.persist`/`remove`;
 * mutations load what they change through their own transaction (`tx`).
 * A class whose mapping this does not cover (embeddables, composite or
 * formula properties) falls back to `em.map`.
 */
export interface RowMapper<T extends object> {
  /** Columns to select (with `select`), in the table's own names; lazy properties left out, as `em.find` does. */
  readonly columns: readonly string[];
  /** The declared SQL type of each of `columns` (MikroORM's `columnTypes`, lower case; '' when it has none). */
  readonly columnTypes: readonly string[];
  /** `alias.col as "<prefix>col", …` for a join that brings this entity's columns under a prefix. */
  selectList(alias: string, prefix: string): string;
  /** The object of one row; `prefix` as given to `selectList`. Null when the row's primary key column is null (an outer join's miss). */
  map(row: Record<string, unknown>, prefix?: string): T | null;
  /** The same from a row whose value of `columns[i]` is under `keys[i]` (a statement that names them otherwise). */
  mapKeys(row: Record<string, unknown>, keys: readonly string[]): T | null;
}

type Convert = (value: unknown) => unknown;

interface Column {
  property: string;
  column: string;
  /** Declared SQL type, lower case ('' when none). */
  type: string;
  convert: Convert | null;
}

/** MikroORM's declared SQL type of a property's `i`-th column, lower case; '' when it has none. */
function declaredType(prop: EntityProperty, i = 0): string {
  return (prop.columnTypes?.[i] ?? '').trim().toLowerCase();
}

const mappers = new WeakMap<object, Map<Function, RowMapper<any>>>();

/** The row mapper of `cls` (memoised per ORM metadata). */
export function rowMapper<T extends object>(em: EntityManager, cls: EntityClass<T>): RowMapper<T> {
  const metadata = em.getMetadata();
  let byClass = mappers.get(metadata);
  if (!byClass) mappers.set(metadata, (byClass = new Map()));
  let mapper = byClass.get(cls);
  if (!mapper) byClass.set(cls, (mapper = buildMapper(em, metadata.get(cls) as EntityMetadata<T>)));
  return mapper;
}

function buildMapper<T extends object>(em: EntityManager, meta: EntityMetadata<T>): RowMapper<T> {
  const platform = em.getPlatform();
  const columns: Column[] = [];
  let supported = meta.primaryKeys.length === 1 && !meta.embeddable && !meta.virtual && !meta.discriminatorColumn;
  for (const prop of meta.props as EntityProperty<T>[]) {
    if (!supported) break;
    if (prop.persist === false && !prop.formula) continue;
    if (prop.kind === ReferenceKind.ONE_TO_MANY || prop.kind === ReferenceKind.MANY_TO_MANY) continue;
    if (prop.lazy && !prop.primary) continue;
    // `__proto__` as a key of the compiled object literal would set the prototype, not a property.
    if (prop.name === '__proto__' || prop.formula || prop.embedded || prop.kind === ReferenceKind.EMBEDDED || prop.fieldNames?.length !== 1 || prop.ref || prop.polymorphic) {
      supported = false;
      break;
    }
    if (prop.kind === ReferenceKind.SCALAR) {
      columns.push({ property: prop.name, column: prop.fieldNames[0], type: declaredType(prop), convert: scalarConverter(prop, platform) });
    } else if (prop.kind === ReferenceKind.MANY_TO_ONE || (prop.kind === ReferenceKind.ONE_TO_ONE && prop.owner)) {
      const target = prop.targetMeta;
      if (!target || target.primaryKeys.length !== 1 || prop.mapToPk || prop.targetKey) {
        supported = false;
        break;
      }
      columns.push({ property: prop.name, column: prop.fieldNames[0], type: declaredType(prop), convert: referenceConverter(target, platform) });
    } else if (prop.kind === ReferenceKind.ONE_TO_ONE) {
      continue; // the inverse side: no column
    } else {
      supported = false;
    }
  }
  const pk = meta.properties[meta.primaryKeys[0]] as EntityProperty<T> | undefined;
  const pkColumn = pk?.fieldNames?.[0];
  if (!supported || !pkColumn) return fallbackMapper(em, meta);
  const prototype = meta.class.prototype as object;
  const names = columns.map((c) => c.column);
  const pkIndex = names.indexOf(pkColumn);
  if (pkIndex < 0) return fallbackMapper(em, meta);
  type Map_ = (row: Record<string, unknown>) => T | null;
  // Compiled once per set of row keys: a statement's keys come from code (a prefix, targetJoin's slots), so
  // there are few; the same array is looked up by identity, a new one with the same keys by its text.
  const bySignature = new Map<string, Map_>();
  const byKeys = new WeakMap<readonly string[], Map_>();
  const compiledFor = (keys: readonly string[]): Map_ => {
    let map = byKeys.get(keys);
    if (!map) {
      if (keys.length !== columns.length) throw new Error(`${meta.className}: ${keys.length} row keys for ${columns.length} columns`);
      const signature = keys.join('\u0000');
      map = bySignature.get(signature) ?? compileMap<T>(columns, keys, keys[pkIndex], prototype);
      bySignature.set(signature, map);
      byKeys.set(keys, map);
    }
    return map;
  };
  const byPrefix = new Map<string, Map_>();
  return {
    columns: names,
    columnTypes: columns.map((c) => c.type),
    selectList: (alias, prefix) => names.map((name) => `${alias}.${q(name)} as ${q(prefix + name)}`).join(', '),
    map(row, prefix = '') {
      let map = byPrefix.get(prefix);
      if (!map) byPrefix.set(prefix, (map = compiledFor(names.map((name) => prefix + name))));
      return map(row);
    },
    mapKeys: (row, keys) => compiledFor(keys)(row),
  };
}

/**
 * One row → one object, as straight-line code for one entity and one set of
 * row keys (its columns' names with a prefix, or the aliases a statement
 * gives them): an object literal with constant property names (so V8's inline
 * caches stay monomorphic and every object of a class shares one hidden
 * class) and no key built per row. Own data properties first, then the
 * class (`setPrototypeOf`): assigning onto an object that already has the
 * entity's prototype would run the ORM's property setters. As a loop over
 * the columns this was 4–6 % of the feed's CPU. The names in the code are the
 * entity metadata's (the developer's), written as JSON string literals; the
 * converters are passed in, not written.
 */
function compileMap<T>(columns: readonly Column[], keys: readonly string[], pkKey: string, prototype: object): (row: Record<string, unknown>) => T | null {
  const key = (name: string) => JSON.stringify(name);
  const value = (i: number, convert: Convert | null) =>
    convert ? `(v = row[${key(keys[i])}]) === null || v === undefined ? null : convert[${i}](v)` : `(v = row[${key(keys[i])}]) === undefined ? null : v`;
  const fields = columns.map(({ property, convert }, i) => `${key(property)}: ${value(i, convert)}`);
  const source =
    `return function mapRow(row) {\n` +
    `  const pk = row[${key(pkKey)}];\n` +
    `  if (pk === null || pk === undefined) return null;\n` +
    `  let v;\n` +
    `  return Object.setPrototypeOf({\n    ${fields.join(',\n    ')}\n  }, prototype);\n` +
    `};`;
  return new Function('prototype', 'convert', source)(prototype, columns.map((c) => c.convert));
}

function scalarConverter(prop: EntityProperty, platform: Platform): Convert | null {
  if (prop.customType) {
    const type = prop.customType;
    return (value) => type.convertToJSValue(value, platform);
  }
  if (prop.runtimeType === 'Date' && !platform.isNumericProperty(prop)) return (value) => (value instanceof Date ? value : platform.parseDate(value as string));
  if (prop.runtimeType === 'boolean') return (value) => Boolean(value);
  return null;
}

function referenceConverter(target: EntityMetadata, platform: Platform): Convert {
  const pk = target.primaryKeys[0] as string;
  const convertKey = scalarConverter(target.properties[pk], platform);
  const prototype = target.class.prototype as object;
  return (value) => Object.setPrototypeOf({ [pk]: convertKey ? convertKey(value) : value }, prototype);
}

/** What MikroORM's own mapping gives, for classes the mapper does not cover: managed entities (`em.map`). */
function fallbackMapper<T extends object>(em: EntityManager, meta: EntityMetadata<T>): RowMapper<T> {
  const props = (meta.props as EntityProperty<T>[]).filter(
    (p) => p.persist !== false && !p.lazy && p.fieldNames?.length && (p.kind === ReferenceKind.SCALAR || p.kind === ReferenceKind.MANY_TO_ONE || (p.kind === ReferenceKind.ONE_TO_ONE && p.owner)),
  );
  const names = props.flatMap((p) => p.fieldNames);
  const types = props.flatMap((p) => p.fieldNames.map((_, i) => declaredType(p, i)));
  const pkColumns = meta.getPrimaryProps().flatMap((p) => p.fieldNames);
  const mapKeys = (row: Record<string, unknown>, keys: readonly string[]) => {
    const value = (column: string) => row[keys[names.indexOf(column)]];
    if (pkColumns.some((c) => !names.includes(c) || value(c) === null || value(c) === undefined)) return null;
    return em.map(meta.class, Object.fromEntries(names.map((name, i) => [name, row[keys[i]]])) as never) as T;
  };
  return {
    columns: names,
    columnTypes: types,
    selectList: (alias, prefix) => names.map((name) => `${alias}.${q(name)} as ${q(prefix + name)}`).join(', '),
    map(row, prefix = '') {
      if (pkColumns.some((c) => row[prefix + c] === null || row[prefix + c] === undefined)) return null;
      const columns = prefix ? Object.fromEntries(names.map((name) => [name, row[prefix + name]])) : row;
      return em.map(meta.class, columns as never) as T;
    },
    mapKeys,
  };
}
