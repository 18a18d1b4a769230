import { BigIntType, type Opt } from '@mikro-orm/core';
import { Entity, Index, ManyToOne, PrimaryKey, Property, Unique } from '@mikro-orm/decorators/legacy';
import { Field, ObjectType } from 'type-graphql';
import { ContentType } from '../../generic/content-type.entity.js';
import { Node } from '../../generic/node.interface.js';
import { User } from '../../accounts/user.entity.js';

/** A typed link between two content objects: two generic foreign keys on one row. */
@ObjectType('ContentLink', { implements: [Node], description: 'A link of some kind from one content object to another.' })
@Entity({ tableName: 'content_link' })
@Index({ name: 'content_link_source_index', properties: ['sourceType', 'sourceId', 'createdAt', 'id'] })
@Index({ name: 'content_link_target_index', properties: ['targetType', 'targetId', 'createdAt', 'id'] })
@Unique({ name: 'content_link_unique', properties: ['sourceType', 'sourceId', 'targetType', 'targetId', 'kind'] })
export class ContentLink {
  @PrimaryKey({ type: 'integer', autoincrement: true })
  id!: number;

  @ManyToOne(() => ContentType, { deleteRule: 'cascade', index: false })
  sourceType!: ContentType;

  @Property({ type: new BigIntType('number'), columnType: 'bigint' })
  sourceId!: number;

  @ManyToOne(() => ContentType, { deleteRule: 'cascade', index: false })
  targetType!: ContentType;

  @Property({ type: new BigIntType('number'), columnType: 'bigint' })
  targetId!: number;

  @Field(() => String, { description: 'Kind of link, a lowercase identifier such as "related" or "sequel".' })
  @Property({ type: 'string', length: 40 })
  kind!: string;

  @ManyToOne(() => User, { nullable: true, deleteRule: 'set null', index: false })
  createdBy?: User | null;

  @Field(() => Date)
  @Property({ type: 'datetime', defaultRaw: 'now()' })
  createdAt: Opt<Date> = new Date();
}
