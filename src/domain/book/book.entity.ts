import { Entity, Index, Property } from '@mikro-orm/decorators/legacy';
import { Field, Int } from 'type-graphql';
import { ContentEntity } from '../../content/content-entity.js';
import { ContentObjectType } from '../../content/content-object.type.js';
import { Range } from '../../content/range.decorator.js';

@ContentObjectType({
  appLabel: 'library',
  description: 'A book in the library.',
  repr: (b: Book) => `${b.title} (${b.authorName})`,
  demo: [
    {
      values: { title: 'Designing Data-Intensive Applications', authorName: 'Martin Kleppmann', isbn: '9781449373320', publishedYear: 2017 },
      tags: ['databases', 'performance', 'classic'],
      comments: [['linus', 'Chapter 5 on replication is worth the price alone.']],
      reactions: [['ada', '📚']],
    },
    { values: { title: 'The Art of PostgreSQL', authorName: 'Dimitri Fontaine', publishedYear: 2019 }, tags: ['postgresql', 'databases'] },
    { values: { title: 'Structure and Interpretation of Computer Programs', authorName: 'Abelson and Sussman', publishedYear: 1985 }, tags: ['classic'] },
  ],
})
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
