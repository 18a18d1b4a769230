import { BigIntType, type Opt } from '@mikro-orm/core';
import { Entity, Index, ManyToOne, PrimaryKey, Property, Unique } from '@mikro-orm/decorators/legacy';
import { ContentType } from '../../generic/content-type.entity.js';
import { User } from '../../accounts/user.entity.js';
import { Tag } from './tag.entity.js';

/** A tag on a content object: a generic foreign key (content_type_id, object_id). */
@Entity({ tableName: 'tagged_item' })
@Unique({ name: 'tagged_item_tag_target_unique', properties: ['tag', 'contentType', 'objectId'] })
@Index({ name: 'tagged_item_target_index', properties: ['contentType', 'objectId', 'tag'] })
export class TaggedItem {
  @PrimaryKey({ type: 'integer', autoincrement: true })
  id!: number;

  @ManyToOne(() => Tag, { deleteRule: 'cascade' })
  tag!: Tag;

  @ManyToOne(() => ContentType, { deleteRule: 'cascade' })
  contentType!: ContentType;

  @Property({ type: new BigIntType('number'), columnType: 'bigint' })
  objectId!: number;

  @Property({ type: 'datetime', defaultRaw: 'now()' })
  createdAt: Opt<Date> = new Date();

  @ManyToOne(() => User, { nullable: true, deleteRule: 'set null' })
  taggedBy?: User | null;
}
