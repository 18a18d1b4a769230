import type { EntityClass, EntityMetadata, MetadataStorage } from '@mikro-orm/core';
import type { EntityManager } from '@mikro-orm/sql';
import { ContentType } from './content-type.entity.js';
import {
  checkContentTypeEntity,
  checkGenericForeignKey,
  CONTENT_TYPE_NAME,
  ContentTypeCheckError,
  type ContentTypeCheckFailure,
  UnregisteredContentTypeError,
} from './content-type.checks.js';
import type { BoundGenericForeignKey, GenericForeignKeyDeclaration } from './generic-relation.js';
import { invariant } from './invariant.js';
import { placeholders } from './sql.js';

export interface ContentTypeOptions<T = any> {
  /** Application label, e.g. `blog`. Lower case identifier. */
  appLabel: string;
  /** Model name; defaults to the class name in lower case. */
  model?: string;
  /** GraphQL type name; defaults to the class name. */
  typeName?: string;
  /** Readable snapshot of an object, kept in `activity_entry.object_repr`. */
  repr?: (object: T) => string;
}

export interface RegisteredContentType<T = any> {
  cls: EntityClass<T>;
  appLabel: string;
  model: string;
  /** `app_label.model`, the natural key. */
  key: string;
  typeName: string;
  repr: (object: T) => string;
  /** Resolved by `bind()`. */
  tableName: string;
  primaryKeyProperty: string;
  primaryKeyColumn: string;
}

/**
 * The content-type registry: which entity classes are content types, their
 * `content_type` rows (synced at start-up and cached by id and by natural
 * key, like Django's `ContentType.objects.get_for_model`), and the generic
 * foreign keys that point at them with their delete policies.
 *
 * Lifecycle: `register*()` at import time, `bind(metadata)` after the ORM
 * discovered its entities (runs the start-up checks), `sync(em)` once the
 * schema is migrated (creates missing rows, fills the id cache).
 */
export class ContentTypeRegistry {
  readonly #types: RegisteredContentType[] = [];
  readonly #byClass = new Map<Function, RegisteredContentType>();
  readonly #byTypeName = new Map<string, RegisteredContentType>();
  readonly #byKey = new Map<string, RegisteredContentType>();
  readonly #foreignKeys: GenericForeignKeyDeclaration[] = [];
  #bound: BoundGenericForeignKey[] | undefined;
  #idByKey = new Map<string, number>();
  #keyById = new Map<number, string>();
  #pendingFailures: ContentTypeCheckFailure[] = [];

