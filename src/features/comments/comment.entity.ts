import type { Opt } from '@mikro-orm/core';
import { Entity, Index, ManyToOne, PrimaryKey, Property } from '@mikro-orm/decorators/legacy';
import { Field, ObjectType } from 'type-graphql';
import { GenericRelation } from '../../content/relations/relation.options.js';
import { ContentType } from '../../generic/content-type.entity.js';
import { Node } from '../../generic/node.interface.js';
import { User } from '../../accounts/user.entity.js';
import { CommentMutations } from './comments.mutations.js';
import { CommentResolver } from './comments.resolver.js';
import { CommentSubscription } from './comments.subscription.js';

/**
 * A comment on any content object: the `comments` relation. Participating
 * types implement `Commentable` (`comments`, `commentCount`, derived by the
 * core). Deleted with its target; deleted with its author.
 */
@GenericRelation({
  name: 'comments',
  key: 'comment',
  onDelete: 'cascade',
  interface: { name: 'Commentable', description: 'An object that can be commented on.' },
  connection: { field: 'comments', description: 'Comments on this object, oldest first.', direction: 'asc' },
  count: { field: 'commentCount', description: 'How many comments this object has.' },
  targetField: { name: 'target', description: 'The commented object.' },
  resolvers: () => [CommentResolver, CommentMutations, CommentSubscription],
})
@ObjectType('Comment', { implements: [Node], description: 'A comment on a content object.' })
@Entity({ tableName: 'comment' })
@Index({ name: 'comment_target_index', properties: ['contentType', 'objectId', 'createdAt', 'id'] })
export class Comment {
  @PrimaryKey({ type: 'integer', autoincrement: true })
  id!: number;

  @ManyToOne(() => ContentType, { deleteRule: 'cascade' })
  contentType!: ContentType;

  @Property({ type: 'text' })
  objectId!: string;

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
