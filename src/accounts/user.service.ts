import type { EntityManager } from '@mikro-orm/sql';
import { UniqueConstraintViolationException } from '@mikro-orm/core';
import { AccountError } from './api-token.service.js';
import { User } from './user.entity.js';
import { Role } from './roles.js';
import { OWNER_PROPERTY } from '../content/content-owner.js';
import { charLength, requireVisibleText } from '../generic/validation.js';

const USERNAME = /^[a-z0-9][a-z0-9_.-]{0,49}$/;

export interface NewUser {
  username: string;
  name?: string;
  role?: Role;
}

/**
 * Creates a user, its own owner, and flushes it. Usernames are 1–50 characters of lowercase
 * ASCII letters, digits, `_`, `.`, `-` (so no look-alike from another script,
 * no invisible character); the display name defaults to the username.
 * Throws AccountError for invalid input or a username that is taken.
 */
export async function createUser(em: EntityManager, input: NewUser): Promise<User> {
  const { username, name } = validateNewUser(input);
  const user = em.create(User, { username, name, role: input.role ?? Role.MEMBER });
  try {
    await em.flush();
  } catch (error) {
    if (error instanceof UniqueConstraintViolationException) throw new AccountError(`The username "${username}" is taken.`);
    throw error;
  }
  // A user account is its own owner (it may moderate comments on it, remove its tags and links); set once the id exists.
  Object.assign(user, { [OWNER_PROPERTY]: user });
  await em.flush();
  return user;
}

/** The username and display name of a new user, checked (see createUser); throws AccountError. Needs no database. */
export function validateNewUser(input: NewUser): { username: string; name: string } {
  const username = input.username.trim();
  if (!USERNAME.test(username)) {
    throw new AccountError(`Invalid username ${JSON.stringify(username)}: use 1–50 lowercase ASCII letters, digits, "_", "." or "-", starting with a letter or digit.`);
  }
  return { username, name: normalizeDisplayName(input.name ?? username) };
}

/**
 * A display name: NFC, trimmed, inner spaces collapsed, 1–200 characters,
 * no invisible, control or bidi-override characters (they make one name look
 * like another). Throws AccountError.
 */
export function normalizeDisplayName(raw: string): string {
  try {
    requireVisibleText(raw, 'name');
  } catch (error) {
    throw new AccountError(`Invalid display name: ${(error as Error).message.replace(/^`name` /, '')}`);
  }
  const name = raw.normalize('NFC').trim().replace(/\s+/g, ' ');
  if (charLength(name) < 1 || charLength(name) > 200) throw new AccountError('A display name must be 1–200 characters long.');
  return name;
}

/** Sets a user's role (one UPDATE); returns the role it had, or null when there is no such user. */
export async function setUserRole(em: EntityManager, username: string, role: Role): Promise<{ user: User; previous: Role } | null> {
  const user = await em.findOne(User, { username });
  if (!user) return null;
  const previous = user.role;
  user.role = role;
  await em.flush();
  return { user, previous };
}

/** The user with this username, or null. */
export function findUserByUsername(em: EntityManager, username: string): Promise<User | null> {
  return em.findOne(User, { username });
}

/** Every user with the number of its tokens that still work, by id. */
export async function listUsers(em: EntityManager): Promise<{ id: number; username: string; name: string; role: Role; createdAt: Date; activeTokens: number }[]> {
  const rows = await em.execute<{ id: number; username: string; name: string; role: Role; created_at: Date; active: number }[]>(
    `select u."id", u."username", u."name", u."role", u."created_at", (select count(*)::int from "api_token" t where t."user_id" = u."id" and t."revoked_at" is null) as "active" ` +
      `from "user" u order by u."id"`,
  );
  return rows.map((r) => ({ id: r.id, username: r.username, name: r.name, role: r.role, createdAt: new Date(r.created_at), activeTokens: Number(r.active) }));
}
