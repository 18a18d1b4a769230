import crypto from 'node:crypto';
import type { EntityManager } from '@mikro-orm/sql';
import { ApiToken } from './api-token.entity.js';
import { placeholders } from '../generic/sql.js';
import { requireVisibleText } from '../generic/validation.js';
import type { User } from './user.entity.js';

/**
 * API tokens: `cg_` followed by 32 random bytes in base64url (256 bits).
 * Only the SHA-256 hash is stored: a token of that entropy needs no salt or
 * slow hash (nothing to brute-force), and an index lookup by hash finds it in
 * one statement. The token itself is returned once, by `createApiToken`.
 */
export const API_TOKEN_PREFIX = 'cg_';
const API_TOKEN_PATTERN = /^cg_[A-Za-z0-9_-]{43}$/;
const DISPLAY_PREFIX_LENGTH = 11; // "cg_" + 8 characters

export class AccountError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'AccountError';
  }
}

export function generateApiToken(): string {
  return API_TOKEN_PREFIX + crypto.randomBytes(32).toString('base64url');
}

/** Whether a string has the shape of a contentgraph API token (checked before any lookup). */
export function isWellFormedApiToken(token: string): boolean {
  return API_TOKEN_PATTERN.test(token);
}

export function hashApiToken(token: string): string {
  return crypto.createHash('sha256').update(token, 'utf8').digest('hex');
}

export interface CreatedApiToken {
  /** The token itself. Show it once; it cannot be recovered later. */
  token: string;
  apiToken: ApiToken;
}

/** Creates a named token for `user` and flushes it. Throws AccountError for a bad name. */
export async function createApiToken(em: EntityManager, user: User, name: string): Promise<CreatedApiToken> {
  const trimmed = name.trim();
  if (trimmed.length < 1 || trimmed.length > 100) throw new AccountError('A token name must be 1–100 characters long.');
  try {
    requireVisibleText(trimmed, 'name'); // it is printed by tokens:list: no control or bidi characters
  } catch {
    throw new AccountError(`A token name must be visible text, without control, invisible or bidi characters (got ${JSON.stringify(trimmed)}).`);
  }
  const token = generateApiToken();
  const apiToken = em.create(ApiToken, {
    user,
    name: trimmed,
    tokenHash: hashApiToken(token),
    prefix: token.slice(0, DISPLAY_PREFIX_LENGTH),
  });
  await em.flush();
  return { token, apiToken };
}

/** Every token (of one user when `username` is given), newest first, with its user loaded. */
export async function listApiTokens(em: EntityManager, options: { username?: string } = {}): Promise<ApiToken[]> {
  const where = options.username ? { user: { username: options.username } } : {};
  return em.find(ApiToken, where, { populate: ['user'], orderBy: { createdAt: 'desc', id: 'desc' } });
}

/**
 * Revokes a token by id: it stops authenticating with the next request.
 * Idempotent (revoking a revoked token keeps its first revocation time).
 * Returns null when no token has that id.
 */
export async function revokeApiToken(em: EntityManager, id: number): Promise<ApiToken | null> {
  const apiToken = await em.findOne(ApiToken, { id }, { populate: ['user'] });
  if (!apiToken) return null;
  apiToken.revokedAt ??= new Date();
  await em.flush();
  return apiToken;
}

/**
 * The user a token authenticates, or null when the token is unknown or
 * revoked. One indexed SELECT; `last_used_at` is then written at most once a
 * minute per token (a conditional UPDATE outside any transaction, so busy
 * tokens do not serialise their requests on one row).
 */
export async function authenticateApiToken(em: EntityManager, token: string): Promise<User | null> {
  if (!isWellFormedApiToken(token)) return null;
  // On the primary (never a read replica): a revoked token is refused at once, a new one works at once.
  const apiToken = await em.findOne(ApiToken, { tokenHash: hashApiToken(token), revokedAt: null }, { populate: ['user'], connectionType: 'write' });
  if (!apiToken) return null;
  const stale = !apiToken.lastUsedAt || Date.now() - apiToken.lastUsedAt.getTime() > 60_000;
  if (stale) {
    await em.execute(
      `update "api_token" set "last_used_at" = now() where "id" = ? and ("last_used_at" is null or "last_used_at" < now() - interval '1 minute')`,
      [apiToken.id],
      'run',
    );
  }
  return apiToken.user;
}


/**
 * Of these token hashes, the ones that still authenticate (not revoked, their
 * user not deleted), with their user's role now: one statement on the primary.
 * For connections that authenticated once and stay open (subscriptions).
 */
export async function currentTokenRoles(em: EntityManager, tokenHashes: readonly string[]): Promise<Map<string, string>> {
  const roles = new Map<string, string>();
  for (let at = 0; at < tokenHashes.length; at += 1000) {
    const chunk = tokenHashes.slice(at, at + 1000);
    const rows = await em
      .getConnection('write')
      .execute<{ token_hash: string; role: string }[]>(
        `select t."token_hash", u."role" from "api_token" t join "user" u on u."id" = t."user_id" where t."revoked_at" is null and t."token_hash" in (${placeholders(chunk.length)})`,
        chunk,
      );
    for (const row of rows) roles.set(row.token_hash, row.role);
  }
  return roles;
}
