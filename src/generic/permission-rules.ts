/**
 * Who may do what to a content object: the rules a content type declares in
 * its registration (`@ContentObjectType({ permissions: { … } })`), checked by
 * src/content/permissions.policy.ts, the one module every mutation passes.
 * Pure declarations, no imports: the registry and the options know them.
 */

/**
 * Who a rule lets act:
 * - `user`: any signed-in user;
 * - `owner`: the object's owner (who created it; `owner_id`, NULL for
 *   objects that belong to nobody, e.g. rows older than ownership);
 * - `author`: who made the row the action is about (a comment's author, a
 *   tag's tagger, a link's creator, the user of a reaction);
 * - `moderator`: moderators and admins;
 * - `admin`: admins.
 */
export type Principal = 'user' | 'owner' | 'author' | 'moderator' | 'admin';

/** A rule: the principals allowed, any one of them suffices (`[]`: nobody). */
export type Rule = readonly Principal[];

/**
 * The rules of one content type. Rule names: `object.create`, `object.update`,
 * `object.delete`, and per generic relation `<relation>.add` and
 * `<relation>.remove` (`tags.add`, `comments.add`, `links.remove`,
 * `reactions.add`, `activity.add` for client-recorded activity …), plus
 * `comments.edit` and `comments.delete`. What a type leaves out keeps its
 * default (DEFAULT_RULES).
 */
export interface PermissionRules {
  'object.create'?: Rule;
  'object.update'?: Rule;
  'object.delete'?: Rule;
  'tags.add'?: Rule;
  'tags.remove'?: Rule;
  'comments.add'?: Rule;
  'comments.edit'?: Rule;
  'comments.delete'?: Rule;
  'links.add'?: Rule;
  'links.remove'?: Rule;
  'activity.add'?: Rule;
  [relationRule: `${string}.add` | `${string}.remove`]: Rule | undefined;
}

export type RuleName = 'object.create' | 'object.update' | 'object.delete' | 'comments.edit' | 'comments.delete' | 'tags.merge' | `${string}.add` | `${string}.remove`;

/**
 * The defaults (Django's comments and permissions as the reference): the
 * owner or an admin changes or deletes an object; any signed-in user adds
 * rows (tags, comments, links, reactions, activity); a row comes off by its
 * author, the object's owner or an admin; a comment is edited by its author
 * (or an admin) and deleted by its author, the object's owner (moderation of
 * one's own page), a moderator or an admin; merging tags is for admins.
 */
export const DEFAULT_RULES = {
  'object.create': ['user'],
  'object.update': ['owner', 'admin'],
  'object.delete': ['owner', 'admin'],
  add: ['user'],
  remove: ['author', 'owner', 'admin'],
  'comments.edit': ['author', 'admin'],
  'comments.delete': ['author', 'owner', 'moderator', 'admin'],
  'tags.merge': ['admin'],
} as const satisfies Record<string, Rule>;

/** The rule of `name` for a type that declared `rules` (its own, else the default). */
export function ruleOf(rules: PermissionRules | undefined, name: RuleName): Rule {
  const own = (rules as Record<string, Rule | undefined> | undefined)?.[name];
  if (own) return own;
  if (name in DEFAULT_RULES) return DEFAULT_RULES[name as keyof typeof DEFAULT_RULES];
  return name.endsWith('.add') ? DEFAULT_RULES.add : DEFAULT_RULES.remove;
}
