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
  /** `alias.col as "<prefix>col", …` for a join that brings this entity's columns under a prefix. */
  selectList(alias: string, prefix: string): string;
  /** The object of one row; `prefix` as given to `selectList`. Null when the row's primary key column is null (an outer join's miss). */
  map(row: Record<string, unknown>, prefix?: string): T | null;
}

type Convert = (value: unknown) => unknown;

interface Column {
  property: string;
  column: string;
  convert: Convert | null;
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
      columns.push({ property: prop.name, column: prop.fieldNames[0], convert: scalarConverter(prop, platform) });
    } else if (prop.kind === ReferenceKind.MANY_TO_ONE || (prop.kind === ReferenceKind.ONE_TO_ONE && prop.owner)) {
      const target = prop.targetMeta;
      if (!target || target.primaryKeys.length !== 1 || prop.mapToPk || prop.targetKey) {
        supported = false;
        break;
      }
      columns.push({ property: prop.name, column: prop.fieldNames[0], convert: referenceConverter(target, platform) });
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
  const compiled = new Map<string, (row: Record<string, unknown>) => T | null>();
  return {
    columns: names,
    selectList: (alias, prefix) => names.map((name) => `${alias}.${q(name)} as ${q(prefix + name)}`).join(', '),
    map(row, prefix = '') {
      let map = compiled.get(prefix);
      if (!map) compiled.set(prefix, (map = compileMap<T>(columns, pkColumn, prefix, prototype)));
      return map(row);
    },
  };
}

/**
 * One row → one object, as straight-line code for one entity and one column
 * prefix: an object literal with constant property names (so V8's inline
 * caches stay monomorphic and every object of a class shares one hidden
 * class) and no key built per row. Own data properties first, then the
 * class (`setPrototypeOf`): assigning onto an object that already has the
 * entity's prototype would run the ORM's property setters. As a loop over
 * the columns this was 4–6 % of the feed's CPU. The names in the code are the
 * entity metadata's (the developer's), written as JSON string literals; the
 * converters are passed in, not written.
 */
function compileMap<T>(columns: readonly Column[], pkColumn: string, prefix: string, prototype: object): (row: Record<string, unknown>) => T | null {
  const key = (name: string) => JSON.stringify(name);
  const value = (column: string, i: number, convert: Convert | null) =>
    convert ? `(v = row[${key(prefix + column)}]) === null || v === undefined ? null : convert[${i}](v)` : `(v = row[${key(prefix + column)}]) === undefined ? null : v`;
  const fields = columns.map(({ property, column, convert }, i) => `${key(property)}: ${value(column, i, convert)}`);
  const source =
    `return function mapRow(row) {\n` +
    `  const pk = row[${key(prefix + pkColumn)}];\n` +
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
  const names = (meta.props as EntityProperty<T>[])
    .filter((p) => p.persist !== false && !p.lazy && p.fieldNames?.length && (p.kind === ReferenceKind.SCALAR || p.kind === ReferenceKind.MANY_TO_ONE || (p.kind === ReferenceKind.ONE_TO_ONE && p.owner)))
    .flatMap((p) => p.fieldNames);
  const pkColumns = meta.getPrimaryProps().flatMap((p) => p.fieldNames);
  return {
    columns: names,
    selectList: (alias, prefix) => names.map((name) => `${alias}.${q(name)} as ${q(prefix + name)}`).join(', '),
    map(row, prefix = '') {
      if (pkColumns.some((c) => row[prefix + c] === null || row[prefix + c] === undefined)) return null;
      const columns = prefix ? Object.fromEntries(names.map((name) => [name, row[prefix + name]])) : row;
      return em.map(meta.class, columns as never) as T;
    },
  };
}
