import { MetadataStorage } from '@mikro-orm/core';
import { Field, Float, getMetadataStorage, InputType, Int } from 'type-graphql';
import type { RegisteredContentType } from '../generic/content-type.registry.js';

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
    const limit = field.maxLength ? ` At most ${field.maxLength} characters.` : '';
    Field(() => GRAPHQL_TYPES[field.scalar], { nullable: optional(field), description: `${field.description ?? ''}${limit}`.trim() || undefined })(cls.prototype, field.name);
  }
  return cls;
}

const GRAPHQL_TYPES = { String, Int, Float, Boolean } as const;

function scalarOf(type: unknown): ScalarName | undefined {
  if (type === String) return 'String';
  if (type === Boolean) return 'Boolean';
  if (type === Number) return 'Float';
  const name = (type as { name?: unknown } | undefined)?.name;
  return name === 'String' || name === 'Int' || name === 'Float' || name === 'Boolean' ? name : undefined;
}
