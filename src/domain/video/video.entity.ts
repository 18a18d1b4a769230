import type { Opt } from '@mikro-orm/core';
import { Entity, Index, Property } from '@mikro-orm/decorators/legacy';
import { Field, Int } from 'type-graphql';
import { ContentEntity } from '../../content/content-entity.js';
import { ContentObjectType } from '../../content/content-object.type.js';
import { Range } from '../../content/range.decorator.js';

@ContentObjectType({
  appLabel: 'media',
  description: 'A video.',
  repr: (v: Video) => v.title,
  demo: [
    {
      values: { title: 'DataLoader in ten minutes', url: 'https://example.com/videos/dataloader', durationSeconds: 600 },
      tags: ['graphql', 'tutorial'],
      comments: [['grace', 'Great explanation of batch scheduling.']],
    },
    { values: { title: 'PostgreSQL triggers from scratch', url: 'https://example.com/videos/triggers', durationSeconds: 1420 }, tags: ['postgresql', 'tutorial'] },
  ],
})
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
