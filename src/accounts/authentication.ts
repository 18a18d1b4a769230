import type { EntityManager } from '@mikro-orm/sql';
import type { GenericContext } from '../generic/context.js';
import { ForbiddenError, UnauthenticatedError } from '../generic/errors.js';
import { authenticateApiToken } from './api-token.service.js';
import type { User } from './user.entity.js';
import { hasRole, Role } from './roles.js';

/** What a resolver needs from the context to know who is calling. */
export interface AuthContext {
  auth: RequestAuth;
}

/** The context a mutation resolver sees. */
export type MutationContext = GenericContext & AuthContext;

/**
 * The caller of one request, from its `Authorization: Bearer <token>`
 * header. Resolved lazily, at most once per request: queries never touch the
 * token (they are public), mutations call `requireUser()` first.
 */
export class RequestAuth {
  #user: Promise<User | null> | undefined;
  #userId: number | undefined;

  constructor(
    private readonly em: EntityManager,
    private readonly authorization: string | undefined,
  ) {}

  /**
   * The authenticated user; null when the request carries no Authorization
   * header. Throws UNAUTHENTICATED when it carries one that is malformed, or a
   * token that is unknown or revoked: a bad token is never silently ignored.
   */
  user(): Promise<User | null> {
    this.#user ??= this.#resolve();
    return this.#user;
  }

  /** The caller's id once this request authenticated it (for the request log); undefined otherwise. */
  get userId(): number | undefined {
    return this.#userId;
  }

  /** The authenticated user, or UNAUTHENTICATED. */
  async requireUser(): Promise<User> {
    const user = await this.user();
    if (!user) throw new UnauthenticatedError();
    return user;
  }

  /** The authenticated user if it has `role` (or a higher one); UNAUTHENTICATED or FORBIDDEN otherwise. */
  async requireRole(role: Role): Promise<User> {
    const user = await this.requireUser();
    if (!hasRole(user, role)) throw new ForbiddenError(`Only ${role === Role.ADMIN ? 'an admin' : `a ${role} or an admin`} may do this.`);
    return user;
  }

  /** The authenticated user if an admin; UNAUTHENTICATED or FORBIDDEN otherwise. */
  requireAdmin(): Promise<User> {
    return this.requireRole(Role.ADMIN);
  }

  async #resolve(): Promise<User | null> {
    const header = this.authorization?.trim();
    if (!header) return null;
    const match = /^Bearer\s+(\S+)$/i.exec(header);
    if (!match) {
      throw new UnauthenticatedError('The Authorization header must be `Bearer <token>`, with an API token from `npm run cli -- tokens:create`.');
    }
    const user = await authenticateApiToken(this.em, match[1]);
    if (!user) throw new UnauthenticatedError('The API token is invalid, unknown or revoked.');
    this.#userId = user.id;
    return user;
  }
}
