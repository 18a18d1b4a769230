import { GraphQLError } from 'graphql';

/**
 * GraphQL errors with a stable `extensions.code` and a message a person can
 * act on. Anything else thrown by a resolver is masked as INTERNAL_SERVER_ERROR
 * by the server's error formatter.
 */
export class AppError extends GraphQLError {
  constructor(message: string, code: string, extensions: Record<string, unknown> = {}) {
    super(message, { extensions: { ...extensions, code } });
    this.name = 'AppError';
  }
}

export class BadUserInputError extends AppError {
  constructor(message: string, extensions: Record<string, unknown> = {}) {
    super(message, 'BAD_USER_INPUT', extensions);
  }
}

export class NotFoundError extends AppError {
  constructor(message: string, extensions: Record<string, unknown> = {}) {
    super(message, 'NOT_FOUND', extensions);
  }
}

export class UnauthenticatedError extends AppError {
  constructor(message = 'This operation needs an API token: send `Authorization: Bearer <token>`.', extensions: Record<string, unknown> = {}) {
    super(message, 'UNAUTHENTICATED', extensions);
  }
}

export class ForbiddenError extends AppError {
  constructor(message: string, extensions: Record<string, unknown> = {}) {
    super(message, 'FORBIDDEN', extensions);
  }
}

/**
 * The request pipeline's refusals (src/server/pipeline). Each carries the
 * HTTP status Apollo Server answers with (`extensions.http`, removed from the
 * response body by Apollo) and what the client can do about it.
 */
export interface LimitExceeded {
  /** Which limit: `cost`, `depth`, `aliases`, `fields` or `tokens`. */
  limit: string;
  /** What the operation measured (at least `maximum + 1`). */
  measured: number;
  maximum: number;
}

/** QUERY_TOO_COMPLEX: refused before execution (no SQL issued), HTTP 400. */
export class QueryTooComplexError extends AppError {
  constructor(message: string, exceeded: LimitExceeded) {
    super(message, 'QUERY_TOO_COMPLEX', { ...exceeded, http: { status: 400 } });
  }
}

/** RATE_LIMITED: the client's cost budget for the current window is spent, HTTP 429. */
export class RateLimitedError extends AppError {
  constructor(message: string, retryAfterSeconds: number, extensions: Record<string, unknown> = {}, headers?: Map<string, string>) {
    super(message, 'RATE_LIMITED', { ...extensions, retryAfterSeconds, http: { status: 429, headers } });
  }
}

/**
 * TIMEOUT: the request's deadline passed; whatever it was writing was rolled
 * back. HTTP 504 when no data comes back (set by the server, not here: a
 * field failing with it among fields that succeeded leaves the response 200).
 */
export class TimeoutError extends AppError {
  constructor(timeoutMs: number) {
    super(
      `The request did not finish within its deadline of ${timeoutMs} ms and was stopped; nothing it was writing was saved. ` +
        'Ask for less (smaller `first`, fewer nested fields) or try again later.',
      'TIMEOUT',
      { timeoutMs },
    );
  }
}

/** SERVICE_UNAVAILABLE: the database does not answer; retry later. HTTP 503. */
export class ServiceUnavailableError extends AppError {
  constructor(message = 'The database is not reachable right now; nothing was changed. Try again in a few seconds.', retryAfterSeconds = 5) {
    super(message, 'SERVICE_UNAVAILABLE', { retryAfterSeconds, http: { status: 503, headers: new Map([['retry-after', String(retryAfterSeconds)]]) } });
  }
}
