import type { Opt } from '@mikro-orm/core';
import { Entity, Index, PrimaryKey, Property, Unique } from '@mikro-orm/decorators/legacy';
import { Field, ObjectType } from 'type-graphql';
import { Node } from '../../generic/node.interface.js';

/** A tag; names are unique case-insensitively (enforced by a unique index on lower(name)). */
@ObjectType('Tag', { implements: [Node], description: 'A tag that can be attached to any content object.' })
@Entity({ tableName: 'tag' })
@Unique({ name: 'tag_name_lower_unique', expression: 'create unique index "tag_name_lower_unique" on "tag" (lower("name"))' })
export class Tag {
  @PrimaryKey({ type: 'integer', autoincrement: true })
  id!: number;

  @Field(() => String, { description: 'Display name, trimmed, inner whitespace collapsed.' })
  @Property({ type: 'string', length: 50 })
  name!: string;

  @Field(() => String, { description: 'URL-safe form of the name.' })
  @Property({ type: 'string', length: 60 })
  @Unique({ name: 'tag_slug_unique' })
  slug!: string;

  @Field(() => Date)
  @Property({ type: 'datetime', defaultRaw: 'now()' })
  @Index({ name: 'tag_created_at_index' })
  createdAt: Opt<Date> = new Date();
}
