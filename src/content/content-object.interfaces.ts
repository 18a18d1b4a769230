import { Field, InterfaceType } from 'type-graphql';
import { Node } from '../generic/node.interface.js';
import { ContentType } from '../generic/content-type.entity.js';

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
}
