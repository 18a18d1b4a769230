import { Arg, Ctx, Field, ID, Int, Mutation, ObjectType, Resolver } from 'type-graphql';
import type { MutationContext } from '../../accounts/authentication.js';
import { ContentObjectRef } from '../../content/content-object-ref.input.js';
import { ContentObject } from '../../content/content-object.union.js';
import { resolveContentTarget } from '../../content/target.js';
import { NotFoundError } from '../../generic/errors.js';
import { inTransaction } from '../../generic/transaction.js';
import { authorizeGlobal } from '../../content/permissions.policy.js';
import { invalid } from '../../generic/validation.js';
import { Tag } from './tag.entity.js';
import { addTags, mergeTags, removeTags, setTags } from './tags.service.js';
import { MAX_NAMES_PER_CALL, MAX_TAGS_PER_OBJECT, normalizeTagName, normalizeTagNames, tagKey } from './tags.validation.js';

@ObjectType('TaggingPayload', { description: 'The result of addTags / removeTags.' })
export class TaggingPayload {
  @Field(() => ContentObject, { description: 'The tagged object.' })
  target!: object;

  @Field(() => [Tag], { description: 'Every tag now on the target, by name.' })
  tags!: Tag[];

  @Field(() => [String], { description: 'Names this call added (addTags) or removed (removeTags); empty when it changed nothing.' })
  changed!: string[];
}

@ObjectType('SetTagsPayload', { description: 'The result of setTags.' })
export class SetTagsPayload {
  @Field(() => ContentObject, { description: 'The tagged object.' })
  target!: object;

  @Field(() => [Tag], { description: 'Every tag now on the target, by name: exactly the names given.' })
  tags!: Tag[];

  @Field(() => [String], { description: 'Names this call added.' })
  added!: string[];

  @Field(() => [String], { description: 'Names this call removed.' })
  removed!: string[];
}

@ObjectType('MergeTagsPayload', { description: 'The result of mergeTags.' })
export class MergeTagsPayload {
  @Field(() => Tag, { description: 'The tag the others were merged into.' })
  tag!: Tag;

  @Field(() => [String], { description: 'Names of the merged tags, which no longer exist.' })
  merged!: string[];

  @Field(() => Int, { description: 'How many content objects carried a merged tag (each now carries `tag`).' })
  retaggedCount!: number;
}

const TARGET_DOC = 'The target is given as `target` (a global ID) or as `targetRef` (e.g. `{ article: 1 }`), exactly one of them.';

/** addTags, removeTags, setTags, mergeTags. */
@Resolver()
export class TagMutations {
  @Mutation(() => TaggingPayload, {
    description:
      `Tags a content object with up to ${MAX_NAMES_PER_CALL} names (trimmed, inner whitespace collapsed, 1–50 characters; ` +
      'no invisible or control characters; names with one key, i.e. equal after Unicode NFKC and full case folding, are one tag). ' +
      `An object carries at most ${MAX_TAGS_PER_OBJECT} tags (past it: BAD_USER_INPUT, nothing written). Idempotent; creates missing tags; records a \`tagged\` activity entry ` +
      `with the names it added. ${TARGET_DOC} Needs an API token.`,
  })
  async addTags(
    @Arg('target', () => ID, { nullable: true }) target: string | null,
    @Arg('targetRef', () => ContentObjectRef, { nullable: true }) targetRef: ContentObjectRef | null,
    @Arg('names', () => [String]) names: string[],
    @Ctx() ctx: MutationContext,
  ): Promise<TaggingPayload> {
    return changeTags(ctx, { id: target, ref: targetRef }, names, addTags);
  }

  @Mutation(() => TaggingPayload, {
    description:
      'Removes tags (names compared by key: Unicode NFKC and full case folding) from a content object. Idempotent: names it does not carry are ignored. ' +
      'Each tag comes off by the user who added it, the owner of the object or an admin (FORBIDDEN otherwise, rule `tags.remove`). ' +
      `Records an \`untagged\` activity entry with the names it removed. ${TARGET_DOC} Needs an API token.`,
  })
  async removeTags(
    @Arg('target', () => ID, { nullable: true }) target: string | null,
    @Arg('targetRef', () => ContentObjectRef, { nullable: true }) targetRef: ContentObjectRef | null,
    @Arg('names', () => [String]) names: string[],
    @Ctx() ctx: MutationContext,
  ): Promise<TaggingPayload> {
    return changeTags(ctx, { id: target, ref: targetRef }, names, removeTags);
  }

