import type { EntityClass, EntityMetadata, MetadataStorage } from '@mikro-orm/core';
import type { EntityManager } from '@mikro-orm/sql';
import { ContentType } from './content-type.entity.js';
import {
  checkContentTypeEntity,
  checkGenericForeignKey,
  checkParticipation,
  CONTENT_TYPE_NAME,
  ContentTypeCheckError,
  type ContentTypeCheckFailure,
  UnregisteredContentTypeError,
} from './content-type.checks.js';
import { type ContentTypeOptions, declaredContentType } from './content-type.options.js';
import {
  type BoundGenericForeignKey,
  declaredRelation,
  type DeletePolicy,
  type GenericForeignKeyDeclaration,
  type RelationDeclaration,
} from './generic-relation.js';
import { invariant } from './invariant.js';
import { declaredPrimaryKeyType } from './entity-metadata.js';
import { type KeyKind, keyKindOf, keyText, normalizeKey, type ObjectKey } from './object-key.js';
import { insertContentTypeRows, readContentTypeRows } from './content-type.rows.js';
import { participation } from './relation.participation.js';

export type { ContentTypeOptions };

export interface RegisteredContentType<T = any> {
  cls: EntityClass<T>;
  appLabel: string;
  model: string;
  /** `app_label.model`, the natural key. */
  key: string;
  typeName: string;
  repr: (object: T) => string;
  /** Everything the type declared (open to other modules' options, see content-type.options.ts). */
  options: ContentTypeOptions<T>;
  /** Resolved by `bind()`. */
  tableName: string;
  primaryKeyProperty: string;
  primaryKeyColumn: string;
  keyKind: KeyKind;
}

/** A registered generic relation and its generic foreign keys. */
export interface RegisteredRelation {
  name: string;
  entity: EntityClass<any>;
  targets?: () => EntityClass<any>[];
  keys: (GenericForeignKeyDeclaration & { relation: string })[];
}

/**
 * The content-type registry: which entity classes are content types, their
 * `content_type` rows (synced at start-up and cached by id and by natural
 * key, like Django's `ContentType.objects.get_for_model`), the generic
 * relations that point at them with their delete policies, and which types
 * take part in which relations.
 *
 * Lifecycle: `register*()` at start-up, `bind(metadata)` after the ORM
 * discovered its entities (runs the start-up checks), `sync(em)` once the
 * schema is migrated (creates missing rows, fills the id cache).
 */
export class ContentTypeRegistry {
  readonly #types: RegisteredContentType[] = [];
  readonly #byClass = new Map<Function, RegisteredContentType>();
  readonly #byTypeName = new Map<string, RegisteredContentType>();
  readonly #byKey = new Map<string, RegisteredContentType>();
  readonly #relations: RegisteredRelation[] = [];
  #participants: Map<string, Set<RegisteredContentType>> | undefined;
  #bound: BoundGenericForeignKey[] | undefined;
  #idByKey = new Map<string, number>();
  #keyById = new Map<number, string>();
  #pendingFailures: ContentTypeCheckFailure[] = [];

