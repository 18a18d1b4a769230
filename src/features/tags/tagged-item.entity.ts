import type { Opt } from '@mikro-orm/core';
import { Entity, Index, ManyToOne, PrimaryKey, Property, Unique } from '@mikro-orm/decorators/legacy';
import { GenericRelation } from '../../content/relations/relation.options.js';
import { ContentType } from '../../generic/content-type.entity.js';
import { User } from '../../accounts/user.entity.js';
import { Tag } from './tag.entity.js';
import { TaggableResolver, TagResolver } from './tags.resolver.js';
import { TagMutations } from './tags.mutations.js';

/**
 * A tag on a content object: the `tags` relation. Participating types
 * implement `Taggable` (`tags`, resolved by `TaggableResolver`); the
 * relation's own queries and mutations are `tags`, `tag(name)`, `addTags`,
 * `removeTags`, `setTags` and `mergeTags`.
 */
@GenericRelation({
  name: 'tags',
  key: 'tagged_item',
  onDelete: 'cascade',
  targetField: false,
  interface: { name: 'Taggable', description: 'An object that can carry tags.' },
  resolvers: () => [TagResolver, TaggableResolver, TagMutations],
  nodes: () => [Tag],
})
@Entity({ tableName: 'tagged_item' })
@Unique({ name: 'tagged_item_tag_target_unique', properties: ['tag', 'contentType', 'objectId'] })
@Index({ name: 'tagged_item_target_index', properties: ['contentType', 'objectId', 'tag'] })
/** `Tag.items`: each tag's items newest first, a LATERAL … LIMIT range of this index (read backwards). */
@Index({ name: 'tagged_item_tag_page_index', properties: ['tag', 'createdAt', 'id'] })
export class TaggedItem {
  @PrimaryKey({ type: 'integer', autoincrement: true })
  id!: number;

  @ManyToOne(() => Tag, { deleteRule: 'cascade' })
  tag!: Tag;

  @ManyToOne(() => ContentType, { deleteRule: 'cascade' })
  contentType!: ContentType;

  @Property({ type: 'text' })
  objectId!: string;

  @Property({ type: 'datetime', defaultRaw: 'now()' })
  createdAt: Opt<Date> = new Date();

  @ManyToOne(() => User, { nullable: true, deleteRule: 'set null' })
  taggedBy?: User | null;
}