  @Mutation(() => SetTagsPayload, {
    description:
      `Replaces the tags of a content object with exactly these names (0–${MAX_NAMES_PER_CALL}; normalised like addTags), in one ` +
      'transaction: missing tags are added (and created), the others removed. Records a `tagged` entry with the names it added and ' +
      `an \`untagged\` entry with the names it removed; nothing when the set is unchanged. ${TARGET_DOC} Needs an API token.`,
  })
  async setTags(
    @Arg('target', () => ID, { nullable: true }) target: string | null,
    @Arg('targetRef', () => ContentObjectRef, { nullable: true }) targetRef: ContentObjectRef | null,
    @Arg('names', () => [String]) names: string[],
    @Ctx() ctx: MutationContext,
  ): Promise<SetTagsPayload> {
    const actor = await ctx.auth.requireUser();
    const normalized = names.length === 0 ? [] : normalizeTagNames(names, 'names');
    return inTransaction(ctx.em, async (tx) => {
      // Locked: two setTags of one object run one after the other, so the last one's set is the result (not a mix).
      const resolved = await resolveContentTarget(tx, ctx.registry, ctx.nodeTypes, { id: target, ref: targetRef }, ['target', 'targetRef'], {
        relation: 'tags',
        lock: 'no key update',
      });
      return { target: resolved.object, ...(await setTags(tx, ctx.registry, actor, resolved, normalized)) };
    });
  }

  @Mutation(() => MergeTagsPayload, {
    description:
      'Merges the tags `from` into the tag `into` (created when missing): every object carrying one of them carries `into` ' +
      'afterwards, once; the merged tags are deleted; each such object gets a `retagged` activity entry. Admins only (rule `tags.merge`).',
  })
  async mergeTags(
    @Arg('from', () => [String]) from: string[],
    @Arg('into', () => String) into: string,
    @Ctx() ctx: MutationContext,
  ): Promise<MergeTagsPayload> {
    const actor = await ctx.auth.requireUser();
    authorizeGlobal(actor, 'tags.merge'); // before the names are looked at: a member learns nothing about them
    const sources = normalizeTagNames(from, 'from');
    const target = normalizeTagName(into, 'into');
    if (sources.some((name) => tagKey(name) === tagKey(target))) {
      throw invalid('from', `must not contain the tag merged into (\`into\`: ${JSON.stringify(target)}).`);
    }
    return inTransaction(ctx.em, async (tx) => {
      const result = await mergeTags(tx, ctx.registry, actor, sources, target);
      if ('missing' in result) {
        throw new NotFoundError(`\`from\`: no tag named ${result.missing.map((n) => JSON.stringify(n)).join(', ')}.`, { argumentName: 'from' });
      }
      return { tag: result.tag, merged: result.merged, retaggedCount: result.retagged };
    });
  }
}

/** addTags/removeTags: authenticate, normalise the names, then resolve the target and apply `change` in one transaction. */
async function changeTags(
  ctx: MutationContext,
  target: { id: string | null; ref: ContentObjectRef | null },
  names: string[],
  change: typeof addTags,
): Promise<TaggingPayload> {
  const actor = await ctx.auth.requireUser();
  const normalized = normalizeTagNames(names, 'names');
  return inTransaction(ctx.em, async (tx) => {
    // addTags and removeTags lock the object row first, as setTags does, so the three run one after the other per
    // object (which also keeps addTags within MAX_TAGS_PER_OBJECT): taking other locks before the row (the trigger's
    // FOR KEY SHARE, removeTags reading the owner FOR SHARE after its delete) deadlocked concurrent calls (500 once
    // the retries ran out, or TIMEOUT). FOR NO KEY UPDATE, not FOR UPDATE: a mergeTags holding one of the tags reads
    // the object FOR KEY SHARE, which FOR UPDATE would block (the two deadlocked, see tags.service.ts).
    const resolved = await resolveContentTarget(tx, ctx.registry, ctx.nodeTypes, target, ['target', 'targetRef'], { relation: 'tags', lock: 'no key update' });
    return { target: resolved.object, ...(await change(tx, ctx.registry, actor, resolved, normalized)) };
  });
}
