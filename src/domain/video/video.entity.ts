import type { Opt } from '@mikro-orm/core';
import { Entity, Index, Property } from '@mikro-orm/decorators/legacy';
import { Field, Int } from 'type-graphql';
import { ContentEntity } from '../../content/content-entity.js';
import { ContentObjectType } from '../../content/content-object.type.js';
import { Range } from '../../content/range.decorator.js';

@ContentObjectType('Video', { description: 'A video.' })
@Entity({ tableName: 'video' })
@Index({ name: 'video_created_at_index', properties: ['createdAt', 'id'] })
export class Video extends ContentEntity {
  @Field(() => String)
  @Property({ type: 'string', length: 200 })
  title!: string;

  @Field(() => String)
  @Property({ type: 'string', length: 500 })
  url!: string;

  @Field(() => Int, { description: 'Length in seconds.' })
  @Range({ min: 0 })
  @Property({ type: 'integer', default: 0 })
  durationSeconds: Opt<number> = 0;
}
