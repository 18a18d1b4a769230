import { MetadataStorage } from '@mikro-orm/core';
import { Field, Float, getMetadataStorage, InputType, Int } from 'type-graphql';
import type { RegisteredContentType } from '../generic/content-type.registry.js';
import { declaredRange, type ValueRange } from './range.decorator.js';

export type ScalarName = 'String' | 'Int' | 'Float' | 'Boolean';

/** A property of a content type that the create/update mutations write. */
export interface WritableField {
  name: string;
  scalar: ScalarName;
  /** The column accepts NULL. */
  nullable: boolean;
  /** Must be given on create (not nullable and no default). */
  required: boolean;
  /** varchar length, when the column has one. */
  maxLength?: number;
  /** Numbers: whole numbers only (integer columns). */
  integer?: boolean;
  /** Numbers: the smallest and largest value the column type and a declared `@Range` allow together. */
  min?: number;
  max?: number;
  description?: string;
}

export interface ContentInputTypes {
  fields: WritableField[];
  CreateInput: Function;
  UpdateInput: Function;
}

/**
 * The writable fields of a content type, derived from its two sets of
 * decorators: a GraphQL field (`@Field`) of a scalar type (String, Int,
 * Float, Boolean) that is also a plain persisted column (`@Property`) without
 * a database-side default or `onUpdate` (so not the primary key, not
 * `createdAt`/`updatedAt`). A new content type gets its inputs from its
 * entity class alone.
 */
export function writableFields(cls: Function): WritableField[] {
  const orm = MetadataStorage.getMetadata(cls.name, (cls as unknown as Record<symbol, string>)[MetadataStorage.PATH_SYMBOL], cls as never);
  const instance = new (cls as new () => Record<string, unknown>)();
  const fields: WritableField[] = [];
  for (const field of getMetadataStorage().fields.filter((f) => f.target === cls)) {
    const scalar = scalarOf(field.getType());
    const prop = (orm.properties as unknown as Record<string, Record<string, unknown> | undefined>)[field.name];
    if (!scalar || !prop || prop.kind !== 'scalar' || prop.primary || prop.defaultRaw !== undefined || prop.onUpdate || prop.persist === false) continue;
    const nullable = Boolean(prop.nullable);
    const hasDefault = prop.default !== undefined || instance[field.name] !== undefined;
    fields.push({
      name: field.name,
      scalar,
      nullable,
      required: !nullable && !hasDefault,
      maxLength: typeof prop.length === 'number' ? prop.length : undefined,
      ...numericDomain(prop, declaredRange(cls, field.name)),
      description: field.description,
    });
  }
  return fields;
}

/**
 * `Create<Type>Input` (required fields non-null) and `Update<Type>Input`
 * (every field optional; omitted fields keep their value) for a content
 * type. Call once per type (type-graphql metadata is global).
 */
export function createContentInputTypes(type: RegisteredContentType): ContentInputTypes {
  const fields = writableFields(type.cls);
  const CreateInput = inputClass(`Create${type.typeName}Input`, `The fields of a new ${type.typeName}.`, fields, (f) => !f.required);
  const UpdateInput = inputClass(
    `Update${type.typeName}Input`,
    `Changes to a ${type.typeName}: only the fields given are changed; null clears a nullable field.`,
    fields,
    () => true,
  );
  return { fields, CreateInput, UpdateInput };
}

function inputClass(name: string, description: string, fields: WritableField[], optional: (f: WritableField) => boolean): Function {
  const cls = class {};
  Object.defineProperty(cls, 'name', { value: name });
  InputType(name, { description })(cls);
  for (const field of fields) {
    const limit = field.maxLength
      ? ` At most ${field.maxLength} characters.`
      : narrowerThanInt(field)
        ? ` From ${field.min ?? '-∞'} to ${field.max ?? '∞'}.`
        : '';
    Field(() => GRAPHQL_TYPES[field.scalar], { nullable: optional(field), description: `${field.description ?? ''}${limit}`.trim() || undefined })(cls.prototype, field.name);
  }
  return cls;
}

const GRAPHQL_TYPES = { String, Int, Float, Boolean } as const;

/** Whether a field accepts less than a GraphQL Int (32-bit) does: worth saying in its description. */
const narrowerThanInt = (field: WritableField) => (field.min ?? -Infinity) > -2147483648 || (field.max ?? Infinity) < 2147483647;

const INT_RANGES: Record<string, [number, number]> = {
  smallint: [-32768, 32767],
  int2: [-32768, 32767],
  tinyint: [-32768, 32767], // PostgreSQL maps it to smallint
  int: [-2147483648, 2147483647],
  integer: [-2147483648, 2147483647],
  int4: [-2147483648, 2147483647],
  mediumint: [-2147483648, 2147483647],
  bigint: [-Number.MAX_SAFE_INTEGER, Number.MAX_SAFE_INTEGER], // as far as a JavaScript number is exact
  int8: [-Number.MAX_SAFE_INTEGER, Number.MAX_SAFE_INTEGER],
};
const REAL_MAX = 3.4028234663852886e38;

/**
 * What the column type of a numeric property can store (smallint, integer,
 * bigint, real, numeric(p, s)), narrowed by its declared `@Range`: the
 * domain `validateContentInput` checks, so that no value reaches the
 * database in a form it rejects.
 */
function numericDomain(prop: Record<string, unknown>, range: ValueRange | undefined): Pick<WritableField, 'integer' | 'min' | 'max'> {
  const columnType = String(prop.columnType ?? prop.type ?? '').toLowerCase().trim();
  const base = /^[a-z0-9 ]+/.exec(columnType)?.[0].trim() ?? '';
  let domain: Pick<WritableField, 'integer' | 'min' | 'max'> = {};
  if (INT_RANGES[base]) domain = { integer: true, min: INT_RANGES[base][0], max: INT_RANGES[base][1] };
  else if (base === 'real' || base === 'float4' || base === 'float') domain = { min: -REAL_MAX, max: REAL_MAX };
  else if (base === 'numeric' || base === 'decimal') {
    const precision = Number(prop.precision ?? /\((\d+)/.exec(columnType)?.[1]);
    const scale = Number(prop.scale ?? /,\s*(\d+)/.exec(columnType)?.[1] ?? 0);
    if (Number.isInteger(precision)) domain = { min: -(10 ** (precision - scale)) + 10 ** -scale, max: 10 ** (precision - scale) - 10 ** -scale };
  }
  if (range?.min !== undefined) domain.min = Math.max(domain.min ?? -Infinity, range.min);
  if (range?.max !== undefined) domain.max = Math.min(domain.max ?? Infinity, range.max);
  return domain;
}

function scalarOf(type: unknown): ScalarName | undefined {
  if (type === String) return 'String';
  if (type === Boolean) return 'Boolean';
  if (type === Number) return 'Float';
  const name = (type as { name?: unknown } | undefined)?.name;
  return name === 'String' || name === 'Int' || name === 'Float' || name === 'Boolean' ? name : undefined;
}
