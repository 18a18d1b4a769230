import type { Opt } from '@mikro-orm/core';
import { PrimaryKey, Property } from '@mikro-orm/decorators/legacy';
import { Field, ObjectType } from 'type-graphql';

/**
 * Optional base class of a content type: an integer primary key (fits
 * `object_id`) and `createdAt`/`updatedAt` (the per-type list queries page
 * newest first on `(created_at, id)`). A content type that extends it
 * declares only its own fields; index `(createdAt, id)` on the subclass.
 */
// Registered with type-graphql only so subclasses inherit its fields; no
// resolver returns it, so the schema has no ContentEntity type.
@ObjectType('ContentEntity')
export abstract class ContentEntity {
  @PrimaryKey({ type: 'integer', autoincrement: true })
  id!: number;

  @Field(() => Date)
  @Property({ type: 'datetime', defaultRaw: 'now()' })
  createdAt: Opt<Date> = new Date();

  @Field(() => Date)
  @Property({ type: 'datetime', defaultRaw: 'now()', onUpdate: () => new Date() })
  updatedAt: Opt<Date> = new Date();
}
