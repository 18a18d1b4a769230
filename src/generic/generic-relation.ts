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
  /** Property (a bigint number) holding the object's primary key. */
  objectIdProperty: string;
  onDelete: DeletePolicy;
  /** Restrict targets to these content types; all registered types when omitted. */
  targets?: () => EntityClass<any>[];
}

/** A declaration resolved against the ORM metadata (table and column names). */
export interface BoundGenericForeignKey extends GenericForeignKeyDeclaration {
  tableName: string;
  contentTypeColumn: string;
  objectIdColumn: string;
  primaryKeyColumn: string;
}
