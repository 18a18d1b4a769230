import type { EntityClass } from '@mikro-orm/core';

/**
 * What happens to the rows of a generic table when the content object they
 * point at is deleted (through the API, the ORM or raw SQL):
 * - `cascade`: they are deleted with it (tags, comments, links);
 * - `keep`: they stay and their target reads as `null` (activity history);
 * - `restrict`: the delete is refused while such rows exist.
 */
export type DeletePolicy = 'cascade' | 'keep' | 'restrict';

/** A generic foreign key: a `(content type, object id)` pair of columns on one entity. */
export interface GenericForeignKeyDeclaration {
  /** Unique name, used in trigger and error names, e.g. `tagged_item`, `content_link_source`. */
  name: string;
  /** The entity that holds the pair of columns. */
  entity: EntityClass<any>;
  /** Property (a ManyToOne to ContentType) holding the content type. */
  contentTypeProperty: string;
  /** Property (one `text` column) holding the object's key in canonical text form (see object-key.ts). */
  objectIdProperty: string;
  onDelete: DeletePolicy;
  /** The relation the key belongs to (what content types name in `relations`); the key's own name when omitted. */
  relation?: string;
  /** Restrict targets to these content types; all registered types when omitted. */
  targets?: () => EntityClass<any>[];
}

/** A declaration resolved against the ORM metadata (table and column names). */
export interface BoundGenericForeignKey extends GenericForeignKeyDeclaration {
  relation: string;
  tableName: string;
  contentTypeColumn: string;
  objectIdColumn: string;
  primaryKeyColumn: string;
}

/**
 * A generic relation: one entity whose rows point at content objects through
 * one generic foreign key (tags, comments, activity, reactions) or several
 * (links: source and target). Content types take part in relations by name.
 */
export interface RelationDeclaration {
  /** Lower-case identifier, e.g. `tags`, `links`: what content types name in `relations`. */
  name: string;
  entity: EntityClass<any>;
  keys: Omit<GenericForeignKeyDeclaration, 'entity' | 'relation' | 'targets'>[];
  /** Only these content types may take part; all registered types when omitted. */
  targets?: () => EntityClass<any>[];
}

const declared = new WeakMap<Function, RelationDeclaration>();

/** Records the relation an entity class declares (used by `@GenericRelation`). */
export function declareRelation(cls: Function, declaration: RelationDeclaration): void {
  declared.set(cls, declaration);
}

/** The relation an entity class declared; undefined for any other class. */
export function declaredRelation(cls: Function): RelationDeclaration | undefined {
  return declared.get(cls);
}
