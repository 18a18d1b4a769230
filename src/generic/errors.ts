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
  constructor(message = 'This operation needs an API token: send `Authorization: Bearer <token>`.') {
    super(message, 'UNAUTHENTICATED');
  }
}

export class ForbiddenError extends AppError {
  constructor(message: string) {
    super(message, 'FORBIDDEN');
  }
}
