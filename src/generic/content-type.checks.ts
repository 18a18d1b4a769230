import type { EntityMetadata } from '@mikro-orm/core';
import { ContentType } from './content-type.entity.js';
import type { ContentTypeOptions } from './content-type.options.js';
import type { BoundGenericForeignKey, GenericForeignKeyDeclaration } from './generic-relation.js';
import { type KeyKind, keyKindOf } from './object-key.js';

/**
 * Start-up checks with stable codes, in the manner of Django's
 * `contenttypes.E001`. The server refuses to start when any of them fails.
 */
export type ContentTypeCheckCode =
  | 'contenttypes.E001' // primary key cannot be stored in object_id (not an integer or uuid)
  | 'contenttypes.E002' // duplicate (app_label, model)
  | 'contenttypes.E003' // duplicate GraphQL type name
  | 'contenttypes.E004' // registered class is not a discovered entity
  | 'contenttypes.E005' // generic relation names an unregistered target
  | 'contenttypes.E006' // generic foreign key or relation is malformed (entity/property missing)
  | 'contenttypes.E007' // composite or missing primary key
  | 'contenttypes.E008' // app_label or model is not a lower-case identifier
  | 'contenttypes.E009' // generic foreign key without an index on (content type, object id)
  | 'contenttypes.E010' // content type names a relation that is not registered
  | 'contenttypes.E011'; // permission rule with an unknown name or principal

export interface ContentTypeCheckFailure {
  code: ContentTypeCheckCode;
  message: string;
}

export class ContentTypeCheckError extends Error {
  constructor(readonly failures: ContentTypeCheckFailure[]) {
    super(
      'contentgraph refuses to start: the content-type registry failed its checks:\n' +
        failures.map((f) => `  ${f.code}: ${f.message}`).join('\n'),
    );
    this.name = 'ContentTypeCheckError';
  }
}

/**
 * Thrown by `registry.get()` (and so by every helper that points a generic
 * foreign key at an object) for an entity that is not a registered content type.
 */
export class UnregisteredContentTypeError extends Error {
  readonly code = 'contenttypes.E005';

  constructor(readonly className: string) {
    super(
      `contenttypes.E005: ${className} is not a registered content type; register it with registry.register(${className}, { appLabel }) before using it as a target.`,
    );
    this.name = 'UnregisteredContentTypeError';
  }
}

/** `app_label` and `model`: what the integrity SQL and the natural key `app_label.model` rely on. */
export const CONTENT_TYPE_NAME = /^[a-z][a-z0-9_]*$/;

/** Generic foreign key names end up in trigger, function and constraint names. */
export const FOREIGN_KEY_NAME = /^[a-z][a-z0-9_]*$/;

/** The column type of a property, lower case, without its length: `varchar(255)` → `varchar`. */
function columnTypeOf(prop: { columnTypes?: string[]; type?: unknown }): string {
  return String(prop.columnTypes?.[0] ?? prop.type ?? '')
    .toLowerCase()
    .replace(/\(.*\)$/, '')
    .trim();
}

/**
 * E004, E007 and E001 for one registered class: it must be an entity of the
 * ORM (`meta`) with exactly one primary key column of a kind `object_id` can
 * store (integer or uuid). Returns the failure, or the table and key names
 * the integrity SQL needs.
 */
