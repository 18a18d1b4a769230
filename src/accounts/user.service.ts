import type { EntityManager } from '@mikro-orm/sql';
import { UniqueConstraintViolationException } from '@mikro-orm/core';
import { AccountError } from './api-token.service.js';
import { User } from './user.entity.js';

const USERNAME = /^[a-z0-9][a-z0-9_.-]{0,49}$/;

export interface NewUser {
  username: string;
  name?: string;
  isAdmin?: boolean;
}

/**
 * Creates a user and flushes it. Usernames are 1–50 characters of lowercase
 * letters, digits, `_`, `.`, `-`; the display name defaults to the username.
 * Throws AccountError for invalid input or a username that is taken.
 */
export async function createUser(em: EntityManager, input: NewUser): Promise<User> {
  const username = input.username.trim();
  if (!USERNAME.test(username)) {
    throw new AccountError(`Invalid username "${username}": use 1–50 lowercase letters, digits, "_", "." or "-", starting with a letter or digit.`);
  }
  const name = (input.name ?? username).trim().replace(/\s+/g, ' ');
  if (name.length < 1 || name.length > 200) throw new AccountError('A display name must be 1–200 characters long.');
  const user = em.create(User, { username, name, isAdmin: input.isAdmin ?? false });
  try {
    await em.flush();
  } catch (error) {
    if (error instanceof UniqueConstraintViolationException) throw new AccountError(`The username "${username}" is taken.`);
    throw error;
  }
  return user;
}

/** The user with this username, or null. */
export function findUserByUsername(em: EntityManager, username: string): Promise<User | null> {
  return em.findOne(User, { username });
}