  /** Registers an entity class as a content type. */
  register<T>(cls: EntityClass<T>, options: ContentTypeOptions<T>): this {
    const model = options.model ?? cls.name.toLowerCase();
    const typeName = options.typeName ?? cls.name;
    const key = `${options.appLabel}.${model}`;
    if (!CONTENT_TYPE_NAME.test(options.appLabel) || !CONTENT_TYPE_NAME.test(model)) {
      this.#pendingFailures.push({
        code: 'contenttypes.E008',
        message: `${cls.name} is registered as "${key}"; app_label and model must be lower-case identifiers (a-z, 0-9, _), e.g. { appLabel: 'blog', model: 'article' }.`,
      });
      return this;
    }
    const previous = this.#byClass.get(cls);
    if (previous) {
      this.#pendingFailures.push({
        code: 'contenttypes.E002',
        message: `${cls.name} is registered twice (as "${previous.key}" and "${key}"); register each class once.`,
      });
      return this;
    }
    if (this.#byKey.has(key)) {
      this.#pendingFailures.push({
        code: 'contenttypes.E002',
        message: `"${key}" is registered twice (${this.#byKey.get(key)!.cls.name} and ${cls.name}); give one of them another model name or app label.`,
      });
      return this;
    }
    if (this.#byTypeName.has(typeName)) {
      this.#pendingFailures.push({
        code: 'contenttypes.E003',
        message: `GraphQL type name "${typeName}" is used by ${this.#byTypeName.get(typeName)!.cls.name} and ${cls.name}; pass a distinct typeName.`,
      });
      return this;
    }
    const entry: RegisteredContentType<T> = {
      cls,
      appLabel: options.appLabel,
      model,
      key,
      typeName,
      repr: options.repr ?? ((o: any) => String(o?.title ?? o?.name ?? `${typeName} #${o?.id}`)),
      tableName: '',
      primaryKeyProperty: '',
      primaryKeyColumn: '',
    };
    this.#types.push(entry);
    this.#byClass.set(cls, entry);
    this.#byTypeName.set(typeName, entry);
    this.#byKey.set(key, entry);
    return this;
  }

  /** Declares a generic foreign key and its delete policy. */
  genericForeignKey(declaration: GenericForeignKeyDeclaration): this {
    this.#foreignKeys.push(declaration);
    return this;
  }

  /** Every registered content type, in registration order. */
  types(): readonly RegisteredContentType[] {
    return this.#types;
  }

  /** The declared generic foreign keys resolved against ORM metadata; needs `bind()`. */
  foreignKeys(): readonly BoundGenericForeignKey[] {
    invariant(this.#bound, 'ContentTypeRegistry.bind() must run before foreignKeys()');
    return this.#bound;
  }

  /** Entity classes of every content type (for the ORM's entity list). */
  entityClasses(): EntityClass<any>[] {
    return this.#types.map((t) => t.cls);
  }

  /** The registered type of a class or instance; undefined when not registered. */
  find(clsOrInstance: Function | object): RegisteredContentType | undefined {
    const cls = typeof clsOrInstance === 'function' ? clsOrInstance : clsOrInstance.constructor;
    return this.#byClass.get(cls);
  }

  /** Like `find`, but throws UnregisteredContentTypeError (contenttypes.E005) for an unregistered entity. */
  get(clsOrInstance: Function | object): RegisteredContentType {
    const entry = this.find(clsOrInstance);
    if (!entry) {
      throw new UnregisteredContentTypeError(
        typeof clsOrInstance === 'function' ? clsOrInstance.name : clsOrInstance.constructor.name,
      );
    }
    return entry;
  }

  byTypeName(typeName: string): RegisteredContentType | undefined {
    return this.#byTypeName.get(typeName);
  }

  byKey(key: string): RegisteredContentType | undefined {
    return this.#byKey.get(key);
  }

  /** The `content_type.id` of a registered type; needs `sync()`. */
  idOf(clsOrInstance: Function | object): number {
    const entry = this.get(clsOrInstance);
    const id = this.#idByKey.get(entry.key);
    invariant(id !== undefined, `content type ${entry.key} has no row yet; run registry.sync() at start-up`);
    return id;
  }

  /** The registered type of a `content_type.id`; undefined for unknown or stale ids. */
  byId(id: number): RegisteredContentType | undefined {
    const key = this.#keyById.get(id);
    return key === undefined ? undefined : this.#byKey.get(key);
  }

  /**
   * The cached `content_type` rows of the registered types, as ContentType
   * objects (new, unmanaged instances: no EntityManager tracks them).
   */
  rows(): ContentType[] {
    return this.#types.filter((t) => this.#idByKey.has(t.key)).map((t) => this.#row(t));
  }

  /** The `content_type` row of a registered class or instance; needs `sync()`. */
  contentTypeOf(clsOrInstance: Function | object): ContentType {
    return this.#row(this.get(clsOrInstance));
  }

  /** The `content_type` row with this id when it belongs to a registered type; undefined for unknown or stale ids. */
  contentTypeById(id: number): ContentType | undefined {
    const type = this.byId(id);
    return type && this.#row(type);
  }

  #row(type: RegisteredContentType): ContentType {
    const id = this.#idByKey.get(type.key);
    invariant(id !== undefined, `content type ${type.key} has no row yet; run registry.sync() at start-up`);
    return Object.assign(new ContentType(), { id, appLabel: type.appLabel, model: type.model });
  }

  /**
   * Resolves table and column names from the ORM metadata and runs the
   * start-up checks. Throws `ContentTypeCheckError` listing every failure.
   */
  bind(metadata: MetadataStorage): void {
    const failures = [...this.#pendingFailures];
    for (const entry of this.#types) {
      const result = checkContentTypeEntity(entry.cls, entry.key, findMeta(metadata, entry.cls));
      if ('failure' in result) {
        failures.push(result.failure);
        continue;
      }
      Object.assign(entry, result);
    }
    const bound: BoundGenericForeignKey[] = [];
    const names = new Set<string>();
    for (const fk of this.#foreignKeys) {
      const result = checkGenericForeignKey(fk, findMeta(metadata, fk.entity), names, (cls) => this.#byClass.has(cls));
      failures.push(...result.failures);
      if (result.bound) bound.push(result.bound);
    }
    if (failures.length > 0) throw new ContentTypeCheckError(failures);
    this.#bound = bound;
  }

  /** The content types a generic foreign key may point at. */
  targetsOf(fk: GenericForeignKeyDeclaration): readonly RegisteredContentType[] {
    const allowed = fk.targets?.();
    return allowed ? this.#types.filter((t) => allowed.includes(t.cls)) : this.#types;
  }

  /**
   * Creates the missing `content_type` rows (idempotent and safe when several
   * processes start at once: `INSERT … ON CONFLICT DO NOTHING`) and fills the
   * cache. Never deletes rows.
   */
  async sync(em: EntityManager): Promise<void> {
    const conn = em.getConnection();
    if (this.#types.length > 0) {
      // Sorted, so that processes with different registries insert in one
      // order and cannot deadlock on the unique index.
      const types = [...this.#types].sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
      const values = placeholders(types.length, '(?, ?)');
      const params = types.flatMap((t) => [t.appLabel, t.model]);
      await conn.execute(
        `insert into content_type (app_label, model) values ${values} on conflict (app_label, model) do nothing`,
        params,
        'run',
      );
    }
    await this.reload(em);
  }

  /** Re-reads every `content_type` row into the cache. */
  async reload(em: EntityManager): Promise<void> {
    const rows = await em.getConnection().execute<{ id: number; app_label: string; model: string }[]>(
      'select id, app_label, model from content_type',
    );
    const idByKey = new Map<string, number>();
    const keyById = new Map<number, string>();
    for (const row of rows) {
      const key = `${row.app_label}.${row.model}`;
      idByKey.set(key, Number(row.id));
      keyById.set(Number(row.id), key);
    }
    this.#idByKey = idByKey;
    this.#keyById = keyById;
  }
}

function findMeta(metadata: MetadataStorage, cls: EntityClass<any>): EntityMetadata | undefined {
  try {
    return metadata.find(cls) ?? undefined;
  } catch {
    return undefined;
  }
}

export { ContentType };
