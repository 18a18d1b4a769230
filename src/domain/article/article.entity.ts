import type { Opt } from '@mikro-orm/core';
import { Entity, Index, Property } from '@mikro-orm/decorators/legacy';
import { Field } from 'type-graphql';
import { ContentEntity } from '../../content/content-entity.js';
import { ContentObjectType } from '../../content/content-object.type.js';

@ContentObjectType('Article', { description: 'A blog article.' })
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
