import type { Opt } from '@mikro-orm/core';
import { Entity, Index, ManyToOne, PrimaryKey, Property, Unique } from '@mikro-orm/decorators/legacy';
import { GraphQLJSON } from 'graphql-scalars';
import { Field, ObjectType } from 'type-graphql';
import { GenericRelation } from '../../content/relations/relation.options.js';
import { ContentType } from '../../generic/content-type.entity.js';
import { Node } from '../../generic/node.interface.js';
import { User } from '../../accounts/user.entity.js';
import { LinkMutations } from './links.mutations.js';

const KIND_FILTER = [{ argument: 'kind', property: 'kind', description: 'Only links of this kind.' }];

/**
 * A typed link between two content objects (Django's `Comparison`): the
 * `links` relation, two generic foreign keys on one row, each with its own
 * delete policy (`registry.setDeletePolicy('content_link_target', 'keep')`
 * keeps a link whose target is deleted, with a null `target`).
 * Participating types implement `Linkable` (`outgoingLinks`,
 * `incomingLinks`, derived by the core).
 */
@GenericRelation({
  name: 'links',
  interface: { name: 'Linkable', description: 'An object that can link to other objects and be linked to.' },
  ends: [
    {
      key: 'content_link_source',
      contentType: 'sourceType',
      objectId: 'sourceId',
      onDelete: 'cascade',
      targetField: { name: 'source', description: 'The object the link starts from; null once it is deleted (when that side keeps its links).' },
      connection: { field: 'outgoingLinks', description: 'Links from this object to others, newest first.', filters: KIND_FILTER },
    },
    {
      key: 'content_link_target',
      contentType: 'targetType',
      objectId: 'targetId',
      onDelete: 'cascade',
      targetField: { name: 'target', description: 'The object the link points to; null once it is deleted (when that side keeps its links).' },
      connection: { field: 'incomingLinks', description: 'Links from other objects to this one, newest first.', filters: KIND_FILTER },
    },
  ],
  resolvers: () => [LinkMutations],
})
@ObjectType('ContentLink', { implements: [Node], description: 'A link of some kind from one content object to another.' })
@Entity({ tableName: 'content_link' })
@Index({ name: 'content_link_source_index', properties: ['sourceType', 'sourceId', 'createdAt', 'id'] })
@Index({ name: 'content_link_target_index', properties: ['targetType', 'targetId', 'createdAt', 'id'] })
@Unique({ name: 'content_link_unique', properties: ['sourceType', 'sourceId', 'targetType', 'targetId', 'kind'] })
export class ContentLink {
  @PrimaryKey({ type: 'integer', autoincrement: true })
  id!: number;

  @ManyToOne(() => ContentType, { deleteRule: 'cascade', index: false })
  sourceType!: ContentType;

  @Property({ type: 'text' })
  sourceId!: string;

  @ManyToOne(() => ContentType, { deleteRule: 'cascade', index: false })
  targetType!: ContentType;

  @Property({ type: 'text' })
  targetId!: string;

  @Field(() => String, { description: 'Kind of link, a lowercase identifier such as "related" or "sequel".' })
  @Property({ type: 'string', length: 40 })
  kind!: string;

  @Field(() => GraphQLJSON, { nullable: true, description: 'What the link says beyond its kind: a JSON object of at most 4 KiB, or null.' })
  @Property({ type: 'json', nullable: true })
  data?: Record<string, unknown> | null;

  @ManyToOne(() => User, { nullable: true, deleteRule: 'set null', index: false })
  createdBy?: User | null;

  @Field(() => Date)
  @Property({ type: 'datetime', defaultRaw: 'now()' })
  createdAt: Opt<Date> = new Date();
}
