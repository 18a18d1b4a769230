import { GraphQLError } from 'graphql';
import { ServiceUnavailableError } from '../generic/errors.js';

/** Network errors of a database connection (Node's and pg's). */
const CONNECTION_ERRNOS = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND', 'EHOSTUNREACH', 'ENETUNREACH', 'EAI_AGAIN']);
/** SQLSTATEs of a server that is going away or refuses connections. */
const UNAVAILABLE_SQLSTATES = new Set(['57P01', '57P02', '57P03', '53300']);
/** pg and pg-pool messages of a lost or unobtainable connection. */
const CONNECTION_MESSAGES = /Connection terminated|timeout exceeded when trying to connect|Client has encountered a connection error|Connection ended|not queryable|connect ECONNREFUSED/i;

/**
 * Maps errors raised by the database that a client can act on to GraphQL
 * errors with a code:
 * - `foreign_key_violation` (23503) from the generic-foreign-key triggers
 *   (constraint `cg_gfk_<relation>`): NOT_FOUND, the target is gone. Only
 *   those: any other foreign key violation is a bug or a race the write path
 *   must prevent (e.g. tags are locked before tagging) and stays masked;
 * - a foreign key violation of a row pointing at a user that no longer
 *   exists: the caller was deleted by `users:delete` while the request ran,
 *   UNAUTHENTICATED (the next request with the token is refused the same way);
 * - a statement cancelled by the request's statement_timeout (57014): TIMEOUT;
 * - a lost, refused or unobtainable connection: SERVICE_UNAVAILABLE (the
 *   response becomes HTTP 503, see pipeline.plugin.ts).
 */
export function toGraphQLError(error: unknown): GraphQLError | undefined {
  if (isDatabaseUnavailable(error)) return new ServiceUnavailableError();
  const original = unwrap(error);
  const code = original?.code;
  if (code === '23503' && original?.constraint?.startsWith('cg_gfk_')) {
    return new GraphQLError('The target object does not exist (any more).', {
      extensions: { code: 'NOT_FOUND', constraint: original?.constraint },
    });
  }
  if (code === '23503' && DELETED_USER.test(original?.detail ?? '')) {
    // The caller's account was deleted (users:delete) while this request ran: its token was valid when it was checked,
    // the row its writes refer to (author, owner, actor) is gone now. Nothing was written (one transaction).
    return new GraphQLError('The account of this API token was deleted while the request ran; nothing was changed.', {
      extensions: { code: 'UNAUTHENTICATED' },
    });
  }
  if (code === '57014') {
    return new GraphQLError(
      'The request did not finish within its deadline and was stopped; nothing it was writing was saved. Ask for less or try again later.',
      { extensions: { code: 'TIMEOUT' } },
    );
  }
  return undefined;
}

/** True when `error` (or what it wraps) says the database connection is lost, refused or cannot be had. */
export function isDatabaseUnavailable(error: unknown): boolean {
  for (const current of chain(error)) {
    const code = typeof current.code === 'string' ? current.code : undefined;
    if (code && (CONNECTION_ERRNOS.has(code) || UNAVAILABLE_SQLSTATES.has(code) || code.startsWith('08'))) return true;
    if (typeof current.message === 'string' && CONNECTION_MESSAGES.test(current.message)) return true;
  }
  return false;
}

/** PostgreSQL's detail of a foreign key violation whose referenced row is a user (the user table is `user`, see user.entity.ts). */
const DELETED_USER = /^Key \([a-z_]+\)=\(\d+\) is not present in table "user"\.$/;

function unwrap(error: unknown): { code?: string; constraint?: string; detail?: string } | undefined {
  for (const current of chain(error)) {
    if (typeof current.code === 'string' && /^[0-9A-Z]{5}$/.test(current.code)) return current;
  }
  return undefined;
}

function* chain(error: unknown): Generator<any> {
  let current: any = error;
  for (let depth = 0; current && depth < 6; depth++) {
    yield current;
    current = current.originalError ?? current.cause ?? current.previous;
  }
}
