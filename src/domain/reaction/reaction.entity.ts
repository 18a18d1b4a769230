import type { Opt } from '@mikro-orm/core';
import { Entity, ManyToOne, PrimaryKey, Property, Unique } from '@mikro-orm/decorators/legacy';
import { Field, ObjectType } from 'type-graphql';
import { User } from '../../accounts/user.entity.js';
import { GenericRelation } from '../../content/relations/relation.options.js';
import { ContentType } from '../../generic/content-type.entity.js';
import { Node } from '../../generic/node.interface.js';
import { invalid } from '../../generic/validation.js';

const segmenter = new Intl.Segmenter('en', { granularity: 'grapheme' });

/** One emoji: a single grapheme that is pictographic (or a flag), NFC-normalised. */
export function normalizeEmoji(value: unknown): string {
  const emoji = String(value).normalize('NFC');
  const graphemes = [...segmenter.segment(emoji)];
  if (graphemes.length !== 1 || !/\p{Extended_Pictographic}|\p{Regional_Indicator}/u.test(emoji) || /[\p{L}\p{N}]/u.test(emoji)) {
    throw invalid('emoji', `must be one emoji, such as "👍" or "🎉" (got ${JSON.stringify(emoji.slice(0, 20))}).`);
  }
  return emoji;
}

/**
 * A user's emoji reaction to any content object: a generic relation declared
 * only through `@GenericRelation`. From this file alone the core derives the
 * integrity triggers (cascade with the object), the target index, the
 * `Reactable` interface on every participating type (`reactions`,
 * `reactionCount`, `reactionCounts`), `Reaction.target` and `.user`, and
 * `addReaction` / `removeReaction` (one transaction, `reacted` /
 * `unreacted` activity). Unique per user, object and emoji.
 */
@GenericRelation({
  name: 'reactions',
  onDelete: 'cascade',
  interface: { name: 'Reactable', description: 'An object people can react to with an emoji.' },
  connection: {
    field: 'reactions',
    description: 'Reactions to this object, newest first.',
    filters: [{ argument: 'emoji', property: 'emoji', description: 'Only reactions with this emoji.' }],
  },
  count: { field: 'reactionCount', description: 'How many reactions this object has.' },
  countBy: { field: 'reactionCounts', property: 'emoji', typeName: 'ReactionCount', description: 'How many reactions of each emoji, most frequent first.' },
  mutations: {
    add: 'addReaction',
    remove: 'removeReaction',
    actor: 'user',
    fields: ['emoji'],
    validate: (values) => ({ ...values, emoji: normalizeEmoji(values.emoji) }),
    verbs: { add: 'reacted', remove: 'unreacted' },
  },
})
@ObjectType('Reaction', { implements: [Node], description: "A user's emoji reaction to a content object." })
@Entity({ tableName: 'reaction' })
@Unique({ name: 'reaction_unique', properties: ['contentType', 'objectId', 'user', 'emoji'] })
export class Reaction {
  @PrimaryKey({ type: 'integer', autoincrement: true })
  id!: number;

  @ManyToOne(() => ContentType, { deleteRule: 'cascade', index: false })
  contentType!: ContentType;

  @Property({ type: 'text' })
  objectId!: string;

  @ManyToOne(() => User, { deleteRule: 'cascade' })
  user!: User;

  @Field(() => String, { description: 'One emoji.' })
  @Property({ type: 'string', length: 32 })
  emoji!: string;

  @Field(() => Date)
  @Property({ type: 'datetime', defaultRaw: 'now()' })
  createdAt: Opt<Date> = new Date();
}
