import { Field, Int, InterfaceType } from 'type-graphql';

/**
 * Every content type implements `Commentable` (see `contentObjectInterfaces`).
 * `comments(first, after)` and `commentCount` are resolved by `CommentableResolver`.
 */
@InterfaceType('Commentable', { description: 'An object that can be commented on. Every content object is Commentable.' })
export abstract class Commentable {
  @Field(() => Int, { description: 'How many comments this object has.' })
  commentCount!: number;
}
