import { Entity, PrimaryKey, Property, Unique } from '@mikro-orm/decorators/legacy';
import { Field, ObjectType } from 'type-graphql';
import { Node } from './node.interface.js';

/**
 * One row per registered content type, like Django's `django_content_type`.
 * Rows are created at start-up by the registry (idempotently) and never
 * deleted automatically: see `stale-content-types.ts`.
 */
@ObjectType('ContentType', {
  implements: [Node],
  description: 'A kind of content object that tags, comments, activity and links can attach to.',
})
@Entity({ tableName: 'content_type' })
@Unique({ name: 'content_type_app_label_model_unique', properties: ['appLabel', 'model'] })
export class ContentType {
  @PrimaryKey({ type: 'integer', autoincrement: true })
  id!: number;

  @Field(() => String, { description: 'The application the type belongs to, e.g. "blog".' })
  @Property({ type: 'string', length: 100 })
  appLabel!: string;

  @Field(() => String, { description: 'The model name, lower case, e.g. "article".' })
  @Property({ type: 'string', length: 100 })
  model!: string;
}