export function checkContentTypeEntity(
  cls: Function,
  key: string,
  meta: EntityMetadata | undefined,
): { failure: ContentTypeCheckFailure } | { tableName: string; primaryKeyProperty: string; primaryKeyColumn: string; keyKind: KeyKind } {
  if (!meta) {
    return {
      failure: {
        code: 'contenttypes.E004',
        message: `${cls.name} (${key}) is registered as a content type but is not an entity known to the ORM; add it to the ORM's entities.`,
      },
    };
  }
  if (meta.primaryKeys.length !== 1) {
    return {
      failure: {
        code: 'contenttypes.E007',
        message: `${cls.name} has ${meta.primaryKeys.length === 0 ? 'no' : 'a composite'} primary key; a content type needs exactly one primary key column (integer or uuid).`,
      },
    };
  }
  const pk = meta.properties[meta.primaryKeys[0] as keyof typeof meta.properties] as any;
  const columnType = columnTypeOf(pk);
  const keyKind = keyKindOf(columnType);
  if (pk.fieldNames?.length !== 1 || !keyKind) {
    return {
      failure: {
        code: 'contenttypes.E001',
        message:
          `${cls.name}.${pk.name} is of type "${columnType}", which object_id cannot store: a content type's primary key must be an ` +
          `integer (smallint, integer, bigint) or a uuid. Change the key, or do not register ${cls.name} as a content type.`,
      },
    };
  }
  return { tableName: meta.tableName, primaryKeyProperty: pk.name, primaryKeyColumn: pk.fieldNames[0], keyKind };
}

/**
 * E010 and E005 across types and relations: the relations a type lists in
 * `relations: [...]` must be registered (an `except` list may name relations
 * the application does not have), and a relation's `targets` registered types.
 */
export function checkParticipation(
  types: readonly { cls: Function; options: ContentTypeOptions }[],
  relations: readonly { name: string; targets?: () => Function[] }[],
  isRegistered: (cls: Function) => boolean,
): ContentTypeCheckFailure[] {
  const failures: ContentTypeCheckFailure[] = [];
  const names = new Set(relations.map((r) => r.name));
  for (const type of types) {
    const declared = type.options.relations;
    const listed = !declared || 'except' in declared ? [] : (declared as readonly string[]);
    for (const name of listed.filter((n) => !names.has(n))) {
      failures.push({
        code: 'contenttypes.E010',
        message: `${type.cls.name} names the relation "${name}" in its \`relations\`, but no relation of that name is registered (registered: ${[...names].join(', ') || 'none'}).`,
      });
    }
  }
  for (const type of types) failures.push(...checkPermissions(type.cls.name, type.options));
  for (const relation of relations) {
    for (const target of (relation.targets?.() ?? []).filter((t) => !isRegistered(t))) {
      failures.push({
        code: 'contenttypes.E005',
        message: `generic relation "${relation.name}" allows ${target.name} as a target, but ${target.name} is not a registered content type.`,
      });
    }
  }
  return failures;
}

/**
 * E006 and E009 for one generic foreign key declaration: a fresh
 * lower-case name (added to `names`), a ManyToOne to ContentType and one
 * `text` object id column on an entity of the ORM, and an index (or unique
 * constraint) whose leading columns are that pair, which the reverse lookups
 * and the delete triggers need. Returns the failures, and the declaration
 * bound to its table and columns unless it is malformed.
 */