  /**
   * Registers an entity class: a content type (options from its
   * `@ContentObjectType`, or given here) or a generic relation (declared
   * with `@GenericRelation`).
   */
  register<T>(cls: EntityClass<T>, options?: ContentTypeOptions<T>): this {
    const relation = options ? undefined : declaredRelation(cls);
    if (relation) return this.addRelation(relation);
    const declared = options ?? declaredContentType(cls);
    if (!declared) {
      this.#pendingFailures.push({
        code: 'contenttypes.E004',
        message: `${cls.name} is registered, but it is neither a content type (@ContentObjectType) nor a generic relation (@GenericRelation).`,
      });
      return this;
    }
    this.#addType(cls, declared);
    return this;
  }

  /** Registers every content type and generic relation among `classes`; other classes (plain entities) are skipped. */
  registerAll(classes: readonly Function[]): this {
    for (const cls of classes) {
      if (declaredContentType(cls) || declaredRelation(cls)) this.register(cls as EntityClass<unknown>);
    }
    return this;
  }

  #addType<T>(cls: EntityClass<T>, options: ContentTypeOptions<T>): void {
    const model = options.model ?? cls.name.toLowerCase();
    const typeName = options.typeName ?? cls.name;
    const key = `${options.appLabel}.${model}`;
    const fail = (code: ContentTypeCheckFailure['code'], message: string) => void this.#pendingFailures.push({ code, message });
    if (!CONTENT_TYPE_NAME.test(options.appLabel) || !CONTENT_TYPE_NAME.test(model)) {
      return fail(
        'contenttypes.E008',
        `${cls.name} is registered as "${key}"; app_label and model must be lower-case identifiers (a-z, 0-9, _), e.g. { appLabel: 'blog', model: 'article' }.`,
      );
    }
    const previous = this.#byClass.get(cls);
    if (previous) return fail('contenttypes.E002', `${cls.name} is registered twice (as "${previous.key}" and "${key}"); register each class once.`);
    if (this.#byKey.has(key)) {
      return fail('contenttypes.E002', `"${key}" is registered twice (${this.#byKey.get(key)!.cls.name} and ${cls.name}); give one of them another model name or app label.`);
    }
    if (this.#byTypeName.has(typeName)) {
      return fail('contenttypes.E003', `GraphQL type name "${typeName}" is used by ${this.#byTypeName.get(typeName)!.cls.name} and ${cls.name}; pass a distinct typeName.`);
    }
    const entry: RegisteredContentType<T> = {
      cls,
      appLabel: options.appLabel,
      model,
      key,
      typeName,
      repr: options.repr ?? ((o: any) => String(o?.title ?? o?.name ?? `${typeName} #${o?.id}`)),
      options,
      tableName: '',
      primaryKeyProperty: '',
      primaryKeyColumn: '',
      // What the entity declares; `bind()` confirms it against the discovered metadata (E001).
      keyKind: keyKindOf(declaredPrimaryKeyType(cls) ?? '') ?? 'integer',
    };
    this.#types.push(entry);
    this.#byClass.set(cls, entry);
    this.#byTypeName.set(typeName, entry);
    this.#byKey.set(key, entry);
    this.#participants = undefined;
  }

  /** Declares a generic relation: its entity, its generic foreign keys (each with its delete policy) and its targets. */
  addRelation(declaration: RelationDeclaration): this {
    if (this.#relations.some((r) => r.name === declaration.name)) {
      this.#pendingFailures.push({
        code: 'contenttypes.E006',
        message: `generic relation "${declaration.name}" is declared twice (${declaration.entity.name}); every relation needs its own name.`,
      });
      return this;
    }
    this.#relations.push({
      name: declaration.name,
      entity: declaration.entity,
      targets: declaration.targets,
      keys: declaration.keys.map((key) => ({ ...key, entity: declaration.entity, relation: declaration.name, targets: declaration.targets })),
    });
    this.#participants = undefined;
    return this;
  }

  /**
   * Declares one generic foreign key and its delete policy: a relation of its
   * own (named `relation`, else the key's name) or one more key of an
   * existing relation of that name.
   */
  genericForeignKey(declaration: GenericForeignKeyDeclaration): this {
    const name = declaration.relation ?? declaration.name;
    const existing = this.#relations.find((r) => r.name === name);
    if (existing) {
      existing.keys.push({ ...declaration, relation: name, targets: existing.targets });
      return this;
    }
    return this.addRelation({ name, entity: declaration.entity, targets: declaration.targets, keys: [declaration] });
  }

  /**
   * Changes the delete policy of a generic foreign key declared elsewhere
   * (e.g. `content_link_target` → `keep`, Django's "tiger is stronger than
   * None"), before `bind()`. The next `migration:create` regenerates the triggers.
   */
  setDeletePolicy(keyName: string, onDelete: DeletePolicy): this {
    const key = this.#relations.flatMap((r) => r.keys).find((k) => k.name === keyName);
    invariant(key, `setDeletePolicy: no generic foreign key named "${keyName}"`);
    key.onDelete = onDelete;
    this.#bound = undefined;
    return this;
  }

  /** Every registered content type, in registration order. */
  types(): readonly RegisteredContentType[] {
    return this.#types;
  }

  /** Every registered generic relation, in registration order. */
  relations(): readonly RegisteredRelation[] {
    return this.#relations;
  }

  /** The registered relation of this name; undefined when there is none. */
  relationNamed(name: string): RegisteredRelation | undefined {
    return this.#relations.find((r) => r.name === name);
  }

  /** The declared generic foreign keys resolved against ORM metadata; needs `bind()`. */
  foreignKeys(): readonly BoundGenericForeignKey[] {
    invariant(this.#bound, 'ContentTypeRegistry.bind() must run before foreignKeys()');
    return this.#bound;
  }

  /** Whether objects of `type` take part in the relation `relationName` (its `relations` and the relation's `targets` agree). */
  takesPart(type: RegisteredContentType, relationName: string): boolean {
    return this.#participation().get(relationName)?.has(type) ?? false;
  }

  /** The relations a content type takes part in, in registration order. */
  relationsOf(type: RegisteredContentType): RegisteredRelation[] {
    return this.#relations.filter((r) => this.takesPart(type, r.name));
  }

  /** The content types that take part in a relation, in registration order. */
  typesOf(relationName: string): RegisteredContentType[] {
    const set = this.#participation().get(relationName);
    return set ? this.#types.filter((t) => set.has(t)) : [];
  }

  /** The content types a generic foreign key may point at (those taking part in its relation). */
  targetsOf(fk: Pick<BoundGenericForeignKey, 'relation'>): readonly RegisteredContentType[] {
    return this.typesOf(fk.relation);
  }

  #participation(): Map<string, Set<RegisteredContentType>> {
    this.#participants ??= participation(this.#types, this.#relations);
    return this.#participants;
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
      throw new UnregisteredContentTypeError(typeof clsOrInstance === 'function' ? clsOrInstance.name : clsOrInstance.constructor.name);
    }
    return entry;
  }

  byTypeName(typeName: string): RegisteredContentType | undefined {
    return this.#byTypeName.get(typeName);
  }

  byKey(key: string): RegisteredContentType | undefined {
    return this.#byKey.get(key);
  }

  /** The primary key of a content object and its canonical `object_id` text. */
  keyOf(object: object): { type: RegisteredContentType; key: ObjectKey; text: string } {
    const type = this.get(object);
    const raw = (object as Record<string, unknown>)[type.primaryKeyProperty];
    invariant(raw !== undefined && raw !== null, `${type.typeName} has no primary key yet; flush it first`);
    const key = normalizeKey(type.keyKind, raw);
    return { type, key, text: keyText(key) };
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

  /** The cached `content_type` rows of the registered types, as ContentType objects (new, unmanaged instances). */
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
    failures.push(...checkParticipation(this.#types, this.#relations, (cls) => this.#byClass.has(cls)));
    const bound: BoundGenericForeignKey[] = [];
    const names = new Set<string>();
    for (const fk of this.#relations.flatMap((r) => r.keys)) {
      const result = checkGenericForeignKey(fk, findMeta(metadata, fk.entity), names);
      failures.push(...result.failures);
      if (result.bound) bound.push(result.bound);
    }
    if (failures.length > 0) throw new ContentTypeCheckError(failures);
    this.#bound = bound;
  }

  /**
   * Creates the missing `content_type` rows (idempotent, safe when several
   * processes start at once) and fills the cache. Never deletes rows.
   */
  async sync(em: EntityManager): Promise<void> {
    await insertContentTypeRows(em, this.#types);
    await this.reload(em);
  }

  /** Re-reads every `content_type` row into the cache. */
  async reload(em: EntityManager): Promise<void> {
    ({ idByKey: this.#idByKey, keyById: this.#keyById } = await readContentTypeRows(em));
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
