import { registerEnumType } from 'type-graphql';

/**
 * What a user may do beyond a signed-in member. Stored in `user.role` (a
 * CHECK constraint keeps it to these values), managed with the CLI
 * (`users:create --role`, `users:role`). Ordered: every role may do what the
 * roles before it may.
 *
 * - member: the default; may write content, tag, comment, link.
 * - moderator: also deletes other people's comments.
 * - admin: everything, including merging tags.
 */
export enum Role {
  MEMBER = 'member',
  MODERATOR = 'moderator',
  ADMIN = 'admin',
}

registerEnumType(Role, {
  name: 'Role',
  description: 'What a user may do: MEMBER (the default), MODERATOR (also deletes other people’s comments), ADMIN (everything).',
});

export const ROLES: readonly Role[] = [Role.MEMBER, Role.MODERATOR, Role.ADMIN];

/** Anything with a role (a User, or a row of one). */
export interface HasRole {
  role: Role;
}

/** Whether `user` has `role` or a higher one. */
export function hasRole(user: HasRole | null | undefined, role: Role): boolean {
  return !!user && ROLES.indexOf(user.role) >= ROLES.indexOf(role);
}

export const isAdmin = (user: HasRole | null | undefined): boolean => hasRole(user, Role.ADMIN);

/** Moderators and admins. */
export const isModerator = (user: HasRole | null | undefined): boolean => hasRole(user, Role.MODERATOR);

/** The role named exactly `value` (`member`, `moderator`, `admin`), or null. */
export function parseRole(value: string): Role | null {
  return (ROLES as readonly string[]).includes(value) ? (value as Role) : null;
}
