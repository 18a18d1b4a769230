import type { RequestLoaders } from '../../generic/request-loaders.js';
import type { TargetKey } from '../../content/content-target.js';
import { afterTimeKeySql, cursorTimestampSql, type TimeKey } from '../../content/keyset.js';
import { mapPageRows, type PageRow } from '../../content/partition-page.sql.js';
import type { TargetPage } from '../../content/target-page.loader.js';
import { ActivityEntry } from './activity-entry.entity.js';
import { User } from '../../accounts/user.entity.js';
import { rowMapper } from '../../generic/row.mapper.js';
import { quoteIdentifier as q, readRows } from '../../generic/sql.js';

/** Prefix of the actor's columns in the feed's rows (never a column of `activity_entry`). */
const ACTOR_PREFIX = 'cg_actor_';

function userPrimaryKeyColumn(loaders: RequestLoaders): string {
  return loaders.em.getMetadata().get(User).getPrimaryProps()[0].fieldNames[0];
}

export interface FeedFilter {
  actorId?: number | string;
  verb?: string;
  target?: TargetKey;
}

/**
 * One page of the activity feed, newest first, keyset on `(created_at, id)`:
 * one statement, served by `activity_entry_feed_index` (or the actor / target
 * index when filtered). The actor of each entry comes in the same statement
 * (a join on the user's primary key): `actor` answers it without a statement
 * or a promise (`joinedActor`), and it primes the request's User loader. Returns `first + 1` rows at most.
 */
export async function feedPage(loaders: RequestLoaders, filter: FeedFilter, first: number, after: TimeKey | null): Promise<TargetPage<ActivityEntry>> {
  const where: string[] = [];
  const params: unknown[] = [];
  if (filter.actorId !== undefined) {
    where.push('e.actor_id = ?');
    params.push(filter.actorId);
  }
  if (filter.verb !== undefined) {
    where.push('e.verb = ?');
    params.push(filter.verb);
  }
  if (filter.target) {
    where.push('e.content_type_id = ? and e.object_id = ?');
    params.push(filter.target.contentTypeId, filter.target.objectId);
  }
  if (after) {
    const condition = afterTimeKeySql('e.created_at', 'e.id', after, 'desc');
    where.push(condition.sql);
    params.push(...condition.params);
  }
  params.push(first + 1);
  const actors = rowMapper(loaders.em, User);
  const rows = await readRows<PageRow>(loaders.em,
    `select e.*, ${cursorTimestampSql('e.created_at')} as cg_at, ${actors.selectList('u', ACTOR_PREFIX)} from activity_entry e ` +
      `left join ${q(loaders.em.getMetadata().get(User).tableName)} u on u.${q(userPrimaryKeyColumn(loaders))} = e.actor_id` +
      (where.length ? ` where ${where.join(' and ')}` : '') +
      ` order by e.created_at desc, e.id desc limit ?`,
    params,
  );
  const users = loaders.entity(User);
  const page = mapPageRows(loaders.em, ActivityEntry, rows);
  for (let i = 0; i < rows.length; i++) {
    const actor = actors.map(rows[i], ACTOR_PREFIX);
    if (actor) users.prime(actor.id, actor);
    joinedActors.set(page[i].node, actor);
  }
  return page;
}

/** The actor each entry of a feed page came with (null: none, or deleted), by entry. */
const joinedActors = new WeakMap<ActivityEntry, User | null>();

/**
 * The actor of an entry read by `feedPage` (the page's own join), so
 * `ActivityEntry.actor` answers it without a promise; undefined for entries
 * read another way (a mutation's payload, a relation's page), whose actor
 * comes from the User loader.
 */
export function joinedActor(entry: ActivityEntry): User | null | undefined {
  return joinedActors.get(entry);
}
