import { Field, InterfaceType } from 'type-graphql';
import { Tag } from './tag.entity.js';

/** Every content type implements `Taggable` (see `contentObjectInterfaces`); `tags` is resolved by `TaggableResolver`. */
@InterfaceType('Taggable', { description: 'An object that can carry tags. Every content object is Taggable.' })
export abstract class Taggable {
  @Field(() => [Tag], { description: 'The tags of this object, ordered by their key (the name case-folded).' })
  tags!: Tag[];
}