export function checkGenericForeignKey(
  fk: GenericForeignKeyDeclaration & { relation: string },
  meta: EntityMetadata | undefined,
  names: Set<string>,
): { failures: ContentTypeCheckFailure[]; bound?: BoundGenericForeignKey } {
  const malformed = (problem: string) => ({
    failures: [{ code: 'contenttypes.E006' as const, message: `generic foreign key "${fk.name}" ${problem}` }],
  });
  if (!FOREIGN_KEY_NAME.test(fk.name)) {
    return malformed('has a malformed name; use a lower-case identifier (a-z, 0-9, _): it becomes part of trigger names.');
  }
  if (names.has(fk.name)) return malformed('is declared twice; every generic foreign key needs its own name.');
  names.add(fk.name);
  if (!FOREIGN_KEY_NAME.test(fk.relation)) return malformed(`belongs to the relation "${fk.relation}", whose name is not a lower-case identifier.`);
  const ctProp = meta?.properties[fk.contentTypeProperty as never] as any;
  const idProp = meta?.properties[fk.objectIdProperty as never] as any;
  if (!meta || !ctProp || !idProp) {
    return malformed(`names ${fk.entity?.name}.${fk.contentTypeProperty}/${fk.objectIdProperty}, which the ORM does not know.`);
  }
  if (ctProp.kind !== 'm:1' || ctProp.targetMeta?.class !== ContentType) {
    return malformed(`needs ${fk.entity.name}.${fk.contentTypeProperty} to be a ManyToOne to ContentType.`);
  }
  const idType = columnTypeOf(idProp);
  if (idProp.kind !== 'scalar' || idProp.fieldNames?.length !== 1 || idType !== 'text') {
    return malformed(
      `needs ${fk.entity.name}.${fk.objectIdProperty} to be one text column (@Property({ type: 'text' })), which holds integer and uuid keys alike; it is "${idType}".`,
    );
  }
  const failures: ContentTypeCheckFailure[] = [];
  if (!hasLeadingIndex(meta, [fk.contentTypeProperty, fk.objectIdProperty])) {
    failures.push({
      code: 'contenttypes.E009',
      message:
        `generic foreign key "${fk.name}" has no index on (${fk.contentTypeProperty}, ${fk.objectIdProperty}); reverse lookups and delete cascades ` +
        `would read the whole table. Add @Index({ properties: ['${fk.contentTypeProperty}', '${fk.objectIdProperty}', …] }) to ${fk.entity.name}, ` +
        'or declare the relation with @GenericRelation, which adds it.',
    });
  }
  return {
    failures,
    bound: {
      ...fk,
      tableName: meta.tableName,
      contentTypeColumn: ctProp.fieldNames[0],
      objectIdColumn: idProp.fieldNames[0],
      primaryKeyColumn: (meta.properties[meta.primaryKeys[0] as never] as any).fieldNames[0],
    },
  };
}

/** Whether an index or unique constraint of the entity starts with these properties, in this order. */
export function hasLeadingIndex(meta: { indexes: { properties?: unknown }[]; uniques: { properties?: unknown }[] }, properties: string[]): boolean {
  return [...meta.indexes, ...meta.uniques].some((index) => {
    const columns = [index.properties ?? []].flat() as string[];
    return properties.every((p, i) => columns[i] === p);
  });
}

const PRINCIPALS: readonly string[] = ['user', 'owner', 'author', 'moderator', 'admin'];
const OBJECT_RULES: readonly string[] = ['object.create', 'object.update', 'object.delete', 'comments.edit', 'comments.delete'];

/**
 * E011: a type's `permissions` name rules of a known form (`object.*`,
 * `comments.edit`/`delete`, `<relation>.add`/`.remove`) and known principals,
 * so a typo in plain JavaScript (`'onwer'`, `'object.remove'`) is refused at
 * start-up, not silently never matched. A relation need not be registered (as
 * in an `except` list: a reusable type may state rules for relations an
 * application does not have).
 */
function checkPermissions(className: string, options: ContentTypeOptions): ContentTypeCheckFailure[] {
  const failures: ContentTypeCheckFailure[] = [];
  for (const [rule, allowed] of Object.entries(options.permissions ?? {})) {
    const relation = /^([a-z][a-z0-9_]*)\.(add|remove)$/.exec(rule)?.[1];
    if (!OBJECT_RULES.includes(rule) && (!relation || relation === 'object')) {
      failures.push({ code: 'contenttypes.E011', message: `${className} declares a permission rule "${rule}", which is no rule: use ${OBJECT_RULES.join(', ')} or <relation>.add / <relation>.remove.` });
    }
    const unknown = Array.isArray(allowed) ? allowed.filter((p) => !PRINCIPALS.includes(p)) : ['(not a list)'];
    if (unknown.length) {
      failures.push({ code: 'contenttypes.E011', message: `${className}'s rule "${rule}" names ${unknown.map((p) => JSON.stringify(p)).join(', ')}; a rule lists principals among ${PRINCIPALS.join(', ')}.` });
    }
  }
  return failures;
}
