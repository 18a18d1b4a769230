import type { Opt } from '@mikro-orm/core';
import { Entity, Index, Property, Unique } from '@mikro-orm/decorators/legacy';
import { Field, Int } from 'type-graphql';
import { ContentEntity } from '../../content/content-entity.js';
import { ContentObjectType } from '../../content/content-object.type.js';
import { Range } from '../../content/range.decorator.js';

@ContentObjectType({
  appLabel: 'shop',
  description: 'A product in the shop.',
  repr: (p: Product) => `${p.name} [${p.sku}]`,
  demo: [
    {
      values: { name: 'Mechanical keyboard', sku: 'KB-001', priceCents: 12900 },
      tags: ['hardware'],
      comments: [['ada', 'Tactile switches, a joy to type on.']],
      reactions: [['grace', '⌨️']],
    },
    { values: { name: 'Standing desk', sku: 'DESK-42', priceCents: 49900 }, tags: ['hardware'] },
    { values: { name: 'Noise-cancelling headphones', sku: 'HP-7', priceCents: 27900 }, tags: ['hardware'] },
  ],
})
@Entity({ tableName: 'product' })
@Index({ name: 'product_created_at_index', properties: ['createdAt', 'id'] })
export class Product extends ContentEntity {
  @Field(() => String)
  @Property({ type: 'string', length: 200 })
  name!: string;

  @Field(() => String, { description: 'Stock keeping unit, unique.' })
  @Property({ type: 'string', length: 64 })
  @Unique({ name: 'product_sku_unique' })
  sku!: string;

  @Field(() => Int, { description: 'Price in cents.' })
  @Range({ min: 0 })
  @Property({ type: 'integer', default: 0 })
  priceCents: Opt<number> = 0;
}
