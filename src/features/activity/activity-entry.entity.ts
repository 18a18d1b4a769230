import type { Opt } from '@mikro-orm/core';
import { Entity, Index, ManyToOne, PrimaryKey, Property } from '@mikro-orm/decorators/legacy';
import { Field, ObjectType } from 'type-graphql';
import { GraphQLJSON } from 'graphql-scalars';
import { GenericRelation } from '../../content/relations/relation.options.js';
import { ContentType } from '../../generic/content-type.entity.js';
import { Node } from '../../generic/node.interface.js';
import { User } from '../../accounts/user.entity.js';
import { ActivityMutations } from './activity.mutations.js';
import { ActivityEntryResolver } from './activity.resolver.js';
import { ActivitySubscription } from './activity.subscription.js';

/**
 * An entry of the activity stream (Django admin's LogEntry,
 * django-activity-stream): the `activity` relation. Kept when its target is
 * deleted (`keep`): `objectRepr` keeps a readable snapshot. When the text it
 * quotes is deleted (a comment, an object, a user), its `data` is redacted
 * and `redactedAt` set (activity.redaction.ts). Participating types
 * implement `HasActivity` (`activity`, derived by the core). A type that
 * leaves `activity` out keeps no history: mutations on its objects record no
 * entry, and the database refuses entries pointing at them.
 */
@GenericRelation({
  name: 'activity',
  key: 'activity_entry',
  // History outlives its target: the entry stays, `target` reads as null, `objectRepr` remains.
  onDelete: 'keep',
  interface: { name: 'HasActivity', description: 'An object with an activity history.' },
  connection: { field: 'activity', description: 'What happened to this object, newest first.' },
  targetField: { name: 'target', description: 'The object acted on; null once it is deleted (`objectRepr` remains).' },
  resolvers: () => [ActivityEntryResolver, ActivityMutations, ActivitySubscription],
})
@ObjectType('ActivityEntry', { implements: [Node], description: 'Something a user did to a content object.' })
@Entity({ tableName: 'activity_entry' })
@Index({ name: 'activity_entry_target_index', properties: ['contentType', 'objectId', 'createdAt', 'id'] })
@Index({ name: 'activity_entry_feed_index', properties: ['createdAt', 'id'] })
@Index({ name: 'activity_entry_actor_index', properties: ['actor', 'createdAt', 'id'] })
export class ActivityEntry {
  @PrimaryKey({ type: 'integer', autoincrement: true })
  id!: number;

  @ManyToOne(() => User, { nullable: true, deleteRule: 'set null', index: false })
  actor?: User | null;

  @Field(() => String, { description: 'What happened: created, updated, deleted, tagged, commented, linked, …' })
  @Property({ type: 'string', length: 40 })
  verb!: string;

  @ManyToOne(() => ContentType, { deleteRule: 'cascade' })
  contentType!: ContentType;

  @Property({ type: 'text' })
  objectId!: string;

  @Field(() => String, { description: 'Readable snapshot of the target, kept after it is deleted.' })
  @Property({ type: 'string', length: 200 })
  objectRepr!: string;

  @Field(() => GraphQLJSON, {
    nullable: true,
    description: 'Details (tag names, changed fields with old and new values, a comment excerpt, …); null or reduced to ids once redacted.',
  })
  @Property({ type: 'json', nullable: true })
  data?: Record<string, unknown> | null;

  /** When the text this entry quoted was deleted and its `data` redacted; null while it is intact. */
  @Property({ type: 'datetime', nullable: true })
  redactedAt?: Date | null;

  @Field(() => Date)
  @Property({ type: 'datetime', defaultRaw: 'now()' })
  createdAt: Opt<Date> = new Date();
}
