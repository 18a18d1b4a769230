import { Entity, Index, Property } from '@mikro-orm/decorators/legacy';
import { Field } from 'type-graphql';
import { UuidContentEntity } from '../../content/content-entity.js';
import { ContentObjectType } from '../../content/content-object.type.js';

/** A uuid-keyed content type: everything generic works for it as for integer keys. */
@ContentObjectType({
  appLabel: 'maps',
  description: 'A place on the map. Its key is a uuid.',
  repr: (p: Place) => p.name,
  demo: [
    {
      values: { name: 'Bletchley Park', address: 'Sherwood Drive, Bletchley, Milton Keynes' },
      tags: ['classic'],
      comments: [['ada', 'Where the bombes ran.']],
      reactions: [['linus', '🏛️']],
    },
    { values: { name: 'Computer History Museum', address: '1401 N Shoreline Blvd, Mountain View' }, tags: ['hardware'] },
  ],
})
@Entity({ tableName: 'place' })
@Index({ name: 'place_created_at_index', properties: ['createdAt', 'id'] })
export class Place extends UuidContentEntity {
  @Field(() => String)
  @Property({ type: 'string', length: 200 })
  name!: string;

  @Field(() => String, { nullable: true })
  @Property({ type: 'string', length: 300, nullable: true })
  address?: string | null;
}
