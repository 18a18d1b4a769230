import { Entity, Index, Property } from '@mikro-orm/decorators/legacy';
import { Field, Int } from 'type-graphql';
import { ContentEntity } from '../../content/content-entity.js';
import { ContentObjectType } from '../../content/content-object.type.js';
import { Range } from '../../content/range.decorator.js';

@ContentObjectType('Book', { description: 'A book in the library.' })
@Entity({ tableName: 'book' })
@Index({ name: 'book_created_at_index', properties: ['createdAt', 'id'] })
export class Book extends ContentEntity {
  @Field(() => String)
  @Property({ type: 'string', length: 200 })
  title!: string;

  @Field(() => String, { description: 'Who wrote the book.' })
  @Property({ type: 'string', length: 200 })
  authorName!: string;

  @Field(() => String, { nullable: true })
  @Property({ type: 'string', length: 20, nullable: true })
  isbn?: string | null;

  @Field(() => Int, { nullable: true, description: 'Year of publication.' })
  @Range({ min: 1, max: 2100 })
  @Property({ type: 'integer', nullable: true })
  publishedYear?: number | null;
}
