import { BigIntType, type Opt } from '@mikro-orm/core';
import { Entity, Index, ManyToOne, PrimaryKey, Property } from '@mikro-orm/decorators/legacy';
import { Field, ObjectType } from 'type-graphql';
import { ContentType } from '../../generic/content-type.entity.js';
import { Node } from '../../generic/node.interface.js';
import { User } from '../../accounts/user.entity.js';

/** A comment on any content object. Deleted with its target; deleted with its author. */
@ObjectType('Comment', { implements: [Node], description: 'A comment on a content object.' })
@Entity({ tableName: 'comment' })
@Index({ name: 'comment_target_index', properties: ['contentType', 'objectId', 'createdAt', 'id'] })
export class Comment {
  @PrimaryKey({ type: 'integer', autoincrement: true })
  id!: number;

  @ManyToOne(() => ContentType, { deleteRule: 'cascade' })
  contentType!: ContentType;

  @Property({ type: new BigIntType('number'), columnType: 'bigint' })
  objectId!: number;

  @ManyToOne(() => User, { deleteRule: 'cascade', index: 'comment_author_index' })
  author!: User;

  @Field(() => String)
  @Property({ type: 'text' })
  body!: string;

  @Field(() => Date)
  @Property({ type: 'datetime', defaultRaw: 'now()' })
  createdAt: Opt<Date> = new Date();

  @Field(() => Date)
  @Property({ type: 'datetime', defaultRaw: 'now()', onUpdate: () => new Date() })
  updatedAt: Opt<Date> = new Date();
}
