import type { Opt } from '@mikro-orm/core';
import { Entity, Index, Property } from '@mikro-orm/decorators/legacy';
import { Field } from 'type-graphql';
import { ContentEntity } from '../../content/content-entity.js';
import { ContentObjectType } from '../../content/content-object.type.js';

@ContentObjectType({
  appLabel: 'blog',
  description: 'A blog article.',
  repr: (a: Article) => a.title,
  demo: [
    {
      values: { title: 'Generic relations in GraphQL', body: 'How contentgraph resolves a union of content types without N+1 queries.' },
      tags: ['graphql', 'performance', 'tutorial'],
      comments: [
        ['grace', 'The per-type batching is exactly what I needed.'],
        ['linus', 'Show me the SQL statement counts.'],
      ],
      reactions: [['grace', '👍'], ['linus', '👍'], ['ada', '🎉']],
    },
    {
      values: { title: 'Keyset pagination explained', body: 'Why OFFSET gets slower and cursors do not.' },
      tags: ['performance', 'databases', 'postgresql'],
      comments: [['ada', 'Keyset cursors survive inserts between pages, OFFSET does not.']],
    },
    { values: { title: 'Triggers as foreign keys', body: 'Integrity for polymorphic associations, enforced by PostgreSQL.' }, tags: ['postgresql', 'databases'] },
  ],
})
@Entity({ tableName: 'article' })
@Index({ name: 'article_created_at_index', properties: ['createdAt', 'id'] })
export class Article extends ContentEntity {
  @Field(() => String)
  @Property({ type: 'string', length: 200 })
  title!: string;

  @Field(() => String)
  @Property({ type: 'text', default: '' })
  body: Opt<string> = '';
}
