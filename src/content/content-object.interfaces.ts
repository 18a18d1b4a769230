import { Field, InterfaceType } from 'type-graphql';
import { Node } from '../generic/node.interface.js';
import { ContentType } from '../generic/content-type.entity.js';
import { ownerEntity } from './content-owner.js';

/**
 * GraphQL interfaces every content type implements, so a client selects the
 * shared generic fields once for every member of `ContentObject`. Fields
 * with arguments and computed values are resolved by interface resolvers in
 * the features (tags, comments, activity, links).
 */
@InterfaceType('ContentNode', {
  implements: [Node],
  description: 'Fields every content object has, whatever its type.',
})
export abstract class ContentNode extends Node {
  @Field(() => ContentType, { description: 'The registered content type of this object.' })
  contentType!: ContentType;

  @Field(() => ownerEntity(), {
    nullable: true,
    description:
      'Who created this object, its owner (recorded by the server, never set by a client); null when it belongs to nobody ' +
      '(created before ownership existed, or its owner was deleted): then only admins may change it.',
  })
  owner!: object | null;
}
