import type { EntityManager } from '@mikro-orm/sql';
import { isAdmin, isModerator, type HasRole } from '../accounts/roles.js';
import type { ContentTypeRegistry, RegisteredContentType } from '../generic/content-type.registry.js';
import { ForbiddenError, NotFoundError } from '../generic/errors.js';
import { type Principal, type Rule, type RuleName, ruleOf } from '../generic/permission-rules.js';
import { quoteIdentifier as q } from '../generic/sql.js';
import { ownerColumn, ownerIdOf } from './content-owner.js';

/**
 * Who may do what: the one place every mutation asks. A mutation calls
 * `authorize` inside its transaction, after it has read (and, for changes,
 * locked) what it acts on and before it commits; a refusal throws FORBIDDEN
 * naming the rule (`extensions.rule`), which rolls the transaction back.
 *
 * The rules come from the content type's registration (`permissions`, see
 * src/generic/permission-rules.ts) with defaults; docs/permissions.md has
 * the table. The owner is read inside the transaction: from the row the
 * mutation locked `FOR UPDATE` (`ownerLocked`), or else with `SELECT owner_id
 * … FOR SHARE` (only when the rule needs it, so the default paths cost no
 * statement), which waits for a concurrent change of the owner (a transfer,
 * `users:delete` setting it NULL) and keeps it from changing until commit.
 */

/** Who acts: an authenticated user. */
export interface Actor extends HasRole {
  id: number;
}

/** A content object a rule is checked against. */
export interface PolicyTarget {
  object: object;
  type: RegisteredContentType;
  /** The key's canonical text (`object_id`). */
  objectId: string;
  /** The object was read `FOR UPDATE` in this transaction: its owner is current and locked. */
  ownerLocked?: boolean;
}

/** The policy's view of a loaded content object. */
export function policyTarget(registry: ContentTypeRegistry, object: object): PolicyTarget {
  const { type, text } = registry.keyOf(object);
  return { object, type, objectId: text };
}

export interface AuthorizeOptions {
  /**
   * The authors of the rows the action is about (a comment's author, the
   * taggers of the tags removed, a link's creator), one per row; each row
   * must be allowed. Omitted for actions on the object itself.
   */
  authors?: readonly (number | null)[];
}

/**
 * Throws FORBIDDEN unless `actor` may do `rule` to one of `targets` (an
 * action on a link is allowed by the rule of either end; on anything else
 * pass one target). Reads the owner inside `tx` when the rule needs it;
 * NOT_FOUND when the object is gone meanwhile.
 */
export async function authorize(tx: EntityManager, actor: Actor, rule: RuleName, targets: readonly PolicyTarget[], options: AuthorizeOptions = {}): Promise<void> {
  const rules = targets.map((target) => ruleOf(target.type.options.permissions, rule));
  // A row is allowed to its author when the rule names `author`; any other row needs the object-level principals.
  const toAuthor = rules.some((r) => r.includes('author'));
  if (options.authors && options.authors.every((author) => toAuthor && author !== null && author === actor.id)) return;
  for (let i = 0; i < targets.length; i++) {
    if (byRole(actor, rules[i])) return;
  }
  for (let i = 0; i < targets.length; i++) {
    if (!rules[i].includes('owner')) continue;
    if ((await ownerOf(tx, targets[i])) === actor.id) return;
  }
  throw forbidden(rule, targets, rules[0]);
}

/** Throws FORBIDDEN unless `actor` may do a rule that concerns no object (`tags.merge`, `object.create` of a type). */
export function authorizeGlobal(actor: Actor, rule: RuleName, type?: RegisteredContentType): void {
  const allowed = ruleOf(type?.options.permissions, rule);
  if (!byRole(actor, allowed)) throw forbidden(rule, [], allowed, type);
}

/** `Type:key` of a content object, as refusals name it. */
function objectLabel(target: Pick<PolicyTarget, 'type' | 'objectId'>): string {
  return `${target.type.typeName}:${target.objectId}`;
}

function byRole(actor: Actor, rule: Rule): boolean {
  return rule.includes('user') || (rule.includes('admin') && isAdmin(actor)) || (rule.includes('moderator') && isModerator(actor));
}

/** The current owner of a target, read in the transaction (`FOR SHARE` unless the mutation holds the row `FOR UPDATE`). */
async function ownerOf(tx: EntityManager, target: PolicyTarget): Promise<number | null> {
  if (target.ownerLocked) return ownerIdOf(target.object);
  const column = ownerColumn(tx as never, target.type.cls);
  const rows = await tx.execute<{ owner_id: number | null }[]>(
    `select ${q(column)} as owner_id from ${q(target.type.tableName)} where ${q(target.type.primaryKeyColumn)} = ? for share`,
    [target.objectId],
  );
  if (rows.length === 0) throw new NotFoundError(`${objectLabel(target)} does not exist (any more).`);
  return rows[0].owner_id === null ? null : Number(rows[0].owner_id);
}

const AUTHOR_NOUN: Record<string, string> = {
  tags: 'the user who added the tag',
  comments: 'the author of the comment',
  links: 'the user who made the link',
};

const ACTION: Record<string, string> = {
  'object.create': 'create {a}',
  'object.update': 'update {it}',
  'object.delete': 'delete {it}',
  'tags.add': 'tag {it}',
  'tags.remove': 'remove tags of {it}',
  'tags.merge': 'merge tags',
  'comments.add': 'comment on {it}',
  'comments.edit': 'edit this comment',
  'comments.delete': 'delete this comment on {it}',
  'links.add': 'link {it}',
  'links.remove': 'remove this link of {it}',
  'activity.add': 'record activity on {it}',
};

/**
 * FORBIDDEN naming the rule and who it allows, e.g. "Only the owner of
 * Article:12 or an admin may delete it (rule: object.delete)."
 */
function forbidden(rule: RuleName, targets: readonly PolicyTarget[], allowed: Rule, type?: RegisteredContentType): ForbiddenError {
  const relation = rule.slice(0, rule.lastIndexOf('.'));
  const of = targets.map(objectLabel).join(' or ');
  const names = (allowed as Principal[]).map((p) => principalName(p, relation, of));
  const template = ACTION[rule] ?? (rule.endsWith('.add') ? `add ${relation} to {it}` : rule.endsWith('.remove') ? `remove ${relation} of {it}` : rule);
  // "it" once the owner is named ("only the owner of Article:12 … may delete it"), the object itself otherwise.
  const it = allowed.includes('owner') && of ? 'it' : of || 'it';
  const action = template.replace('{it}', it).replace('{a}', type ? `a ${type.typeName}` : 'one');
  const who = names.length === 0 ? 'Nobody' : `Only ${names.length === 1 ? names[0] : `${names.slice(0, -1).join(', ')} or ${names.at(-1)}`}`;
  return new ForbiddenError(`${who} may ${action} (rule: ${rule}).`, { rule });
}

function principalName(principal: Principal, relation: string, of: string): string {
  switch (principal) {
    case 'user':
      return 'a signed-in user';
    case 'owner':
      return of ? `the owner of ${of}` : 'its owner';
    case 'author':
      return AUTHOR_NOUN[relation] ?? 'the user who added it';
    case 'moderator':
      return 'a moderator';
    case 'admin':
      return 'an admin';
  }
}
