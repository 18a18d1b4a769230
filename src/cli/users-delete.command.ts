import { LockMode } from '@mikro-orm/core';
import type { EntityManager } from '@mikro-orm/sql';
import { User } from '../accounts/user.entity.js';
import type { ContentTypeRegistry } from '../generic/content-type.registry.js';
import { toGlobalId } from '../generic/global-id.js';
import { recordActivity } from '../features/activity/activity.service.js';
import { redactActorActivity, redactCommentActivity, redactUserObject } from '../features/activity/activity.redaction.js';
import { ownerColumn } from '../content/content-owner.js';
import { quoteIdentifier as q } from '../generic/sql.js';
import { type CliCommand, parseOptions, withDatabase } from './command.js';

/** What `objectRepr` says of a deleted user, in every entry about them. */
export const DELETED_USER_REPR = '[deleted user]';

export interface UserDeletion {
  username: string;
  id: number;
  tokens: number;
  comments: number;
  /** Content objects they owned, which now belong to nobody (owner NULL). */
  owned: number;
  /** Activity entries whose data was redacted (or, for entries about the user, whose name was removed). */
  redacted: number;
}

/**
 * Deletes a user, in one transaction, by this policy:
 * - their API tokens are deleted: they stop working with the next request;
 * - their comments are deleted, and the activity entries quoting them redacted;
 * - the activity entries they acted in stay, with `actor: null` and their data redacted;
 * - entries about the user (users are content objects) stay, with `objectRepr`
 *   "[deleted user]" and redacted data, plus a `deleted` entry (actor: the system);
 *   tags, comments and links on the user go with them, as for any object;
 * - content they created stays and belongs to nobody (its `owner` becomes
 *   NULL, by the foreign key's ON DELETE SET NULL: only admins may change it),
 *   and so do their tags and links (`taggedBy` and the link's creator become null).
 * Returns null when there is no such user; with `dryRun`, counts and changes nothing.
 */
export async function deleteUser(em: EntityManager, registry: ContentTypeRegistry, username: string, dryRun = false): Promise<UserDeletion | null> {
  return em.transactional(async (tx) => {
    const user = await tx.findOne(User, { username }, { lockMode: LockMode.PESSIMISTIC_WRITE });
    if (!user) return null;
    const comments = await tx.execute<{ id: number; content_type_id: number; object_id: string }[]>(
      `select "id", "content_type_id", "object_id" from "comment" where "author_id" = ? order by "id"`,
      [user.id],
    );
    const [{ n: tokens }] = await tx.execute<{ n: number }[]>(`select count(*)::int as n from "api_token" where "user_id" = ?`, [user.id]);
    let owned = 0;
    for (const type of registry.types()) {
      if (type.cls === User) continue; // the account itself, its own owner
      const [{ n }] = await tx.execute<{ n: number }[]>(`select count(*)::int as n from ${q(type.tableName)} where ${q(ownerColumn(tx as never, type.cls))} = ?`, [user.id]);
      owned += Number(n);
    }
    const result = { username: user.username, id: user.id, tokens: Number(tokens), comments: comments.length, owned, redacted: 0 };
    if (dryRun) return result;
    result.redacted += await redactCommentActivity(
      tx,
      comments.map((c) => ({ contentTypeId: Number(c.content_type_id), objectId: String(c.object_id), globalId: toGlobalId('Comment', c.id) })),
    );
    result.redacted += await redactActorActivity(tx, user.id);
    await recordActivity(tx, registry, { actor: null, verb: 'deleted', target: user });
    result.redacted += await redactUserObject(tx, registry.idOf(User), String(user.id), toGlobalId('User', user.id), DELETED_USER_REPR);
    // Tokens and comments go by their foreign keys (on delete cascade), the generic rows by the integrity triggers.
    await tx.execute(`delete from "user" where "id" = ?`, [user.id], 'run');
    return result;
  });
}

const USAGE = 'usage: npm run cli -- users:delete --user <username> [--yes]   (without --yes: show what would be deleted)';

/** `users:delete`: deletes a user by the policy of `deleteUser`. */
export const usersDeleteCommand: CliCommand = {
  name: 'users:delete',
  summary: 'delete a user (--user, --yes): tokens and comments deleted, their text redacted from the activity stream',
  async run(args) {
    const parsed = parseOptions(args, { user: { type: 'string' }, yes: { type: 'boolean' } }, USAGE);
    if (!parsed) return 2;
    const username = parsed.values.user;
    if (!username) {
      console.error(USAGE);
      return 2;
    }
    const dryRun = !parsed.values.yes;
    const result = await withDatabase((em, registry) => deleteUser(em, registry, username, dryRun));
    if (!result) {
      console.error(`No user ${JSON.stringify(username)}. List them with: npm run cli -- users:list`);
      return 1;
    }
    const what = `${result.tokens} API tokens and ${result.comments} comments`;
    if (dryRun) {
      console.log(`Would delete user "${result.username}" (id ${result.id}) with ${what}, and redact their text from the activity stream.`);
      console.log(`${result.owned} content objects they own would belong to nobody (only admins may change them).`);
      console.log('Nothing was changed; run again with --yes to delete.');
      return 0;
    }
    console.log(`Deleted user "${result.username}" (id ${result.id}) with ${what}; redacted ${result.redacted} activity entries.`);
    console.log(`${result.owned} content objects they owned now belong to nobody (only admins may change them).`);
    return 0;
  },
};
